"""The table's surface through kopf [A19, A23]: auto scaling and an alarm put in place and recorded in
status.attached, removed when the spec drops them, and capacity auto scaling moved within min..max is neither
drift nor a step."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from operator_harness import REGION, TEST_CLIENT_CONFIG, Harness, eventually, fast_settings, table_spec

# The operator's clock is the event loop's; looptime makes it the test's (waits and intervals run in loop time).
pytestmark = pytest.mark.looptime

READ = {"minCapacity": 5, "maxCapacity": 100, "targetUtilization": 70}
WRITE = {"minCapacity": 2, "maxCapacity": 20, "targetUtilization": 50}
ALARM = {
    "name": "read-throttles",
    "metric": "ReadThrottleEvents",
    "statistic": "Sum",
    "period": 60,
    "evaluationPeriods": 5,
    "comparisonOperator": "GreaterThanThreshold",
    "threshold": 0,
}
SURFACE_WRITES = ("RegisterScalableTarget", "PutScalingPolicy", "PutMetricAlarm")
TARGETS = ["dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits"]


def client(h: Harness, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=h.endpoint.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=TEST_CLIENT_CONFIG,
    )


def targets(h: Harness, table: str) -> list[str]:
    found = client(h, "application-autoscaling").describe_scalable_targets(ServiceNamespace="dynamodb")
    return sorted(t["ScalableDimension"] for t in found["ScalableTargets"] if t["ResourceId"] == f"table/{table}")


def alarms(h: Harness, table: str) -> list[str]:
    found = client(h, "cloudwatch").describe_alarms(AlarmNamePrefix=f"{table}-", AlarmTypes=["MetricAlarm"])
    return sorted(a["AlarmName"] for a in found["MetricAlarms"])


def spec(table: str, **extra: Any) -> dict[str, Any]:
    return table_spec(
        tableName=table,
        billingMode="PROVISIONED",
        readCapacity=5,
        writeCapacity=5,
        autoScaling={"read": READ, "write": WRITE},
        alarms=[ALARM],
        **extra,
    )


def sample(h: Harness, name: str, **labels: str) -> float:
    assert h.operator is not None
    return h.operator.metrics.registry.get_sample_value(name, labels) or 0.0


async def test_a19_a23_surface_attached_recorded_and_removed_with_the_spec(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-orders"
    await h.create("orders", spec(table))
    await eventually(lambda: h.ready("orders"))
    assert h.status("orders")["attached"] == [
        f"alarm:{table}-read-throttles",
        "autoScaling:table:read",
        "autoScaling:table:write",
    ]
    assert targets(h, table) == TARGETS
    assert alarms(h, table) == [f"{table}-read-throttles"]

    await h.patch("orders", {"spec": {"autoScaling": None, "alarms": None}})
    await eventually(lambda: h.obj("orders")["metadata"]["generation"] == 2 and h.ready("orders"))
    await eventually(lambda: not h.status("orders").get("attached"))
    assert targets(h, table) == []
    assert alarms(h, table) == []
    assert sample(h, "dynamotable_aws_calls_total", operation="DeregisterScalableTarget", outcome="ok") == 2
    assert sample(h, "dynamotable_aws_calls_total", operation="DeleteAlarms", outcome="ok") == 1


async def test_a19_capacity_moved_within_min_max_is_not_drift(harness: Harness) -> None:
    h = harness
    await h.start(fast_settings(h.endpoint, drift_interval=0.3))
    table = f"{h.namespace}-scaled"
    await h.create("scaled", spec(table))
    await eventually(lambda: h.ready("scaled"))
    assert targets(h, table) == TARGETS

    # auto scaling (here: the test) moves the capacity within min..max
    h.ddb().update_table(TableName=table, ProvisionedThroughput={"ReadCapacityUnits": 40, "WriteCapacityUnits": 7})
    await eventually(lambda: (h.describe(table) or {}).get("TableStatus") == "ACTIVE")
    mutations = len(h.aws(table, mutating=True))
    checks = sample(h, "dynamotable_reconciles_total", trigger="drift", result="Synced")
    described = sample(h, "dynamotable_aws_calls_total", operation="DescribeScalableTargets", outcome="ok")
    puts = {op: sample(h, "dynamotable_aws_calls_total", operation=op, outcome="ok") for op in SURFACE_WRITES}
    assert puts == {"RegisterScalableTarget": 2, "PutScalingPolicy": 2, "PutMetricAlarm": 1}

    await eventually(
        lambda: sample(h, "dynamotable_reconciles_total", trigger="drift", result="Synced") >= checks + 2, timeout=10
    )
    # drift checks ran and read the scaling targets: no drift, no step, the capacity left where it was
    assert sample(h, "dynamotable_aws_calls_total", operation="DescribeScalableTargets", outcome="ok") > described
    assert "DriftDetected" not in h.reasons("scaled")
    assert sample(h, "dynamotable_drift_detected_total") == 0
    assert len(h.aws(table, mutating=True)) == mutations
    assert {op: sample(h, "dynamotable_aws_calls_total", operation=op, outcome="ok") for op in SURFACE_WRITES} == puts
    throughput = (h.describe(table) or {})["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (40, 7)
    assert h.status("scaled").get("drift", []) == []
    assert h.ready("scaled")


async def test_a19_a23_deleting_the_resource_removes_the_surface_with_the_table(harness: Harness) -> None:
    """deletionPolicy Delete: the finalizer's passes deregister the targets and delete the alarm, then the table;
    with Retain they stay with the table (only the ownership tag goes)."""
    h = harness
    await h.start()
    gone, kept = f"{h.namespace}-gone", f"{h.namespace}-kept"
    await h.create("gone", spec(gone, deletionPolicy="Delete"))
    await h.create("kept", spec(kept, deletionPolicy="Retain"))
    await eventually(lambda: h.ready("gone") and h.ready("kept"), timeout=15)
    assert targets(h, gone) == TARGETS and targets(h, kept) == TARGETS

    await h.delete("gone")
    await h.delete("kept")
    await eventually(lambda: not h.exists("gone") and not h.exists("kept"), timeout=15)
    assert h.describe(gone) is None
    assert targets(h, gone) == []
    assert alarms(h, gone) == []
    assert h.describe(kept) is not None
    assert targets(h, kept) == TARGETS
    assert alarms(h, kept) == [f"{kept}-read-throttles"]
