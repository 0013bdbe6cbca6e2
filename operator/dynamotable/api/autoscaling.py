"""What a spec's auto scaling is on Application Auto Scaling [A19]: one scalable target per auto-scaled dimension
(table or GSI x read or write) and this operator's target-tracking policy on it, named for the dimension. Shared by
the planner (engine/plan_scaling.py) and the Terraform renderer (terraform/render_scaling.py). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dynamotable.api import spec as s

NAMESPACE = "dynamodb"
PREFIX = "autoScaling:"
Direction = Literal["read", "write"]
DIRECTIONS: tuple[Direction, ...] = ("read", "write")
_UNITS = {"read": "ReadCapacityUnits", "write": "WriteCapacityUnits"}
_METRIC = {"read": "DynamoDBReadCapacityUtilization", "write": "DynamoDBWriteCapacityUtilization"}


def policy_name(direction: Direction) -> str:
    """This operator's target-tracking policy on a dimension: the name tells it from policies of others."""
    return f"dynamotable-{direction}-target-tracking"


@dataclass(frozen=True, slots=True)
class Dimension:
    """One capacity dimension of the table (index None) or of a GSI."""

    table: str
    index: str | None
    direction: Direction

    @property
    def resource_id(self) -> str:
        return f"table/{self.table}" + (f"/index/{self.index}" if self.index else "")

    @property
    def scalable_dimension(self) -> str:
        return f"dynamodb:{'index' if self.index else 'table'}:{_UNITS[self.direction]}"

    @property
    def attached(self) -> str:
        """The status.attached entry of the dimension."""
        return f"{PREFIX}{'index/' + self.index if self.index else 'table'}:{self.direction}"

    @property
    def field(self) -> str:
        """The spec path of the dimension's auto scaling (for drift)."""
        base = f"globalSecondaryIndexes[{self.index}]." if self.index else ""
        return f"{base}autoScaling.{self.direction}"

    @property
    def label(self) -> str:
        return f"{self.direction} auto scaling of " + (
            f"GSI {self.index} of table {self.table}" if self.index else f"table {self.table}"
        )

    @property
    def key(self) -> tuple[str, str]:
        return self.resource_id, self.scalable_dimension


def parse_attached(table: str, entry: str) -> Dimension | None:
    """The dimension an `autoScaling:` status.attached entry names; None for other entries."""
    if not entry.startswith(PREFIX):
        return None
    scope, _, direction = entry[len(PREFIX) :].rpartition(":")
    if direction not in DIRECTIONS:
        return None
    if scope == "table":
        return Dimension(table, None, direction)
    if scope.startswith("index/") and len(scope) > len("index/"):
        return Dimension(table, scope[len("index/") :], direction)
    return None


def target_of(scaling: s.AutoScaling | None, direction: Direction) -> s.TargetTracking | None:
    if scaling is None:
        return None
    return scaling.read if direction == "read" else scaling.write


def desired_dimensions(manifest: s.DynamoTable) -> dict[Dimension, s.TargetTracking]:
    """Every dimension the spec auto scales, with its settings."""
    spec = manifest.spec
    out: dict[Dimension, s.TargetTracking] = {}
    scopes: list[tuple[str | None, s.AutoScaling | None]] = [(None, spec.auto_scaling)]
    scopes += [(g.name, g.auto_scaling) for g in spec.global_secondary_indexes]
    for index, scaling in scopes:
        for direction in DIRECTIONS:
            target = target_of(scaling, direction)
            if target is not None:
                out[Dimension(manifest.table_name, index, direction)] = target
    return out


def policy_configuration(dim: Dimension, want: s.TargetTracking) -> dict[str, Any]:
    """TargetTrackingScalingPolicyConfiguration; the cooldowns are always sent (AWS's default is 0) so that a
    cooldown someone changed by hand is put back too."""
    return {
        "TargetValue": float(want.target_utilization),
        "PredefinedMetricSpecification": {"PredefinedMetricType": _METRIC[dim.direction]},
        "ScaleInCooldown": want.scale_in_cooldown or 0,
        "ScaleOutCooldown": want.scale_out_cooldown or 0,
    }
