"""Table and GSI lifecycles of the local endpoint: CREATING/UPDATING/DELETING that last the configured time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dynamotable.local import Latency, LocalEndpoint


def status(client: Any, name: str) -> str:
    return str(client.describe_table(TableName=name)["Table"]["TableStatus"])


def index(client: Any, name: str, index_name: str) -> dict[str, Any] | None:
    for gsi in client.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", []):
        if gsi["IndexName"] == index_name:
            return dict(gsi)
    return None


def test_create_reports_creating_until_latency_elapsed(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_latency(Latency(create=10))
    created = local_table("orders", gsi="by-g")
    assert created["TableStatus"] == "CREATING"
    assert created["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    client = local_ddb()
    local_clock.advance(9.9)
    assert status(client, "orders") == "CREATING"
    local_clock.advance(0.1)
    table = client.describe_table(TableName="orders")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert "Backfilling" not in table["GlobalSecondaryIndexes"][0]  # only for GSIs added by UpdateTable


def test_update_reports_updating_until_latency_elapsed(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_latency(Latency(update=4))
    local_table("orders")
    client = local_ddb()
    response = client.update_table(TableName="orders", DeletionProtectionEnabled=True)
    assert response["TableDescription"]["TableStatus"] == "UPDATING"
    local_clock.advance(3.9)
    assert status(client, "orders") == "UPDATING"
    local_clock.advance(0.1)
    assert status(client, "orders") == "ACTIVE"


def test_delete_reports_deleting_then_table_is_gone(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_latency(Latency(delete=5))
    local_table("orders", gsi="by-g")
    client = local_ddb()
    deleted = client.delete_table(TableName="orders")["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    assert "GlobalSecondaryIndexes" not in deleted  # index info is not returned while DELETING
    local_clock.advance(4)
    assert status(client, "orders") == "DELETING"
    assert "orders" in client.list_tables()["TableNames"]
    assert client.delete_table(TableName="orders")["TableDescription"]["TableStatus"] == "DELETING"  # no error
    local_clock.advance(1)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="orders")
    assert client.list_tables()["TableNames"] == []


def test_gsi_create_reports_backfilling_false_then_true_then_active(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders")
    local_fresh.set_latency(Latency(gsi_create=10))
    client = local_ddb()
    response = client.update_table(
        TableName="orders",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )["TableDescription"]
    assert response["TableStatus"] == "UPDATING"
    assert response["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    assert response["GlobalSecondaryIndexes"][0]["Backfilling"] is False
    local_clock.advance(5)
    gsi = index(client, "orders", "by-g")
    assert gsi is not None and gsi["IndexStatus"] == "CREATING" and gsi["Backfilling"] is True
    assert status(client, "orders") == "ACTIVE"  # the table is ACTIVE while the index backfills
    local_clock.advance(5)
    gsi = index(client, "orders", "by-g")
    assert gsi is not None and gsi["IndexStatus"] == "ACTIVE" and "Backfilling" not in gsi


def test_gsi_delete_reports_deleting_then_removes_index_and_its_attributes(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders", gsi="by-g")
    local_fresh.set_latency(Latency(gsi_delete=3))
    client = local_ddb()
    response = client.update_table(TableName="orders", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    assert response["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "DELETING"
    local_clock.advance(2)
    gsi = index(client, "orders", "by-g")
    assert gsi is not None and gsi["IndexStatus"] == "DELETING"
    local_clock.advance(1)
    table = client.describe_table(TableName="orders")["Table"]
    assert "GlobalSecondaryIndexes" not in table
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]


def test_zero_latency_still_reports_the_transition_in_the_call_response(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    created = local_table("orders")
    assert created["TableStatus"] == "CREATING"
    client = local_ddb()
    assert status(client, "orders") == "ACTIVE"
    updated = client.update_table(TableName="orders", DeletionProtectionEnabled=True)["TableDescription"]
    assert updated["TableStatus"] == "UPDATING"
    assert status(client, "orders") == "ACTIVE"
    assert [r.operation for r in local_fresh.requests()] == [
        "CreateTable",
        "DescribeTable",
        "UpdateTable",
        "DescribeTable",
    ]


def test_new_latency_applies_to_transitions_started_afterwards(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_latency(Latency(create=2))
    local_table("first")
    local_fresh.set_latency(Latency(create=20))
    local_table("second")
    client = local_ddb()
    local_clock.advance(2)
    assert status(client, "first") == "ACTIVE"
    assert status(client, "second") == "CREATING"
