"""Values the engine passes between observe, plan, execute and reconcile. Frozen, no I/O.

`ObservedTable` is the live table after normalization: AWS's defaults and spellings are resolved (missing
BillingModeSummary = PROVISIONED, 0/0 capacity under on-demand = not applicable, ENABLING = enabled...), so
the planner compares like with like. Fields read only when the spec manages them are `None` when not read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ACTIVE = "ACTIVE"
PROVISIONED = "PROVISIONED"
PAY_PER_REQUEST = "PAY_PER_REQUEST"
STANDARD = "STANDARD"
UNCAPPED = -1  # on-demand throughput without a maximum


@dataclass(frozen=True, slots=True)
class OnDemand:
    """On-demand maxima; UNCAPPED (-1) when there is no cap."""

    max_read: int = UNCAPPED
    max_write: int = UNCAPPED


@dataclass(frozen=True, slots=True)
class Warm:
    read: int | None
    write: int | None
    status: str = ACTIVE


@dataclass(frozen=True, slots=True)
class ObservedGsi:
    """A live GSI. Its key attributes in key order: one or more partition (HASH) attributes and zero or more
    sort (RANGE) attributes; a multi-attribute key has up to 4 of each (A26)."""

    name: str
    hash_keys: tuple[str, ...]
    range_keys: tuple[str, ...]
    projection_type: str
    non_key_attributes: frozenset[str]
    status: str
    backfilling: bool = False
    read_capacity: int | None = None  # None under PAY_PER_REQUEST
    write_capacity: int | None = None
    on_demand: OnDemand = OnDemand()
    warm: Warm | None = None


@dataclass(frozen=True, slots=True)
class ObservedLsi:
    name: str
    range_key: str
    projection_type: str
    non_key_attributes: frozenset[str]


@dataclass(frozen=True, slots=True)
class ObservedSse:
    """Encryption at rest. kms_key_arn None = AWS owned key. aws_managed: whether the KMS key is
    alias/aws/dynamodb (None when not determined)."""

    kms_key_arn: str | None = None
    aws_managed: bool | None = None
    status: str | None = None

    @property
    def kind(self) -> str:
        if self.kms_key_arn is None:
            return "AWS owned key"
        if self.aws_managed:
            return "AWS managed key"
        if self.aws_managed is None:
            return f"KMS key {self.kms_key_arn}"
        return f"customer managed key {self.kms_key_arn}"


@dataclass(frozen=True, slots=True)
class ObservedTtl:
    enabled: bool
    attribute_name: str | None
    status: str


@dataclass(frozen=True, slots=True)
class ObservedPitr:
    enabled: bool
    recovery_period_in_days: int | None


@dataclass(frozen=True, slots=True)
class ObservedReplica:
    region: str
    status: str
    kms_key_id: str | None = None
    arn: str | None = None
    # read from the replica's region only when managed; None = not read
    deletion_protection: bool | None = None
    pitr: bool | None = None
    tags: Mapping[str, str] | None = None
    # overrides as DescribeTable's Replicas[] shows them (A13); None = no override, the source's setting
    table_class: str | None = None
    read_capacity_override: int | None = None
    max_read_override: int | None = None
    gsi_overrides: tuple[ObservedReplicaGsi, ...] = ()

    def gsi_override(self, name: str) -> ObservedReplicaGsi | None:
        return next((g for g in self.gsi_overrides if g.name == name), None)


@dataclass(frozen=True, slots=True)
class ObservedReplicaGsi:
    name: str
    read_capacity_override: int | None = None
    max_read_override: int | None = None


@dataclass(frozen=True, slots=True)
class ObservedWitness:
    """A witness of a multi-Region strongly consistent global table (A13.2)."""

    region: str
    status: str  # CREATING, ACTIVE, DELETING


# ---------------------------------------------------------------------------- beyond the table itself
# The parts of a table's surface that live outside DescribeTable: each is read only when the spec manages it
# or the previous status records it as `attached` (put in place by this resource), and is None when not read.

DYNAMODB = "dynamodb"
AUTOSCALING = "application-autoscaling"
CLOUDWATCH = "cloudwatch"


@dataclass(frozen=True, slots=True)
class ObservedScalingTarget:
    """An Application Auto Scaling scalable target of the table or a GSI, with its target-tracking policy."""

    resource_id: str  # table/<name> or table/<name>/index/<index>
    dimension: str  # dynamodb:table:ReadCapacityUnits, dynamodb:index:WriteCapacityUnits, ...
    min_capacity: int
    max_capacity: int
    policy_name: str | None = None  # this operator's target-tracking policy on the target, when there
    target_value: float | None = None
    scale_in_cooldown: int | None = None
    scale_out_cooldown: int | None = None
    metric: str | None = None  # our policy's PredefinedMetricType
    policy_type: str | None = None  # our policy's PolicyType
    other_policies: tuple[str, ...] = ()  # scaling policies on the target that are not this operator's


@dataclass(frozen=True, slots=True)
class ObservedInsights:
    """Contributor insights of the table or a GSI that was read; a target read as DISABLED has no entry."""

    index: str | None  # None: the table's own
    status: str  # ENABLING, ENABLED, DISABLING, DISABLED, FAILED
    mode: str | None = None
    failure: str | None = None  # FailureException of a FAILED status: "<ExceptionName>: <ExceptionDescription>"


@dataclass(frozen=True, slots=True)
class ObservedPolicy:
    """The table's resource-based policy: `document` None = no policy."""

    document: Mapping[str, Any] | None
    revision_id: str | None = None


