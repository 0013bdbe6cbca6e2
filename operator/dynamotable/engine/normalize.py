"""AWS responses -> ObservedTable, resolving AWS's defaults and spellings (pure: no I/O).

What is normalized, and why (docs/reference/dynamodb-rules.md A1, A7-A11, B1):
- a missing BillingModeSummary means PROVISIONED (tables never switched to on-demand may lack it);
- under PAY_PER_REQUEST the 0/0 ProvisionedThroughput of the table and its GSIs is not applicable: None;
- a missing OnDemandThroughput, or -1, means no cap;
- a missing TableClassSummary means STANDARD;
- TTL ENABLING counts as enabled and DISABLING as disabled;
- SSE: no SSEDescription (or DISABLED) = AWS owned key; a KMS key is AWS managed when it is
  alias/aws/dynamodb's key, else a customer managed key; key ids and key ARNs compare by key id;
- `aws:` tags are AWS's own and dropped; a key repeated in ListTagsOfResource keeps its last value;
- GSIs and LSIs are sorted by name, non-key attributes are sets, and missing lists are empty lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dynamotable.engine.model import (
    PAY_PER_REQUEST,
    PROVISIONED,
    STANDARD,
    UNCAPPED,
    ObservedGsi,
    ObservedLsi,
    ObservedPitr,
    ObservedReplica,
    ObservedReplicaGsi,
    ObservedSse,
    ObservedTable,
    ObservedTtl,
    ObservedWitness,
    OnDemand,
    Warm,
)

AWS_TAG_PREFIX = "aws:"
SSE_TRANSITIONS = frozenset({"ENABLING", "UPDATING", "DISABLING"})


@dataclass(frozen=True)
class RegionalReplica:
    """What was read in a replica's own region: DescribeTable, DescribeContinuousBackups, tags."""

    table: Mapping[str, Any] | None = None
    backups: Mapping[str, Any] | None = None
    tags: Sequence[Mapping[str, str]] | None = None


def key_id(kms_key: str) -> str:
    """The key id of a KMS key given as id or key ARN (arn:aws:kms:region:account:key/<id>)."""
    if kms_key.startswith("arn:") and ":key/" in kms_key:
        return kms_key.rsplit("/", 1)[-1]
    return kms_key


