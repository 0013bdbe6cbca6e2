"""Tables created from spec.source converge on the embedded endpoint [A24]: restored to a point in time, from a
backup, imported from S3 (moto's S3 in the same server): the items are there afterwards, the table is tagged as
ours, and the rest of the spec is brought about step by step. A failed import is reported with AWS's code and not
retried until the spec changes; a restored table with other keys is a SourceMismatch. The endpoint's clock is the
test's: restores and imports last until the test moves it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from surface_support import TEST_CONFIG

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import OWNER_TAG, parse_manifest
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.reconcile import Outcome, Timing, reconcile
from dynamotable.local import Latency, LocalEndpoint

REGION = "us-east-1"
OWNER = "shop/orders"
TAKES = 30.0  # seconds a restore or an import lasts on the endpoint
STEP = 10.0  # the clock moves this much between passes while AWS is busy
MAX_PASSES = 40


class LocalFakeClock:
    """The endpoint's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> LocalFakeClock:
    return LocalFakeClock()


@pytest.fixture(scope="module")
def endpoint(clock: LocalFakeClock) -> Iterator[LocalEndpoint]:
    mp = pytest.MonkeyPatch()
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        mp.delenv(var, raising=False)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    try:
        with LocalEndpoint(clock=clock, latency=Latency(restore=TAKES, table_import=TAKES)) as ep:
            yield ep
    finally:
        mp.undo()


@pytest.fixture
def fresh(endpoint: LocalEndpoint) -> LocalEndpoint:
    endpoint.reset()
    endpoint.set_latency(Latency(restore=TAKES, table_import=TAKES))
    return endpoint


def client(endpoint: LocalEndpoint, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=TEST_CONFIG,
    )


def manifest(spec: dict[str, Any], status: dict[str, Any] | None) -> DynamoTable:
    doc = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop", "generation": 1},
        "spec": {"tableName": "orders", "hashKey": "id", "attributes": [{"name": "id", "type": "S"}], **spec},
    }
    parsed = parse_manifest(doc, default_region=REGION)
    return parsed.model_copy(update={"status": status}) if status is not None else parsed


class Run:
    """Engine passes on one spec, each on the status the last one wrote; the endpoint's clock moves while AWS is
    busy (requeue after a poll) and stands still otherwise."""

    def __init__(self, endpoint: LocalEndpoint, clock: LocalFakeClock) -> None:
        self.factory = ClientFactory(endpoint_url=endpoint.url, max_attempts=0)
        self.clock = clock
        self.status: dict[str, Any] | None = None
        self.outcomes: list[Outcome] = []

    def once(self, spec: dict[str, Any]) -> Outcome:
        out = reconcile(manifest(spec, self.status), self.factory, region=REGION, owner=OWNER, timing=Timing.fast())
        self.status = out.status.model_dump(by_alias=True, mode="json", exclude_none=True)
        self.outcomes.append(out)
        if out.requeue_after and out.executed is None:
            self.clock.advance(STEP)
        return out

    def until_settled(self, spec: dict[str, Any]) -> Outcome:
        """Passes until the table matches the spec, or until a pass says nothing changes before the spec does."""
        for _ in range(MAX_PASSES):
            out = self.once(spec)
            if out.done or out.requeue_after is None:
                return out
        raise AssertionError(f"not settled: {self.outcomes[-1].status.conditions}")

    @property
    def operations(self) -> list[str]:
        return [o.executed.operation for o in self.outcomes if o.executed is not None]

    def messages(self) -> list[str]:
        return [c.message for o in self.outcomes for c in o.status.conditions if c.type == "Ready"]


def source_table(endpoint: LocalEndpoint, name: str, *, key: str = "id", items: int = 3) -> Any:
    ddb = client(endpoint, "dynamodb")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(items):
        ddb.put_item(TableName=name, Item={key: {"S": f"item-{i}"}, "total": {"N": str(i)}})
    return ddb


def keys_in(endpoint: LocalEndpoint, table: str, key: str = "id") -> list[str]:
    items = client(endpoint, "dynamodb").scan(TableName=table)["Items"]
    return sorted(item[key]["S"] for item in items)


def tags_of(endpoint: LocalEndpoint, table: str) -> dict[str, str]:
    ddb = client(endpoint, "dynamodb")
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    return {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}