@dataclass(frozen=True, slots=True)
class ObservedKinesisDestination:
    stream_arn: str
    status: str  # ENABLING, ACTIVE, DISABLING, DISABLED, ENABLE_FAILED, UPDATING
    precision: str | None = None
    status_description: str | None = None


@dataclass(frozen=True, slots=True)
class ObservedAlarm:
    name: str
    metric: str
    namespace: str
    statistic: str | None
    period: int
    evaluation_periods: int
    comparison_operator: str
    threshold: float
    dimensions: Mapping[str, str] = field(default_factory=dict)
    treat_missing_data: str | None = None
    alarm_actions: tuple[str, ...] = ()
    description: str | None = None
    owner: str | None = None  # value of our ownership tag on the alarm; None = untagged or not read
    # settings the spec has no field for: PutMetricAlarm overwrites the whole alarm, so ours has these defaults
    actions_enabled: bool = True
    datapoints_to_alarm: int | None = None
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    extended_statistic: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class ObservedTable:
    name: str
    region: str
    arn: str
    status: str
    hash_key: str
    range_key: str | None
    attribute_types: Mapping[str, str]
    billing_mode: str
    read_capacity: int | None = None  # None under PAY_PER_REQUEST
    write_capacity: int | None = None
    decreases_today: int = 0
    on_demand: OnDemand = OnDemand()
    warm: Warm | None = None
    gsis: tuple[ObservedGsi, ...] = ()
    lsis: tuple[ObservedLsi, ...] = ()
    stream_enabled: bool = False
    stream_view_type: str | None = None
    stream_arn: str | None = None
    sse: ObservedSse = ObservedSse()
    table_class: str = STANDARD
    deletion_protection: bool = False
    replicas: tuple[ObservedReplica, ...] = ()
    multi_region_consistency: str | None = None  # EVENTUAL or STRONG on a global table; None when not shown
    witnesses: tuple[ObservedWitness, ...] = ()
    ttl: ObservedTtl | None = None
    pitr: ObservedPitr | None = None
    tags: Mapping[str, str] = field(default_factory=dict)  # without aws: tags; includes ours
    table_id: str | None = None  # unique per table: a table deleted and created again under the name gets another
    scaling: tuple[ObservedScalingTarget, ...] | None = None
    insights: tuple[ObservedInsights, ...] | None = None
    resource_policy: ObservedPolicy | None = None
    kinesis: tuple[ObservedKinesisDestination, ...] | None = None
    alarms: tuple[ObservedAlarm, ...] | None = None

    def gsi(self, name: str) -> ObservedGsi | None:
        return next((g for g in self.gsis if g.name == name), None)

    def replica(self, region: str) -> ObservedReplica | None:
        return next((r for r in self.replicas if r.region == region), None)

    @property
    def account_id(self) -> str | None:
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 5 else None


