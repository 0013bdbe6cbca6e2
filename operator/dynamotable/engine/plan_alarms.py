"""Planning the CloudWatch alarms of the table. Pure: no I/O."""

from __future__ import annotations

from dynamotable.api import spec as s
from dynamotable.engine.model import ObservedTable, SurfacePlan


def plan_alarms(manifest: s.DynamoTable, live: ObservedTable, previous: frozenset[str]) -> SurfacePlan:
    """The steps that take the live alarms to the spec; `previous`: status.attached of the last pass."""
    return SurfacePlan()
