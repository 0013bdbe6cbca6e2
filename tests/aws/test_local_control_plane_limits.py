"""The endpoint enforces AWS's per-account, per-region control-plane limits [A18] (on its own clock, moved by
hand here): tables in a table operation at once, creates of tables with indexes at once, requests per second."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynamotable.engine.errors import Retryable, classify
from dynamotable.local import Latency, LocalEndpoint, Rules


def _create(ddb: Any, name: str, *, indexed: bool = False) -> None:
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    extra: dict[str, Any] = {}
    if indexed:
        attributes.append({"AttributeName": "g", "AttributeType": "S"})
        extra["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "ByG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ]
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


def _refusal(call: Callable[[], Any]) -> ClientError:
    with pytest.raises(ClientError) as info:
        call()
    return info.value


def test_a18_endpoint_refuses_a_table_operation_over_the_cap(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_rules(Rules(table_operations=2))
    local_fresh.set_latency(Latency(create=10, update=10, delete=10))
    ddb = local_ddb()
    _create(ddb, "op-a")
    _create(ddb, "op-b")
    error = _refusal(lambda: _create(ddb, "op-c"))
    assert error.response["Error"]["Code"] == "LimitExceededException"
    assert "simultaneously" in error.response["Error"]["Message"]
    assert isinstance(classify(error), Retryable), "the engine backs off and retries it"
    # Other regions and other tables' reads are not affected.
    _create(local_ddb("us-west-2"), "op-c")
    ddb.describe_table(TableName="op-a")
    local_clock.advance(11)  # op-a and op-b are ACTIVE: their slots are free
    _create(ddb, "op-c")
    _create(ddb, "op-d")
    assert _refusal(lambda: ddb.delete_table(TableName="op-a")).response["Error"]["Code"] == "LimitExceededException"
    local_clock.advance(11)
    ddb.delete_table(TableName="op-a")  # a delete is a table operation too, and it counts until the table is gone
    ddb.update_table(
        TableName="op-c",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    assert _refusal(lambda: _create(ddb, "op-e")).response["Error"]["Code"] == "LimitExceededException"
    local_clock.advance(11)
    _create(ddb, "op-e")


def test_a18_endpoint_caps_creates_of_tables_with_indexes_separately(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_rules(Rules(table_operations=10, indexed_creates=1))
    local_fresh.set_latency(Latency(create=10, gsi_create=10))
    ddb = local_ddb()
    _create(ddb, "idx-a", indexed=True)
    error = _refusal(lambda: _create(ddb, "idx-b", indexed=True))
    assert error.response["Error"]["Code"] == "LimitExceededException"
    assert "secondary indexes" in error.response["Error"]["Message"]
    _create(ddb, "plain")  # a create without indexes still goes
    local_clock.advance(11)
    _create(ddb, "idx-b", indexed=True)


def test_a18_endpoint_throttles_control_plane_requests_over_the_rate(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_rules(Rules(control_plane_rps=5))
    ddb = local_ddb()
    _create(ddb, "rate")
    for _ in range(4):
        ddb.describe_table(TableName="rate")
    error = _refusal(lambda: ddb.describe_table(TableName="rate"))
    assert error.response["Error"]["Code"] == "ThrottlingException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    local_clock.advance(0.2)  # one more token
    ddb.describe_table(TableName="rate")
    assert _refusal(lambda: ddb.list_tags_of_resource(ResourceArn="arn:aws:dynamodb:us-east-1:123456789012:table/rate"))
    local_clock.advance(1.0)
    ddb.describe_table(TableName="rate")
    local_ddb("us-west-2").list_tables()  # another region has its own budget


def test_a18_endpoint_limits_can_be_switched_off(local_fresh: LocalEndpoint, local_ddb: Callable[..., Any]) -> None:
    local_fresh.set_rules(Rules(table_operations=0, indexed_creates=0, control_plane_rps=0))
    local_fresh.set_latency(Latency(create=10, gsi_create=10))
    ddb = local_ddb()
    for i in range(30):
        _create(ddb, f"free-{i:02d}", indexed=True)
    for _ in range(30):
        ddb.describe_table(TableName="free-00")
