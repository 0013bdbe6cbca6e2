"""deletionPolicy Snapshot in a deletion pass [A25]: look at the final backup only when the plan reaches it,
record it in status.finalBackup (from CreateBackup's answer on, so no pass makes a second one), and name its ARN
in a FinalBackup Event once it is AVAILABLE."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from dynamotable.api import spec as s
from dynamotable.api.status import DynamoTableStatus, FinalBackupStatus
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.model import ObservedTable, Plan, Step
from dynamotable.engine.observe_backup import observe_final_backup
from dynamotable.engine.plan_delete import plan_delete
from dynamotable.engine.plan_snapshot import AVAILABLE, FINAL_BACKUP_EVENT, ObservedBackup, plan_snapshot_delete


class DeletionReport(Protocol):
    """What a deletion pass's report (reconcile._Report) offers this module."""

    manifest: s.DynamoTable
    now: datetime
    prev: DynamoTableStatus
    fields: dict[str, Any]

    def event(self, kind: Literal["Normal", "Warning"], reason: str, message: str) -> None: ...


def deletion_plan(
    report: DeletionReport, factory: ClientFactory, live: ObservedTable, *, region: str, owner: str
) -> Plan:
    """The deletion plan of a live table of ours; with deletionPolicy Snapshot, after a look at its final backup
    (only when nothing stops or holds back the deletion: no call is spent on a backup that cannot be made)."""
    manifest = report.manifest
    deleting = plan_delete(manifest, live, region=region, owner=owner)
    if manifest.spec.deletion_policy != s.DeletionPolicy.SNAPSHOT or not deleting.steps:
        return deleting
    backup = observe_final_backup(factory, live, region, report.prev.final_backup, _deletion_began(manifest))
    if backup is not None:
        _record(report, backup, at=report.prev.final_backup.at if report.prev.final_backup else None)
    return plan_snapshot_delete(manifest, live, backup, region=region, owner=owner, now=report.now)


def record_final_backup(report: DeletionReport, step: Step, answer: Mapping[str, Any]) -> None:
    """After CreateBackup: status.finalBackup from its answer (what the next pass waits for)."""
    if step.operation != "CreateBackup":
        return
    details = answer.get("BackupDetails") or {}
    backup = ObservedBackup(
        str(details.get("BackupArn") or ""),
        str(details.get("BackupName") or step.request["BackupName"]),
        str(details.get("BackupStatus") or "CREATING"),
    )
    _record(report, backup, at=_ts(report.now))


def nothing_to_back_up(report: DeletionReport) -> None:
    """The table is gone and this deletion made no final backup: say so, once (the deletion then completes)."""
    manifest = report.manifest
    if manifest.spec.deletion_policy == s.DeletionPolicy.SNAPSHOT and report.prev.final_backup is None:
        report.event(
            "Normal",
            FINAL_BACKUP_EVENT,
            f"table {manifest.table_name} does not exist: nothing to back up, no final backup was made",
        )


def _record(report: DeletionReport, backup: ObservedBackup, *, at: str | None) -> None:
    before = report.prev.final_backup
    report.fields["final_backup"] = FinalBackupStatus(
        arn=backup.arn, name=backup.name, status=backup.status, at=at or _ts(backup.created or report.now)
    )
    if backup.status == AVAILABLE and (before is None or before.status != AVAILABLE):
        report.event(
            "Normal",
            FINAL_BACKUP_EVENT,
            f"final backup {backup.name} of table {report.manifest.table_name} is AVAILABLE: {backup.arn}",
        )


def _deletion_began(manifest: s.DynamoTable) -> datetime | None:
    """Kubernetes' metadata.deletionTimestamp; None outside a cluster (the CLI)."""
    value = (manifest.metadata.model_extra or {}).get("deletionTimestamp")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _ts(now: datetime) -> str:
    return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
