"""The table's surface beyond DescribeTable (auto scaling, contributor insights, the resource policy, the
Kinesis streaming destination, alarms): each part plans on its own, and this module puts their plans together.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.engine.model import ObservedTable, SurfacePlan
from dynamotable.engine.plan_alarms import plan_alarms
from dynamotable.engine.plan_insights import plan_insights
from dynamotable.engine.plan_kinesis import plan_kinesis
from dynamotable.engine.plan_policy import plan_policy
from dynamotable.engine.plan_scaling import plan_scaling

PLANNERS = (plan_scaling, plan_insights, plan_policy, plan_kinesis, plan_alarms)


def previous_attached(manifest: s.DynamoTable) -> frozenset[str]:
    """status.attached of the manifest as stored (what this resource put in place, see Plan.attached)."""
    status: Mapping[str, Any] = manifest.status or {}
    attached = status.get("attached")
    if not isinstance(attached, list):
        return frozenset()
    return frozenset(a for a in attached if isinstance(a, str))


def plan_surface(manifest: s.DynamoTable, live: ObservedTable) -> SurfacePlan:
    previous = previous_attached(manifest)
    out = SurfacePlan()
    for planner in PLANNERS:
        part = planner(manifest, live, previous)
        out.first += part.first
        out.steps += part.steps
        out.waiting += part.waiting
        out.drift += part.drift
        out.blocked += part.blocked
        out.attached |= part.attached
    return out
