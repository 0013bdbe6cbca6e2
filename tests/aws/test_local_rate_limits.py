"""Per-table limits AWS enforces over hours and days [A5], on the endpoint's clock (moved by hand here):

- provisioned-capacity decreases [DG-Q]: the first 4 of a UTC day at any time, then one at most every 3600 s
  after the last; whole again at 00:00 UTC; the table and each GSI have their own budget; LimitExceeded
  with AWS's text naming the next possible time;
- switches from PROVISIONED to PAY_PER_REQUEST [DG-SW]: 4 in a rolling 24 h; switching back at any time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.engine.errors import RateLimited, classify
from dynamotable.local import LocalEndpoint, Rules

START = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)  # a Tuesday
CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})
DECREASE_TEXT = (
    "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. After the first "
    "4 decreases, each subsequent decrease in the same UTC day can be performed at most once every 3600 seconds. "
    "Number of decreases today: {count}. Last decrease at {last}. Next decrease can be made at {next}"
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def endpoint(clock: Clock) -> Iterator[LocalEndpoint]:
    with LocalEndpoint(clock=clock, epoch=START.timestamp()) as ep:
        yield ep


@pytest.fixture
def ddb(endpoint: LocalEndpoint, clock: Clock) -> Any:
    endpoint.reset()
    endpoint.set_rules(Rules())
    clock.now = 0.0
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=CONFIG,
    )


def at(clock: Clock, when: datetime) -> None:
    clock.now = (when - START).total_seconds()


def provisioned(ddb: Any, name: str = "orders", capacity: int = 20, gsi: bool = False) -> None:
    spec: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": capacity, "WriteCapacityUnits": capacity},
    }
    if gsi:
        spec["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        spec["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": capacity, "WriteCapacityUnits": capacity},
            }
        ]
    ddb.create_table(**spec)


def capacity(ddb: Any, read: int, write: int = 20, name: str = "orders") -> None:
    ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": read, "WriteCapacityUnits": write})


def index_capacity(ddb: Any, read: int, write: int = 20) -> dict[str, Any]:
    pt = {"ReadCapacityUnits": read, "WriteCapacityUnits": write}
    return {"GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "by-g", "ProvisionedThroughput": pt}}]}


def refused(ddb: Any, **kwargs: Any) -> Any:
    with pytest.raises(ddb.exceptions.LimitExceededException) as excinfo:
        ddb.update_table(TableName="orders", **kwargs)
    return excinfo.value


def throughput(ddb: Any) -> dict[str, Any]:
    result: dict[str, Any] = ddb.describe_table(TableName="orders")["Table"]["ProvisionedThroughput"]
    return result


def test_four_decreases_then_one_an_hour_after_the_last_with_aws_text(ddb: Any, clock: Clock) -> None:
    provisioned(ddb)
    for i, minute in enumerate((0, 1, 2, 21)):
        at(clock, datetime(2026, 12, 1, 8, minute, 34, tzinfo=UTC))
        capacity(ddb, 19 - i)
    assert throughput(ddb)["NumberOfDecreasesToday"] == 4
    at(clock, datetime(2026, 12, 1, 9, 0, 20, tzinfo=UTC))  # the top of the hour does not help
    error = refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 20})
    assert error.response["Error"]["Message"] == DECREASE_TEXT.format(
        count=4,
        last="Tuesday, December 1, 2026 at 8:21:34 AM Coordinated Universal Time",
        next="Tuesday, December 1, 2026 at 9:21:34 AM Coordinated Universal Time",
    )
    # a refused call changes nothing: neither the capacity nor the count
    assert (throughput(ddb)["ReadCapacityUnits"], throughput(ddb)["NumberOfDecreasesToday"]) == (16, 4)
    # a decrease of one dimension with an increase of the other is a decrease
    refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 30})
    capacity(ddb, 16, 30)  # increases are never limited
    at(clock, datetime(2026, 12, 1, 9, 21, 34, tzinfo=UTC))
    capacity(ddb, 15, 30)
    assert throughput(ddb)["NumberOfDecreasesToday"] == 5
    at(clock, datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    error = refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 14, "WriteCapacityUnits": 30})
    assert error.response["Error"]["Message"].endswith(
        "Number of decreases today: 5. Last decrease at Tuesday, December 1, 2026 at 9:21:34 AM Coordinated "
        "Universal Time. Next decrease can be made at Tuesday, December 1, 2026 at 10:21:34 AM Coordinated "
        "Universal Time"
    )


def test_the_budget_is_whole_again_at_midnight_utc(ddb: Any, clock: Clock) -> None:
    provisioned(ddb)
    at(clock, datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    for read in (19, 18, 17, 16):
        capacity(ddb, read)
    error = refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 20})
    # midnight comes before last + 3600 s
    assert error.response["Error"]["Message"].endswith(
        "Next decrease can be made at Wednesday, December 2, 2026 at 12:00:00 AM Coordinated Universal Time"
    )
    at(clock, datetime(2026, 12, 2, 0, 0, 0, tzinfo=UTC))
    described = throughput(ddb)
    assert described["NumberOfDecreasesToday"] == 0
    assert described["LastDecreaseDateTime"] == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # kept after midnight
    for read in (15, 14, 13, 12):
        capacity(ddb, read)
    assert throughput(ddb)["NumberOfDecreasesToday"] == 4


def test_each_gsi_has_its_own_budget_and_a_request_over_either_fails_whole(ddb: Any, clock: Clock) -> None:
    provisioned(ddb, gsi=True)
    for read in (19, 18, 17, 16):
        capacity(ddb, read)
    refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 20})
    for read in (19, 18, 17, 16):  # the index's budget is untouched by the table's decreases
        ddb.update_table(TableName="orders", **index_capacity(ddb, read))
    table = ddb.describe_table(TableName="orders")["Table"]
    index_pt = table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]
    assert (index_pt["ReadCapacityUnits"], index_pt["NumberOfDecreasesToday"]) == (16, 4)
    assert "LastDecreaseDateTime" in index_pt
    refused(ddb, **index_capacity(ddb, 15))
    clock.now += 3600
    # the table may decrease again, the index too: one request with both
    ddb.update_table(
        TableName="orders",
        ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 20},
        **index_capacity(ddb, 15),
    )
    clock.now += 60
    # now both are spent; raising the table while lowering the index fails whole: nothing changes
    refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 25, "WriteCapacityUnits": 20}, **index_capacity(ddb, 14))
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 15
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 15


def test_the_budget_is_per_table(ddb: Any, clock: Clock) -> None:
    provisioned(ddb, "orders")
    provisioned(ddb, "users")
    for read in (19, 18, 17, 16):
        capacity(ddb, read, name="orders")
    refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 20})
    capacity(ddb, 19, name="users")


def test_four_switches_to_on_demand_in_24_hours_switching_back_any_time(ddb: Any, clock: Clock) -> None:
    provisioned(ddb)
    back = {"BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}
    switched = []
    for hour in (8, 10, 12, 14):
        at(clock, datetime(2026, 12, 1, hour, 15, 7, tzinfo=UTC))
        ddb.update_table(TableName="orders", BillingMode="PAY_PER_REQUEST")
        switched.append(clock.now)
        clock.now += 60
        ddb.update_table(TableName="orders", **back)
    at(clock, datetime(2026, 12, 2, 8, 15, 6, tzinfo=UTC))  # 1 s short of 24 h after the first
    error = refused(ddb, BillingMode="PAY_PER_REQUEST")
    assert error.response["Error"]["Message"] == (
        "Subscriber limit exceeded: Update to PayPerRequest mode are limited to 4 times in 1 day(s). Last update at "
        "Tue Dec 01 14:15:07 UTC 2026. Next update can be made at Wed Dec 02 08:15:07 UTC 2026"
    )
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] == datetime(
        2026, 12, 1, 14, 15, 7, tzinfo=UTC
    )
    clock.now += 1
    ddb.update_table(TableName="orders", BillingMode="PAY_PER_REQUEST")
    ddb.update_table(TableName="orders", **back)  # back to provisioned: never limited
    refused(ddb, BillingMode="PAY_PER_REQUEST")  # the second switch of the window is still in it


def test_limits_are_configurable_and_can_be_turned_off(endpoint: LocalEndpoint, ddb: Any, clock: Clock) -> None:
    endpoint.set_rules(Rules(decreases_free_per_day=1, decrease_interval=60, on_demand_switches=-1))
    provisioned(ddb)
    capacity(ddb, 19)
    error = refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 18, "WriteCapacityUnits": 20})
    assert "After the first 1 decreases" in error.response["Error"]["Message"]
    assert "at most once every 60 seconds" in error.response["Error"]["Message"]
    clock.now += 60
    capacity(ddb, 18)
    for _ in range(6):
        ddb.update_table(TableName="orders", BillingMode="PAY_PER_REQUEST")
        ddb.update_table(
            TableName="orders",
            BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 18, "WriteCapacityUnits": 20},
        )
    endpoint.set_rules(Rules(decreases_free_per_day=-1))
    for read in range(17, 5, -1):
        capacity(ddb, read)


@pytest.mark.parametrize("bad", [{"decrease_interval": -1}, {"on_demand_switch_window": -5}])
def test_negative_windows_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        Rules(**bad)


def test_the_engine_reads_the_decrease_text_as_rate_limited_until_the_named_time(ddb: Any, clock: Clock) -> None:
    provisioned(ddb)
    at(clock, datetime(2026, 12, 1, 8, 21, 34, tzinfo=UTC))
    for read in (19, 18, 17, 16):
        capacity(ddb, read)
    error = refused(ddb, ProvisionedThroughput={"ReadCapacityUnits": 15, "WriteCapacityUnits": 20})
    verdict = classify(error, operation="UpdateTable", now=datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    assert isinstance(verdict, RateLimited)
    assert verdict.until == datetime(2026, 12, 1, 9, 21, 34, tzinfo=UTC)
