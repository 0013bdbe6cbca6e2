"""deletionPolicy Snapshot (pure): the final on-demand backup, AVAILABLE before anything is deleted [A25].

The rules (each has a case in tests/unit/test_plan_snapshot.py):
- everything that stops or holds back a Delete (managementPolicy Plan, deletion protection on the table or a
  replica, the table or a part of it transitioning) stops or holds back the backup too: no backup is made that
  could not be followed by the deletion;
- with no final backup yet (or the one recorded was deleted), the first step is CreateBackup named
  `<tableName>-final-<UTC time>` (BackupName: 3-255 of [a-zA-Z0-9_.-], so the time has no ':'; a table name too
  long for the suffix is cut and given a hash of the whole name, so two long names never share a prefix);
- while the final backup is CREATING, nothing is deleted: the plan waits;
- once it is AVAILABLE, the deletion goes on exactly as deletionPolicy Delete's (plan_delete: replicas first,
  then our surface, then DeleteTable);
- a table that is gone has nothing to back up: the deletion is complete.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from dynamotable.api import spec as s
from dynamotable.engine.model import ObservedTable, Plan, Step
from dynamotable.engine.plan_delete import plan_delete

CREATING = "CREATING"
AVAILABLE = "AVAILABLE"
DELETED = "DELETED"
FINAL_BACKUP_EVENT = "FinalBackup"  # the reason of the Event that names the final backup's ARN

FINAL = "-final-"
MAX_BACKUP_NAME = 255  # [API CreateBackup] BackupName: 3-255 characters of [a-zA-Z0-9_.-]
TIME_FORMAT = "%Y%m%dT%H%M%SZ"  # 16 characters, no ':' (not allowed in a BackupName)
HASH_LENGTH = 8
MAX_PREFIX = MAX_BACKUP_NAME - len(datetime(2000, 1, 1).strftime(TIME_FORMAT))


@dataclass(frozen=True, slots=True)
class ObservedBackup:
    """A final backup as DescribeBackup or ListBackups show it."""

    arn: str
    name: str
    status: str
    created: datetime | None = None


def backup_prefix(table_name: str) -> str:
    """`<tableName>-final-`, the table name shortened (and made unique by a hash of it) to leave room for the time."""
    prefix = table_name + FINAL
    if len(prefix) <= MAX_PREFIX:
        return prefix
    digest = hashlib.sha256(table_name.encode()).hexdigest()[:HASH_LENGTH]
    keep = MAX_PREFIX - len(FINAL) - len(digest) - 1
    return f"{table_name[:keep]}-{digest}{FINAL}"


def final_backup_name(table_name: str, at: datetime) -> str:
    return backup_prefix(table_name) + at.astimezone(UTC).strftime(TIME_FORMAT)


def create_final_backup(name: str, region: str, at: datetime) -> Step:
    backup = final_backup_name(name, at)
    return Step(
        "CreateBackup",
        region,
        {"TableName": name, "BackupName": backup},
        f"back up table {name} as {backup} (deletionPolicy Snapshot: the final backup, before anything is deleted)",
        transitions=False,
    )


def plan_snapshot_delete(
    manifest: s.DynamoTable,
    observed: ObservedTable | None,
    backup: ObservedBackup | None,
    *,
    region: str,
    owner: str,
    now: datetime,
) -> Plan:
    """The deletion plan of deletionPolicy Snapshot: [CreateBackup], wait for AVAILABLE, then Delete's plan."""
    deleting = plan_delete(manifest, observed, region=region, owner=owner)
    if observed is None or deleting.kept is not None or deleting.blocked or deleting.waiting or not deleting.steps:
        return deleting
    name = manifest.table_name
    if backup is not None and backup.status == AVAILABLE:
        return deleting
    if backup is not None and backup.status == CREATING:
        return Plan(waiting=[f"the final backup {backup.name} is CREATING ({backup.arn})"])
    return Plan(steps=[create_final_backup(name, region, now), *deleting.steps])
