"""The DynamoTable status: conditions (metav1.Condition shape) and what the operator observed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from dynamotable.api.spec import Model


class ConditionType(StrEnum):
    READY = "Ready"
    PROGRESSING = "Progressing"
    # kstatus's abnormal-true conditions (api/health.py)
    RECONCILING = "Reconciling"
    STALLED = "Stalled"


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class Reason(StrEnum):
    """Why a condition has its status; the vocabulary users and alerts match on."""

    SYNCED = "Synced"
    CREATING = "Creating"
    UPDATING = "Updating"
    WAITING = "Waiting"
    INVALID_SPEC = "InvalidSpec"
    REPLACEMENT_REQUIRED = "ReplacementRequired"
    ADOPTION_REQUIRED = "AdoptionRequired"
    OWNERSHIP_CONFLICT = "OwnershipConflict"
    RATE_LIMITED = "RateLimited"
    AWS_ERROR = "AwsError"
    DELETING = "Deleting"
    DELETION_BLOCKED = "DeletionBlocked"
    PLAN_ONLY = "PlanOnly"
    TABLE_MISSING = "TableMissing"
    SOURCE_MISMATCH = "SourceMismatch"


class StatusModel(Model):
    """Status is written by the operator and read back as JSON: enums arrive as their strings."""

    model_config = ConfigDict(strict=False)


def now_rfc3339() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Condition(StatusModel):
    type: ConditionType
    status: ConditionStatus
    reason: Reason
    message: str = ""
    observed_generation: int | None = None
    last_transition_time: str = Field(default_factory=now_rfc3339)


class ReplicaStatus(StatusModel):
    region: str
    status: str


class DriftEntry(StatusModel):
    field: str
    desired: str
    live: str
    at: str = Field(default_factory=now_rfc3339)


class TerraformStatus(StatusModel):
    """What the `<name>-terraform` ConfigMap holds. in_sync: it is the Terraform of the spec as applied and live
    (Ready); False while the spec is refused, blocked or still being applied: the ConfigMap then keeps the last
    converged rendering (marked at the top of main.tf), and `reason` is the Ready reason. sha256: of what was
    written; None when nothing was (no converged rendering yet)."""

    config_map: str
    sha256: str | None = None
    in_sync: bool = True
    reason: str | None = None


class ExportStatus(StatusModel):
    """The spec.export ConfigMap this resource wrote (docs/connection-details.md): its name, and the sha256 of the
    data written, so a pass whose connection details did not change sends no Kubernetes request."""

    config_map: str
    sha256: str


class FinalBackupStatus(StatusModel):
    """The on-demand backup deletionPolicy Snapshot made before deleting the table. status: CREATING, AVAILABLE or
    DELETED (as DescribeBackup says); at: when CreateBackup was answered (RFC 3339)."""

    arn: str
    name: str
    status: str
    at: str | None = None


class SourceStatus(StatusModel):
    """Where the table's data came from [A24]: the restore or import this resource started. `arn`: the source
    table or backup of a restore, the import's ARN for an import (so a re-run never starts a second import).
    `status`: RESTORING / RESTORED, or the import's IN_PROGRESS, COMPLETED, CANCELLING, CANCELLED, FAILED.
    `spec`: digest of the spec the call was made for: a failed import is retried only when the spec changes."""

    kind: str
    arn: str | None = None
    status: str | None = None
    processed_item_count: int | None = None
    imported_item_count: int | None = None
    error_count: int | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    spec: str | None = None


class DynamoTableStatus(StatusModel):
    """What `.status` holds. Every field is optional: the operator fills what it knows."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    observed_generation: int | None = None
    table_name: str | None = None
    region: str | None = None
    table_arn: str | None = None
    table_id: str | None = None
    table_status: str | None = None
    stream_arn: str | None = None
    replicas: list[ReplicaStatus] = Field(default_factory=list)
    plan: list[str] = Field(default_factory=list)
    drift: list[DriftEntry] = Field(default_factory=list)
    terraform: TerraformStatus | None = None
    source: SourceStatus | None = None
    export: ExportStatus | None = None
    # The parts beyond the table (auto scaling targets, alarms, the resource policy, the Kinesis streaming
    # destination, contributor insights) this resource put in place: removing one from the spec removes it
    # from AWS; what is not listed here was never touched.
    attached: list[str] = Field(default_factory=list)
    last_sync_time: str | None = None
    # When this resource first reached Ready for its table: the cluster-wide claim on the table goes to the
    # resource that did so first (docs/multi-tenancy.md).
    first_ready_time: str | None = None
    # deletionPolicy Snapshot: the final backup, recorded from CreateBackup on, so a later pass waits for it
    # instead of making another; kept in the last status the object has before its finalizer goes.
    final_backup: FinalBackupStatus | None = None
    conditions: list[Condition] = Field(default_factory=list)


def set_condition(conditions: list[Condition], new: Condition) -> list[Condition]:
    """Replace the condition of the same type, keeping lastTransitionTime when the status did not change."""
    out: list[Condition] = []
    replaced = False
    for cond in conditions:
        if cond.type == new.type:
            replaced = True
            if cond.status == new.status:
                new = new.model_copy(update={"last_transition_time": cond.last_transition_time})
            out.append(new)
        else:
            out.append(cond)
    if not replaced:
        out.append(new)
    return out


def recorded_region(body: Mapping[str, Any]) -> str | None:
    """The region a DynamoTable's status records for its table (resolved once, at the first pass)."""
    status = body.get("status")
    region = status.get("region") if isinstance(status, Mapping) else None
    return region if isinstance(region, str) and region else None


def pin_recorded_region(spec: dict[str, Any], body: Mapping[str, Any], *, deleting: bool = False) -> None:
    """Give `spec` (a copy of body's spec) the recorded region when it names none, so the table never moves
    when the default region changes. Deleting, the recorded region of a recorded table wins over any
    spec.region: that is where the table is."""
    recorded = recorded_region(body)
    if recorded is None:
        return
    status = body.get("status")
    has_table = isinstance(status, Mapping) and bool(status.get("tableArn"))
    if not spec.get("region") or (deleting and has_table):
        spec["region"] = recorded
