"""Planning the table's resource-based policy. Pure: no I/O."""

from __future__ import annotations

from dynamotable.api import spec as s
from dynamotable.engine.model import ObservedTable, SurfacePlan


def plan_policy(manifest: s.DynamoTable, live: ObservedTable, previous: frozenset[str]) -> SurfacePlan:
    """The steps that take the live policy to the spec; `previous`: status.attached of the last pass."""
    return SurfacePlan()
