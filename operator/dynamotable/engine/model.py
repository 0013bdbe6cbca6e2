"""Values the engine passes between observe, plan, execute and reconcile. Frozen, no I/O.

`ObservedTable` is the live table after normalization: AWS's defaults and spellings are resolved (missing
BillingModeSummary = PROVISIONED, 0/0 capacity under on-demand = not applicable, ENABLING = enabled...), so
the planner compares like with like. Fields read only when the spec manages them are `None` when not read.
"""

from __future__ import annotations

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
    name: str
    hash_key: str
    range_key: str | None
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
    ttl: ObservedTtl | None = None
    pitr: ObservedPitr | None = None
    tags: Mapping[str, str] = field(default_factory=dict)  # without aws: tags; includes ours
    table_id: str | None = None  # unique per table: a table deleted and created again under the name gets another

    def gsi(self, name: str) -> ObservedGsi | None:
        return next((g for g in self.gsis if g.name == name), None)

    def replica(self, region: str) -> ObservedReplica | None:
        return next((r for r in self.replicas if r.region == region), None)

    @property
    def account_id(self) -> str | None:
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 5 else None


# ---------------------------------------------------------------------------------------------- plans


def is_mutating(operation: str) -> bool:
    """Whether an AWS operation changes something (every read the engine makes is a Describe or a List)."""
    return not operation.startswith(("Describe", "List"))


@dataclass(frozen=True)
class Step:
    """Exactly one AWS call: `request` is passed to the boto3 method as keyword arguments."""

    operation: str
    region: str
    request: Mapping[str, Any]
    description: str
    transitions: bool = True  # whether the table (or a part of it) goes busy after the call

    @property
    def mutating(self) -> bool:
        return is_mutating(self.operation)


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


@dataclass(frozen=True)
class Plan:
    steps: list[Step] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    # deletion only (plan_delete): the table is deliberately left as it is, and why
    kept: str | None = None

    @property
    def converged(self) -> bool:
        """Nothing to do, nothing to wait for (blocked items may remain)."""
        return not self.steps and not self.waiting

    def descriptions(self) -> list[str]:
        return [s.description for s in self.steps]
