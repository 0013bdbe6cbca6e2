"""Planning auto scaling (Application Auto Scaling scalable targets and target-tracking policies). Pure: no I/O.

One scalable target per auto-scaled dimension (table or GSI x read or write) with the spec's min..max, and on it
one target-tracking policy of this operator's, named for the dimension, on DynamoDB's predefined utilization
metric [A19]. A dimension the spec no longer scales but status.attached records is deregistered, which also
deletes its policies on AWS [A19]; a target that carries other policies than ours keeps them: then only our
policy is deleted. Removals go first (before a switch to PAY_PER_REQUEST, and before the table's capacity is
set again by the spec); so does write auto scaling when replicas are to be added (A13).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.api.autoscaling import (
    NAMESPACE,
    Dimension,
    Direction,
    desired_dimensions,
    parse_attached,
    policy_configuration,
    policy_name,
    target_of,
)
from dynamotable.engine.model import ACTIVE, AUTOSCALING, Drift, ObservedScalingTarget, ObservedTable, Step, SurfacePlan


def is_auto_scaled(spec: s.DynamoTableSpec, index: str | None, direction: Direction) -> bool:
    """Whether auto scaling owns a dimension: its capacity in the spec is then only the value at creation, and
    the live capacity (which auto scaling moves within min..max) is never compared with it."""
    if spec.billing_mode != s.BillingMode.PROVISIONED:
        return False
    if index is None:
        return target_of(spec.auto_scaling, direction) is not None
    gsi = next((g for g in spec.global_secondary_indexes if g.name == index), None)
    return gsi is not None and target_of(gsi.auto_scaling, direction) is not None


def observed_resource_ids(manifest: s.DynamoTable, previous: frozenset[str]) -> list[str]:
    """The ResourceIds to read: those the spec auto scales or status.attached records. Empty: read nothing."""
    dims = set(desired_dimensions(manifest))
    dims |= {d for d in (parse_attached(manifest.table_name, e) for e in previous) if d is not None}
    return sorted({d.resource_id for d in dims})


# ------------------------------------------------------------------------------------------ normalize


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def normalize_scaling(
    targets: Iterable[Mapping[str, Any]], policies: Iterable[Mapping[str, Any]]
) -> tuple[ObservedScalingTarget, ...]:
    """DescribeScalableTargets' ScalableTargets and DescribeScalingPolicies' ScalingPolicies as the planner
    compares them: our policy's settings on the target, the names of the other policies."""
    by_key: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for policy in policies:
        by_key.setdefault((str(policy.get("ResourceId")), str(policy.get("ScalableDimension"))), []).append(policy)
    out = []
    for target in targets:
        rid, dim = str(target.get("ResourceId")), str(target.get("ScalableDimension"))
        direction: Direction = "read" if dim.endswith("ReadCapacityUnits") else "write"
        ours = policy_name(direction)
        mine = None
        others = []
        for policy in by_key.get((rid, dim), []):
            if policy.get("PolicyName") == ours:
                mine = policy
            else:
                others.append(str(policy.get("PolicyName")))
        config: Mapping[str, Any] = (mine or {}).get("TargetTrackingScalingPolicyConfiguration") or {}
        value = config.get("TargetValue")
        out.append(
            ObservedScalingTarget(
                resource_id=rid,
                dimension=dim,
                min_capacity=int(target.get("MinCapacity") or 0),
                max_capacity=int(target.get("MaxCapacity") or 0),
                policy_name=ours if mine is not None else None,
                target_value=float(value) if isinstance(value, int | float) else None,
                scale_in_cooldown=_int(config.get("ScaleInCooldown")),
                scale_out_cooldown=_int(config.get("ScaleOutCooldown")),
                metric=str((config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType") or "")
                or None,
                policy_type=str(mine.get("PolicyType")) if mine is not None else None,
                other_policies=tuple(sorted(others)),
            )
        )
    return tuple(sorted(out, key=lambda t: (t.resource_id, t.dimension)))


# ------------------------------------------------------------------------------------------- requests


def register_request(dim: Dimension, want: s.TargetTracking) -> dict[str, Any]:
    return {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": dim.resource_id,
        "ScalableDimension": dim.scalable_dimension,
        "MinCapacity": want.min_capacity,
        "MaxCapacity": want.max_capacity,
    }


def policy_request(dim: Dimension, want: s.TargetTracking) -> dict[str, Any]:
    return {
        "PolicyName": policy_name(dim.direction),
        "ServiceNamespace": NAMESPACE,
        "ResourceId": dim.resource_id,
        "ScalableDimension": dim.scalable_dimension,
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": policy_configuration(dim, want),
    }


def _target_key(dim: Dimension) -> dict[str, str]:
    return {"ServiceNamespace": NAMESPACE, "ResourceId": dim.resource_id, "ScalableDimension": dim.scalable_dimension}


def _pct(value: float | None) -> str:
    return "absent" if value is None else f"{value:g}%"


# ---------------------------------------------------------------------------------------------- plan


def plan_scaling(manifest: s.DynamoTable, live: ObservedTable, previous: frozenset[str]) -> SurfacePlan:
    """The steps that take the live scaling to the spec; `previous`: status.attached of the last pass."""
    want = desired_dimensions(manifest)
    recorded = {d for d in (parse_attached(manifest.table_name, e) for e in previous) if d is not None}
    out = SurfacePlan(attached={d.attached for d in want})
    if live.scaling is None:
        # not read (the table is not ACTIVE: nothing is planned now); keep what the last pass recorded
        out.attached |= {d.attached for d in recorded}
        return out
    have = {(t.resource_id, t.dimension): t for t in live.scaling}
    region = live.region

    def step(operation: str, request: dict[str, Any], description: str) -> Step:
        return Step(operation, region, request, description, transitions=False, service=AUTOSCALING)

    # removal: recorded by an earlier pass, no longer in the spec, still live
    for dim in sorted(recorded - set(want), key=lambda d: d.attached):
        target = have.get(dim.key)
        if target is None:
            continue  # removal seen done: the entry is dropped
        if target.other_policies:
            if target.policy_name is None:
                continue  # ours is gone; the target stays for the policies of others
            out.attached.add(dim.attached)
            out.first.append(
                step(
                    "DeleteScalingPolicy",
                    {"PolicyName": target.policy_name, **_target_key(dim)},
                    f"delete the target-tracking policy of the {dim.label} (the scalable target stays registered: "
                    f"policies {', '.join(target.other_policies)} of others use it)",
                )
            )
            continue
        out.attached.add(dim.attached)
        # [A19] deregistering a scalable target deletes its scaling policies (and their alarms)
        out.first.append(
            step(
                "DeregisterScalableTarget",
                _target_key(dim),
                f"deregister the {dim.label} (its policies go with it; the capacity stays where auto scaling "
                "left it, and the spec sets it from now on)",
            )
        )

    adding_replicas = bool(manifest.spec.replicas) and any(
        live.replica(r.region) is None for r in manifest.spec.replicas or []
    )
    for dim, target_spec in sorted(want.items(), key=lambda kv: kv[0].attached):
        if dim.index is not None:
            gsi = live.gsi(dim.index)
            if gsi is None or gsi.status != ACTIVE:
                continue  # [A19] a GSI's target only once the index exists: the pass after its creation
        current = have.get(dim.key)
        # rule: replicas of a PROVISIONED table need write auto scaling in place before they are added (A13)
        bucket = out.first if adding_replicas and dim.direction == "write" else out.steps
        target_range = f"{target_spec.min_capacity}-{target_spec.max_capacity}"
        if current is None or (current.min_capacity, current.max_capacity) != (
            target_spec.min_capacity,
            target_spec.max_capacity,
        ):
            if current is None:
                out.drift.append(Drift(dim.field, "registered", "absent"))
                description = f"register the {dim.label}: {target_range}"
            else:
                out.drift.append(
                    Drift(
                        f"{dim.field}.minCapacity..maxCapacity",
                        target_range,
                        f"{current.min_capacity}-{current.max_capacity}",
                    )
                )
                description = (
                    f"change the range of the {dim.label} from {current.min_capacity}-{current.max_capacity} "
                    f"to {target_range}"
                )
            bucket.append(step("RegisterScalableTarget", register_request(dim, target_spec), description))
        config = policy_configuration(dim, target_spec)
        live_config = (
            None
            if current is None or current.policy_name is None
            else {
                "TargetValue": current.target_value,
                "PredefinedMetricSpecification": {"PredefinedMetricType": current.metric},
                "ScaleInCooldown": current.scale_in_cooldown or 0,
                "ScaleOutCooldown": current.scale_out_cooldown or 0,
            }
        )
        if live_config != config or (current is not None and current.policy_type != "TargetTrackingScaling"):
            target_text = f"target {_pct(config['TargetValue'])}"
            if current is not None and live_config is not None:
                out.drift += _policy_drift(dim, config, live_config, current.policy_type)
                description = f"update the target-tracking policy of the {dim.label}: {_policy_text(config)}"
            else:
                if current is not None:
                    out.drift.append(Drift(f"{dim.field}.policy", policy_name(dim.direction), "absent"))
                description = f"put the target-tracking policy of the {dim.label}: {target_text}" + (_cooldowns(config))
            bucket.append(step("PutScalingPolicy", policy_request(dim, target_spec), description))
        if current is not None and current.other_policies:
            # left alone (they are not this resource's); shown in status.drift so that the fight over the
            # capacity is visible
            out.drift.append(Drift(f"{dim.field}.otherPolicies", "none", ", ".join(current.other_policies)))
    return out


def _policy_drift(
    dim: Dimension, config: Mapping[str, Any], live: Mapping[str, Any], policy_type: str | None
) -> list[Drift]:
    """One Drift per setting of our policy that differs from the spec."""
    out = []
    if live["TargetValue"] != config["TargetValue"]:
        out.append(Drift(f"{dim.field}.targetUtilization", _pct(config["TargetValue"]), _pct(live["TargetValue"])))
    for key, field in (("ScaleInCooldown", "scaleInCooldown"), ("ScaleOutCooldown", "scaleOutCooldown")):
        if live[key] != config[key]:
            out.append(Drift(f"{dim.field}.{field}", f"{config[key]}s", f"{live[key]}s"))
    metric = config["PredefinedMetricSpecification"]["PredefinedMetricType"]
    live_metric = live["PredefinedMetricSpecification"]["PredefinedMetricType"]
    if live_metric != metric or policy_type != "TargetTrackingScaling":
        out.append(
            Drift(f"{dim.field}.policy", f"TargetTrackingScaling on {metric}", f"{policy_type} on {live_metric}")
        )
    return out


def _cooldowns(config: Mapping[str, Any]) -> str:
    if not config["ScaleInCooldown"] and not config["ScaleOutCooldown"]:
        return ""
    return f", cooldowns in {config['ScaleInCooldown']}s / out {config['ScaleOutCooldown']}s"


def _policy_text(config: Mapping[str, Any]) -> str:
    return f"target {_pct(config['TargetValue'])}" + (
        f", cooldowns in {config['ScaleInCooldown']}s / out {config['ScaleOutCooldown']}s"
    )
