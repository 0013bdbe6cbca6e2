"""Auto scaling in the planner [A19]: spec x live scaling -> exact steps, the attached record, and the capacity
auto scaling owns never compared. Pure: no AWS."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dynamotable.api.autoscaling import Dimension, parse_attached
from dynamotable.api.validation import OWNER_TAG, parse_manifest
from dynamotable.engine.model import (
    AUTOSCALING,
    ObservedGsi,
    ObservedReplica,
    ObservedScalingTarget,
    ObservedTable,
)
from dynamotable.engine.plan import plan
from dynamotable.engine.plan_scaling import is_auto_scaled, normalize_scaling, observed_resource_ids, plan_scaling

REGION = "us-east-1"
OWNER = "shop/orders"
ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
READ = {"minCapacity": 5, "maxCapacity": 100, "targetUtilization": 70}
WRITE = {"minCapacity": 2, "maxCapacity": 20, "targetUtilization": 50, "scaleInCooldown": 60, "scaleOutCooldown": 30}
TABLE_READ = ("table/orders", "dynamodb:table:ReadCapacityUnits")
TABLE_WRITE = ("table/orders", "dynamodb:table:WriteCapacityUnits")
GSI_WRITE = ("table/orders/index/by-cat", "dynamodb:index:WriteCapacityUnits")


def manifest(status: dict[str, Any] | None = None, gsi_scaling: dict[str, Any] | None = None, **spec: Any) -> Any:
    base: dict[str, Any] = {
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}, {"name": "cat", "type": "S"}],
        "billingMode": "PROVISIONED",
        "readCapacity": 5,
        "writeCapacity": 5,
        "globalSecondaryIndexes": [
            {
                "name": "by-cat",
                "hashKey": "cat",
                "readCapacity": 5,
                "writeCapacity": 5,
                **({"autoScaling": gsi_scaling} if gsi_scaling else {}),
            }
        ],
    }
    base.update(spec)
    doc: dict[str, Any] = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": {k: v for k, v in base.items() if v is not None},
    }
    if status is not None:
        doc["status"] = status
    return parse_manifest(doc, default_region=REGION)


def live(scaling: tuple[ObservedScalingTarget, ...] | None = (), **kw: Any) -> ObservedTable:
    base = ObservedTable(
        name="orders",
        region=REGION,
        arn=ARN,
        status="ACTIVE",
        hash_key="id",
        range_key=None,
        attribute_types={"id": "S", "cat": "S"},
        billing_mode="PROVISIONED",
        read_capacity=5,
        write_capacity=5,
        gsis=(ObservedGsi("by-cat", ("cat",), (), "ALL", frozenset(), "ACTIVE", read_capacity=5, write_capacity=5),),
        tags={OWNER_TAG: OWNER},
        scaling=scaling,
    )
    return replace(base, **kw)


def ours(
    key: tuple[str, str], lo: int, hi: int, target: float | None = 70.0, *, cin: int = 0, cout: int = 0, **kw: Any
) -> ObservedScalingTarget:
    direction = "read" if key[1].endswith("ReadCapacityUnits") else "write"
    metric = f"DynamoDB{direction.capitalize()}CapacityUtilization"
    if target is None:
        return ObservedScalingTarget(key[0], key[1], lo, hi, **kw)
    return ObservedScalingTarget(
        key[0],
        key[1],
        lo,
        hi,
        policy_name=f"dynamotable-{direction}-target-tracking",
        target_value=target,
        scale_in_cooldown=cin,
        scale_out_cooldown=cout,
        metric=metric,
        policy_type="TargetTrackingScaling",
        **kw,
    )


def calls(p: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [(s.service, s.operation, dict(s.request)) for s in p.steps]


def test_a19_registers_a_target_and_a_policy_per_dimension() -> None:
    m = manifest(autoScaling={"read": READ})
    p = plan(m, live(), region=REGION, owner=OWNER)
    assert calls(p) == [
        (
            AUTOSCALING,
            "RegisterScalableTarget",
            {
                "ServiceNamespace": "dynamodb",
                "ResourceId": "table/orders",
                "ScalableDimension": "dynamodb:table:ReadCapacityUnits",
                "MinCapacity": 5,
                "MaxCapacity": 100,
            },
        ),
        (
            AUTOSCALING,
            "PutScalingPolicy",
            {
                "PolicyName": "dynamotable-read-target-tracking",
                "ServiceNamespace": "dynamodb",
                "ResourceId": "table/orders",
                "ScalableDimension": "dynamodb:table:ReadCapacityUnits",
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue": 70.0,
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBReadCapacityUtilization"},
                    "ScaleInCooldown": 0,
                    "ScaleOutCooldown": 0,
                },
            },
        ),
    ]
    assert [s.description for s in p.steps] == [
        "register the read auto scaling of table orders: 5-100",
        "put the target-tracking policy of the read auto scaling of table orders: target 70%",
    ]
    assert all(not s.transitions for s in p.steps)
    assert p.attached == ("autoScaling:table:read",)


def test_a19_converged_scaling_plans_nothing() -> None:
    m = manifest(autoScaling={"read": READ, "write": WRITE}, gsi_scaling={"write": WRITE})
    scaling = (
        ours(TABLE_READ, 5, 100),
        ours(TABLE_WRITE, 2, 20, 50.0, cin=60, cout=30),
        ours(GSI_WRITE, 2, 20, 50.0, cin=60, cout=30),
    )
    p = plan(m, live(scaling), region=REGION, owner=OWNER)
    assert p.steps == [] and p.drift == []
    assert p.attached == ("autoScaling:index/by-cat:write", "autoScaling:table:read", "autoScaling:table:write")


def test_a19_auto_scaled_capacity_is_not_compared() -> None:
    """Auto scaling moved the table to 40/9 and the GSI's writes to 17: no step, no drift; the GSI's reads, not
    auto scaled, are still the spec's (the control that proves the capacity was looked at)."""
    m = manifest(autoScaling={"read": READ, "write": WRITE}, gsi_scaling={"write": WRITE})
    scaling = (
        ours(TABLE_READ, 5, 100),
        ours(TABLE_WRITE, 2, 20, 50.0, cin=60, cout=30),
        ours(GSI_WRITE, 2, 20, 50.0, cin=60, cout=30),
    )
    moved = live(scaling, read_capacity=40, write_capacity=9)
    moved = replace(moved, gsis=(replace(moved.gsis[0], write_capacity=17),))
    p = plan(m, moved, region=REGION, owner=OWNER)
    assert p.steps == [] and p.drift == []
    also_reads = replace(moved, gsis=(replace(moved.gsis[0], read_capacity=8, write_capacity=17),))
    p = plan(m, also_reads, region=REGION, owner=OWNER)
    assert [s.request["GlobalSecondaryIndexUpdates"] for s in p.steps] == [
        [
            {
                "Update": {
                    "IndexName": "by-cat",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 17},
                }
            }
        ]
    ]
    assert [d.field for d in p.drift] == ["globalSecondaryIndexes[by-cat].readCapacity"]


