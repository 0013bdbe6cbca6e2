"""AWS responses -> ObservedTable: AWS's defaults and spellings are resolved before diffing."""

from __future__ import annotations

from typing import Any

import pytest

from dynamotable.engine.model import UNCAPPED, OnDemand, Warm
from dynamotable.engine.normalize import (
    RegionalReplica,
    key_id,
    normalize_pitr,
    normalize_sse,
    normalize_table,
    normalize_tags,
    normalize_ttl,
    same_kms_key,
)

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def table(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "TableName": "orders",
        "TableArn": ARN,
        "TableStatus": "ACTIVE",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "ts", "AttributeType": "N"},
        ],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6, "NumberOfDecreasesToday": 2},
    }
    base.update(extra)
    return base


def test_missing_billing_mode_summary_is_provisioned() -> None:
    live = normalize_table(table(), region="us-east-1")
    assert live.billing_mode == "PROVISIONED"
    assert (live.read_capacity, live.write_capacity, live.decreases_today) == (5, 6, 2)
    assert (live.hash_key, live.range_key) == ("id", "ts")
    assert live.attribute_types == {"id": "S", "ts": "N"}


def test_on_demand_zero_throughput_is_not_applicable() -> None:
    raw = table(
        BillingModeSummary={"BillingMode": "PAY_PER_REQUEST"},
        ProvisionedThroughput={"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
        GlobalSecondaryIndexes=[
            {
                "IndexName": "g",
                "KeySchema": [{"AttributeName": "ts", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "IndexStatus": "ACTIVE",
                "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
            }
        ],
    )
    live = normalize_table(raw, region="us-east-1")
    assert (live.read_capacity, live.write_capacity) == (None, None)
    assert (live.gsis[0].read_capacity, live.gsis[0].write_capacity) == (None, None)


def test_old_throughput_kept_by_moto_after_switch_to_on_demand_is_ignored() -> None:
    live = normalize_table(table(BillingModeSummary={"BillingMode": "PAY_PER_REQUEST"}), region="us-east-1")
    assert (live.read_capacity, live.write_capacity) == (None, None)


def test_missing_table_class_summary_is_standard() -> None:
    assert normalize_table(table(), region="us-east-1").table_class == "STANDARD"
    raw = table(TableClassSummary={"TableClass": "STANDARD_INFREQUENT_ACCESS"})
    assert normalize_table(raw, region="us-east-1").table_class == "STANDARD_INFREQUENT_ACCESS"


@pytest.mark.parametrize(
    ("status", "enabled"),
    [("ENABLED", True), ("ENABLING", True), ("DISABLED", False), ("DISABLING", False)],
)
def test_ttl_enabling_is_enabled_and_disabling_is_disabled(status: str, enabled: bool) -> None:
    ttl = normalize_ttl({"TimeToLiveDescription": {"TimeToLiveStatus": status, "AttributeName": "exp"}})
    assert ttl.enabled is enabled
    assert ttl.attribute_name == "exp"


def test_ttl_without_description_is_disabled() -> None:
    assert normalize_ttl({}).enabled is False


def test_kms_key_id_and_arn_compare_by_key_id() -> None:
    assert key_id(KEY) == "11111111-2222-3333-4444-555555555555"
    assert key_id("11111111-2222-3333-4444-555555555555") == "11111111-2222-3333-4444-555555555555"
    assert same_kms_key(KEY, "11111111-2222-3333-4444-555555555555")
    assert not same_kms_key(KEY, KEY.replace("1111", "9999"))
    assert same_kms_key(None, None)
    assert not same_kms_key(KEY, None)


def test_sse_without_description_is_the_aws_owned_key() -> None:
    assert normalize_sse(None).kms_key_arn is None
    assert normalize_sse({"Status": "DISABLED"}).kms_key_arn is None
    assert normalize_table(table(), region="us-east-1").sse.kind == "AWS owned key"


def test_sse_with_the_aws_dynamodb_key_is_aws_managed() -> None:
    raw = {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": KEY}
    assert normalize_sse(raw, aws_managed_key_arn=KEY, aws_managed_checked=True).aws_managed is True
    other = KEY.replace("1111", "2222")
    assert normalize_sse(raw, aws_managed_key_arn=other, aws_managed_checked=True).aws_managed is False
    assert normalize_sse(raw, aws_managed_key_arn=None, aws_managed_checked=True).aws_managed is False
    unchecked = normalize_sse(raw)
    assert (unchecked.kms_key_arn, unchecked.aws_managed) == (KEY, None)


def test_aws_tags_are_dropped_and_repeated_keys_keep_the_last_value() -> None:
    tags = [
        {"Key": "aws:cloudformation:stack-name", "Value": "x"},
        {"Key": "Env", "Value": "dev"},
        {"Key": "Env", "Value": "prod"},
        {"Key": "Empty"},
    ]
    assert normalize_tags(tags) == {"Env": "prod", "Empty": ""}


def test_index_order_and_non_key_attribute_order_do_not_matter() -> None:
    def index(name: str, attrs: list[str]) -> dict[str, Any]:
        return {
            "IndexName": name,
            "KeySchema": [{"AttributeName": "ts", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": attrs},
            "IndexStatus": "ACTIVE",
        }

    a = normalize_table(table(GlobalSecondaryIndexes=[index("b", ["x", "y"]), index("a", ["y"])]), region="r")
    b = normalize_table(table(GlobalSecondaryIndexes=[index("a", ["y"]), index("b", ["y", "x"])]), region="r")
    assert a.gsis == b.gsis
    assert [g.name for g in a.gsis] == ["a", "b"]


def test_missing_and_empty_lists_are_the_same() -> None:
    empty = normalize_table(table(GlobalSecondaryIndexes=[], LocalSecondaryIndexes=[], Replicas=[]), region="us-east-1")
    missing = normalize_table(table(), region="us-east-1")
    assert empty == missing


def test_on_demand_absent_or_minus_one_is_uncapped() -> None:
    assert normalize_table(table(), region="r").on_demand == OnDemand(UNCAPPED, UNCAPPED)
    raw = table(OnDemandThroughput={"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": -1})
    assert normalize_table(raw, region="r").on_demand == OnDemand(100, UNCAPPED)


def test_warm_throughput_and_gsi_status() -> None:
    raw = table(
        WarmThroughput={"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "UPDATING"},
        GlobalSecondaryIndexes=[
            {
                "IndexName": "g",
                "KeySchema": [{"AttributeName": "ts", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "IndexStatus": "CREATING",
                "Backfilling": True,
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2},
            }
        ],
    )
    live = normalize_table(raw, region="r")
    assert live.warm == Warm(12000, 4000, "UPDATING")
    g = live.gsis[0]
    assert (g.status, g.backfilling, g.projection_type, g.read_capacity, g.write_capacity) == (
        "CREATING",
        True,
        "KEYS_ONLY",
        1,
        2,
    )


def test_stream_enabled_comes_from_stream_specification_not_the_latest_arn() -> None:
    disabled = normalize_table(table(LatestStreamArn=ARN + "/stream/x"), region="r")
    assert (disabled.stream_enabled, disabled.stream_arn) == (False, None)
    enabled = normalize_table(
        table(
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
            LatestStreamArn=ARN + "/stream/x",
        ),
        region="r",
    )
    assert (enabled.stream_enabled, enabled.stream_view_type, enabled.stream_arn) == (
        True,
        "KEYS_ONLY",
        ARN + "/stream/x",
    )


def test_pitr_period_only_when_enabled() -> None:
    on = {
        "ContinuousBackupsDescription": {
            "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": 7}
        }
    }
    off = {
        "ContinuousBackupsDescription": {"PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    }
    assert (normalize_pitr(on).enabled, normalize_pitr(on).recovery_period_in_days) == (True, 7)
    assert (normalize_pitr(off).enabled, normalize_pitr(off).recovery_period_in_days) == (False, None)


def test_replicas_exclude_the_own_region_and_carry_regional_reads() -> None:
    raw = table(
        Replicas=[
            {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"},
            {"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE", "KMSMasterKeyId": "k"},
        ]
    )
    regional = RegionalReplica(
        table={"TableArn": ARN.replace("us-east-1", "us-west-2"), "DeletionProtectionEnabled": True},
        backups={
            "ContinuousBackupsDescription": {"PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED"}}
        },
        tags=[{"Key": "Env", "Value": "prod"}],
    )
    live = normalize_table(raw, region="us-east-1", replicas={"us-west-2": regional})
    assert len(live.replicas) == 1
    rep = live.replicas[0]
    assert (rep.region, rep.kms_key_id, rep.deletion_protection, rep.pitr, dict(rep.tags or {})) == (
        "us-west-2",
        "k",
        True,
        True,
        {"Env": "prod"},
    )
    assert rep.arn == ARN.replace("us-east-1", "us-west-2")


def test_replica_settings_not_read_are_none() -> None:
    live = normalize_table(
        table(Replicas=[{"RegionName": "us-west-2", "ReplicaStatus": "CREATING"}]), region="us-east-1"
    )
    rep = live.replicas[0]
    assert (rep.status, rep.deletion_protection, rep.pitr, rep.tags) == ("CREATING", None, None, None)


def test_fields_not_read_are_none() -> None:
    live = normalize_table(table(), region="us-east-1")
    assert (live.ttl, live.pitr) == (None, None)
    assert live.account_id == "123456789012"
