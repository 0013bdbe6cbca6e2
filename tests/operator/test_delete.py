"""Deletion through the finalizer: Retain, Delete (replicas first), and deletion protection."""

from __future__ import annotations

import pytest
from operator_harness import Harness, eventually, table_spec

from dynamotable.operator.rbac import rules_for

# The operator's clock is the event loop's; looptime makes it the test's (waits and intervals run in loop
# time: a drift interval or a retry delay is asserted as requested, not waited for on the wall clock).
pytestmark = pytest.mark.looptime

OWNER_TAG = "dynamotable.io/owner"


async def test_retain_keeps_the_table_and_drops_our_tag(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-keep"
    await h.create("keep", table_spec(tableName=table, tags={"team": "shop"}))
    await eventually(lambda: h.ready("keep"))
    assert OWNER_TAG in h.tags(table)

    await h.delete("keep")
    await eventually(lambda: not h.exists("keep"))
    assert h.describe(table) is not None
    assert h.tags(table) == {"team": "shop"}
    assert "DeleteTable" not in [r.operation for r in h.aws(table)]
    await eventually(lambda: "Retained" in h.reasons("keep"))
    h.assert_rbac_covers(rules_for(all_namespaces=True, peering=False))


async def test_delete_removes_replicas_then_the_table(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-global"
    spec = table_spec(
        tableName=table,
        stream={"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
        replicas=[{"region": "us-west-2"}],
        deletionPolicy="Delete",
    )
    await h.create("global", spec)
    await eventually(lambda: h.ready("global"), timeout=15)
    assert h.status("global")["replicas"] == [{"region": "us-west-2", "status": "ACTIVE"}]
    assert h.describe(table, "us-west-2") is not None

    await h.delete("global")
    await eventually(lambda: not h.exists("global"), timeout=15)
    assert h.describe(table) is None
    assert h.describe(table, "us-west-2") is None
    mutations = [r for r in h.aws(table, mutating=True) if r.operation in ("UpdateTable", "DeleteTable")]
    replica_deletes = [i for i, r in enumerate(mutations) if "ReplicaUpdates" in r.payload]
    table_deletes = [i for i, r in enumerate(mutations) if r.operation == "DeleteTable"]
    assert len(replica_deletes) == 2 and len(table_deletes) == 1  # replica create + delete, then the table
    assert "Delete" in mutations[replica_deletes[-1]].payload["ReplicaUpdates"][0]
    assert replica_deletes[-1] < table_deletes[0]
    await eventually(lambda: "Deleted" in h.reasons("global"))
    h.assert_rbac_covers(rules_for(all_namespaces=True, peering=False))


# On the wall clock: kopf keeps a handler's retry time as a timestamp, which it compares with the wall clock in
# each handling cycle. Under looptime kopf's sleep ends at once and it touches the object again and again until
# the wall clock reaches that timestamp; the loop clock runs far ahead meanwhile (past the test's timeouts on a
# fast machine).
@pytest.mark.looptime(False)
async def test_deletion_protection_blocks_and_keeps_the_finalizer(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-precious"
    await h.create("precious", table_spec(tableName=table, deletionProtection=True, deletionPolicy="Delete"))
    await eventually(lambda: h.ready("precious"))

    await h.delete("precious")
    await eventually(lambda: h.reason("precious") == "DeletionBlocked")
    await h.passes("precious", 3)  # several retries (blocked_retry_delay=0.2): still blocked, nothing deleted
    assert h.state("precious").requested_delay == h.settings.blocked_retry_delay
    obj = h.obj("precious")
    assert h.exists("precious") and obj["metadata"]["deletionTimestamp"]
    assert obj["metadata"]["finalizers"] == ["dynamotable.io/finalizer"]
    assert h.reason("precious") == "DeletionBlocked"
    assert "turn it off" in h.condition("precious")["message"]
    desc = h.describe(table)
    assert desc is not None and desc["DeletionProtectionEnabled"] is True
    assert "DeleteTable" not in [r.operation for r in h.aws(table)]
    assert ("Warning", "DeletionBlocked") in [(t, r) for t, r, _ in h.events("precious")]


async def test_a25_snapshot_backs_up_then_deletes_and_names_the_backup_in_an_event(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-snap"
    await h.create("snap", table_spec(tableName=table, deletionPolicy="Snapshot"))
    await eventually(lambda: h.ready("snap"))

    await h.delete("snap")
    await eventually(lambda: not h.exists("snap"), timeout=15)
    assert h.describe(table) is None
    (backup,) = h.ddb().list_backups(TableName=table)["BackupSummaries"]
    assert backup["BackupStatus"] == "AVAILABLE" and backup["BackupName"].startswith(f"{table}-final-")
    operations = [r.operation for r in h.aws(table, mutating=True) if r.ok]
    assert operations.count("CreateBackup") == 1
    assert operations.index("CreateBackup") < operations.index("DeleteTable")
    events = h.events("snap")
    assert (
        "Normal",
        "FinalBackup",
        f"final backup {backup['BackupName']} of table {table} is AVAILABLE: {backup['BackupArn']}",
    ) in events
    assert "Deleted" in h.reasons("snap")
    # the last status the object had before its finalizer went records the backup, the table gone
    last = next(v for v in reversed(h.history("snap")) if v.get("status", {}).get("finalBackup"))
    assert last["status"]["finalBackup"]["arn"] == backup["BackupArn"]
    assert last["status"]["finalBackup"]["status"] == "AVAILABLE"