def test_a19_is_auto_scaled_per_dimension() -> None:
    spec = manifest(autoScaling={"write": WRITE}, gsi_scaling={"read": READ}).spec
    assert is_auto_scaled(spec, None, "write") and not is_auto_scaled(spec, None, "read")
    assert is_auto_scaled(spec, "by-cat", "read") and not is_auto_scaled(spec, "by-cat", "write")
    assert not is_auto_scaled(spec, "missing", "read")


def test_a19_range_and_policy_drift_are_corrected() -> None:
    m = manifest(autoScaling={"write": WRITE})
    p = plan(m, live((ours(TABLE_WRITE, 1, 3, 80.0),)), region=REGION, owner=OWNER)
    assert [s.operation for s in p.steps] == ["RegisterScalableTarget", "PutScalingPolicy"]
    assert [(d.field, d.desired, d.live) for d in p.drift] == [
        ("autoScaling.write.minCapacity..maxCapacity", "2-20", "1-3"),
        ("autoScaling.write.targetUtilization", "50%", "80%"),
        ("autoScaling.write.scaleInCooldown", "60s", "0s"),
        ("autoScaling.write.scaleOutCooldown", "30s", "0s"),
    ]
    assert p.steps[1].description == (
        "update the target-tracking policy of the write auto scaling of table orders: target 50%, cooldowns in "
        "60s / out 30s"
    )
    assert p.steps[0].description == "change the range of the write auto scaling of table orders from 1-3 to 2-20"


def test_a19_a_policy_on_another_metric_is_drift() -> None:
    m = manifest(autoScaling={"read": READ})
    other = replace(ours(TABLE_READ, 5, 100), metric="DynamoDBWriteCapacityUtilization")
    p = plan(m, live((other,)), region=REGION, owner=OWNER)
    assert [s.operation for s in p.steps] == ["PutScalingPolicy"]
    assert [(d.field, d.desired, d.live) for d in p.drift] == [
        (
            "autoScaling.read.policy",
            "TargetTrackingScaling on DynamoDBReadCapacityUtilization",
            "TargetTrackingScaling on DynamoDBWriteCapacityUtilization",
        )
    ]