def _plain(value: Any) -> Any:
    """A JSON-ready form of an observed value: sets sorted, mappings as sorted dicts, dataclasses as dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def fingerprint(observed: ObservedTable | None) -> str:
    """sha256 of the normalized live table (None: no table): equal exactly when everything the planner reads
    is equal, so a saved plan can tell whether the table is still in the state it was planned against."""
    text = json.dumps(_plain(observed), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------- plans


def is_mutating(operation: str) -> bool:
    """Whether an AWS operation changes something (every read the engine makes is a Describe, a List or a Get:
    GetResourcePolicy)."""
    return not operation.startswith(("Describe", "List", "Get"))


@dataclass(frozen=True)
class Step:
    """Exactly one AWS call: `request` is passed to the boto3 method as keyword arguments."""

    operation: str
    region: str
    request: Mapping[str, Any]
    description: str
    transitions: bool = True  # whether the table (or a part of it) goes busy after the call
    service: str = DYNAMODB  # the boto3 client the call is made on (AUTOSCALING, CLOUDWATCH for the surface)

    @property
    def mutating(self) -> bool:
        return is_mutating(self.operation)

    @property
    def destructive(self) -> bool:
        """Whether the step deletes something people may depend on (see `destructive_reason`)."""
        return self.destructive_reason is not None

    @property
    def destructive_reason(self) -> str | None:
        """What the step destroys: a table, a GSI (also when it is deleted to be recreated), a replica and its
        data, or a stream (disabling one, also to change its view type, ends it: a re-enabled stream is a new
        one with a new ARN), or a Kinesis streaming destination (disabling it ends the change feed). None for
        steps that create or change in place."""
        return destructive_reason(self.operation, self.request)

    @property
    def long_running(self) -> bool:
        """Whether the step's duration grows with the table's data: building a GSI (backfill), copying the table
        to a new replica, or removing one. Such steps can take minutes to hours on AWS."""
        if self.operation != "UpdateTable":
            return False
        gsi_creates = any("Create" in u for u in self.request.get("GlobalSecondaryIndexUpdates") or [])
        replica_changes = any("Create" in u or "Delete" in u for u in self.request.get("ReplicaUpdates") or [])
        return gsi_creates or replica_changes

    @property
    def replica_region(self) -> str | None:
        """The region of the replica a ReplicaUpdates step creates, changes or deletes. (Steps made in a replica's
        own region, e.g. its tags or PITR, have that region as `region`.)"""
        for update in self.request.get("ReplicaUpdates") or []:
            for action in update.values():
                if isinstance(action, Mapping) and action.get("RegionName"):
                    return str(action["RegionName"])
        return None


def destructive_reason(operation: str, request: Mapping[str, Any]) -> str | None:
    """Why a call (operation + request, as sent to boto3) is destructive, or None; see Step.destructive_reason."""
    if operation == "DeleteTable":
        return f"deletes table {request.get('TableName')} and its data"
    if operation == "DisableKinesisStreamingDestination":
        return (
            f"stops streaming the changes of table {request.get('TableName')} to {request.get('StreamArn')}: its "
            "consumers stop receiving changes, and changes made until it is enabled again are never sent"
        )
    if operation != "UpdateTable":
        return None
    for update in request.get("GlobalSecondaryIndexUpdates") or []:
        if isinstance(update, Mapping) and "Delete" in update:
            return f"deletes GSI {update['Delete'].get('IndexName')} (queries on it fail until it is recreated)"
    for update in request.get("ReplicaUpdates") or []:
        if isinstance(update, Mapping) and "Delete" in update:
            return f"deletes the replica in {update['Delete'].get('RegionName')} and its data"
    stream = request.get("StreamSpecification")
    if isinstance(stream, Mapping) and stream.get("StreamEnabled") is False:
        return "disables the stream: its consumers stop receiving changes, and a re-enabled stream has a new ARN"
    return None


_ACCOUNT_IN_ARN = re.compile(r"(arn:[a-z-]+:dynamodb:[a-z0-9-]*:)[^:/]*(:)")


def same_call(a: Step, b: Step) -> bool:
    """Whether two steps make the same AWS call. The account in table ARNs is not compared: the steps a plan
    lists after a CreateTable name the table-to-be by an ARN whose account is not known yet."""

    def key(step: Step) -> tuple[str, str, str, str]:
        body = json.dumps(_plain(step.request), sort_keys=True, default=str)
        return step.service, step.operation, step.region, _ACCOUNT_IN_ARN.sub(r"\1<account>\2", body)

    return key(a) == key(b)


@dataclass(frozen=True, slots=True)
class Blocked:
    """A change the operator will not make; `reason` is a status Reason (e.g. ReplacementRequired)."""

    reason: str
    field: str
    message: str
    stops_all: bool = False  # True: the spec describes another table; no step is taken at all


@dataclass(frozen=True, slots=True)
class Drift:
    field: str
    desired: str
    live: str


@dataclass
class SurfacePlan:
    """What one part of the surface beyond the table (auto scaling, alarms, ...) plans: `first` runs before the
    table's own steps (deregistering before a switch to on-demand, write auto scaling before a replica), `steps`
    after them. `attached`: the parts this resource has put in place, for the next status (see Plan.attached)."""

    first: list[Step] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    attached: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Plan:
    steps: list[Step] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    # deletion only (plan_delete): the table is deliberately left as it is, and why
    kept: str | None = None
    # The parts beyond the table this resource manages (the spec has them) or has put in place and not yet
    # removed (the previous record has them and they are still live), e.g. "autoScaling:table:read",
    # "alarm:orders-read-throttles": recorded in status.attached, so that a part removed from the spec is
    # removed from AWS, and a part this resource never put in place is never touched. None: keep the record.
    attached: tuple[str, ...] | None = None

    @property
    def converged(self) -> bool:
        """Nothing to do, nothing to wait for (blocked items may remain)."""
        return not self.steps and not self.waiting

    def descriptions(self) -> list[str]:
        return [s.description for s in self.steps]
