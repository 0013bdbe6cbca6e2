"""Creation sources (spec.source) in the pure planner [A24]: the call that creates the table from a restore or an
import, the table that call leaves, and the check that the restored table has the spec's keys.

- A table that does not exist and has a source is created by RestoreTableToPointInTime, RestoreTableFromBackup
  or ImportTable instead of CreateTable, carrying what the call takes: a restore takes overrides of billing,
  capacity, on-demand caps, GSIs, LSIs and SSE (A24.2); ImportTable takes the table's key schema, attributes,
  billing, capacity, GSIs and SSE, but no LSIs (A24.3). Neither takes tags, a stream, TTL, PITR, deletion
  protection, a table class or a resource policy: the planner adds them after, starting with the ownership tag.
- Once the table exists the source is ignored, except that a table created from it whose key schema, key types
  or LSIs are not the spec's is blocked with SourceMismatch: every step would be planned against a table the
  spec does not describe (A24.5).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dynamotable.api import spec as s
from dynamotable.api.status import Reason
from dynamotable.engine.model import STANDARD, Blocked, ObservedPitr, ObservedPolicy, ObservedTable, ObservedTtl, Step

RESTORE_TO_POINT_IN_TIME = "RestoreTableToPointInTime"
RESTORE_FROM_BACKUP = "RestoreTableFromBackup"
IMPORT_TABLE = "ImportTable"
SOURCE_OPERATIONS = frozenset({RESTORE_TO_POINT_IN_TIME, RESTORE_FROM_BACKUP, IMPORT_TABLE})
# ImportTable's TableCreationParameters: what of a CreateTable request an import can carry (A24.3)
_IMPORT_CARRIES = (
    "TableName",
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "OnDemandThroughput",
    "SSESpecification",
    "GlobalSecondaryIndexes",
)
# CreateTable request key -> the restore calls' override (A24.2)
_RESTORE_OVERRIDES = {
    "BillingMode": "BillingModeOverride",
    "ProvisionedThroughput": "ProvisionedThroughputOverride",
    "OnDemandThroughput": "OnDemandThroughputOverride",
    "GlobalSecondaryIndexes": "GlobalSecondaryIndexOverride",
    "LocalSecondaryIndexes": "LocalSecondaryIndexOverride",
    "SSESpecification": "SSESpecificationOverride",
}


def source_digest(spec: s.DynamoTableSpec) -> str:
    """Digest of the spec a restore or import is made for: a failed import is retried only when it changes."""
    text = json.dumps(spec.model_dump(by_alias=True, mode="json", exclude_none=True), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def describe_source(source: s.Source) -> str:
    """Where the data comes from, for plans and status messages."""
    if source.point_in_time is not None:
        pit = source.point_in_time
        table = pit.source_table_name or pit.source_table_arn
        when = pit.restore_date_time or "the latest restorable time"
        return f"table {table} at {when}"
    if source.backup is not None:
        return f"backup {source.backup.backup_arn}"
    assert source.s3_import is not None
    imp = source.s3_import
    return f"s3://{imp.bucket}/{imp.key_prefix or ''} ({imp.input_format.value})"


def create_step(manifest: s.DynamoTable, create: Mapping[str, Any], *, region: str) -> Step:
    """The call that creates the table from `manifest.spec.source`, made of the CreateTable request `create` the
    spec would otherwise get (rule: a restore or import creates the table, carrying what the call accepts)."""
    source = manifest.spec.source
    assert source is not None
    name = manifest.table_name
    if source.s3_import is not None:
        request = _import_request(source.s3_import, create, manifest.spec)
        return Step(IMPORT_TABLE, region, request, f"import table {name} in {region} from {describe_source(source)}")
    overrides = {_RESTORE_OVERRIDES[k]: v for k, v in create.items() if k in _RESTORE_OVERRIDES}
    # [A24.2] the restored table has exactly the spec's indexes: none listed excludes all of the source's (a GSI
    # left over would be a destructive delete after the restore, an LSI one a SourceMismatch)
    overrides.setdefault("GlobalSecondaryIndexOverride", [])
    overrides.setdefault("LocalSecondaryIndexOverride", [])
    if source.backup is not None:
        request = {"TargetTableName": name, "BackupArn": source.backup.backup_arn, **overrides}
        return Step(
            RESTORE_FROM_BACKUP, region, request, f"restore table {name} in {region} from {describe_source(source)}"
        )
    pit = source.point_in_time
    assert pit is not None
    request = {"TargetTableName": name, **overrides}
    if pit.source_table_arn is not None:
        request["SourceTableArn"] = pit.source_table_arn
    else:
        request["SourceTableName"] = pit.source_table_name
    if pit.restore_date_time is not None:
        request["RestoreDateTime"] = pit.restore_date_time
    else:
        request["UseLatestRestorableTime"] = True
    return Step(
        RESTORE_TO_POINT_IN_TIME, region, request, f"restore table {name} in {region} from {describe_source(source)}"
    )


def _import_request(imp: s.S3ImportSource, create: Mapping[str, Any], spec: s.DynamoTableSpec) -> dict[str, Any]:
    bucket: dict[str, str] = {"S3Bucket": imp.bucket}
    if imp.key_prefix:
        bucket["S3KeyPrefix"] = imp.key_prefix
    if imp.bucket_owner:
        bucket["S3BucketOwner"] = imp.bucket_owner
    request: dict[str, Any] = {
        "S3BucketSource": bucket,
        "InputFormat": imp.input_format.value,
        "TableCreationParameters": {k: v for k, v in create.items() if k in _IMPORT_CARRIES},
        # [A24.4] the same spec always sends the same token: a retried ImportTable does not start a second import
        "ClientToken": source_digest(spec),
    }
    if imp.input_compression is not None:
        request["InputCompressionType"] = imp.input_compression.value
    if imp.csv is not None:
        csv: dict[str, Any] = {}
        if imp.csv.delimiter is not None:
            csv["Delimiter"] = imp.csv.delimiter
        if imp.csv.header_list:
            csv["HeaderList"] = list(imp.csv.header_list)
        request["InputFormatOptions"] = {"Csv": csv}
    return request


def as_created(manifest: s.DynamoTable, created: ObservedTable) -> ObservedTable:
    """The table a restore or import leaves, from `created` (what CreateTable with the same request would leave):
    no tags (not even ours), no stream, TTL and PITR off, no deletion protection, the standard table class, no
    warm throughput and no resource policy; an import has no LSIs (A24.2, A24.3)."""
    return replace(
        created,
        tags={},
        stream_enabled=False,
        stream_view_type=None,
        stream_arn=None,
        ttl=ObservedTtl(enabled=False, attribute_name=None, status="DISABLED"),
        pitr=ObservedPitr(enabled=False, recovery_period_in_days=None),
        deletion_protection=False,
        table_class=STANDARD,
        warm=None,
        gsis=tuple(replace(g, warm=None) for g in created.gsis),
        lsis=() if manifest.spec.source is not None and manifest.spec.source.s3_import is not None else created.lsis,
        resource_policy=ObservedPolicy(document=None),
    )


def created_from_source(manifest: s.DynamoTable) -> str | None:
    """The kind of source the status records this resource's table was created from (None: not from one)."""
    recorded = (manifest.status or {}).get("source")
    if manifest.spec.source is None or not isinstance(recorded, Mapping):
        return None
    kind = recorded.get("kind")
    return str(kind) if kind else None


