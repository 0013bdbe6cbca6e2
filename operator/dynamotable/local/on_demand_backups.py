"""On-demand backups [A25]: CreateBackup, DescribeBackup and ListBackups as AWS answers them.

moto makes a backup AVAILABLE at once, dates it by the machine's clock, takes one of a table that is being
created or deleted, and its ListBackups ignores BackupType and the time range and leaves out TableId. Here a
backup is CREATING for `Latency.backup` seconds of the endpoint's clock, then AVAILABLE; it is dated by the
endpoint's wall clock; CreateBackup of a CREATING or DELETING table is TableInUseException; ListBackups filters
as AWS does; and the source table of a backup in progress cannot be deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import motobackend
from .state import CREATING, DELETING
from .wire import AwsError, DynamoRequest, Reply, json_reply, table_name_of

if TYPE_CHECKING:
    from .controlplane import ControlPlane

BACKUP_CREATING = "CREATING"
BACKUP_AVAILABLE = "AVAILABLE"
UNTIL = "_dynamotable_until"  # the endpoint-clock time a CREATING backup turns AVAILABLE, kept on moto's Backup
TABLE_ID = "_dynamotable_table_id"  # the TableId of the source table when the backup was made


def _backups(account: str, region: str) -> dict[str, Any]:
    if not motobackend.known_region(account, region):
        return {}
    found: dict[str, Any] = motobackend.backend(account, region).backups
    return found


def settle(account: str, region: str, now: float) -> None:
    """CREATING backups whose time is up turn AVAILABLE."""
    for backup in _backups(account, region).values():
        if backup.status == BACKUP_CREATING and now >= getattr(backup, UNTIL, 0.0):
            backup.status = BACKUP_AVAILABLE


def in_progress(account: str, region: str, name: str, now: float) -> bool:
    settle(account, region, now)
    return any(b.status == BACKUP_CREATING and b.table.name == name for b in _backups(account, region).values())


def create_backup(plane: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    settle(request.account, request.region, now)
    name = table_name_of(request.payload.get("TableName"))
    table = motobackend.find_table(request.account, request.region, name)
    if table is None:
        # [API CreateBackup] TableNotFoundException, as moto answers too
        return plane.passthrough(request)
    state = plane.state_for(request.account, request.region, name, table)
    if state.phase in (CREATING, DELETING):
        # [API CreateBackup] TableInUseException: "A target table with the specified name is either being created
        # or deleted."
        raise AwsError("TableInUseException", f"Table is being {state.phase.lower()}: {name}")
    reply = plane.passthrough(request)
    if reply.status >= 400:
        return reply
    details = reply.json()["BackupDetails"]
    backup = _backups(request.account, request.region)[details["BackupArn"]]
    wall = plane.wall.at(now)
    backup.creation_date_time = datetime.fromtimestamp(wall, UTC).replace(tzinfo=None)
    backup.status = BACKUP_CREATING
    setattr(backup, UNTIL, now + plane.latency.backup)
    setattr(backup, TABLE_ID, state.table_id)
    details.update(BackupStatus=BACKUP_CREATING, BackupCreationDateTime=wall)
    return json_reply({"BackupDetails": details})


def describe_backup(plane: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    settle(request.account, request.region, now)
    reply = plane.passthrough(request)
    if reply.status >= 400:
        return reply
    body = reply.json()
    backup = _backups(request.account, request.region).get(str(request.payload.get("BackupArn")))
    if backup is not None:
        details = body["BackupDescription"]["BackupDetails"]
        details["BackupCreationDateTime"] = _epoch(backup.creation_date_time)
        source = body["BackupDescription"].get("SourceTableDetails") or {}
        if getattr(backup, TABLE_ID, None):
            source["TableId"] = getattr(backup, TABLE_ID)
    return json_reply(body)


def list_backups(plane: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    """[API ListBackups] BackupType (USER, SYSTEM, AWS_BACKUP, ALL; default USER) and the creation time range
    filter the summaries; each names the source table's TableId."""
    settle(request.account, request.region, now)
    reply = plane.passthrough(request)
    if reply.status >= 400:
        return reply
    payload = request.payload
    wanted = str(payload.get("BackupType") or "USER")
    lower = payload.get("TimeRangeLowerBound")
    upper = payload.get("TimeRangeUpperBound")
    backups = _backups(request.account, request.region)
    summaries = []
    for summary in reply.json().get("BackupSummaries", []):
        backup = backups.get(summary["BackupArn"])
        created = _epoch(backup.creation_date_time) if backup is not None else float(summary["BackupCreationDateTime"])
        if wanted != "ALL" and summary.get("BackupType") != wanted:
            continue
        if (lower is not None and created < float(lower)) or (upper is not None and created > float(upper)):
            continue
        summary["BackupCreationDateTime"] = created
        if backup is not None and getattr(backup, TABLE_ID, None):
            summary["TableId"] = getattr(backup, TABLE_ID)
        summaries.append(summary)
    return json_reply({"BackupSummaries": summaries})


def check_delete(request: DynamoRequest, name: str, now: float) -> None:
    """[A25] The source table of a backup in progress cannot be deleted (the error code is unconfirmed)."""
    if in_progress(request.account, request.region, name, now):
        raise AwsError(
            "ResourceInUseException",
            f"Attempt to change a resource which is still in use: Table {name} has a backup in progress",
        )


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.timestamp()
    return float(value) if isinstance(value, int | float) else 0.0