def same_kms_key(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return key_id(a) == key_id(b)


def normalize_tags(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in tags:
        key = tag["Key"]
        if key.lower().startswith(AWS_TAG_PREFIX):
            continue
        out[key] = tag.get("Value", "")
    return out


def _keys(schema: Iterable[Mapping[str, str]]) -> tuple[str, str | None]:
    hash_key = ""
    range_key: str | None = None
    for element in schema:
        if element["KeyType"] == "HASH":
            hash_key = element["AttributeName"]
        elif element["KeyType"] == "RANGE":
            range_key = element["AttributeName"]
    return hash_key, range_key


def key_lists(schema: Iterable[Mapping[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(HASH attributes, RANGE attributes) of a key schema, each in the order DescribeTable lists them: the
    order of a multi-attribute key (A26)."""
    hashes = tuple(e["AttributeName"] for e in schema if e["KeyType"] == "HASH")
    ranges = tuple(e["AttributeName"] for e in schema if e["KeyType"] == "RANGE")
    return hashes, ranges


def _on_demand(raw: Mapping[str, Any] | None) -> OnDemand:
    if not raw:
        return OnDemand()

    def unit(value: Any) -> int:
        return int(value) if value is not None and int(value) > 0 else UNCAPPED

    return OnDemand(max_read=unit(raw.get("MaxReadRequestUnits")), max_write=unit(raw.get("MaxWriteRequestUnits")))


def _warm(raw: Mapping[str, Any] | None) -> Warm | None:
    if not raw:
        return None
    read = raw.get("ReadUnitsPerSecond")
    write = raw.get("WriteUnitsPerSecond")
    return Warm(
        read=int(read) if read is not None else None,
        write=int(write) if write is not None else None,
        status=str(raw.get("Status") or "ACTIVE"),
    )


def _capacity(raw: Mapping[str, Any] | None, billing_mode: str) -> tuple[int | None, int | None]:
    if billing_mode == PAY_PER_REQUEST or not raw:
        return None, None
    read = raw.get("ReadCapacityUnits")
    write = raw.get("WriteCapacityUnits")
    return (int(read) if read is not None else None, int(write) if write is not None else None)


def normalize_gsi(raw: Mapping[str, Any], billing_mode: str) -> ObservedGsi:
    hash_keys, range_keys = key_lists(raw.get("KeySchema") or [])
    projection = raw.get("Projection") or {}
    read, write = _capacity(raw.get("ProvisionedThroughput"), billing_mode)
    return ObservedGsi(
        name=raw["IndexName"],
        hash_keys=hash_keys,
        range_keys=range_keys,
        projection_type=projection.get("ProjectionType") or "ALL",
        non_key_attributes=frozenset(projection.get("NonKeyAttributes") or ()),
        status=raw.get("IndexStatus") or "ACTIVE",
        backfilling=bool(raw.get("Backfilling", False)),
        read_capacity=read,
        write_capacity=write,
        on_demand=_on_demand(raw.get("OnDemandThroughput")),
        warm=_warm(raw.get("WarmThroughput")),
    )


def normalize_lsi(raw: Mapping[str, Any]) -> ObservedLsi:
    _, range_key = _keys(raw.get("KeySchema") or [])
    projection = raw.get("Projection") or {}
    return ObservedLsi(
        name=raw["IndexName"],
        range_key=range_key or "",
        projection_type=projection.get("ProjectionType") or "ALL",
        non_key_attributes=frozenset(projection.get("NonKeyAttributes") or ()),
    )


def normalize_sse(
    raw: Mapping[str, Any] | None, *, aws_managed_key_arn: str | None = None, aws_managed_checked: bool = False
) -> ObservedSse:
    """`aws_managed_key_arn`: the ARN of alias/aws/dynamodb in the table's region, when it was looked up
    (`aws_managed_checked`); None after a lookup means that key does not exist."""
    if not raw:
        return ObservedSse()
    status = raw.get("Status")
    key = raw.get("KMSMasterKeyArn")
    if status == "DISABLED" or not key:
        return ObservedSse(status=status)
    aws_managed: bool | None = None
    if aws_managed_checked:
        aws_managed = aws_managed_key_arn is not None and same_kms_key(key, aws_managed_key_arn)
    return ObservedSse(kms_key_arn=key, aws_managed=aws_managed, status=status)


def normalize_ttl(raw: Mapping[str, Any] | None) -> ObservedTtl:
    desc = (raw or {}).get("TimeToLiveDescription") or {}
    status = desc.get("TimeToLiveStatus") or "DISABLED"
    return ObservedTtl(
        enabled=status in ("ENABLED", "ENABLING"),
        attribute_name=desc.get("AttributeName"),
        status=status,
    )


def normalize_pitr(raw: Mapping[str, Any] | None) -> ObservedPitr:
    desc = ((raw or {}).get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
    enabled = desc.get("PointInTimeRecoveryStatus") == "ENABLED"
    period = desc.get("RecoveryPeriodInDays")
    return ObservedPitr(enabled=enabled, recovery_period_in_days=int(period) if enabled and period else None)


def normalize_replica(raw: Mapping[str, Any], regional: RegionalReplica | None) -> ObservedReplica:
    regional = regional or RegionalReplica()
    table = regional.table or {}
    dp = table.get("DeletionProtectionEnabled")
    return ObservedReplica(
        region=raw["RegionName"],
        status=raw.get("ReplicaStatus") or "ACTIVE",
        kms_key_id=raw.get("KMSMasterKeyId"),
        arn=raw.get("ReplicaArn") or table.get("TableArn"),
        deletion_protection=bool(dp) if regional.table is not None else None,
        pitr=normalize_pitr(regional.backups).enabled if regional.backups is not None else None,
        tags=normalize_tags(regional.tags) if regional.tags is not None else None,
        table_class=(raw.get("ReplicaTableClassSummary") or {}).get("TableClass"),
        read_capacity_override=_override(raw.get("ProvisionedThroughputOverride"), "ReadCapacityUnits"),
        max_read_override=_override(raw.get("OnDemandThroughputOverride"), "MaxReadRequestUnits"),
        gsi_overrides=tuple(
            sorted(
                (
                    ObservedReplicaGsi(
                        name=g["IndexName"],
                        read_capacity_override=_override(g.get("ProvisionedThroughputOverride"), "ReadCapacityUnits"),
                        max_read_override=_override(g.get("OnDemandThroughputOverride"), "MaxReadRequestUnits"),
                    )
                    for g in raw.get("GlobalSecondaryIndexes") or []
                    if g.get("IndexName")
                ),
                key=lambda g: g.name,
            )
        ),
    )


def _override(raw: Mapping[str, Any] | None, field: str) -> int | None:
    value = (raw or {}).get(field)
    return int(value) if value is not None else None


def normalize_witnesses(raw: Iterable[Mapping[str, Any]] | None) -> tuple[ObservedWitness, ...]:
    return tuple(
        sorted(
            (
                ObservedWitness(region=w["RegionName"], status=w.get("WitnessStatus") or "ACTIVE")
                for w in raw or []
                if w.get("RegionName")
            ),
            key=lambda w: w.region,
        )
    )


def normalize_table(
    describe: Mapping[str, Any],
    *,
    region: str,
    ttl: Mapping[str, Any] | None = None,
    backups: Mapping[str, Any] | None = None,
    tags: Iterable[Mapping[str, str]] | None = None,
    aws_managed_key_arn: str | None = None,
    aws_managed_checked: bool = False,
    replicas: Mapping[str, RegionalReplica] | None = None,
) -> ObservedTable:
    """`describe` is DescribeTable's `Table`; `ttl`, `backups` the DescribeTimeToLive and
    DescribeContinuousBackups responses (None when not read); `tags` every ListTagsOfResource page's tags."""
    table = describe.get("Table", describe)
    billing = (table.get("BillingModeSummary") or {}).get("BillingMode") or PROVISIONED
    hash_key, range_key = _keys(table.get("KeySchema") or [])
    read, write = _capacity(table.get("ProvisionedThroughput"), billing)
    stream = table.get("StreamSpecification") or {}
    stream_enabled = bool(stream.get("StreamEnabled", False))
    replica_details = replicas or {}
    return ObservedTable(
        name=table["TableName"],
        region=region,
        arn=table.get("TableArn", ""),
        table_id=table.get("TableId"),
        status=table.get("TableStatus") or "ACTIVE",
        hash_key=hash_key,
        range_key=range_key,
        attribute_types={a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions") or []},
        billing_mode=billing,
        read_capacity=read,
        write_capacity=write,
        decreases_today=int((table.get("ProvisionedThroughput") or {}).get("NumberOfDecreasesToday") or 0),
        on_demand=_on_demand(table.get("OnDemandThroughput")),
        warm=_warm(table.get("WarmThroughput")),
        gsis=tuple(
            sorted(
                (normalize_gsi(g, billing) for g in table.get("GlobalSecondaryIndexes") or []),
                key=lambda g: g.name,
            )
        ),
        lsis=tuple(sorted((normalize_lsi(x) for x in table.get("LocalSecondaryIndexes") or []), key=lambda x: x.name)),
        stream_enabled=stream_enabled,
        stream_view_type=stream.get("StreamViewType") if stream_enabled else None,
        stream_arn=table.get("LatestStreamArn") if stream_enabled else None,
        sse=normalize_sse(
            table.get("SSEDescription"),
            aws_managed_key_arn=aws_managed_key_arn,
            aws_managed_checked=aws_managed_checked,
        ),
        table_class=(table.get("TableClassSummary") or {}).get("TableClass") or STANDARD,
        deletion_protection=bool(table.get("DeletionProtectionEnabled", False)),
        replicas=tuple(
            sorted(
                (
                    normalize_replica(r, replica_details.get(r["RegionName"]))
                    for r in table.get("Replicas") or []
                    if r.get("RegionName") != region
                ),
                key=lambda r: r.region,
            )
        ),
        multi_region_consistency=table.get("MultiRegionConsistency"),
        witnesses=normalize_witnesses(table.get("GlobalTableWitnesses")),
        ttl=normalize_ttl(ttl) if ttl is not None else None,
        pitr=normalize_pitr(backups) if backups is not None else None,
        tags=normalize_tags(tags) if tags is not None else {},
    )


def is_sse_transitioning(sse: ObservedSse) -> bool:
    return sse.status in SSE_TRANSITIONS
