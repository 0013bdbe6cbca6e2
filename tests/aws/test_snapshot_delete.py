"""deletionPolicy Snapshot through the engine on the embedded endpoint [A25]: the final backup is made, and is
AVAILABLE, before anything is deleted; a backup that cannot be made keeps the table and the condition says why;
deletion protection blocks before any backup; a pass that lost the status written after CreateBackup finds that
backup instead of making a second. The endpoint's clock is the test's: a backup is CREATING until it is moved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dynamotable.api.spec import DynamoTable
from dynamotable.api.status import ConditionType, Reason
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.reconcile import Outcome, Timing, delete, reconcile
from dynamotable.local import Faults, Latency, LocalEndpoint

REGION = "us-east-1"
OWNER = "shop/orders"
START = datetime(2026, 12, 2, 0, 45, 12, tzinfo=UTC)
TIMING = Timing.fast()
BACKUP_SECONDS = 60.0
PASSES = 30


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
    with LocalEndpoint(clock=clock, epoch=START.timestamp(), latency=Latency(backup=BACKUP_SECONDS)) as ep:
        yield ep


@pytest.fixture
def engine(endpoint: LocalEndpoint, clock: Clock) -> Iterator[Engine]:
    endpoint.set_faults(Faults())
    endpoint.reset()
    endpoint.clear_requests()
    clock.now = 0.0
    try:
        yield Engine(endpoint, clock)
    finally:
        endpoint.set_faults(Faults())


def manifest(status: dict[str, Any] | None = None, *, meta: dict[str, Any] | None = None, **spec: Any) -> DynamoTable:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], "deletionPolicy": "Snapshot"}
    base.update(spec)
    doc: dict[str, Any] = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop", **(meta or {})},
        "spec": base,
    }
    return DynamoTable.model_validate(doc).model_copy(update={"status": status})


class Engine:
    """Passes that carry the status from one to the next, as the operator stores it, on the endpoint's date."""

    def __init__(self, endpoint: LocalEndpoint, clock: Clock) -> None:
        self.endpoint = endpoint
        self.clock = clock
        self.factory = ClientFactory(endpoint_url=endpoint.url, max_attempts=0, credentials=Credentials("t", "t"))
        self.status: dict[str, Any] | None = None
        self.events: list[tuple[str, str]] = []

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.endpoint.wall_time(), UTC)

    def converge(self, **spec: Any) -> None:
        for _ in range(PASSES):
            out = reconcile(manifest(self.status, **spec), self.factory, region=REGION, owner=OWNER, timing=TIMING)
            self.status = out.status.model_dump(by_alias=True, mode="json", exclude_none=True)
            if out.done:
                return
        raise AssertionError(f"not converged: {out.status.conditions}")

    def delete_pass(self, meta: dict[str, Any] | None = None, **spec: Any) -> Outcome:
        m = manifest(self.status, meta=meta, **spec)
        out = delete(m, self.factory, region=REGION, owner=OWNER, timing=TIMING, now=self.now)
        self.status = out.status.model_dump(by_alias=True, mode="json", exclude_none=True)
        self.events += [(e.reason, e.message) for e in out.events]
        return out

    def delete_until_done(self, **spec: Any) -> Outcome:
        for _ in range(PASSES):
            out = self.delete_pass(**spec)
            if out.done:
                return out
        raise AssertionError(f"not deleted: {out.status.conditions}")

    def operations(self) -> list[str]:
        return [r.operation for r in self.endpoint.requests() if r.ok]

    def backups(self) -> list[dict[str, Any]]:
        found = self.factory.dynamodb(REGION).list_backups(TableName="orders", BackupType="ALL")
        return list(found["BackupSummaries"])

    def table_status(self) -> str | None:
        names = self.factory.dynamodb(REGION).list_tables()["TableNames"]
        if "orders" not in names:
            return None
        return str(self.factory.dynamodb(REGION).describe_table(TableName="orders")["Table"]["TableStatus"])


def ready(out: Outcome) -> tuple[str, str]:
    condition = next(c for c in out.status.conditions if c.type == ConditionType.READY)
    return condition.reason.value, condition.message


def test_a25_the_final_backup_is_available_before_the_table_is_deleted(engine: Engine) -> None:
    engine.converge()
    engine.endpoint.clear_requests()

    first = engine.delete_pass()
    assert first.executed is not None and first.executed.operation == "CreateBackup"
    recorded = first.status.final_backup
    assert recorded is not None and recorded.status == "CREATING"
    assert recorded.name == "orders-final-20261202T004512Z" and ":table/orders/backup/" in recorded.arn
    for _ in range(3):  # CREATING: the passes wait, nothing is deleted
        waiting = engine.delete_pass()
        assert waiting.executed is None and not waiting.done
        assert ready(waiting)[0] == Reason.DELETING.value and recorded.arn in ready(waiting)[1]
    assert "DeleteTable" not in engine.operations() and engine.table_status() == "ACTIVE"

    engine.clock.now += BACKUP_SECONDS
    done = engine.delete_until_done()
    assert done.status.final_backup is not None and done.status.final_backup.status == "AVAILABLE"
    assert done.status.final_backup.arn == recorded.arn
    assert (
        "FinalBackup",
        f"final backup {recorded.name} of table orders is AVAILABLE: {recorded.arn}",
    ) in engine.events
    assert engine.table_status() is None

    requests = [r for r in engine.endpoint.requests() if r.ok]
    ops = [r.operation for r in requests]
    assert ops.count("CreateBackup") == 1
    described = [r for r in requests if r.operation == "DescribeBackup"]
    deleted = next(r for r in requests if r.operation == "DeleteTable")
    assert ops.index("CreateBackup") < ops.index("DeleteTable")
    # the DeleteTable came after the backup's time was up (AVAILABLE), and after a DescribeBackup that said so
    assert deleted.time >= BACKUP_SECONDS and any(
        r.time >= BACKUP_SECONDS and r.time <= deleted.time for r in described
    )
    (backup,) = engine.backups()
    assert (backup["BackupArn"], backup["BackupStatus"]) == (recorded.arn, "AVAILABLE")