def test_a24_restore_to_the_latest_restorable_time_converges_with_the_items(
    fresh: LocalEndpoint, clock: LocalFakeClock
) -> None:
    ddb = source_table(fresh, "orders-prod")
    clock.advance(1)
    ddb.update_continuous_backups(
        TableName="orders-prod", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    spec = {
        "source": {"pointInTime": {"sourceTableName": "orders-prod", "useLatestRestorableTime": True}},
        "tags": {"team": "shop"},
        "ttl": {"enabled": True, "attributeName": "expiresAt"},
    }
    run = Run(fresh, clock)
    out = run.until_settled(spec)
    assert out.done, out.status.conditions
    assert run.operations == ["RestoreTableToPointInTime", "TagResource", "UpdateTimeToLive"]
    assert keys_in(fresh, "orders") == ["item-0", "item-1", "item-2"]
    assert tags_of(fresh, "orders") == {OWNER_TAG: OWNER, "team": "shop"}
    assert any(m.startswith("restoring table orders from table orders-prod") for m in run.messages())
    assert run.status is not None and run.status["source"]["kind"] == "pointInTime"
    assert run.status["source"]["status"] == "RESTORED"
    # never AdoptionRequired nor ownership drift while the restored table had no tag yet
    assert all(c.reason != "AdoptionRequired" for o in run.outcomes for c in o.status.conditions)
    assert run.status.get("drift", []) == []


def _rfc3339(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def test_a24_restore_to_an_instant_in_the_recovery_window_converges_and_one_outside_is_refused(
    fresh: LocalEndpoint, clock: LocalFakeClock
) -> None:
    ddb = source_table(fresh, "orders-prod")
    ddb.update_continuous_backups(
        TableName="orders-prod", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    enabled = fresh.wall_time()
    clock.advance(900)  # the latest restorable time is about 5 minutes ago: the window is now ~10 minutes long
    before = {"pointInTime": {"sourceTableName": "orders-prod", "restoreDateTime": _rfc3339(enabled - 60)}}
    run = Run(fresh, clock)
    out = run.until_settled({"source": before})
    (ready,) = [c for c in out.status.conditions if c.type == "Ready"]
    assert ready.reason == "AwsError" and "InvalidRestoreTimeException" in ready.message, ready.message
    within = {"pointInTime": {"sourceTableName": "orders-prod", "restoreDateTime": _rfc3339(enabled + 300)}}
    again = Run(fresh, clock)
    assert again.until_settled({"source": within}).done
    assert again.operations[0] == "RestoreTableToPointInTime"
    assert keys_in(fresh, "orders") == ["item-0", "item-1", "item-2"]


def test_a24_restore_to_a_point_in_time_needs_point_in_time_recovery_on_the_source(
    fresh: LocalEndpoint, clock: LocalFakeClock
) -> None:
    source_table(fresh, "orders-prod")
    run = Run(fresh, clock)
    out = run.until_settled(
        {"source": {"pointInTime": {"sourceTableName": "orders-prod", "useLatestRestorableTime": True}}}
    )
    (ready,) = [c for c in out.status.conditions if c.type == "Ready"]
    assert ready.reason == "AwsError" and "PointInTimeRecoveryUnavailableException" in ready.message


def test_a24_restore_from_a_backup_converges_with_the_items_and_the_rest_of_the_spec(
    fresh: LocalEndpoint, clock: LocalFakeClock
) -> None:
    ddb = source_table(fresh, "orders-prod", items=5)
    backup = ddb.create_backup(TableName="orders-prod", BackupName="nightly")["BackupDetails"]["BackupArn"]
    ddb.put_item(TableName="orders-prod", Item={"id": {"S": "after-backup"}})
    spec = {
        "source": {"backup": {"backupArn": backup}},
        "stream": {"enabled": True, "viewType": "NEW_IMAGE"},
        "deletionProtection": True,
    }
    run = Run(fresh, clock)
    out = run.until_settled(spec)
    assert out.done, out.status.conditions
    assert run.operations[0] == "RestoreTableFromBackup" and run.operations[1] == "TagResource"
    assert keys_in(fresh, "orders") == [f"item-{i}" for i in range(5)]
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE" and table["DeletionProtectionEnabled"]
    assert table["RestoreSummary"]["SourceBackupArn"] == backup and not table["RestoreSummary"]["RestoreInProgress"]
    assert run.status is not None and run.status["source"] == {
        "kind": "backup",
        "arn": backup,
        "status": "RESTORED",
        "spec": run.status["source"]["spec"],
    }


def _put_export(endpoint: LocalEndpoint, ids: list[str]) -> None:
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket="exports")
    lines = [json.dumps({"Item": {"id": {"S": i}, "total": {"N": "1"}}}) for i in ids]
    s3.put_object(Bucket="exports", Key="orders/part-0.json", Body="\n".join(lines).encode())


def test_a24_import_from_s3_converges_with_the_items_and_shows_its_progress(
    fresh: LocalEndpoint, clock: LocalFakeClock
) -> None:
    _put_export(fresh, ["a", "b", "c", "d"])
    spec = {
        "source": {"s3Import": {"bucket": "exports", "keyPrefix": "orders/", "inputFormat": "DYNAMODB_JSON"}},
        "pointInTimeRecovery": {"enabled": True},
        "tags": {"team": "shop"},
    }
    run = Run(fresh, clock)
    out = run.until_settled(spec)
    assert out.done, out.status.conditions
    assert run.operations == ["ImportTable", "TagResource", "UpdateContinuousBackups"]
    assert keys_in(fresh, "orders") == ["a", "b", "c", "d"]
    assert tags_of(fresh, "orders") == {OWNER_TAG: OWNER, "team": "shop"}
    assert any(
        "importing table orders from s3://exports/orders/ (DYNAMODB_JSON): import IN_PROGRESS" in m
        for m in run.messages()
    )
    assert run.status is not None
    source = run.status["source"]
    assert source["kind"] == "s3Import" and source["status"] == "COMPLETED" and "/import/" in source["arn"]
    assert source["processedItemCount"] == 4 and source["importedItemCount"] == 4


def test_a24_a_failed_import_is_reported_with_the_aws_code_and_retried_only_when_the_spec_changes(
    fresh: LocalEndpoint, clock: LocalFakeClock
) -> None:
    spec = {"source": {"s3Import": {"bucket": "exports", "keyPrefix": "orders/", "inputFormat": "DYNAMODB_JSON"}}}
    run = Run(fresh, clock)
    out = run.until_settled(spec)
    (ready,) = [c for c in out.status.conditions if c.type == "Ready"]
    assert ready.reason == "AwsError" and "S3NoSuchBucket" in ready.message, ready.message
    assert out.requeue_after is None and run.operations == ["ImportTable"]
    assert run.status is not None and "tableArn" not in run.status  # the source may be fixed (the CRD allows it)
    again = run.once(spec)
    assert again.executed is None and run.operations == ["ImportTable"]
    # the spec changes (the data is put in place and the prefix fixed): imported again
    _put_export(fresh, ["x"])
    fixed = {"source": {"s3Import": {"bucket": "exports", "keyPrefix": "orders/part", "inputFormat": "DYNAMODB_JSON"}}}
    assert run.until_settled(fixed).done
    assert run.operations == ["ImportTable", "ImportTable", "TagResource"]
    assert keys_in(fresh, "orders") == ["x"]


def test_a24_a_restored_table_with_other_keys_is_a_source_mismatch_and_nothing_more_is_done(
    fresh: LocalEndpoint, clock: LocalFakeClock
) -> None:
    ddb = source_table(fresh, "customers", key="customerId")
    backup = ddb.create_backup(TableName="customers", BackupName="nightly")["BackupDetails"]["BackupArn"]
    run = Run(fresh, clock)
    out = run.until_settled({"source": {"backup": {"backupArn": backup}}, "tags": {"team": "shop"}})
    (ready,) = [c for c in out.status.conditions if c.type == "Ready"]
    assert ready.reason == "SourceMismatch" and "hashKey: spec id, restored customerId" in ready.message
    assert run.operations == ["RestoreTableFromBackup"] and out.requeue_after is None


def test_a24_2_a_restore_carries_billing_capacity_and_encryption_so_no_update_follows(
    fresh: LocalEndpoint, clock: LocalFakeClock
) -> None:
    ddb = source_table(fresh, "orders-prod")
    backup = ddb.create_backup(TableName="orders-prod", BackupName="nightly")["BackupDetails"]["BackupArn"]
    spec = {
        "source": {"backup": {"backupArn": backup}},
        "billingMode": "PROVISIONED",
        "readCapacity": 7,
        "writeCapacity": 3,
        "serverSideEncryption": {"enabled": True},
    }
    run = Run(fresh, clock)
    assert run.until_settled(spec).done
    assert run.operations == ["RestoreTableFromBackup", "TagResource"]
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert (
        table["ProvisionedThroughput"]["ReadCapacityUnits"],
        table["ProvisionedThroughput"]["WriteCapacityUnits"],
    ) == (7, 3)
    assert table["SSEDescription"]["SSEType"] == "KMS"
