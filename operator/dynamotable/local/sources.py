"""Restores and imports on the embedded endpoint [A24]: RestoreTableToPointInTime, RestoreTableFromBackup,
ImportTable and DescribeImport as AWS answers them, on top of moto's (B1).

moto restores and imports at once and only half-way: it takes a point-in-time source by name only, never checks
that the source has point-in-time recovery or that the time is in its window, ignores every override, leaves the
restored table without a billing mode, reports RestoreInProgress false, runs an import on a thread of its own and
keeps its table ACTIVE. Here a restored or imported table is CREATING until the endpoint's clock has moved by
`Latency.restore` / `Latency.table_import`, the import IN_PROGRESS as long, and the overrides are applied.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.dynamodb.models.table import GlobalSecondaryIndex, LocalSecondaryIndex

from . import messages, motobackend
from .state import CREATING
from .subresources import LATEST_RESTORABLE_LAG
from .wire import AwsError, DynamoRequest, Reply, json_reply

if TYPE_CHECKING:
    from .controlplane import ControlPlane

PITR_ENABLED = "ENABLED"


@dataclass
class ImportJob:
    """[A24.4] An import: IN_PROGRESS until `until`, then what moto's import ended as."""

    described: dict[str, Any]
    until: float
    table: str
    tokens: set[str] = field(default_factory=set)

    def answer(self, now: float) -> dict[str, Any]:
        out = copy.deepcopy(self.described)
        if now < self.until:
            out.update(
                ImportStatus="IN_PROGRESS",
                ProcessedItemCount=0,
                ProcessedSizeBytes=0,
                ImportedItemCount=0,
                ErrorCount=0,
            )
            out.pop("FailureCode", None)
            out.pop("FailureMessage", None)
        return {k: v for k, v in out.items() if v is not None}