def test_a19_a_missing_policy_is_put_back_alone() -> None:
    m = manifest(autoScaling={"read": READ})
    p = plan(m, live((ours(TABLE_READ, 5, 100, target=None),)), region=REGION, owner=OWNER)
    assert [s.operation for s in p.steps] == ["PutScalingPolicy"]
    assert [(d.field, d.live) for d in p.drift] == [("autoScaling.read.policy", "absent")]


def test_a19_removed_dimension_is_deregistered_first_and_stays_attached_until_gone() -> None:
    m = manifest(status={"attached": ["autoScaling:table:read", "autoScaling:table:write"]}, autoScaling={"read": READ})
    p = plan(m, live((ours(TABLE_READ, 5, 100), ours(TABLE_WRITE, 2, 20))), region=REGION, owner=OWNER)
    assert calls(p) == [
        (
            AUTOSCALING,
            "DeregisterScalableTarget",
            {
                "ServiceNamespace": "dynamodb",
                "ResourceId": "table/orders",
                "ScalableDimension": "dynamodb:table:WriteCapacityUnits",
            },
        )
    ]
    assert p.attached == ("autoScaling:table:read", "autoScaling:table:write")
    # the spec's write capacity is its own again: compared, but only after the deregistration
    moved = live((ours(TABLE_READ, 5, 100), ours(TABLE_WRITE, 2, 20)), write_capacity=9)
    p = plan(m, moved, region=REGION, owner=OWNER)
    assert [s.operation for s in p.steps] == ["DeregisterScalableTarget", "UpdateTable"]
    gone = plan(m, live((ours(TABLE_READ, 5, 100),)), region=REGION, owner=OWNER)
    assert gone.steps == [] and gone.attached == ("autoScaling:table:read",)


def test_a19_a_target_never_recorded_is_never_touched() -> None:
    p = plan(manifest(), live((ours(TABLE_WRITE, 2, 20),)), region=REGION, owner=OWNER)
    assert p.steps == [] and p.attached == ()


def test_a19_switch_to_on_demand_deregisters_before_the_switch() -> None:
    m = manifest(
        status={"attached": ["autoScaling:index/by-cat:write", "autoScaling:table:read"]},
        billingMode="PAY_PER_REQUEST",
        readCapacity=None,
        writeCapacity=None,
        globalSecondaryIndexes=[{"name": "by-cat", "hashKey": "cat"}],
    )
    p = plan(m, live((ours(TABLE_READ, 5, 100), ours(GSI_WRITE, 2, 20))), region=REGION, owner=OWNER)
    assert [(s.operation, s.request.get("ResourceId"), s.request.get("BillingMode")) for s in p.steps] == [
        ("DeregisterScalableTarget", "table/orders/index/by-cat", None),
        ("DeregisterScalableTarget", "table/orders", None),
        ("UpdateTable", None, "PAY_PER_REQUEST"),
    ]


def test_a19_others_policies_are_left_alone() -> None:
    target = ours(TABLE_READ, 5, 100, other_policies=("someone-else",))
    p = plan(manifest(autoScaling={"read": READ}), live((target,)), region=REGION, owner=OWNER)
    assert p.steps == []
    assert [(d.field, d.live) for d in p.drift] == [("autoScaling.read.otherPolicies", "someone-else")]
    removed = manifest(status={"attached": ["autoScaling:table:read"]})
    p = plan(removed, live((target,)), region=REGION, owner=OWNER)
    assert calls(p) == [
        (
            AUTOSCALING,
            "DeleteScalingPolicy",
            {
                "PolicyName": "dynamotable-read-target-tracking",
                "ServiceNamespace": "dynamodb",
                "ResourceId": "table/orders",
                "ScalableDimension": "dynamodb:table:ReadCapacityUnits",
            },
        )
    ]
    theirs_only = ours(TABLE_READ, 5, 100, target=None, other_policies=("someone-else",))
    p = plan(removed, live((theirs_only,)), region=REGION, owner=OWNER)
    assert p.steps == [] and p.attached == ()


def test_a19_gsi_target_waits_for_the_index() -> None:
    m = manifest(gsi_scaling={"read": READ})
    creating = live()
    creating = replace(creating, gsis=(replace(creating.gsis[0], status="CREATING"),))
    out = plan_scaling(m, creating, frozenset())
    assert out.steps == [] and out.attached == {"autoScaling:index/by-cat:read"}
    out = plan_scaling(m, live(gsis=()), frozenset())
    assert out.steps == []


