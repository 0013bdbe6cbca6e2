"""Planning auto scaling (Application Auto Scaling scalable targets and target-tracking policies). Pure: no I/O."""

from __future__ import annotations

from dynamotable.api import spec as s
from dynamotable.engine.model import ObservedTable, SurfacePlan


def plan_scaling(manifest: s.DynamoTable, live: ObservedTable, previous: frozenset[str]) -> SurfacePlan:
    """The steps that take the live scaling to the spec; `previous`: status.attached of the last pass."""
    return SurfacePlan()