def mismatches(manifest: s.DynamoTable, live: ObservedTable) -> list[Blocked]:
    """rule: a table restored or imported from spec.source must have the spec's key schema, key attribute types
    and LSIs; otherwise SourceMismatch names what differs, and nothing else is planned (A24.5)."""
    kind = created_from_source(manifest)
    if kind is None:
        return []
    spec = manifest.spec
    made = "imported" if kind == "s3Import" else "restored"
    differ: list[tuple[str, str]] = []
    if spec.hash_key != live.hash_key:
        differ.append(("hashKey", f"hashKey: spec {spec.hash_key}, {made} {live.hash_key}"))
    if spec.range_key != live.range_key:
        differ.append(("rangeKey", f"rangeKey: spec {spec.range_key or 'none'}, {made} {live.range_key or 'none'}"))
    types = {a.name: a.type.value for a in spec.attributes}
    for attr in sorted({live.hash_key, *([live.range_key] if live.range_key else [])}):
        want, have = types.get(attr), live.attribute_types.get(attr)
        if want is not None and have is not None and want != have:
            differ.append((f"attributes[{attr}].type", f"attributes[{attr}].type: spec {want}, {made} {have}"))
    want_lsis = {
        x.name: (x.range_key, x.projection_type.value, frozenset(x.non_key_attributes))
        for x in spec.local_secondary_indexes
    }
    have_lsis = {x.name: (x.range_key, x.projection_type, x.non_key_attributes) for x in live.lsis}
    if want_lsis != have_lsis:
        differ.append(
            (
                "localSecondaryIndexes",
                f"localSecondaryIndexes: spec {', '.join(sorted(want_lsis)) or 'none'}, {made} "
                f"{', '.join(sorted(have_lsis)) or 'none'}",
            )
        )
    if not differ:
        return []
    source = spec.source
    assert source is not None
    what = "; ".join(text for _, text in differ)
    message = (
        f"the table {made} from {describe_source(source)} is not the table the spec describes ({what}); no step is "
        "taken on it. Describe the source's keys in a new DynamoTable, or choose another source"
    )
    return [Blocked(Reason.SOURCE_MISMATCH.value, differ[0][0], message, stops_all=True)]