def test_a19_create_lists_the_registrations_after_the_table() -> None:
    m = manifest(autoScaling={"read": READ}, gsi_scaling={"write": WRITE})
    p = plan(m, None, region=REGION, owner=OWNER)
    assert [(s.operation, s.request.get("ResourceId")) for s in p.steps] == [
        ("CreateTable", None),
        ("RegisterScalableTarget", "table/orders/index/by-cat"),
        ("PutScalingPolicy", "table/orders/index/by-cat"),
        ("RegisterScalableTarget", "table/orders"),
        ("PutScalingPolicy", "table/orders"),
    ]
    assert p.attached == ("autoScaling:index/by-cat:write", "autoScaling:table:read")


def test_a19_write_scaling_goes_before_a_new_replica_a13() -> None:
    m = manifest(
        autoScaling={"write": WRITE},
        gsi_scaling={"write": WRITE},
        replicas=[{"region": "us-west-2"}],
    )
    p = plan(m, live(stream_enabled=True, stream_view_type="NEW_AND_OLD_IMAGES"), region=REGION, owner=OWNER)
    ops = [(s.operation, s.request.get("ResourceId") or s.request.get("ReplicaUpdates")) for s in p.steps]
    replica_at = next(i for i, (op, _) in enumerate(ops) if op == "UpdateTable")
    assert {op for op, _ in ops[:replica_at]} == {"RegisterScalableTarget", "PutScalingPolicy"}
    assert len(ops[:replica_at]) == 4
    with_replica = live(
        stream_enabled=True, stream_view_type="NEW_AND_OLD_IMAGES", replicas=(ObservedReplica("us-west-2", "ACTIVE"),)
    )
    p = plan(m, with_replica, region=REGION, owner=OWNER)
    assert all(s.service == AUTOSCALING for s in p.steps)


def test_a19_not_read_keeps_the_record() -> None:
    m = manifest(status={"attached": ["autoScaling:table:write"]}, autoScaling={"read": READ})
    out = plan_scaling(m, live(None), frozenset({"autoScaling:table:write"}))
    assert out.steps == [] and out.attached == {"autoScaling:table:read", "autoScaling:table:write"}


def test_a19_reads_only_what_the_spec_or_the_record_names() -> None:
    assert observed_resource_ids(manifest(), frozenset()) == []
    assert observed_resource_ids(manifest(), frozenset({"alarm:orders-x", "autoScaling:index/old:read"})) == [
        "table/orders/index/old"
    ]
    assert observed_resource_ids(manifest(gsi_scaling={"read": READ}), frozenset()) == ["table/orders/index/by-cat"]


def test_a19_attached_entries_round_trip() -> None:
    for dim in (Dimension("orders", None, "read"), Dimension("orders", "by.cat-1", "write")):
        assert parse_attached("orders", dim.attached) == dim
    for entry in ("autoScaling:table:both", "autoScaling:index/:read", "contributorInsights:table", "autoScaling:x"):
        assert parse_attached("orders", entry) is None


def test_a19_normalize_tells_our_policy_from_others() -> None:
    targets = [{"ResourceId": "table/orders", "ScalableDimension": TABLE_READ[1], "MinCapacity": 5, "MaxCapacity": 9}]
    policies = [
        {
            "PolicyName": "dynamotable-read-target-tracking",
            "ResourceId": "table/orders",
            "ScalableDimension": TABLE_READ[1],
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 70,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBReadCapacityUtilization"},
                "ScaleInCooldown": 10,
            },
        },
        {"PolicyName": "theirs", "ResourceId": "table/orders", "ScalableDimension": TABLE_READ[1]},
        {"PolicyName": "elsewhere", "ResourceId": "table/orders", "ScalableDimension": TABLE_WRITE[1]},
    ]
    assert normalize_scaling(targets, policies) == (
        ObservedScalingTarget(
            "table/orders",
            TABLE_READ[1],
            5,
            9,
            policy_name="dynamotable-read-target-tracking",
            target_value=70.0,
            scale_in_cooldown=10,
            scale_out_cooldown=None,
            metric="DynamoDBReadCapacityUtilization",
            policy_type="TargetTrackingScaling",
            other_policies=("theirs",),
        ),
    )


def test_a19_errors_of_auto_scaling_calls() -> None:
    from botocore.exceptions import ClientError

    from dynamotable.engine.errors import AlreadyDone, Retryable, Terminal, classify

    def error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "x")

    assert isinstance(classify(error("ObjectNotFoundException"), operation="DeregisterScalableTarget"), AlreadyDone)
    assert isinstance(classify(error("ObjectNotFoundException"), operation="DeleteScalingPolicy"), AlreadyDone)
    # a policy on a target that is not there is not "done"
    assert isinstance(classify(error("ObjectNotFoundException"), operation="PutScalingPolicy"), Terminal)
    assert isinstance(classify(error("ConcurrentUpdateException"), operation="RegisterScalableTarget"), Retryable)
