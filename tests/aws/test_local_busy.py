"""ResourceInUse (and friends) while a table, an index or a replica is in transition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dynamotable.local import Latency, LocalEndpoint

GSI_H = {
    "Create": {
        "IndexName": "by-h",
        "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
}
ATTR_H = [{"AttributeName": "h", "AttributeType": "S"}]


def error(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return str(err["Code"]), str(err["Message"])


def test_update_table_while_creating_is_resource_in_use(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_fresh.set_latency(Latency(create=5))
    local_table("orders")
    client = local_ddb()
    with pytest.raises(client.exceptions.ResourceInUseException) as excinfo:
        client.update_table(TableName="orders", DeletionProtectionEnabled=True)
    assert error(excinfo)[1] == "Attempt to change a resource which is still in use: Table is being created: orders"


def test_update_table_while_updating_is_resource_in_use(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders")
    local_fresh.set_latency(Latency(update=5))
    client = local_ddb()
    client.update_table(TableName="orders", DeletionProtectionEnabled=True)
    with pytest.raises(client.exceptions.ResourceInUseException) as excinfo:
        client.update_table(TableName="orders", DeletionProtectionEnabled=False)
    assert error(excinfo)[1] == "Attempt to change a resource which is still in use: Table is being updated: orders"
    local_clock.advance(5)
    client.update_table(TableName="orders", DeletionProtectionEnabled=False)


def test_delete_table_while_creating_or_updating_is_resource_in_use(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_latency(Latency(create=5, update=5))
    local_table("orders")
    client = local_ddb()
    with pytest.raises(client.exceptions.ResourceInUseException, match="Table is being created: orders"):
        client.delete_table(TableName="orders")
    local_clock.advance(5)
    client.update_table(TableName="orders", DeletionProtectionEnabled=False)
    with pytest.raises(client.exceptions.ResourceInUseException, match="Table is being updated: orders"):
        client.delete_table(TableName="orders")
    assert client.describe_table(TableName="orders")["Table"]["TableStatus"] == "UPDATING"


def test_update_table_while_deleting_is_resource_in_use(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    local_fresh.set_latency(Latency(delete=5))
    client = local_ddb()
    client.delete_table(TableName="orders")
    with pytest.raises(client.exceptions.ResourceInUseException, match="Table is being deleted: orders"):
        client.update_table(TableName="orders", DeletionProtectionEnabled=True)


def test_delete_table_while_an_index_is_backfilling_is_resource_in_use(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders")
    local_fresh.set_latency(Latency(gsi_create=10))
    client = local_ddb()
    client.update_table(TableName="orders", AttributeDefinitions=ATTR_H, GlobalSecondaryIndexUpdates=[GSI_H])
    local_clock.advance(6)  # backfilling: the table itself is ACTIVE again
    assert client.describe_table(TableName="orders")["Table"]["TableStatus"] == "ACTIVE"
    with pytest.raises(client.exceptions.ResourceInUseException) as excinfo:
        client.delete_table(TableName="orders")
    assert "Cannot delete table while indexes are being created, updated, or deleted" in error(excinfo)[1]


def test_second_index_create_while_one_is_creating_is_limit_exceeded(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders", gsi="by-g")
    local_fresh.set_latency(Latency(gsi_create=10))
    client = local_ddb()
    client.update_table(TableName="orders", AttributeDefinitions=ATTR_H, GlobalSecondaryIndexUpdates=[GSI_H])
    local_clock.advance(6)
    with pytest.raises(client.exceptions.LimitExceededException) as excinfo:
        client.update_table(TableName="orders", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    assert "Only 1 online index can be created or deleted simultaneously per table" in error(excinfo)[1]


def test_deleting_a_creating_index_is_refused_while_allocating_and_allowed_while_backfilling(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders")
    local_fresh.set_latency(Latency(gsi_create=10, gsi_delete=1))
    client = local_ddb()
    client.update_table(TableName="orders", AttributeDefinitions=ATTR_H, GlobalSecondaryIndexUpdates=[GSI_H])
    drop = [{"Delete": {"IndexName": "by-h"}}]
    with pytest.raises(client.exceptions.ResourceInUseException, match="resource allocation phase"):
        client.update_table(TableName="orders", GlobalSecondaryIndexUpdates=drop)
    local_clock.advance(5)
    response = client.update_table(TableName="orders", GlobalSecondaryIndexUpdates=drop)
    assert response["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "DELETING"
    local_clock.advance(1)
    assert "GlobalSecondaryIndexes" not in client.describe_table(TableName="orders")["Table"]


def test_table_throughput_change_while_an_index_is_deleting_is_resource_in_use(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED", gsi="by-g")
    local_fresh.set_latency(Latency(gsi_delete=5))
    client = local_ddb()
    client.update_table(TableName="orders", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    with pytest.raises(client.exceptions.ResourceInUseException) as excinfo:
        client.update_table(TableName="orders", ProvisionedThroughput={"ReadCapacityUnits": 9, "WriteCapacityUnits": 9})
    assert "Can't change table IOPS when an index is being deleted" in error(excinfo)[1]


def test_ttl_and_tags_while_creating_are_resource_in_use(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_fresh.set_latency(Latency(create=5))
    arn = local_table("orders")["TableArn"]
    client = local_ddb()
    with pytest.raises(client.exceptions.ResourceInUseException, match="Table orders is being created"):
        client.update_time_to_live(
            TableName="orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
        )
    with pytest.raises(client.exceptions.ResourceInUseException, match="Table is being created: orders"):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}])
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.untag_resource(ResourceArn=arn, TagKeys=["team"])


def test_continuous_backups_while_creating_are_unavailable(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_fresh.set_latency(Latency(create=5))
    local_table("orders")
    client = local_ddb()
    pitr = {"PointInTimeRecoveryEnabled": True}
    with pytest.raises(client.exceptions.ContinuousBackupsUnavailableException):
        client.update_continuous_backups(TableName="orders", PointInTimeRecoverySpecification=pitr)
    local_clock.advance(5)
    result = client.update_continuous_backups(TableName="orders", PointInTimeRecoverySpecification=pitr)
    assert result["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "ENABLED"
    )


def test_update_table_while_a_replica_is_being_created_is_resource_in_use(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders", stream="NEW_AND_OLD_IMAGES")
    local_fresh.set_latency(Latency(replica=8))
    client = local_ddb()
    client.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    with pytest.raises(client.exceptions.ResourceInUseException, match="Table is being updated: orders"):
        client.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}])
    local_clock.advance(8)
    client.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}])
