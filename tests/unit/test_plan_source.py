"""The planner's creation-source rules [A24], one test per rule, named for it: which call creates the table from
spec.source and what it carries, what the steps after it add, and SourceMismatch once the table exists."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner_support import OWNER, REGION
from planner_support import live as shared_live

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import OWNER_TAG, parse_manifest
from dynamotable.engine.model import ObservedLsi, ObservedTable
from dynamotable.engine.plan import plan
from dynamotable.engine.plan_source import source_digest

SOURCE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders-prod"
BACKUP_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders-prod/backup/01700000000000-abcdef12"
CMK = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def manifest(status: dict[str, Any] | None = None, **spec: Any) -> DynamoTable:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    base.update(spec)
    doc: dict[str, Any] = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": base,
    }
    parsed = parse_manifest(doc, default_region=REGION)
    return parsed.model_copy(update={"status": status}) if status is not None else parsed


def live(**changes: Any) -> ObservedTable:
    """A table just restored or imported: no tags yet."""
    return shared_live(**{"tags": {}, **changes})


def first(m: DynamoTable) -> tuple[str, dict[str, Any]]:
    step = plan(m, None, region=REGION, owner=OWNER).steps[0]
    return step.operation, dict(step.request)


def test_a24_1_restore_to_a_point_in_time_replaces_create_table() -> None:
    m = manifest(source={"pointInTime": {"sourceTableName": "orders-prod", "restoreDateTime": "2026-11-30T12:00:00Z"}})
    assert first(m) == (
        "RestoreTableToPointInTime",
        {
            "TargetTableName": "orders",
            "BillingModeOverride": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexOverride": [],
            "LocalSecondaryIndexOverride": [],
            "SourceTableName": "orders-prod",
            "RestoreDateTime": "2026-11-30T12:00:00Z",
        },
    )


def test_a24_1_restore_to_the_latest_restorable_time_by_source_arn() -> None:
    m = manifest(source={"pointInTime": {"sourceTableArn": SOURCE_ARN, "useLatestRestorableTime": True}})
    operation, request = first(m)
    assert operation == "RestoreTableToPointInTime"
    assert request["SourceTableArn"] == SOURCE_ARN and request["UseLatestRestorableTime"] is True
    assert "SourceTableName" not in request and "RestoreDateTime" not in request


def test_a24_1_restore_from_a_backup_replaces_create_table() -> None:
    m = manifest(source={"backup": {"backupArn": BACKUP_ARN}})
    assert first(m) == (
        "RestoreTableFromBackup",
        {
            "TargetTableName": "orders",
            "BackupArn": BACKUP_ARN,
            "BillingModeOverride": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexOverride": [],
            "LocalSecondaryIndexOverride": [],
        },
    )


def test_a24_2_a_restore_keeps_exactly_the_spec_indexes_none_when_the_spec_has_none() -> None:
    m = manifest(source={"pointInTime": {"sourceTableName": "orders-prod", "useLatestRestorableTime": True}})
    steps = plan(m, None, region=REGION, owner=OWNER).steps
    assert steps[0].request["GlobalSecondaryIndexOverride"] == []
    assert steps[0].request["LocalSecondaryIndexOverride"] == []
    assert [s.operation for s in steps] == ["RestoreTableToPointInTime", "TagResource"]  # no index to delete after


def test_a24_2_a_restore_carries_billing_capacity_indexes_and_sse_as_overrides() -> None:
    m = manifest(
        source={"backup": {"backupArn": BACKUP_ARN}},
        billingMode="PROVISIONED",
        readCapacity=5,
        writeCapacity=3,
        rangeKey="ts",
        attributes=[{"name": "id", "type": "S"}, {"name": "ts", "type": "N"}, {"name": "st", "type": "S"}],
        globalSecondaryIndexes=[{"name": "BySt", "hashKey": "st", "readCapacity": 1, "writeCapacity": 1}],
        localSecondaryIndexes=[{"name": "ByStLocal", "rangeKey": "st"}],
        serverSideEncryption={"enabled": True, "kmsKeyArn": CMK},
        tags={"team": "shop"},
        deletionProtection=True,
    )
    _, request = first(m)
    assert request["BillingModeOverride"] == "PROVISIONED"
    assert request["ProvisionedThroughputOverride"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3}
    assert [g["IndexName"] for g in request["GlobalSecondaryIndexOverride"]] == ["BySt"]
    assert [x["IndexName"] for x in request["LocalSecondaryIndexOverride"]] == ["ByStLocal"]
    assert request["SSESpecificationOverride"] == {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": CMK}
    # a restore takes none of these: they come after it
    for key in ("Tags", "DeletionProtectionEnabled", "KeySchema", "AttributeDefinitions", "StreamSpecification"):
        assert key not in request


def test_a24_2_after_a_restore_the_ownership_tag_comes_first_then_what_a_restore_does_not_carry() -> None:
    m = manifest(
        source={"backup": {"backupArn": BACKUP_ARN}},
        tags={"team": "shop"},
        deletionProtection=True,
        stream={"enabled": True, "viewType": "NEW_IMAGE"},
        ttl={"enabled": True, "attributeName": "expiresAt"},
        pointInTimeRecovery={"enabled": True},
    )
    steps = plan(m, None, region=REGION, owner=OWNER).steps
    assert [s.operation for s in steps] == [
        "RestoreTableFromBackup",
        "TagResource",
        "UpdateTable",
        "UpdateTable",
        "UpdateTimeToLive",
        "UpdateContinuousBackups",
    ]
    assert {t["Key"]: t["Value"] for t in steps[1].request["Tags"]} == {OWNER_TAG: OWNER, "team": "shop"}
    assert steps[2].request.get("DeletionProtectionEnabled") is True
    assert steps[3].request["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}


def test_a24_3_an_import_carries_the_table_creation_parameters_and_the_format() -> None:
    m = manifest(
        source={
            "s3Import": {
                "bucket": "exports",
                "keyPrefix": "orders/",
                "bucketOwner": "123456789012",
                "inputFormat": "CSV",
                "inputCompression": "GZIP",
                "csv": {"delimiter": ";", "headerList": ["id", "total"]},
            }
        },
        globalSecondaryIndexes=[{"name": "ByTotal", "hashKey": "total"}],
        attributes=[{"name": "id", "type": "S"}, {"name": "total", "type": "N"}],
        tags={"team": "shop"},
    )
    operation, request = first(m)
    assert operation == "ImportTable"
    assert request["S3BucketSource"] == {
        "S3Bucket": "exports",
        "S3KeyPrefix": "orders/",
        "S3BucketOwner": "123456789012",
    }
    assert request["InputFormat"] == "CSV" and request["InputCompressionType"] == "GZIP"
    assert request["InputFormatOptions"] == {"Csv": {"Delimiter": ";", "HeaderList": ["id", "total"]}}
    params = request["TableCreationParameters"]
    assert params["TableName"] == "orders" and params["BillingMode"] == "PAY_PER_REQUEST"
    assert params["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert [g["IndexName"] for g in params["GlobalSecondaryIndexes"]] == ["ByTotal"]
    assert "Tags" not in params and "Tags" not in request


def test_a24_4_the_same_spec_always_sends_the_same_import_client_token() -> None:
    m = manifest(source={"s3Import": {"bucket": "exports", "inputFormat": "DYNAMODB_JSON"}})
    _, request = first(m)
    assert request["ClientToken"] == source_digest(m.spec)
    changed = manifest(source={"s3Import": {"bucket": "exports", "inputFormat": "ION"}})
    assert first(changed)[1]["ClientToken"] != request["ClientToken"]


def test_a24_5_a_restored_table_with_another_hash_key_is_a_source_mismatch() -> None:
    m = manifest(status={"source": {"kind": "backup"}}, source={"backup": {"backupArn": BACKUP_ARN}})
    result = plan(m, live(hash_key="customerId", attribute_types={"customerId": "S"}), region=REGION, owner=OWNER)
    assert result.steps == []
    (blocked,) = result.blocked
    assert blocked.reason == "SourceMismatch" and blocked.stops_all and blocked.field == "hashKey"
    assert "hashKey: spec id, restored customerId" in blocked.message


def test_a24_5_a_restored_table_with_other_lsis_is_a_source_mismatch() -> None:
    m = manifest(status={"source": {"kind": "pointInTime"}}, source={"backup": {"backupArn": BACKUP_ARN}})
    restored = live(lsis=(ObservedLsi("ByTs", "ts", "ALL", frozenset()),))
    (blocked,) = plan(m, restored, region=REGION, owner=OWNER).blocked
    assert blocked.field == "localSecondaryIndexes"
    assert "localSecondaryIndexes: spec none, restored ByTs" in blocked.message


def test_a24_5_once_the_table_exists_the_source_is_ignored() -> None:
    m = manifest(status={"source": {"kind": "backup"}}, source={"backup": {"backupArn": BACKUP_ARN}})
    ours = live(tags={OWNER_TAG: OWNER})
    assert plan(m, ours, region=REGION, owner=OWNER).steps == []
    # a table not created from the source (no record): keys that differ are a ReplacementRequired as always
    unrecorded = manifest(source={"backup": {"backupArn": BACKUP_ARN}})
    reasons = [b.reason for b in plan(unrecorded, replace(ours, hash_key="x"), region=REGION, owner=OWNER).blocked]
    assert reasons == ["ReplacementRequired"]
