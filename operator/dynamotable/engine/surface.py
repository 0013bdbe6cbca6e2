"""The table's surface beyond DescribeTable (auto scaling, contributor insights, the resource policy, the
Kinesis streaming destination, alarms): each part plans on its own, and this module puts their plans together.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.engine.model import DYNAMODB, ObservedTable, Step, SurfacePlan
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


def without_surface(manifest: s.DynamoTable) -> s.DynamoTable:
    """The manifest with no part of the surface in its spec (the status, and so the attached record, kept)."""
    spec = manifest.spec
    gsis = [
        g.model_copy(update={"auto_scaling": None, "contributor_insights": None}) for g in spec.global_secondary_indexes
    ]
    bare = spec.model_copy(
        update={
            "auto_scaling": None,
            "contributor_insights": None,
            "resource_policy": None,
            "kinesis_streaming_destination": None,
            "alarms": None,
            "global_secondary_indexes": gsis,
        }
    )
    return manifest.model_copy(update={"spec": bare})


def removals_before_delete(manifest: s.DynamoTable, live: ObservedTable) -> list[Step]:
    """What deleting the table (deletionPolicy Delete) must remove besides it: the parts this resource put in
    place outside DynamoDB (auto scaling targets, alarms), which would outlive the table. The parts DynamoDB
    keeps with the table (resource policy, contributor insights, the Kinesis destination) go with it."""
    plan = plan_surface(without_surface(manifest), live)
    return [step for step in plan.first + plan.steps if step.service != DYNAMODB]