def restore_from_backup(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    body = request.payload
    target = str(body.get("TargetTableName"))
    _refuse_existing(request, target)
    control.check_table_operation(request, target)
    moto_body = {"TargetTableName": target, "BackupArn": body.get("BackupArn")}
    backup = motobackend.backend(request.account, request.region).backups.get(str(body.get("BackupArn")))
    if backup is None:
        raise AwsError("BackupNotFoundException", f"Backup not found: {body.get('BackupArn')}")
    _check_overrides(backup.table, body)
    control.gateway.call_ok(request.environ, "RestoreTableFromBackup", moto_body)
    return _restored(control, request, target, backup.table, now)


def restore_to_point_in_time(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    body = request.payload
    target = str(body.get("TargetTableName"))
    source_name = _source_name(request, body)
    source = motobackend.find_table(request.account, request.region, source_name)
    if source is None:
        raise AwsError("SourceTableNotFoundException", f"Source table not found: {source_name}")
    _refuse_existing(request, target)
    state = control.record(request.account, request.region, source_name)
    pitr = source.continuous_backups.get("PointInTimeRecoveryDescription") or {}
    if pitr.get("PointInTimeRecoveryStatus") != PITR_ENABLED or state is None or state.pitr_since is None:
        # [API RestoreTableToPointInTime, A24.1] the source must have point-in-time recovery on
        raise AwsError(
            "PointInTimeRecoveryUnavailableException",
            f"Point in time recovery is not enabled for table '{source_name}'",
        )
    if body.get("RestoreDateTime") is not None:
        wall = control.wall.at(now)
        earliest, latest = state.pitr_since, max(state.pitr_since, wall - LATEST_RESTORABLE_LAG)
        when = float(body["RestoreDateTime"])
        if not earliest <= when <= latest:
            # [API, A24.1] only instants within EarliestRestorableDateTime..LatestRestorableDateTime
            raise AwsError(
                "InvalidRestoreTimeException",
                f"Restore time {_iso(when)} is not within the restorable window {_iso(earliest)} to {_iso(latest)}",
            )
    _check_overrides(source, body)
    control.check_table_operation(request, target)
    moto_body = {"TargetTableName": target, "SourceTableName": source_name}
    control.gateway.call_ok(request.environ, "RestoreTableToPointInTime", moto_body)
    return _restored(control, request, target, source, now)


def import_table(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    body = request.payload
    params = body.get("TableCreationParameters") or {}
    target = str(params.get("TableName"))
    token = body.get("ClientToken")
    for job in control.imports.values():
        if token and token in job.tokens and job.table == target:
            # [API ImportTable, A24.4] the same ClientToken: the same import, not a second one
            return json_reply({"ImportTableDescription": job.answer(now)})
    _refuse_existing(request, target)
    described = control.gateway.call_ok(request.environ, "ImportTable", body)["ImportTableDescription"]
    arn = str(described["ImportArn"])
    imports = motobackend.backend(request.account, request.region).table_imports
    imports[arn].join()  # moto imports on a thread; the endpoint's clock decides when it is over
    final = imports[arn].response()
    table = motobackend.find_table(request.account, request.region, target)
    if final.get("ImportStatus") == "FAILED":
        if table is not None:
            # (unconfirmed) a failed import leaves no table behind
            motobackend.drop_table(request.account, request.region, target)
    elif table is not None:
        motobackend.stamp_created(table, control.wall.at(now))
        table.billing_mode = params.get("BillingMode") or "PROVISIONED"
        state = control.state_for(request.account, request.region, target, table)
        state.start_phase(CREATING, now + control.latency.table_import)
        state.billing_explicit = True
        final["TableId"] = state.table_id
    final.update(
        ClientToken=token,
        InputFormat=body.get("InputFormat"),
        S3BucketSource=body.get("S3BucketSource"),
        TableCreationParameters=params,
    )
    control.imports[arn] = ImportJob(final, now + control.latency.table_import, target, {token} if token else set())
    return json_reply({"ImportTableDescription": control.imports[arn].answer(now)})


def describe_import(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    arn = str(request.payload.get("ImportArn"))
    job = control.imports.get(arn)
    if job is None:
        raise AwsError("ImportNotFoundException", f"Import not found: {arn}")
    return json_reply({"ImportTableDescription": job.answer(now)})


# ---- helpers ---------------------------------------------------------------------------------------------------


def _source_name(request: DynamoRequest, body: dict[str, Any]) -> str:
    arn = body.get("SourceTableArn")
    if not arn:
        return str(body.get("SourceTableName"))
    parts = str(arn).split(":")
    if len(parts) < 6 or parts[3] != request.region or parts[4] != request.account:
        # moto keeps one backend per account and region: another region's or account's table is not reachable
        raise messages.validation(f"The endpoint restores only from tables of its own account and region: {arn}")
    return parts[5].split("/", 1)[1]


def _refuse_existing(request: DynamoRequest, target: str) -> None:
    if motobackend.find_table(request.account, request.region, target) is not None:
        # [API, A24.1] a restore or import creates a new table: the name must be free
        raise AwsError("TableAlreadyExistsException", f"Table already exists: {target}")


def _restored(control: ControlPlane, request: DynamoRequest, target: str, source: Any, now: float) -> Reply:
    table = motobackend.find_table(request.account, request.region, target)
    if table is None:
        raise AwsError("InternalServerError", f"moto did not keep table {target}", status=500)
    motobackend.stamp_created(table, control.wall.at(now))
    table.billing_mode = source.billing_mode or "PROVISIONED"
    _apply_overrides(table, request)
    state = control.state_for(request.account, request.region, target, table)
    # [API, A24.1] a restored table is CREATING (RestoreInProgress) until it turns ACTIVE
    state.start_phase(CREATING, now + control.latency.restore)
    state.billing_explicit = True
    return json_reply({"TableDescription": control.describe(request, target, now)})


def _apply_overrides(table: Any, request: DynamoRequest) -> None:
    """[A24.2] The overrides a restore takes; indexes may only be chosen among the source's."""
    body = request.payload
    if body.get("BillingModeOverride"):
        table.billing_mode = body["BillingModeOverride"]
    if body.get("ProvisionedThroughputOverride"):
        table.throughput = dict(body["ProvisionedThroughputOverride"])
    elif table.billing_mode == "PAY_PER_REQUEST":
        table.throughput = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    if "GlobalSecondaryIndexOverride" in body:
        table.global_indexes = _built(table, body["GlobalSecondaryIndexOverride"], GlobalSecondaryIndex)
    if "LocalSecondaryIndexOverride" in body:
        table.indexes = _built(table, body["LocalSecondaryIndexOverride"], LocalSecondaryIndex)
    motobackend.prune_attributes(table)  # [A3.3] AttributeDefinitions are the keys in use
    sse = body.get("SSESpecificationOverride")
    if isinstance(sse, dict) and sse.get("Enabled"):
        # [A10] reported as a key ARN, the AWS managed key when none is named (as CreateTable does here)
        key = motobackend.resolve_kms_key(request.account, request.region, sse.get("KMSMasterKeyId"))
        table.sse_specification = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}


def _check_overrides(source: Any, body: dict[str, Any]) -> None:
    """(unconfirmed) An index override chooses among the source's indexes: a restore takes no attribute
    definitions, so an index the source lacks would have no key types."""
    for key, have in (
        ("GlobalSecondaryIndexOverride", source.global_indexes),
        ("LocalSecondaryIndexOverride", source.indexes),
    ):
        names = {index.name for index in have}
        unknown = sorted(str(w.get("IndexName")) for w in body.get(key) or [] if w.get("IndexName") not in names)
        if unknown:
            raise messages.invalid(f"{key}: {', '.join(unknown)} is not an index of the source table")


def _built(table: Any, wanted: list[dict[str, Any]], kind: Any) -> list[Any]:
    return [kind.create(copy.deepcopy(w), table.table_key_attrs) for w in wanted]


def _iso(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).isoformat().replace("+00:00", "Z")
