"""desired (DynamoTable) x live (ObservedTable) -> Plan: ordered steps, each exactly one AWS call (pure).

The rules come from docs/reference/dynamodb-rules.md part A; each is named in a comment where it is
applied and has a case in tests/unit/test_plan_rules.py:

- nothing is changed while anything is transitioning: table, GSI, replica, SSE or warm throughput (A1, A16);
- one mutating call per step; no call that changes nothing (A3.7, A8);
- one GSI create or delete per call, deletes before creates; a GSI key/projection change is delete then
  create (A3.2, A6); AttributeDefinitions are derived from the keys in use, never diffed (A3.3, A6);
- switching to PROVISIONED carries the table's and every GSI's throughput; to PAY_PER_REQUEST none (A3.5);
- SSE changes go alone (A3.4); a stream view type change is disable, wait, enable (A7);
- TTL and PITR go through their own APIs; a TTL attribute rename is disable (current name), enable (A8, A9);
- replicas: one action per call; the table may have a stream of any view type, or none (adding the first
  replica then makes AWS enable a NEW_AND_OLD_IMAGES stream, which an unmanaged stream expects and a managed
  one pre-empts by being enabled first); while replicas exist the stream can be neither disabled nor
  retyped, so such a change comes after the removal of every replica, or is blocked; replica PITR and
  deletion protection are set in the replica's region (A3.6, A7, A13);
- warm throughput only increases (A14); key schema, LSIs and key attribute types never change (A6).

Order (A17): tags, deletion protection, removed GSIs, table class, billing mode, capacity, SSE, stream,
GSI recreations and creations, replicas, TTL, PITR, warm throughput; replica removals move before the
stream when a stream change needs every replica gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from dynamotable.api import spec as s
from dynamotable.api.status import Reason
from dynamotable.api.validation import OWNER_TAG, RESERVED_TAG_PREFIXES
from dynamotable.engine import plan_policy, plan_replicas, plan_source
from dynamotable.engine.model import (
    ACTIVE,
    PAY_PER_REQUEST,
    PROVISIONED,
    STANDARD,
    UNCAPPED,
    Blocked,
    Drift,
    ObservedGsi,
    ObservedLsi,
    ObservedPitr,
    ObservedReplica,
    ObservedSse,
    ObservedTable,
    ObservedTtl,
    OnDemand,
    Plan,
    Step,
    Warm,
)
from dynamotable.engine.normalize import is_sse_transitioning, same_kms_key
from dynamotable.engine.plan_scaling import is_auto_scaled
from dynamotable.engine.surface import plan_surface

TRANSITIONING = frozenset({"CREATING", "UPDATING", "DELETING"})
UNUSABLE = frozenset({"INACCESSIBLE_ENCRYPTION_CREDENTIALS", "ARCHIVING", "ARCHIVED", "REPLICATION_NOT_AUTHORIZED"})
NAOI = s.StreamViewType.NEW_AND_OLD_IMAGES.value


def plan(manifest: s.DynamoTable, observed: ObservedTable | None, *, region: str, owner: str) -> Plan:
    """The steps that take `observed` to `manifest.spec`, in order. `observed` None: the table does not exist."""
    if observed is None:
        return _plan_create(manifest, region=region, owner=owner)
    mismatch = plan_source.mismatches(manifest, observed)
    if mismatch:
        return Plan(blocked=mismatch)
    return _Planner(manifest, observed, owner).run()


# ------------------------------------------------------------------------------------------- helpers


def _is_reserved_tag(key: str) -> bool:
    return key.lower().startswith(RESERVED_TAG_PREFIXES)


def _fmt(value: object) -> str:
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset | set):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(str(v) for v in value) + "]"  # a key's attributes: their order is the key's
    return str(value)


def _units(value: int) -> str:
    return "uncapped" if value == UNCAPPED else str(value)


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _gsi_key_schema(gsi: s.GlobalSecondaryIndex) -> list[dict[str, str]]:
    """Every partition attribute, then every sort attribute, each in key order (A26)."""
    return [{"AttributeName": k, "KeyType": "HASH"} for k in gsi.partition_keys] + [
        {"AttributeName": k, "KeyType": "RANGE"} for k in gsi.sort_keys
    ]


def _key_shown(keys: tuple[str, ...] | list[str], one: bool) -> object:
    """A GSI key as a message and the drift show it: one attribute as itself in the hashKey/rangeKey form."""
    if one and len(keys) <= 1:
        return keys[0] if keys else None
    return tuple(keys)


def _projection(projection_type: str, non_key: list[str] | frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"ProjectionType": projection_type}
    if projection_type == s.ProjectionType.INCLUDE.value and non_key:
        out["NonKeyAttributes"] = sorted(non_key)
    return out


def _on_demand_request(odt: s.OnDemandThroughput, *, at_create: bool) -> dict[str, int]:
    """OnDemandThroughput as sent. At create an uncapped (-1) value is the default and is left out."""
    out: dict[str, int] = {}
    for key, value in (
        ("MaxReadRequestUnits", odt.max_read_request_units),
        ("MaxWriteRequestUnits", odt.max_write_request_units),
    ):
        if value is not None and not (at_create and value == UNCAPPED):
            out[key] = value
    return out


def _warm_request(warm: s.WarmThroughput) -> dict[str, int]:
    out: dict[str, int] = {}
    if warm.read_units_per_second is not None:
        out["ReadUnitsPerSecond"] = warm.read_units_per_second
    if warm.write_units_per_second is not None:
        out["WriteUnitsPerSecond"] = warm.write_units_per_second
    return out


def _sse_request(sse: s.ServerSideEncryption) -> dict[str, Any]:
    if not sse.enabled:
        return {"Enabled": False}
    out: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"}
    if sse.kms_key_arn:
        out["KMSMasterKeyId"] = sse.kms_key_arn
    return out


def _sse_wanted(sse: s.ServerSideEncryption) -> str:
    if not sse.enabled:
        return "AWS owned key"
    if sse.kms_key_arn:
        return f"customer managed key {sse.kms_key_arn}"
    return "AWS managed key"


def _sse_in_sync(desired: s.ServerSideEncryption, live: ObservedSse) -> bool:
    if not desired.enabled:
        return live.kms_key_arn is None
    if desired.kms_key_arn:
        return same_kms_key(desired.kms_key_arn, live.kms_key_arn)
    # AWS managed: any KMS key not known to be a customer key (the lookup may have been impossible)
    return live.kms_key_arn is not None and live.aws_managed is not False


def _spec_gsi_keys(gsi: s.GlobalSecondaryIndex) -> list[str]:
    return gsi.key_attributes


def _gsi_create(gsi: s.GlobalSecondaryIndex, billing_mode: str) -> dict[str, Any]:
    """A GSI as CreateTable's GlobalSecondaryIndexes and UpdateTable's Create action take it."""
    out: dict[str, Any] = {
        "IndexName": gsi.name,
        "KeySchema": _gsi_key_schema(gsi),
        "Projection": _projection(gsi.projection_type.value, gsi.non_key_attributes),
    }
    if billing_mode == PROVISIONED and gsi.read_capacity is not None and gsi.write_capacity is not None:
        out["ProvisionedThroughput"] = {
            "ReadCapacityUnits": gsi.read_capacity,
            "WriteCapacityUnits": gsi.write_capacity,
        }
    if billing_mode == PAY_PER_REQUEST and gsi.on_demand_throughput is not None:
        odt = _on_demand_request(gsi.on_demand_throughput, at_create=True)
        if odt:
            out["OnDemandThroughput"] = odt
    if gsi.warm_throughput is not None:
        out["WarmThroughput"] = _warm_request(gsi.warm_throughput)
    return out


# -------------------------------------------------------------------------------------------- create


def _plan_create(manifest: s.DynamoTable, *, region: str, owner: str) -> Plan:
    spec = manifest.spec
    name = manifest.table_name
    previous = (manifest.status or {}).get("tableName")
    if previous and previous != name:
        return Plan(
            blocked=[
                Blocked(
                    Reason.REPLACEMENT_REQUIRED.value,
                    "tableName",
                    f"tableName changed from {previous} to {name}: a table cannot be renamed; create a new "
                    "DynamoTable for the new table (and migrate the data), then delete this one",
                    stops_all=True,
                )
            ]
        )
    types = {a.name: a.type.value for a in spec.attributes}
    used = [spec.hash_key, *([spec.range_key] if spec.range_key else [])]
    for gsi in spec.global_secondary_indexes:
        used += _spec_gsi_keys(gsi)
    used += [lsi.range_key for lsi in spec.local_secondary_indexes]
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": _key_schema(spec.hash_key, spec.range_key),
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": types[n]} for n in sorted(set(used)) if n in types
        ],
        "BillingMode": spec.billing_mode.value,
    }
    billing = spec.billing_mode.value
    if billing == PROVISIONED and spec.read_capacity is not None and spec.write_capacity is not None:
        request["ProvisionedThroughput"] = {
            "ReadCapacityUnits": spec.read_capacity,
            "WriteCapacityUnits": spec.write_capacity,
        }
    if billing == PAY_PER_REQUEST and spec.on_demand_throughput is not None:
        odt = _on_demand_request(spec.on_demand_throughput, at_create=True)
        if odt:
            request["OnDemandThroughput"] = odt
    if spec.global_secondary_indexes:
        request["GlobalSecondaryIndexes"] = [_gsi_create(g, billing) for g in spec.global_secondary_indexes]
    if spec.local_secondary_indexes:
        request["LocalSecondaryIndexes"] = [
            {
                "IndexName": lsi.name,
                "KeySchema": _key_schema(spec.hash_key, lsi.range_key),
                "Projection": _projection(lsi.projection_type.value, lsi.non_key_attributes),
            }
            for lsi in spec.local_secondary_indexes
        ]
    if spec.stream is not None and spec.stream.enabled and spec.stream.view_type is not None:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream.view_type.value}
    if spec.server_side_encryption is not None and spec.server_side_encryption.enabled:
        request["SSESpecification"] = _sse_request(spec.server_side_encryption)
    tags = {**(spec.tags or {}), OWNER_TAG: owner}
    request["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    if spec.table_class is not None:
        request["TableClass"] = spec.table_class.value
    if spec.deletion_protection is not None:
        request["DeletionProtectionEnabled"] = spec.deletion_protection
    if spec.warm_throughput is not None:
        request["WarmThroughput"] = _warm_request(spec.warm_throughput)
    request.update(plan_policy.create_request(manifest))

    what = [f"{billing}"]
    if spec.global_secondary_indexes:
        what.append(f"{len(spec.global_secondary_indexes)} GSI(s)")
    if spec.local_secondary_indexes:
        what.append(f"{len(spec.local_secondary_indexes)} LSI(s)")
    if "StreamSpecification" in request:
        what.append(f"stream {request['StreamSpecification']['StreamViewType']}")
    if "ResourcePolicy" in request:
        what.append("resource-based policy")
    create = Step(
        "CreateTable",
        region,
        request,
        f"create table {name} in {region} ({', '.join(what)})",
        transitions=True,
    )
    created = _as_created(manifest, region=region, owner=owner)
    if spec.source is not None:
        # rule: a restore or import creates the table instead, and the steps after it add what it cannot carry
        create = plan_source.create_step(manifest, request, region=region)
        created = plan_source.as_created(manifest, created)
    after = _Planner(manifest, created, owner).run()
    return Plan(steps=[create, *after.steps], blocked=after.blocked, attached=after.attached)


def _as_created(manifest: s.DynamoTable, *, region: str, owner: str) -> ObservedTable:
    """The table as CreateTable leaves it once ACTIVE: what the steps after the create start from."""
    spec = manifest.spec
    billing = spec.billing_mode.value
    provisioned = billing == PROVISIONED

    def on_demand(odt: s.OnDemandThroughput | None) -> OnDemand:
        if odt is None or provisioned:
            return OnDemand()
        return OnDemand(
            max_read=odt.max_read_request_units if odt.max_read_request_units is not None else UNCAPPED,
            max_write=odt.max_write_request_units if odt.max_write_request_units is not None else UNCAPPED,
        )

    def warm(w: s.WarmThroughput | None) -> Warm | None:
        return Warm(w.read_units_per_second, w.write_units_per_second) if w is not None else None

    stream = spec.stream
    sse = spec.server_side_encryption
    return ObservedTable(
        name=manifest.table_name,
        region=region,
        arn=f"arn:aws:dynamodb:{region}:<account>:table/{manifest.table_name}",
        status=ACTIVE,
        hash_key=spec.hash_key,
        range_key=spec.range_key,
        attribute_types={a.name: a.type.value for a in spec.attributes},
        billing_mode=billing,
        read_capacity=spec.read_capacity if provisioned else None,
        write_capacity=spec.write_capacity if provisioned else None,
        on_demand=on_demand(spec.on_demand_throughput),
        warm=warm(spec.warm_throughput),
        gsis=tuple(
            sorted(
                (
                    ObservedGsi(
                        name=g.name,
                        hash_keys=tuple(g.partition_keys),
                        range_keys=tuple(g.sort_keys),
                        projection_type=g.projection_type.value,
                        non_key_attributes=frozenset(g.non_key_attributes),
                        status=ACTIVE,
                        read_capacity=g.read_capacity if provisioned else None,
                        write_capacity=g.write_capacity if provisioned else None,
                        on_demand=on_demand(g.on_demand_throughput),
                        warm=warm(g.warm_throughput),
                    )
                    for g in spec.global_secondary_indexes
                ),
                key=lambda g: g.name,
            )
        ),
        lsis=tuple(
            ObservedLsi(x.name, x.range_key, x.projection_type.value, frozenset(x.non_key_attributes))
            for x in spec.local_secondary_indexes
        ),
        stream_enabled=bool(stream and stream.enabled),
        stream_view_type=stream.view_type.value if stream and stream.enabled and stream.view_type else None,
        sse=(
            ObservedSse(kms_key_arn=sse.kms_key_arn or "<aws/dynamodb>", aws_managed=sse.kms_key_arn is None)
            if sse is not None and sse.enabled
            else ObservedSse()
        ),
        table_class=spec.table_class.value if spec.table_class else STANDARD,
        deletion_protection=bool(spec.deletion_protection),
        ttl=ObservedTtl(enabled=False, attribute_name=None, status="DISABLED"),
        pitr=ObservedPitr(enabled=False, recovery_period_in_days=None),
        tags={**(spec.tags or {}), OWNER_TAG: owner},
        # nothing beyond the table exists yet
        scaling=(),
        insights=(),
        resource_policy=plan_policy.as_created(manifest),
        kinesis=(),
        alarms=(),
    )


# -------------------------------------------------------------------------------------------- update


@dataclass
class _Gsi:
    """A GSI that will exist when a step runs (for AttributeDefinitions)."""

    name: str
    keys: list[str]


class _Planner:
    def __init__(self, manifest: s.DynamoTable, live: ObservedTable, owner: str) -> None:
        self.manifest = manifest
        self.spec = manifest.spec
        self.live = live
        self.owner = owner
        self.region = live.region
        self.name = live.name
        self.ignored = set(self.spec.ignore_changes)
        self.types = {a.name: a.type.value for a in self.spec.attributes}
        self.steps: list[Step] = []
        self.waiting: list[str] = []
        self.blocked: list[Blocked] = []
        self.drift: list[Drift] = []
        self.billing = live.billing_mode  # billing mode once the steps so far have run
        self.stream_view: str | None = live.stream_view_type if live.stream_enabled else None
        self.replicas_removed = False  # the removals of live replicas have been planned
        self.decreasing = False  # the capacity step lowers a table or GSI capacity

    # ----------------------------------------------------------------------------------- scaffolding

    def managed(self, path: str) -> bool:
        return path not in self.ignored

    def capacity_managed(self, path: str, index: str | None, direction: Literal["read", "write"]) -> bool:
        """Whether the spec sets a provisioned capacity: not ignored, and not owned by auto scaling."""
        return self.managed(path) and not is_auto_scaled(self.spec, index, direction)

    def step(
        self, operation: str, request: dict[str, Any], description: str, *, transitions: bool, region: str | None = None
    ) -> None:
        self.steps.append(Step(operation, region or self.region, request, description, transitions))

    def update_table(self, request: dict[str, Any], description: str, *, transitions: bool = True) -> None:
        self.step("UpdateTable", {"TableName": self.name, **request}, description, transitions=transitions)

    def differ(self, field: str, desired: object, live: object) -> None:
        self.drift.append(Drift(field, _fmt(desired), _fmt(live)))

    def block(self, reason: Reason, field: str, message: str, *, stops_all: bool = False) -> None:
        self.blocked.append(Blocked(reason.value, field, message, stops_all))

    def run(self) -> Plan:
        self.check_identity()
        if any(b.stops_all for b in self.blocked):
            return Plan(blocked=self.blocked, drift=self.drift)
        self.check_waiting()
        if any(b.stops_all for b in self.blocked):
            return Plan(waiting=self.waiting, blocked=self.blocked, drift=self.drift)

        replicas_gone_first = self.stream_needs_replicas_removed()
        self.plan_tags()
        self.plan_deletion_protection()
        self.plan_removed_gsis()
        self.plan_table_class()
        switched = self.plan_billing_mode()
        if not switched:
            self.plan_capacity()
        self.plan_on_demand()
        self.plan_sse()
        if replicas_gone_first:
            # rule: the stream changes only once no replica is left (A7); new replicas come after it. No
            # replica is in a state that stops replica changes here (replicas_staying); one in transition
            # makes the whole plan wait.
            self.plan_replica_removals()
        self.plan_stream()
        self.plan_gsis()
        self.plan_replicas()
        self.plan_ttl()
        self.plan_pitr()
        self.plan_warm_throughput()
        # the surface plans against the table as plan_tags leaves it: carrying our ownership tag, which the
        # alarms' ownership tag copies (plan_alarms)
        surface = plan_surface(self.manifest, replace(self.live, tags={**self.live.tags, OWNER_TAG: self.owner}))
        attached = tuple(sorted(surface.attached))
        blocked, drift = self.blocked + surface.blocked, self.drift + surface.drift
        waiting = self.waiting + surface.waiting
        if waiting:  # rule: nothing while anything is transitioning
            return Plan(waiting=waiting, blocked=blocked, drift=drift, attached=attached)
        steps = surface.first + self.steps + surface.steps
        return Plan(steps=steps, blocked=blocked, drift=drift, attached=attached)

    # ------------------------------------------------------------------------------------ identity

    def check_identity(self) -> None:
        """Key schema, key attribute types and LSIs never change (A6). Such a change is blocked with
        ReplacementRequired; every other change still goes ahead on the live table's keys."""
        spec, live = self.spec, self.live
        fix = "create a new DynamoTable with another tableName and migrate the data"
        if spec.hash_key != live.hash_key:
            self.differ("hashKey", spec.hash_key, live.hash_key)
            self.block(
                Reason.REPLACEMENT_REQUIRED,
                "hashKey",
                f"hashKey changed from {live.hash_key} to {spec.hash_key}: a table's key schema cannot change; {fix}",
            )
        if spec.range_key != live.range_key:
            self.differ("rangeKey", spec.range_key, live.range_key)
            self.block(
                Reason.REPLACEMENT_REQUIRED,
                "rangeKey",
                f"rangeKey changed from {_fmt(live.range_key)} to {_fmt(spec.range_key)}: a table's key schema "
                f"cannot change; {fix}",
            )
        identity_keys = {live.hash_key, *([live.range_key] if live.range_key else [])}
        identity_keys |= {x.range_key for x in live.lsis}
        for attr in sorted(identity_keys):
            want, have = self.types.get(attr), live.attribute_types.get(attr)
            if want is not None and have is not None and want != have:
                self.differ(f"attributes[{attr}].type", want, have)
                self.block(
                    Reason.REPLACEMENT_REQUIRED,
                    f"attributes[{attr}].type",
                    f"attribute {attr} is a key of the table or of a local index and its type changed from "
                    f"{have} to {want}; key types cannot change; {fix}",
                )
        desired_lsis = {
            x.name: (x.range_key, x.projection_type.value, frozenset(x.non_key_attributes))
            for x in spec.local_secondary_indexes
        }
        live_lsis = {x.name: (x.range_key, x.projection_type, x.non_key_attributes) for x in live.lsis}
        if desired_lsis != live_lsis:
            changed = sorted(
                n for n in desired_lsis.keys() | live_lsis.keys() if desired_lsis.get(n) != live_lsis.get(n)
            )
            self.differ(
                "localSecondaryIndexes",
                ", ".join(sorted(desired_lsis)) or "none",
                ", ".join(sorted(live_lsis)) or "none",
            )
            self.block(
                Reason.REPLACEMENT_REQUIRED,
                "localSecondaryIndexes",
                f"local secondary indexes differ ({', '.join(changed)}): they can only be set when a table is "
                f"created; {fix}",
            )

    # ------------------------------------------------------------------------------------- waiting

    def check_waiting(self) -> None:
        live = self.live
        if live.status in UNUSABLE:
            self.block(
                Reason.AWS_ERROR,
                "tableStatus",
                f"table is {live.status}"
                + (
                    ": its KMS key is disabled or inaccessible; re-enable the key (the table is archived after 7 days)"
                    if live.status == "INACCESSIBLE_ENCRYPTION_CREDENTIALS"
                    else ""
                ),
                stops_all=True,
            )
            return
        if live.status != ACTIVE:
            self.waiting.append(f"table is {live.status}")
        for gsi in live.gsis:
            if gsi.status != ACTIVE:
                self.waiting.append(f"GSI {gsi.name} is {gsi.status}" + (" (backfilling)" if gsi.backfilling else ""))
            if gsi.warm is not None and gsi.warm.status != ACTIVE:
                self.waiting.append(f"warm throughput of GSI {gsi.name} is {gsi.warm.status}")
        for rep in live.replicas:
            if rep.status in TRANSITIONING:
                self.waiting.append(f"replica in {rep.region} is {rep.status}")
        for witness in live.witnesses:
            if witness.status != ACTIVE:
                self.waiting.append(f"witness in {witness.region} is {witness.status}")
        if is_sse_transitioning(live.sse):
            self.waiting.append(f"encryption at rest is {live.sse.status}")
        if live.warm is not None and live.warm.status != ACTIVE:
            self.waiting.append(f"warm throughput is {live.warm.status}")

    # ---------------------------------------------------------------------------------------- tags

    def plan_tags(self) -> None:
        live_tags = self.live.tags
        to_set: dict[str, str] = {}
        to_remove: list[str] = []
        if self.spec.tags is not None and self.managed("tags"):
            for key, value in sorted(self.spec.tags.items()):
                if live_tags.get(key) != value:
                    to_set[key] = value
                    self.differ(f"tags.{key}", value, live_tags.get(key))
            for key in sorted(live_tags):
                if key not in self.spec.tags and not _is_reserved_tag(key):
                    to_remove.append(key)
                    self.differ(f"tags.{key}", None, live_tags[key])
        adopting = live_tags.get(OWNER_TAG) != self.owner
        if adopting:
            to_set[OWNER_TAG] = self.owner
        if to_set:
            user = [f"{k}={v}" for k, v in to_set.items() if k != OWNER_TAG]
            parts = []
            if user:
                parts.append("tag the table: " + ", ".join(user))
            if adopting:
                parts.append(f"mark the table as owned by {self.owner} ({OWNER_TAG})")
            self.step(
                "TagResource",
                {"ResourceArn": self.live.arn, "Tags": [{"Key": k, "Value": v} for k, v in sorted(to_set.items())]},
                "; ".join(parts),
                transitions=False,
            )
        if to_remove:
            self.step(
                "UntagResource",
                {"ResourceArn": self.live.arn, "TagKeys": to_remove},
                "remove tags " + ", ".join(to_remove),
                transitions=False,
            )

    # ----------------------------------------------------------------------- table-level settings

    def plan_deletion_protection(self) -> None:
        want = self.spec.deletion_protection
        if want is None or not self.managed("deletionProtection") or want == self.live.deletion_protection:
            return
        self.differ("deletionProtection", want, self.live.deletion_protection)
        self.update_table(
            {"DeletionProtectionEnabled": want},
            f"turn deletion protection {'on' if want else 'off'}",
            transitions=False,
        )

    def plan_table_class(self) -> None:
        want = self.spec.table_class
        if want is None or not self.managed("tableClass") or want.value == self.live.table_class:
            return
        self.differ("tableClass", want.value, self.live.table_class)
        self.update_table(
            {"TableClass": want.value},
            f"change table class from {self.live.table_class} to {want.value} (DynamoDB allows 2 changes per "
            "30 days; the table stays usable)",
        )

    def plan_billing_mode(self) -> bool:
        """Returns True when a switch to PROVISIONED was planned (it already sets every capacity)."""
        want = self.spec.billing_mode.value
        if not self.managed("billingMode") or want == self.live.billing_mode:
            return False
        self.differ("billingMode", want, self.live.billing_mode)
        self.billing = want
        if want == PAY_PER_REQUEST:
            # rule: switching to PAY_PER_REQUEST carries no throughput (A3.5)
            self.update_table(
                {"BillingMode": PAY_PER_REQUEST},
                "switch billing mode to PAY_PER_REQUEST (DynamoDB allows 4 switches to on-demand per 24 hours)",
            )
            return False
        # rule: switching to PROVISIONED carries the table's and every GSI's throughput in the same call (A3.5)
        spec = self.spec
        # validation (rule_billing_capacity) refuses PROVISIONED without capacity, for the table and every GSI
        assert spec.read_capacity is not None and spec.write_capacity is not None, "validated spec expected"
        request: dict[str, Any] = {
            "BillingMode": PROVISIONED,
            "ProvisionedThroughput": {
                "ReadCapacityUnits": spec.read_capacity,
                "WriteCapacityUnits": spec.write_capacity,
            },
        }
        updates = []
        summary = []
        desired = {g.name: g for g in spec.global_secondary_indexes}
        for gsi in self.live.gsis:
            want_gsi = desired.get(gsi.name)
            if want_gsi is None:
                continue  # removed GSIs were deleted before this step
            assert want_gsi.read_capacity is not None and want_gsi.write_capacity is not None, "validated spec"
            updates.append(
                {
                    "Update": {
                        "IndexName": gsi.name,
                        "ProvisionedThroughput": {
                            "ReadCapacityUnits": want_gsi.read_capacity,
                            "WriteCapacityUnits": want_gsi.write_capacity,
                        },
                    }
                }
            )
            summary.append(f"GSI {gsi.name} {want_gsi.read_capacity}/{want_gsi.write_capacity}")
        if updates:
            request["GlobalSecondaryIndexUpdates"] = updates
        self.update_table(
            request,
            f"switch billing mode to PROVISIONED (table {spec.read_capacity}/{spec.write_capacity} RCU/WCU"
            + ("; " + ", ".join(summary) if summary else "")
            + ")",
        )
        return True

    def plan_capacity(self) -> None:
        """Table and GSI provisioned throughput in one call (A3.2 allows GSI Updates with a table change)."""
        spec, live = self.spec, self.live
        if self.billing != PROVISIONED or spec.billing_mode.value != PROVISIONED:
            return
        request: dict[str, Any] = {}
        summary: list[str] = []
        # [A19] a dimension auto scaling owns is not compared: the spec's capacity was only the value at creation
        read = spec.read_capacity if self.capacity_managed("readCapacity", None, "read") else None
        write = spec.write_capacity if self.capacity_managed("writeCapacity", None, "write") else None
        if (read is not None and read != live.read_capacity) or (write is not None and write != live.write_capacity):
            new_read = read if read is not None else live.read_capacity
            new_write = write if write is not None else live.write_capacity
            if new_read is not None and new_write is not None:
                if read is not None and read != live.read_capacity:
                    self.differ("readCapacity", read, live.read_capacity)
                if write is not None and write != live.write_capacity:
                    self.differ("writeCapacity", write, live.write_capacity)
                request["ProvisionedThroughput"] = {"ReadCapacityUnits": new_read, "WriteCapacityUnits": new_write}
                self.decreasing |= _lower(new_read, live.read_capacity) or _lower(new_write, live.write_capacity)
                summary.append(f"table {live.read_capacity}/{live.write_capacity} -> {new_read}/{new_write}")
        updates = []
        for want in spec.global_secondary_indexes:
            gsi = live.gsi(want.name)
            if gsi is None or self.gsi_needs_recreate(want, gsi):
                continue
            g_read = (
                want.read_capacity
                if self.capacity_managed("globalSecondaryIndexes.readCapacity", want.name, "read")
                else None
            )
            g_write = (
                want.write_capacity
                if self.capacity_managed("globalSecondaryIndexes.writeCapacity", want.name, "write")
                else None
            )
            read_changes = g_read is not None and g_read != gsi.read_capacity
            write_changes = g_write is not None and g_write != gsi.write_capacity
            if not (read_changes or write_changes):
                continue
            new_read = g_read if g_read is not None else gsi.read_capacity
            new_write = g_write if g_write is not None else gsi.write_capacity
            if new_read is None or new_write is None:
                continue
            if read_changes:
                self.differ(f"globalSecondaryIndexes[{want.name}].readCapacity", g_read, gsi.read_capacity)
            if write_changes:
                self.differ(f"globalSecondaryIndexes[{want.name}].writeCapacity", g_write, gsi.write_capacity)
            self.decreasing |= _lower(new_read, gsi.read_capacity) or _lower(new_write, gsi.write_capacity)
            updates.append(
                {
                    "Update": {
                        "IndexName": want.name,
                        "ProvisionedThroughput": {"ReadCapacityUnits": new_read, "WriteCapacityUnits": new_write},
                    }
                }
            )
            summary.append(f"GSI {want.name} {gsi.read_capacity}/{gsi.write_capacity} -> {new_read}/{new_write}")
        if updates:
            request["GlobalSecondaryIndexUpdates"] = updates
        if request:
            budget = (
                f" (includes a decrease: DynamoDB allows 4 per UTC day, then 1 per hour; {live.decreases_today} "
                "made today)"
                if self.decreasing
                else ""
            )
            self.update_table(request, "change provisioned capacity (RCU/WCU): " + "; ".join(summary) + budget)

    def plan_on_demand(self) -> None:
        """On-demand maxima of the table and its GSIs, in one call; -1 removes a cap (A14)."""
        spec, live = self.spec, self.live
        if self.billing != PAY_PER_REQUEST or spec.billing_mode.value != PAY_PER_REQUEST:
            return
        request: dict[str, Any] = {}
        summary: list[str] = []

        def changes(field: str, label: str, want: s.OnDemandThroughput, have: OnDemand) -> dict[str, int]:
            out: dict[str, int] = {}
            for key, sub, wanted, current in (
                ("MaxReadRequestUnits", "maxReadRequestUnits", want.max_read_request_units, have.max_read),
                ("MaxWriteRequestUnits", "maxWriteRequestUnits", want.max_write_request_units, have.max_write),
            ):
                if wanted is None or wanted == current:
                    continue
                out[key] = wanted
                self.differ(f"{field}.{sub}", _units(wanted), _units(current))
                kind = "reads" if key == "MaxReadRequestUnits" else "writes"
                summary.append(f"{label} {kind} {_units(current)} -> {_units(wanted)}")
            return out

        if spec.on_demand_throughput is not None and self.managed("onDemandThroughput"):
            table = changes("onDemandThroughput", "table", spec.on_demand_throughput, live.on_demand)
            if table:
                request["OnDemandThroughput"] = table
        updates = []
        if self.managed("globalSecondaryIndexes.onDemandThroughput"):
            for want in spec.global_secondary_indexes:
                gsi = live.gsi(want.name)
                if want.on_demand_throughput is None or gsi is None or self.gsi_needs_recreate(want, gsi):
                    continue
                odt = changes(
                    f"globalSecondaryIndexes[{want.name}].onDemandThroughput",
                    f"GSI {want.name}",
                    want.on_demand_throughput,
                    gsi.on_demand,
                )
                if odt:
                    updates.append({"Update": {"IndexName": want.name, "OnDemandThroughput": odt}})
        if updates:
            request["GlobalSecondaryIndexUpdates"] = updates
        if request:
            self.update_table(request, "change on-demand maximum request units: " + "; ".join(summary))

    def plan_sse(self) -> None:
        want = self.spec.server_side_encryption
        if want is None or not self.managed("serverSideEncryption"):
            return
        if _sse_in_sync(want, self.live.sse):
            return
        self.differ("serverSideEncryption", _sse_wanted(want), self.live.sse.kind)
        # rule: an SSE change is the only change in its UpdateTable call (A3.4)
        self.update_table(
            {"SSESpecification": _sse_request(want)},
            f"switch encryption at rest from the {self.live.sse.kind} to the {_sse_wanted(want)} (the table "
            "stays usable; keep the old key enabled until the switch completes)",
        )

    # -------------------------------------------------------------------------------------- stream

    def desired_stream(self) -> tuple[bool, str | None]:
        """(managed, desired view type or None for disabled)."""
        stream = self.spec.stream
        if stream is None or not self.managed("stream"):
            return False, None
        return True, (stream.view_type.value if stream.enabled and stream.view_type else None)

    def stream_needs_replicas_removed(self) -> bool:
        """While replicas exist the stream can be neither disabled nor retyped (A7) [TF #19342, #34450: "Disabling
        Stream is not allowed for a Global Table replica"]. When the plan removes every live replica, they go
        first and the stream change follows; otherwise the stream change is blocked and the rest goes ahead."""
        managed, want = self.desired_stream()
        live = self.live
        have = live.stream_view_type if live.stream_enabled else None
        if not managed or have is None or want == have or not live.replicas:
            return False
        staying = self.replicas_staying()
        if not staying:
            return True
        # rule: while replicas exist the stream can be neither disabled nor retyped (A7): blocked, not attempted
        regions = ", ".join(r.region for r in staying)
        if want is None:
            self.differ("stream.enabled", False, True)
            what = "the stream cannot be disabled"
        else:
            self.differ("stream.viewType", want, have)
            what = f"the stream's view type cannot change from {have} to {want}"
        self.block(
            Reason.REPLACEMENT_REQUIRED,
            "stream",
            f"{what} while the table has replicas ({regions}): DynamoDB refuses to disable or change the stream "
            "of a global table. Remove the replicas first (set spec.replicas: [] and apply; the replica tables "
            "and their data in those regions are deleted), then change the stream, then add the replicas back",
        )
        return False

    def replicas_staying(self) -> list[ObservedReplica]:
        """The live replicas left once this plan has run (those DELETING are on their way out): all of them
        when replicas are not managed or one is in a state that stops replica changes, else those the spec
        keeps and those whose removal deletion protection blocks."""
        live = self.live
        remaining = [r for r in live.replicas if r.status != "DELETING"]
        if self.spec.replicas is None or not self.managed("replicas"):
            return remaining
        if any(r.status != ACTIVE and r.status not in TRANSITIONING for r in live.replicas):
            return remaining
        desired = {r.region for r in self.spec.replicas}
        return [r for r in remaining if r.region in desired or r.deletion_protection]

    def plan_stream(self) -> None:
        managed, want = self.desired_stream()
        live = self.live
        if not managed or any(b.field == "stream" for b in self.blocked):
            return
        have = live.stream_view_type if live.stream_enabled else None
        if want == have:
            return
        if want is not None and have is not None:
            self.differ("stream.viewType", want, have)
        else:
            self.differ("stream.enabled", want is not None, have is not None)
        if have is not None and want is not None:
            # rule: a view type cannot be edited: disable, wait, enable with the new type (A7)
            self.update_table(
                {"StreamSpecification": {"StreamEnabled": False}},
                f"disable the stream to change its view type from {have} to {want}; the re-enabled stream gets "
                "a new ARN, so consumers (e.g. Lambda event source mappings) must be repointed",
            )
            self.update_table(
                {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": want}},
                f"re-enable the stream with view type {want} (new stream ARN: repoint its consumers)",
            )
        elif want is not None:
            self.update_table(
                {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": want}},
                f"enable the stream ({want})",
            )
        else:
            self.update_table(
                {"StreamSpecification": {"StreamEnabled": False}},
                "disable the stream (consumers stop receiving changes; its records stay readable for 24 hours)",
            )
        self.stream_view = want

    # ---------------------------------------------------------------------------------------- GSIs

    def gsi_needs_recreate(self, want: s.GlobalSecondaryIndex, gsi: ObservedGsi) -> bool:
        return bool(self.gsi_changes(want, gsi))

    def gsi_changes(self, want: s.GlobalSecondaryIndex, gsi: ObservedGsi) -> list[tuple[str, object, object]]:
        """What differs in the parts of a GSI that cannot change in place (A6)."""
        out: list[tuple[str, object, object]] = []
        # rule: a key is its attributes in order; either spelling of the same attributes is the same key (A26)
        one = want.hash_keys is None
        if tuple(want.partition_keys) != gsi.hash_keys:
            out.append(
                ("hashKey" if one else "hashKeys", _key_shown(want.partition_keys, one), _key_shown(gsi.hash_keys, one))
            )
        if tuple(want.sort_keys) != gsi.range_keys:
            out.append(
                ("rangeKey" if one else "rangeKeys", _key_shown(want.sort_keys, one), _key_shown(gsi.range_keys, one))
            )
        if want.projection_type.value != gsi.projection_type:
            out.append(("projectionType", want.projection_type.value, gsi.projection_type))
        if frozenset(want.non_key_attributes) != gsi.non_key_attributes:
            out.append(("nonKeyAttributes", frozenset(want.non_key_attributes), gsi.non_key_attributes))
        for attr in _spec_gsi_keys(want):
            wanted, have = self.types.get(attr), self.live.attribute_types.get(attr)
            if attr in (*gsi.hash_keys, *gsi.range_keys) and wanted and have and wanted != have:
                out.append((f"attributes[{attr}].type", wanted, have))
        return out

    def plan_removed_gsis(self) -> None:
        wanted = {g.name for g in self.spec.global_secondary_indexes}
        for gsi in self.live.gsis:
            if gsi.name not in wanted:
                self.differ(f"globalSecondaryIndexes[{gsi.name}]", None, "present")
                # rule: one GSI delete per call (A3.2)
                self.update_table(
                    {"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": gsi.name}}]},
                    f"delete GSI {gsi.name} (queries on it fail from now on)",
                )

    def plan_gsis(self) -> None:
        live = self.live
        wanted = {g.name for g in self.spec.global_secondary_indexes}
        present = [_Gsi(g.name, [*g.hash_keys, *g.range_keys]) for g in live.gsis if g.name in wanted]
        recreate: list[tuple[s.GlobalSecondaryIndex, list[tuple[str, object, object]]]] = []
        create: list[s.GlobalSecondaryIndex] = []
        for want in self.spec.global_secondary_indexes:
            gsi = live.gsi(want.name)
            if gsi is None:
                self.differ(f"globalSecondaryIndexes[{want.name}]", "present", None)
                create.append(want)
                continue
            changes = self.gsi_changes(want, gsi)
            if changes:
                for field, desired, have in changes:
                    self.differ(f"globalSecondaryIndexes[{want.name}].{field}", desired, have)
                recreate.append((want, changes))
        # rule: deletes before creates, one per call; a key or projection change is delete then create (A3.2, A6)
        for want, changes in recreate:
            what = ", ".join(f"{f} {_fmt(d)}" for f, d, _ in changes)
            self.update_table(
                {"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": want.name}}]},
                f"delete GSI {want.name} to recreate it with {what} (a GSI's keys and projection cannot change "
                "in place; the index is unavailable until it is recreated and backfilled)",
            )
            present = [g for g in present if g.name != want.name]
        recreated = {w.name for w, _ in recreate}
        for want in [w for w, _ in recreate] + create:
            present.append(_Gsi(want.name, _spec_gsi_keys(want)))
            if self.billing == PROVISIONED and (want.read_capacity is None or want.write_capacity is None):
                self.block(
                    Reason.INVALID_SPEC,
                    f"globalSecondaryIndexes[{want.name}]",
                    f"GSI {want.name} needs readCapacity and writeCapacity: the table is PROVISIONED",
                )
                continue
            # rule: AttributeDefinitions = the keys in use once the index exists, never diffed (A3.3)
            self.update_table(
                {
                    "AttributeDefinitions": self.attribute_definitions(present),
                    "GlobalSecondaryIndexUpdates": [{"Create": _gsi_create(want, self.billing)}],
                },
                f"{'recreate' if want.name in recreated else 'create'} GSI {want.name} (the table stays usable; the "
                "index backfills)",
            )

    def attribute_definitions(self, gsis: list[_Gsi]) -> list[dict[str, str]]:
        live = self.live
        names = {live.hash_key, *([live.range_key] if live.range_key else [])}
        names |= {x.range_key for x in live.lsis}
        for gsi in gsis:
            names |= set(gsi.keys)
        live_keys = {live.hash_key, *([live.range_key] if live.range_key else []), *(x.range_key for x in live.lsis)}
        out = []
        for name in sorted(names):
            # the live table's own keys keep their live types, even while a type change is blocked
            kind = live.attribute_types.get(name) if name in live_keys else None
            kind = kind or self.types.get(name) or live.attribute_types.get(name)
            if kind:
                out.append({"AttributeName": name, "AttributeType": kind})
        return out

    # ------------------------------------------------------------------------------------ replicas

    def plan_replica_removals(self) -> None:
        """Delete the live replicas the spec leaves out (called once replicas are known to be changeable)."""
        spec, live = self.spec, self.live
        if self.replicas_removed or spec.replicas is None:
            return
        self.replicas_removed = True
        desired = {r.region for r in spec.replicas}
        # rule: one replica action per call (A3.6)
        for rep in live.replicas:
            if rep.region in desired:
                continue
            self.differ(f"replicas[{rep.region}]", None, "present")
            if rep.deletion_protection:
                self.block(
                    Reason.DELETION_BLOCKED,
                    f"replicas[{rep.region}]",
                    f"the replica in {rep.region} has deletion protection on; keep it in spec.replicas "
                    "with deletionProtection: false until that is applied, then remove it",
                )
                continue
            self.update_table(
                {"ReplicaUpdates": [{"Delete": {"RegionName": rep.region}}]},
                f"delete the replica in {rep.region} (the table in that region and its data are deleted)",
            )

    def plan_replicas(self) -> None:
        spec, live = self.spec, self.live
        if spec.replicas is None or not self.managed("replicas"):
            return
        not_active = [r for r in live.replicas if r.status != ACTIVE and r.status not in TRANSITIONING]
        for rep in not_active:
            self.block(
                Reason.AWS_ERROR,
                f"replicas[{rep.region}]",
                f"replica in {rep.region} is {rep.status}; replicas are changed only when all are ACTIVE",
            )
        if not_active:
            return
        created = self.plan_consistency()
        if created is None:
            created = self.plan_replica_set()
        for want_replica in spec.replicas:
            have = live.replica(want_replica.region)
            if have is None and want_replica.region not in created:
                continue
            self.plan_replica_settings(want_replica, have)

    def plan_replica_set(self) -> set[str]:
        """Add the replicas the spec lists and the table lacks, then remove those it leaves out; returns the
        regions added."""
        spec, live = self.spec, self.live
        new = [r for r in spec.replicas or [] if live.replica(r.region) is None]
        managed, want = self.desired_stream()
        # validation (rule_replicas) refuses replicas with stream.enabled false: adding one would make AWS
        # enable the stream the spec disables (A7, A13)
        assert not (new and managed and want is None), "validated spec expected"
        # rule: replicas are added before others are removed, so the data never lives in fewer regions in
        # between than before or after the change (A13); one replica action per call (A3.6)
        for added in new:
            self.differ(f"replicas[{added.region}]", "present", None)
            description = f"add a replica in {added.region} (the table's data is copied there; this can take a while"
            overrides = plan_replicas.override_text(plan_replicas.create_action(added))
            if overrides:
                description += f"; with {overrides}"
            self.update_table(
                {"ReplicaUpdates": [{"Create": plan_replicas.create_action(added)}]},
                description + self.first_replica_stream_note() + ")",
            )
        self.plan_replica_removals()
        return {r.region for r in new}

    def first_replica_stream_note(self) -> str:
        if self.stream_view is not None:
            return ""
        # rule: the first replica of a table without a stream makes AWS enable a NEW_AND_OLD_IMAGES stream (A7);
        # the stream is not managed here (a managed one was enabled above), so the stream appearing is expected,
        # never drift
        self.stream_view = NAOI
        return "; DynamoDB enables a NEW_AND_OLD_IMAGES stream on the table, which has none"

    def plan_consistency(self) -> set[str] | None:
        """[A13.2] None: the replicas are planned one by one (EVENTUAL). Otherwise the regions this plan creates:
        every replica of a new STRONG global table in one call, or none when the consistency or the regions of a
        STRONG table would change, which is blocked."""
        spec, live = self.spec, self.live
        want = spec.multi_region_consistency.value
        have = plan_replicas.live_consistency(live)
        regions = [r.region for r in spec.replicas or []]
        if have is None:
            if want != plan_replicas.STRONG or not regions:
                return None
            for region in regions:
                self.differ(f"replicas[{region}]", "present", None)
            if spec.witness_region is not None:
                self.differ("witnessRegion", spec.witness_region, None)
            # rule: STRONG is set with the replica Creates and the witness Create, all in one call (A13.2, A3.6)
            witness = f" and a witness in {spec.witness_region}" if spec.witness_region else ""
            self.update_table(
                plan_replicas.strong_request(spec),
                f"make the table a STRONG global table: replicas in {', '.join(regions)}{witness}, in one call "
                "(the table must be empty" + self.first_replica_stream_note() + ")",
            )
            return set(regions)
        if have != want:
            # rule: a global table's consistency is fixed when its replicas are created (A13.2)
            self.differ("multiRegionConsistency", want, have)
            self.block(
                Reason.REPLACEMENT_REQUIRED,
                "multiRegionConsistency",
                f"the global table is {have} and the spec asks for {want}: DynamoDB fixes a global table's "
                "consistency when its replicas are created, and a STRONG one must start empty; create a new "
                f"DynamoTable with multiRegionConsistency {want} and migrate the data, or set it back to {have}",
            )
            return set()
        if want == plan_replicas.STRONG:
            self.check_strong_regions()
            return set()
        return None

    def check_strong_regions(self) -> None:
        """[A13.2] A STRONG global table keeps the three regions it was created with: changes are blocked."""
        spec, live = self.spec, self.live
        have = sorted(r.region for r in live.replicas), sorted(w.region for w in live.witnesses)
        want = sorted(r.region for r in spec.replicas or []), sorted(filter(None, [spec.witness_region]))
        if have == want:
            return
        wanted = ", ".join(want[0]) + (f" + witness {want[1][0]}" if want[1] else "")
        self.differ("replicas", wanted, ", ".join(have[0]))
        self.block(
            Reason.REPLACEMENT_REQUIRED,
            "replicas",
            f"a STRONG global table keeps the regions it was created with (replicas {', '.join(have[0])}"
            + (f", witness {', '.join(have[1])}" if have[1] else "")
            + "); restore spec.replicas and spec.witnessRegion to them, or create a new DynamoTable with the new "
            "regions and migrate the data",
        )

    def plan_replica_overrides(self, want: s.Replica, have: ObservedReplica) -> None:
        """[A13] Drift on a replica's overrides is set back in one Update action per call; the table class alone."""
        table_class = self.spec.table_class.value if self.spec.table_class and self.managed("tableClass") else None
        changes = [
            plan_replicas.table_class_change(want, have, table_class or self.live.table_class),
            plan_replicas.throughput_change(want, have, self.live),
        ]
        for change in changes:
            if change is None:
                continue
            for field, desired, live in change.drift:
                self.differ(field, desired, live)
            self.update_table(
                {"ReplicaUpdates": [{"Update": {"RegionName": want.region, **change.request}}]},
                f"set {plan_replicas.override_text(change.request)} in the replica in {want.region}",
            )

    def plan_replica_settings(self, want: s.Replica, have: ObservedReplica | None) -> None:
        region = want.region
        if have is not None:
            self.plan_replica_overrides(want, have)
        if (
            have is not None
            and want.kms_key_arn
            and have.kms_key_id
            and not same_kms_key(want.kms_key_arn, have.kms_key_id)
        ):
            self.differ(f"replicas[{region}].kmsKeyArn", want.kms_key_arn, have.kms_key_id)
            self.block(
                Reason.REPLACEMENT_REQUIRED,
                f"replicas[{region}].kmsKeyArn",
                f"the replica in {region} uses key {have.kms_key_id}; a replica's key cannot be switched "
                "in place: remove the replica from spec.replicas, apply, then add it back with the new key",
            )
        live_dp = bool(have.deletion_protection) if have is not None else False
        dp_known = have is None or have.deletion_protection is not None
        if want.deletion_protection is not None and dp_known and want.deletion_protection != live_dp:
            self.differ(f"replicas[{region}].deletionProtection", want.deletion_protection, live_dp)
            self.step(
                "UpdateTable",
                {"TableName": self.name, "DeletionProtectionEnabled": want.deletion_protection},
                f"turn deletion protection {'on' if want.deletion_protection else 'off'} for the replica in {region}",
                transitions=False,
                region=region,
            )
        live_pitr = bool(have.pitr) if have is not None else False
        if want.point_in_time_recovery != live_pitr and (have is None or have.pitr is not None):
            self.differ(f"replicas[{region}].pointInTimeRecovery", want.point_in_time_recovery, live_pitr)
            self.step(
                "UpdateContinuousBackups",
                {
                    "TableName": self.name,
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": want.point_in_time_recovery},
                },
                f"turn point-in-time recovery {'on' if want.point_in_time_recovery else 'off'} for the replica "
                f"in {region}",
                transitions=False,
                region=region,
            )
        if want.propagate_tags and self.spec.tags is not None and self.managed("tags"):
            live_tags: Mapping[str, str] = (have.tags if have is not None else None) or {}
            arn = (have.arn if have is not None else None) or self.replica_arn(region)
            to_set = {k: v for k, v in sorted(self.spec.tags.items()) if live_tags.get(k) != v}
            to_remove = sorted(k for k in live_tags if k not in self.spec.tags and not _is_reserved_tag(k))
            if have is not None and have.tags is None:
                return  # not read: nothing known to differ
            if to_set:
                self.differ(f"replicas[{region}].tags", ", ".join(to_set), "missing")
                self.step(
                    "TagResource",
                    {"ResourceArn": arn, "Tags": [{"Key": k, "Value": v} for k, v in to_set.items()]},
                    f"tag the replica in {region}: " + ", ".join(f"{k}={v}" for k, v in to_set.items()),
                    transitions=False,
                    region=region,
                )
            if to_remove:
                self.step(
                    "UntagResource",
                    {"ResourceArn": arn, "TagKeys": to_remove},
                    f"remove tags {', '.join(to_remove)} from the replica in {region}",
                    transitions=False,
                    region=region,
                )

    def replica_arn(self, region: str) -> str:
        parts = self.live.arn.split(":")
        if len(parts) > 5:
            parts[3] = region
            return ":".join(parts)
        return f"arn:aws:dynamodb:{region}:<account>:table/{self.name}"

    # ------------------------------------------------------------------------------------ TTL, PITR

    def plan_ttl(self) -> None:
        want = self.spec.ttl
        have = self.live.ttl
        if want is None or have is None or not self.managed("ttl"):
            return
        want_attr = want.attribute_name if want.enabled else None
        have_attr = have.attribute_name if have.enabled else None
        if want_attr == have_attr:
            return
        self.differ(
            "ttl",
            f"enabled on {want_attr}" if want_attr else "disabled",
            f"enabled on {have_attr}" if have_attr else "disabled",
        )
        if have_attr is not None:
            # rule: disable with the CURRENT attribute name (A8)
            self.step(
                "UpdateTimeToLive",
                {"TableName": self.name, "TimeToLiveSpecification": {"Enabled": False, "AttributeName": have_attr}},
                f"disable TTL on {have_attr}"
                + (
                    f" to move it to {want_attr} (DynamoDB allows one TTL change per hour, so enabling it again can "
                    "wait up to an hour)"
                    if want_attr
                    else ""
                ),
                transitions=False,
            )
        if want_attr is not None:
            self.step(
                "UpdateTimeToLive",
                {"TableName": self.name, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": want_attr}},
                f"enable TTL on attribute {want_attr}",
                transitions=False,
            )

    def plan_pitr(self) -> None:
        want = self.spec.point_in_time_recovery
        have = self.live.pitr
        if want is None or have is None or not self.managed("pointInTimeRecovery"):
            return
        if not want.enabled:
            if have.enabled:
                self.differ("pointInTimeRecovery.enabled", False, True)
                self.step(
                    "UpdateContinuousBackups",
                    {"TableName": self.name, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False}},
                    "disable point-in-time recovery (the restore window is lost)",
                    transitions=False,
                )
            return
        period = want.recovery_period_in_days
        if have.enabled and (period is None or period == have.recovery_period_in_days):
            return
        spec_: dict[str, Any] = {"PointInTimeRecoveryEnabled": True}
        if period is not None:
            spec_["RecoveryPeriodInDays"] = period
        if have.enabled:
            self.differ("pointInTimeRecovery.recoveryPeriodInDays", period, have.recovery_period_in_days)
            description = (
                f"change the point-in-time recovery period from {have.recovery_period_in_days} to {period} days"
            )
        else:
            self.differ("pointInTimeRecovery.enabled", True, False)
            description = f"enable point-in-time recovery ({period or 35} days)"
        self.step(
            "UpdateContinuousBackups",
            {"TableName": self.name, "PointInTimeRecoverySpecification": spec_},
            description,
            transitions=False,
        )

    # ------------------------------------------------------------------------------ warm throughput

    def warm_increase(self, field: str, want: s.WarmThroughput, have: Warm | None) -> dict[str, int]:
        """The components to raise; a decrease is blocked (warm throughput only increases, A14)."""
        out: dict[str, int] = {}
        for key, label, wanted, current in (
            ("ReadUnitsPerSecond", "readUnitsPerSecond", want.read_units_per_second, have.read if have else None),
            ("WriteUnitsPerSecond", "writeUnitsPerSecond", want.write_units_per_second, have.write if have else None),
        ):
            if wanted is None or wanted == current:
                continue
            if current is not None and wanted < current:
                self.differ(f"{field}.{label}", wanted, current)
                self.block(
                    Reason.REPLACEMENT_REQUIRED,
                    f"{field}.{label}",
                    f"{field}.{label} is {current} and the spec asks {wanted}: warm throughput can only be "
                    f"increased; set it to {current} or more (only a new table starts lower)",
                )
                continue
            self.differ(f"{field}.{label}", wanted, current)
            out[key] = wanted
        return out

    def plan_warm_throughput(self) -> None:
        spec, live = self.spec, self.live
        if spec.warm_throughput is not None and self.managed("warmThroughput"):
            raise_to = self.warm_increase("warmThroughput", spec.warm_throughput, live.warm)
            if raise_to:
                self.update_table(
                    {"WarmThroughput": raise_to},
                    "raise warm throughput to " + _warm_text(raise_to) + " (it cannot be lowered later)",
                )
        if not self.managed("globalSecondaryIndexes.warmThroughput"):
            return
        for want in spec.global_secondary_indexes:
            gsi = live.gsi(want.name)
            if want.warm_throughput is None or gsi is None or self.gsi_needs_recreate(want, gsi):
                continue
            raise_to = self.warm_increase(
                f"globalSecondaryIndexes[{want.name}].warmThroughput", want.warm_throughput, gsi.warm
            )
            if raise_to:
                self.update_table(
                    {"GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": want.name, "WarmThroughput": raise_to}}]},
                    f"raise warm throughput of GSI {want.name} to {_warm_text(raise_to)} (it cannot be lowered later)",
                )


def _lower(new: int | None, old: int | None) -> bool:
    return new is not None and old is not None and new < old


def _warm_text(raise_to: Mapping[str, int]) -> str:
    parts = []
    if "ReadUnitsPerSecond" in raise_to:
        parts.append(f"{raise_to['ReadUnitsPerSecond']} reads/s")
    if "WriteUnitsPerSecond" in raise_to:
        parts.append(f"{raise_to['WriteUnitsPerSecond']} writes/s")
    return " and ".join(parts)
