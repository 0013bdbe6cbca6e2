"""What reconcile records and reads about a table's creation source [A24]: status.source from the answer of the
restore or import call, and the import's progress from DescribeImport (the table stays CREATING while it runs).

An import is read while it is in flight (status IN_PROGRESS or CANCELLING): one DescribeImport per pass. Its ARN
is kept in status.source, so a pass never starts a second import while one runs, and a FAILED or CANCELLED
import is reported with AWS's code and message and not tried again until the spec changes (A24.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.api.status import SourceStatus
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.model import Step
from dynamotable.engine.observe_calls import call
from dynamotable.engine.plan_source import IMPORT_TABLE, SOURCE_OPERATIONS, describe_source, source_digest

IN_FLIGHT = frozenset({"IN_PROGRESS", "CANCELLING"})
FAILED = frozenset({"FAILED", "CANCELLED"})
RESTORING = "RESTORING"
RESTORED = "RESTORED"


def created_description(step: Step, response: Mapping[str, Any]) -> dict[str, Any]:
    """The TableDescription-like part of a create call's answer (ImportTable answers ImportTableDescription)."""
    key = "ImportTableDescription" if step.operation == IMPORT_TABLE else "TableDescription"
    return dict(response.get(key) or {})


def recorded_at_create(manifest: s.DynamoTable, step: Step, response: Mapping[str, Any]) -> SourceStatus | None:
    """status.source right after the restore or import call (None for a CreateTable)."""
    source = manifest.spec.source
    if step.operation not in SOURCE_OPERATIONS or source is None:
        return None
    kind = source.kind or ""
    digest = source_digest(manifest.spec)
    if step.operation == IMPORT_TABLE:
        described = response.get("ImportTableDescription") or {}
        return _with_import(SourceStatus(kind=kind, spec=digest), described)
    summary = (response.get("TableDescription") or {}).get("RestoreSummary") or {}
    arn = summary.get("SourceBackupArn") or summary.get("SourceTableArn")
    if arn is None:
        arn = source.backup.backup_arn if source.backup is not None else None
    return SourceStatus(kind=kind, arn=arn, status=RESTORING, spec=digest)


def in_flight(source: SourceStatus | None) -> bool:
    return source is not None and source.kind == "s3Import" and source.arn is not None and source.status in IN_FLIGHT


def refresh_import(factory: ClientFactory, region: str, source: SourceStatus) -> SourceStatus:
    """The import's status, counts and failure as DescribeImport gives them now."""
    answer = call(factory.dynamodb(region), "DescribeImport", region, {"ImportArn": source.arn})
    return _with_import(source, answer.get("ImportTableDescription") or {})


def _with_import(source: SourceStatus, described: Mapping[str, Any]) -> SourceStatus:
    def count(key: str) -> int | None:
        value = described.get(key)
        return int(value) if isinstance(value, int) else None

    return source.model_copy(
        update={
            "arn": described.get("ImportArn") or source.arn,
            "status": described.get("ImportStatus") or source.status,
            "processed_item_count": count("ProcessedItemCount"),
            "imported_item_count": count("ImportedItemCount"),
            "error_count": count("ErrorCount"),
            "failure_code": described.get("FailureCode") or None,
            "failure_message": described.get("FailureMessage") or None,
        }
    )


def failed_for(source: SourceStatus | None, manifest: s.DynamoTable) -> bool:
    """Whether the import this spec asked for failed or was cancelled: it is not tried again until the spec
    changes."""
    return (
        source is not None
        and source.kind == "s3Import"
        and source.status in FAILED
        and source.spec == source_digest(manifest.spec)
    )


def failure_text(source: SourceStatus, region: str) -> str:
    code = source.failure_code or source.status or "FAILED"
    message = source.failure_message or "no message"
    return (
        f"ImportTable ({region}) {(source.status or 'FAILED').lower()}: {code}: {message} (import {source.arn}); "
        "not tried again until the spec changes: fix the source (bucket, keyPrefix, format) or the data"
    )


def progress_text(manifest: s.DynamoTable, source: SourceStatus | None) -> str | None:
    """What a pass shows while the table is created from its source: 'restoring from backup ...', or the
    import's status and counts."""
    spec_source = manifest.spec.source
    if source is None or spec_source is None:
        return None
    where = describe_source(spec_source)
    if source.kind != "s3Import":
        return f"restoring table {manifest.table_name} from {where}"
    counts = []
    if source.processed_item_count is not None:
        counts.append(f"{source.processed_item_count} items processed")
    if source.imported_item_count is not None:
        counts.append(f"{source.imported_item_count} imported")
    if source.error_count:
        counts.append(f"{source.error_count} errors")
    detail = f" ({', '.join(counts)})" if counts else ""
    return f"importing table {manifest.table_name} from {where}: import {source.status}{detail}"