def test_a25_a_backup_that_cannot_be_made_keeps_the_table_and_says_why(engine: Engine) -> None:
    engine.converge()
    engine.endpoint.clear_requests()
    engine.endpoint.set_faults(Faults(backup_unavailable=1.0, seed=1))
    for _ in range(3):
        out = engine.delete_pass()
        assert not out.done and out.executed is None
        reason, message = ready(out)
        assert reason == Reason.WAITING.value and "ContinuousBackupsUnavailableException" in message
        assert "CreateBackup" in message
    assert "DeleteTable" not in [r.operation for r in engine.endpoint.requests()]
    assert engine.table_status() == "ACTIVE" and engine.backups() == []
    assert out.status.final_backup is None

    engine.endpoint.set_faults(Faults())  # backups are possible again: the deletion goes on
    engine.delete_pass()
    engine.clock.now += BACKUP_SECONDS
    assert engine.delete_until_done().done and engine.table_status() is None


def test_a25_deletion_protection_blocks_before_any_backup(engine: Engine) -> None:
    engine.converge(deletionProtection=True)
    engine.endpoint.clear_requests()
    out = engine.delete_pass(deletionProtection=True)
    assert ready(out)[0] == Reason.DELETION_BLOCKED.value
    assert not out.done and out.executed is None
    assert not {"CreateBackup", "DescribeBackup", "ListBackups", "DeleteTable"} & set(engine.operations())
    assert engine.backups() == [] and engine.table_status() == "ACTIVE"


def test_a25_a_pass_that_lost_the_status_after_create_backup_makes_no_second_backup(engine: Engine) -> None:
    engine.converge()
    began = {"deletionTimestamp": START.isoformat().replace("+00:00", "Z")}
    first = engine.delete_pass(meta=began)
    assert first.executed is not None and first.executed.operation == "CreateBackup"
    made = first.status.final_backup
    assert made is not None
    # the operator stopped before writing that status: the next pass starts from the one before
    assert engine.status is not None
    engine.status.pop("finalBackup")
    again = engine.delete_pass(meta=began)
    assert again.executed is None and again.status.final_backup is not None
    assert again.status.final_backup.arn == made.arn
    engine.status.pop("finalBackup")  # and again, once it is AVAILABLE
    engine.clock.now += BACKUP_SECONDS
    for _ in range(PASSES):
        out = engine.delete_pass(meta=began)
        if out.done:
            break
    assert out.done and engine.table_status() is None
    assert engine.operations().count("CreateBackup") == 1
    assert [b["BackupArn"] for b in engine.backups()] == [made.arn]


def test_a25_a_table_already_gone_has_nothing_to_back_up(engine: Engine) -> None:
    out = engine.delete_pass()
    assert out.done and out.status.final_backup is None
    assert engine.events == [
        ("FinalBackup", "table orders does not exist: nothing to back up, no final backup was made")
    ]
    assert "CreateBackup" not in engine.operations()


def test_a25_the_endpoint_refuses_to_delete_the_source_of_a_backup_in_progress(engine: Engine) -> None:
    engine.converge()
    client = engine.factory.dynamodb(REGION)
    client.create_backup(TableName="orders", BackupName="orders-manual")
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.delete_table(TableName="orders")
    engine.clock.now += BACKUP_SECONDS
    assert client.delete_table(TableName="orders")["TableDescription"]["TableStatus"] == "DELETING"


@pytest.mark.parametrize("seed", [3, 11])
def test_a25_with_faults_injected_one_backup_is_made_and_it_is_available_before_the_delete(
    engine: Engine, seed: int
) -> None:
    engine.converge()
    engine.endpoint.clear_requests()
    engine.endpoint.set_faults(Faults(throttle=0.15, server_error=0.05, drop_connection=0.05, seed=seed))
    for _ in range(PASSES * 2):
        out = engine.delete_pass()
        if out.done:
            break
        engine.clock.now += BACKUP_SECONDS / 4
    assert out.done, out.status.conditions
    engine.endpoint.set_faults(Faults())
    assert any(r.fault for r in engine.endpoint.requests()), "faults were injected"
    ok = [r for r in engine.endpoint.requests() if r.ok]
    made = [r for r in ok if r.operation == "CreateBackup"]
    deleted = next(r for r in ok if r.operation == "DeleteTable")
    assert len(made) == 1 and deleted.time >= made[0].time + BACKUP_SECONDS
    assert engine.table_status() is None
    (backup,) = engine.backups()
    assert backup["BackupStatus"] == "AVAILABLE"
    assert out.status.final_backup is not None and out.status.final_backup.arn == backup["BackupArn"]
