"""Reading auto scaling (Application Auto Scaling scalable targets and target-tracking policies) from AWS.

DescribeScalableTargets for the table and the GSIs the spec auto scales or status.attached records (all
pages), then DescribeScalingPolicies per resource that has a target. Nothing at all when neither the spec nor
the record has auto scaling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.api.autoscaling import NAMESPACE
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.observe_calls import call
from dynamotable.engine.plan_scaling import normalize_scaling, observed_resource_ids

# DescribeScalableTargets takes at most 50 ResourceIds per call [A19] (botocore service model); a table has at most
# 20 GSIs plus itself
_IDS_PER_CALL = 50


def _pages(client: Any, operation: str, region: str, request: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = call(client, operation, region, {**request, **({"NextToken": token} if token else {})})
        items.extend(page.get(key) or [])
        token = page.get("NextToken")
        if not token:
            return items


def observe_scaling(
    factory: ClientFactory, manifest: s.DynamoTable, table: Mapping[str, Any], region: str, previous: frozenset[str]
) -> dict[str, Any]:
    """ObservedTable fields of the scaling (none when the spec does not manage it and `previous` records none)."""
    ids = observed_resource_ids(manifest, previous)
    if not ids:
        return {}
    autoscaling = factory.client("application-autoscaling", region)
    targets: list[dict[str, Any]] = []
    for start in range(0, len(ids), _IDS_PER_CALL):
        request = {"ServiceNamespace": NAMESPACE, "ResourceIds": ids[start : start + _IDS_PER_CALL]}
        targets += _pages(autoscaling, "DescribeScalableTargets", region, request, "ScalableTargets")
    policies: list[dict[str, Any]] = []
    for resource_id in sorted({str(t.get("ResourceId")) for t in targets}):
        request = {"ServiceNamespace": NAMESPACE, "ResourceId": resource_id}
        policies += _pages(autoscaling, "DescribeScalingPolicies", region, request, "ScalingPolicies")
    return {"scaling": normalize_scaling(targets, policies)}
