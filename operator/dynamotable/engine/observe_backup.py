"""The final backup of deletionPolicy Snapshot, read from AWS [A25]: the one the status records (DescribeBackup),
or, when none is recorded (the pass that made it ended before its status was written), one this deletion made
(ListBackups of the table's USER backups by the name prefix, created since the deletion began)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dynamotable.api.status import FinalBackupStatus
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.errors import AwsCallFailed
from dynamotable.engine.model import DYNAMODB, ObservedTable
from dynamotable.engine.observe_calls import call
from dynamotable.engine.plan_snapshot import AVAILABLE, CREATING, DELETED, ObservedBackup, backup_prefix

# The deletion's start is Kubernetes' deletionTimestamp, the backup's creation time AWS's: allow for clock skew.
CLOCK_SKEW = timedelta(minutes=1)


def observe_final_backup(
    factory: ClientFactory,
    live: ObservedTable,
    region: str,
    recorded: FinalBackupStatus | None,
    since: datetime | None,
) -> ObservedBackup | None:
    """The final backup of `live`, or None when this deletion has made none."""
    client = factory.client(DYNAMODB, region)
    if recorded is not None:
        return _described(client, region, recorded)
    return _found(client, region, live, since)


def _described(client: Any, region: str, recorded: FinalBackupStatus) -> ObservedBackup:
    try:
        answer = call(client, "DescribeBackup", region, {"BackupArn": recorded.arn})
    except AwsCallFailed as exc:
        if exc.classified.code == "BackupNotFoundException":
            return ObservedBackup(recorded.arn, recorded.name, DELETED)
        raise
    details = answer.get("BackupDescription", {}).get("BackupDetails", {})
    return ObservedBackup(
        str(details.get("BackupArn") or recorded.arn),
        str(details.get("BackupName") or recorded.name),
        str(details.get("BackupStatus") or CREATING),
        _date(details.get("BackupCreationDateTime")),
    )


def _found(client: Any, region: str, live: ObservedTable, since: datetime | None) -> ObservedBackup | None:
    """The newest backup named `<tableName>-final-...` of this very table (its TableId, when AWS says it) that is
    CREATING, or AVAILABLE and made since the deletion began. Without a known start (the CLI), only one in
    progress is taken: an older AVAILABLE one may hold data the table no longer has."""
    prefix = backup_prefix(live.name)
    request: dict[str, Any] = {"TableName": live.name, "BackupType": "USER"}
    if since is not None:
        request["TimeRangeLowerBound"] = since - CLOCK_SKEW
    found: list[ObservedBackup] = []
    while True:
        answer = call(client, "ListBackups", region, request)
        for summary in answer.get("BackupSummaries", []):
            backup = _candidate(summary, prefix, live, since)
            if backup is not None:
                found.append(backup)
        last = answer.get("LastEvaluatedBackupArn")
        if not last:
            break
        request["ExclusiveStartBackupArn"] = last
    found.sort(key=lambda b: b.created or datetime.min.replace(tzinfo=UTC))
    return found[-1] if found else None


def _candidate(
    summary: dict[str, Any], prefix: str, live: ObservedTable, since: datetime | None
) -> ObservedBackup | None:
    name = str(summary.get("BackupName") or "")
    status = str(summary.get("BackupStatus") or "")
    table_id = summary.get("TableId")
    if not name.startswith(prefix) or (table_id and live.table_id and table_id != live.table_id):
        return None
    created = _date(summary.get("BackupCreationDateTime"))
    fresh = since is not None and created is not None and created >= since - CLOCK_SKEW
    if status == CREATING or (status == AVAILABLE and fresh):
        return ObservedBackup(str(summary.get("BackupArn") or ""), name, status, created)
    return None


def _date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return None
