"""The local endpoint's work per request does not grow with the number of tables.

Without timing anything: the control plane counts the table records it looks at (settling transitions, lookups),
and moto's table dict is swapped for one that counts full scans of it. A request on one table must look at the
same number of records with 10 tables as with 200, and never scan moto's tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynamotable.local import Latency, LocalEndpoint, motobackend

ACCOUNT = "123456789012"
REGION = "us-east-1"


class ScanCountingDict(dict[str, Any]):
    """moto's name -> Table dict, counting how often it is iterated as a whole."""

    scans = 0

    def __iter__(self) -> Iterator[str]:
        ScanCountingDict.scans += 1
        return super().__iter__()

    def keys(self) -> Any:
        ScanCountingDict.scans += 1
        return super().keys()

    def values(self) -> Any:
        ScanCountingDict.scans += 1
        return super().values()

    def items(self) -> Any:
        ScanCountingDict.scans += 1
        return super().items()


@pytest.fixture
def counted(local_fresh: LocalEndpoint) -> Iterator[LocalEndpoint]:
    backend = motobackend.backend(ACCOUNT, REGION)
    original = backend.tables
    yield local_fresh
    backend.tables = dict(backend.tables) if isinstance(backend.tables, ScanCountingDict) else original


def count_scans() -> None:
    backend = motobackend.backend(ACCOUNT, REGION)
    if not isinstance(backend.tables, ScanCountingDict):
        backend.tables = ScanCountingDict(backend.tables)
    ScanCountingDict.scans = 0


def cost_of(endpoint: LocalEndpoint, call: Callable[[], Any]) -> tuple[int, int]:
    """(table records visited, full scans of moto's tables) during `call`."""
    count_scans()
    before = endpoint._control.visits
    call()
    return endpoint._control.visits - before, ScanCountingDict.scans


def fill(create: Callable[..., Any], first: int, last: int) -> None:
    for i in range(first, last):
        create(f"t{i:03d}", Tags=[{"Key": "n", "Value": str(i)}])


def per_request_costs(endpoint: LocalEndpoint, ddb: Any, clock: Any) -> dict[str, tuple[int, int]]:
    arn = ddb.describe_table(TableName="t005")["Table"]["TableArn"]
    clock.advance(10)
    ddb.describe_table(TableName="t000")  # settles the creations now due: nothing is pending afterwards

    def update_then_settle() -> None:
        ddb.update_table(TableName="t005", TableClass="STANDARD_INFREQUENT_ACCESS")
        clock.advance(10)
        assert ddb.describe_table(TableName="t005")["Table"]["TableStatus"] == "ACTIVE"
        ddb.update_table(TableName="t005", TableClass="STANDARD")
        clock.advance(10)

    return {
        "DescribeTable": cost_of(endpoint, lambda: ddb.describe_table(TableName="t003")),
        "ListTagsOfResource": cost_of(endpoint, lambda: ddb.list_tags_of_resource(ResourceArn=arn)),
        "TagResource": cost_of(endpoint, lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])),
        "DescribeTimeToLive": cost_of(endpoint, lambda: ddb.describe_time_to_live(TableName="t007")),
        "UpdateTable+settle": cost_of(endpoint, update_then_settle),
    }


def test_a_request_looks_at_as_many_records_with_200_tables_as_with_10(
    counted: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    counted.set_latency(Latency(create=1, update=5))
    ddb = local_ddb()
    fill(local_table, 0, 10)
    small = per_request_costs(counted, ddb, local_clock)
    fill(local_table, 10, 200)
    large = per_request_costs(counted, ddb, local_clock)
    assert large == small
    assert small["DescribeTable"][0] > 0 and small["UpdateTable+settle"][0] > 0  # the counter does count
    assert all(scans == 0 for _, scans in small.values())


def test_the_scan_counter_catches_a_scan_of_every_table(
    counted: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    ddb = local_ddb()
    fill(local_table, 0, 3)
    _, scans = cost_of(counted, ddb.list_tables)  # ListTables must walk them all
    assert scans > 0


def test_a_transition_nobody_asks_about_is_settled_on_time(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_latency(Latency(delete=30))
    ddb = local_ddb()
    fill(local_table, 0, 3)
    ddb.delete_table(TableName="t001")
    local_clock.advance(29)
    assert "t001" in ddb.list_tables()["TableNames"]
    local_clock.advance(1)
    ddb.describe_table(TableName="t000")  # any request settles what is due, whichever table it names
    assert motobackend.find_table(ACCOUNT, REGION, "t001") is None
    assert ddb.list_tables()["TableNames"] == ["t000", "t002"]


def test_list_tags_pages_and_refuses_unknown_arns(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    ddb = local_ddb()
    tags = [{"Key": f"k{i:02d}", "Value": str(i)} for i in range(23)]
    arn = local_table("tagged", Tags=tags)["TableArn"]
    first = ddb.list_tags_of_resource(ResourceArn=arn)
    assert first["Tags"] == tags[:10] and first["NextToken"] == "k09"
    second = ddb.list_tags_of_resource(ResourceArn=arn, NextToken="k09")
    third = ddb.list_tags_of_resource(ResourceArn=arn, NextToken=second["NextToken"])
    assert second["Tags"] + third["Tags"] == tags[10:] and "NextToken" not in third
    for missing in (arn + "x", arn.replace(REGION, "us-west-2"), arn.replace(ACCOUNT, "000000000000")):
        with pytest.raises(ClientError) as caught:
            ddb.list_tags_of_resource(ResourceArn=missing)
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
