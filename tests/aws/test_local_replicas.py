"""Global tables (2019.11.21) on the local endpoint: replicas really exist in the other region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.local import Latency, LocalEndpoint

STREAM = "NEW_AND_OLD_IMAGES"


def test_replica_create_makes_table_in_other_region(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders", range_key=True, gsi="by-g", stream=STREAM)
    local_fresh.set_latency(Latency(replica=6))
    east, west = local_ddb("us-east-1"), local_ddb("us-west-2")
    response = east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    assert response["TableDescription"]["Replicas"] == [{"RegionName": "us-west-2", "ReplicaStatus": "CREATING"}]
    assert response["TableDescription"]["GlobalTableVersion"] == "2019.11.21"
    replica = west.describe_table(TableName="orders")["Table"]
    assert replica["TableStatus"] == "CREATING"
    assert replica["TableArn"] == "arn:aws:dynamodb:us-west-2:123456789012:table/orders"
    assert replica["KeySchema"] == east.describe_table(TableName="orders")["Table"]["KeySchema"]
    assert [g["IndexName"] for g in replica["GlobalSecondaryIndexes"]] == ["by-g"]
    assert replica["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": STREAM}
    assert replica["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    local_clock.advance(6)
    assert east.describe_table(TableName="orders")["Table"]["Replicas"] == [
        {"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"}
    ]
    replica = west.describe_table(TableName="orders")["Table"]
    assert replica["TableStatus"] == "ACTIVE"
    assert replica["Replicas"] == [{"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}]
    assert replica["GlobalTableVersion"] == "2019.11.21"
    west.put_item(TableName="orders", Item={"pk": {"S": "a"}, "sk": {"N": "1"}})


def test_replica_delete_removes_the_table_in_other_region(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders", stream=STREAM)
    east, west = local_ddb("us-east-1"), local_ddb("us-west-2")
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    local_fresh.set_latency(Latency(replica=4))
    east.update_table(TableName="orders", ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
    assert east.describe_table(TableName="orders")["Table"]["Replicas"] == [
        {"RegionName": "us-west-2", "ReplicaStatus": "DELETING"}
    ]
    assert west.describe_table(TableName="orders")["Table"]["TableStatus"] == "DELETING"
    local_clock.advance(4)
    table = east.describe_table(TableName="orders")["Table"]
    assert "Replicas" not in table
    assert "GlobalTableVersion" not in table
    with pytest.raises(west.exceptions.ResourceNotFoundException):
        west.describe_table(TableName="orders")


def test_delete_table_of_a_replica_deletes_only_that_region(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", stream=STREAM)
    east, west = local_ddb("us-east-1"), local_ddb("us-west-2")
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    west.describe_table(TableName="orders")  # settles the zero-latency creation
    west.delete_table(TableName="orders")
    assert east.describe_table(TableName="orders")["Table"]["TableStatus"] == "ACTIVE"
    assert "Replicas" not in east.describe_table(TableName="orders")["Table"]
    with pytest.raises(west.exceptions.ResourceNotFoundException):
        west.describe_table(TableName="orders")


def test_replica_create_of_an_existing_replica_is_rejected(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", stream=STREAM)
    east = local_ddb()
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    east.describe_table(TableName="orders")
    with pytest.raises(east.exceptions.ClientError, match="already existed as tables"):
        east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    with pytest.raises(east.exceptions.ClientError, match=r"not part of the global table.*\[eu-west-1\]"):
        east.update_table(TableName="orders", ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}])


def test_global_table_applies_gsi_create_and_ttl_in_every_region(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", stream=STREAM)
    east, west = local_ddb("us-east-1"), local_ddb("us-west-2")
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    east.describe_table(TableName="orders")
    east.update_table(
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
    )
    west_table = west.describe_table(TableName="orders")["Table"]
    assert [g["IndexName"] for g in west_table["GlobalSecondaryIndexes"]] == ["by-g"]
    east.update_time_to_live(TableName="orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    ttl = west.describe_time_to_live(TableName="orders")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}


def test_replica_of_provisioned_table_needs_write_auto_scaling(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED", stream=STREAM)
    east = local_ddb()
    create = [{"Create": {"RegionName": "us-west-2"}}]
    with pytest.raises(east.exceptions.ClientError, match="should either be Pay-Per-Request or AutoScaled"):
        east.update_table(TableName="orders", ReplicaUpdates=create)
    autoscaling = boto3.client(
        "application-autoscaling",
        endpoint_url=local_fresh.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    autoscaling.register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/orders",
        ScalableDimension="dynamodb:table:WriteCapacityUnits",
        MinCapacity=5,
        MaxCapacity=50,
    )
    east.update_table(TableName="orders", ReplicaUpdates=create)
    west_table = local_ddb("us-west-2").describe_table(TableName="orders")["Table"]
    assert west_table["ProvisionedThroughput"]["WriteCapacityUnits"] == 5


def _update_error(client: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(client.exceptions.ClientError) as excinfo:
        client.update_table(**kwargs)
    error = excinfo.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_replica_on_a_keys_only_stream_keeps_that_stream(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    """[A7] a stream of any view type will do; the table keeps it (same ARN) and the replica gets the same type."""
    before = local_table("orders", stream="KEYS_ONLY")
    east, west = local_ddb("us-east-1"), local_ddb("us-west-2")
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    table = east.describe_table(TableName="orders")["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert table["LatestStreamArn"] == before["LatestStreamArn"]
    assert table["Replicas"] == [{"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"}]
    replica = west.describe_table(TableName="orders")["Table"]
    assert replica["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}


def test_replica_on_a_table_without_a_stream_enables_new_and_old_images(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    """[A7, TF #43625] DynamoDB enables a NEW_AND_OLD_IMAGES stream by itself: a new stream, as an enable makes."""
    local_table("plain")
    local_table("cycled", stream="KEYS_ONLY")
    east, west = local_ddb("us-east-1"), local_ddb("us-west-2")
    east.update_table(TableName="cycled", StreamSpecification={"StreamEnabled": False})
    old_arn = east.describe_table(TableName="cycled")["Table"]["LatestStreamArn"]
    create = [{"Create": {"RegionName": "us-west-2"}}]
    for name in ("plain", "cycled"):
        response = east.update_table(TableName=name, ReplicaUpdates=create)["TableDescription"]
        assert response["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        table = east.describe_table(TableName=name)["Table"]
        assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert table["LatestStreamArn"] == f"{table['TableArn']}/stream/{table['LatestStreamLabel']}"
        replica = west.describe_table(TableName=name)["Table"]
        assert replica["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        east.put_item(TableName=name, Item={"pk": {"S": "a"}})  # the new stream takes writes
    assert east.describe_table(TableName="cycled")["Table"]["LatestStreamArn"] != old_arn


def test_stream_cannot_be_disabled_or_retyped_while_replicas_exist(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    """[A7, TF #19342, #34450] AWS's answer to disabling a global table's stream, in either region; a retype
    (disable, then enable) fails at its first call, and an enable over the existing stream is refused as ever."""
    local_table("orders", stream="KEYS_ONLY")
    east, west = local_ddb("us-east-1"), local_ddb("us-west-2")
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    east.describe_table(TableName="orders")
    disabled = (
        "ValidationException",
        "One or more parameter values were invalid: Disabling Stream is not allowed for a Global Table replica.",
    )
    for client in (east, west):
        assert _update_error(client, TableName="orders", StreamSpecification={"StreamEnabled": False}) == disabled
        assert _update_error(
            client, TableName="orders", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        ) == ("ValidationException", "Table already has an enabled stream: TableName: orders")
    assert east.describe_table(TableName="orders")["Table"]["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"

    local_fresh.set_latency(Latency(replica=3))
    east.update_table(TableName="orders", ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
    local_clock.advance(3)
    assert "Replicas" not in east.describe_table(TableName="orders")["Table"]
    east.update_table(TableName="orders", StreamSpecification={"StreamEnabled": False})
    table = east.describe_table(TableName="orders")["Table"]
    assert not table.get("StreamSpecification", {}).get("StreamEnabled", False)


@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", None])
def test_every_replica_region_has_its_own_stream_of_the_table_s_view_type(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], view: str | None
) -> None:
    """[A7, A13] any view type will do and the replica gets the same; without a stream both get NEW_AND_OLD_IMAGES.
    Each region's stream is its own (its region's ARN), seen by DynamoDB Streams there and taking the writes."""
    if view is None:
        local_table("orders")
    else:
        local_table("orders", stream=view)
    expected = view or "NEW_AND_OLD_IMAGES"
    east, west = local_ddb("us-east-1"), local_ddb("us-west-2")
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=local_fresh.url,
        region_name="us-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    source = east.describe_table(TableName="orders")["Table"]
    replica = west.describe_table(TableName="orders")["Table"]
    for table in (source, replica):
        assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": expected}
        assert table["LatestStreamArn"] == f"{table['TableArn']}/stream/{table['LatestStreamLabel']}"
    assert replica["LatestStreamArn"].startswith("arn:aws:dynamodb:us-west-2:123456789012:table/orders/stream/")
    described = streams.describe_stream(StreamArn=replica["LatestStreamArn"])["StreamDescription"]
    assert (described["StreamViewType"], described["StreamStatus"]) == (expected, "ENABLED")
    west.put_item(TableName="orders", Item={"pk": {"S": "a"}})
    shard = described["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=replica["LatestStreamArn"], ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"] for r in records] == [{"pk": {"S": "a"}}]
    assert records[0]["dynamodb"]["StreamViewType"] == expected
