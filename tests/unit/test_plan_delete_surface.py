"""Deleting a table removes what this resource attached outside DynamoDB (A19, A23): plan_delete with
deletionPolicy Delete deregisters our scalable targets and deletes our alarms right before DeleteTable; Retain
leaves them (only the ownership tag is released); what status.attached does not record is never touched; deletion
protection blocks everything. Pure: no AWS."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dynamotable.api.validation import OWNER_TAG, parse_manifest
from dynamotable.engine.model import AUTOSCALING, CLOUDWATCH, ObservedAlarm, ObservedScalingTarget, ObservedTable
from dynamotable.engine.plan_alarms import desired
from dynamotable.engine.plan_delete import plan_delete, plan_delete_leftovers, removes_leftovers

REGION = "us-east-1"
OWNER = "shop/orders"
ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
SCALING = {
    "read": {"minCapacity": 5, "maxCapacity": 100, "targetUtilization": 70},
    "write": {"minCapacity": 2, "maxCapacity": 20, "targetUtilization": 50},
}
ALARM = {
    "name": "read-throttles",
    "metric": "ReadThrottleEvents",
    "statistic": "Sum",
    "period": 60,
    "evaluationPeriods": 5,
    "comparisonOperator": "GreaterThanThreshold",
    "threshold": 0,
}
ATTACHED = ["alarm:orders-read-throttles", "autoScaling:table:read", "autoScaling:table:write"]
READ_KEY = ("table/orders", "dynamodb:table:ReadCapacityUnits")
WRITE_KEY = ("table/orders", "dynamodb:table:WriteCapacityUnits")


def manifest(policy: str = "Delete", attached: list[str] | None = None, **spec: Any) -> Any:
    base: dict[str, Any] = {
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}],
        "billingMode": "PROVISIONED",
        "readCapacity": 5,
        "writeCapacity": 5,
        "autoScaling": SCALING,
        "alarms": [ALARM],
        "deletionPolicy": policy,
    }
    base.update(spec)
    doc: dict[str, Any] = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": {k: v for k, v in base.items() if v is not None},
        "status": {"attached": ATTACHED if attached is None else attached},
    }
    return parse_manifest(doc, default_region=REGION)


def target(key: tuple[str, str], lo: int, hi: int, **kw: Any) -> ObservedScalingTarget:
    direction = "read" if key[1].endswith("ReadCapacityUnits") else "write"
    return ObservedScalingTarget(key[0], key[1], lo, hi, policy_name=f"dynamotable-{direction}-target-tracking", **kw)


def our_alarm(**changes: Any) -> ObservedAlarm:
    m = manifest()
    return replace(desired(m, m.spec.alarms[0]), **{"owner": OWNER, **changes})


def live(**changes: Any) -> ObservedTable:
    base = ObservedTable(
        name="orders",
        region=REGION,
        arn=ARN,
        status="ACTIVE",
        hash_key="id",
        range_key=None,
        attribute_types={"id": "S"},
        billing_mode="PROVISIONED",
        read_capacity=5,
        write_capacity=5,
        tags={OWNER_TAG: OWNER},
        scaling=(target(READ_KEY, 5, 100), target(WRITE_KEY, 2, 20)),
        alarms=(our_alarm(),),
    )
    return replace(base, **changes)


def ops(m: Any, observed: ObservedTable) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (s.service, s.operation, dict(s.request)) for s in plan_delete(m, observed, region=REGION, owner=OWNER).steps
    ]


def deregister(key: tuple[str, str]) -> tuple[str, str, dict[str, Any]]:
    request = {"ServiceNamespace": "dynamodb", "ResourceId": key[0], "ScalableDimension": key[1]}
    return (AUTOSCALING, "DeregisterScalableTarget", request)


def test_a19_a23_delete_removes_our_targets_and_alarms_right_before_delete_table() -> None:
    assert ops(manifest(), live()) == [
        deregister(READ_KEY),
        deregister(WRITE_KEY),
        (CLOUDWATCH, "DeleteAlarms", {"AlarmNames": ["orders-read-throttles"]}),
        ("dynamodb", "DeleteTable", {"TableName": "orders"}),
    ]


def test_a19_a23_removals_seen_done_leave_only_delete_table() -> None:
    assert ops(manifest(), live(scaling=(), alarms=())) == [("dynamodb", "DeleteTable", {"TableName": "orders"})]
    # one target already gone: the other is still deregistered
    assert [op for _, op, _ in ops(manifest(), live(scaling=(target(WRITE_KEY, 2, 20),), alarms=()))] == [
        "DeregisterScalableTarget",
        "DeleteTable",
    ]


def test_a19_a23_the_dynamodb_side_parts_go_with_the_table() -> None:
    # resource policy, contributor insights, Kinesis destination: no step of their own before DeleteTable
    m = manifest(attached=[*ATTACHED, "resourcePolicy", "contributorInsights:table", "kinesis"])
    assert {svc for svc, _, _ in ops(m, live())[:-1]} == {AUTOSCALING, CLOUDWATCH}


def test_a19_a23_retain_leaves_scaling_and_alarms_and_only_releases_the_table() -> None:
    assert ops(manifest("Retain"), live()) == [
        ("dynamodb", "UntagResource", {"ResourceArn": ARN, "TagKeys": [OWNER_TAG]})
    ]


def test_a19_a23_what_status_attached_does_not_record_is_never_removed() -> None:
    someone = our_alarm(name="orders-someone", owner=None)  # same prefix, untagged, not recorded
    other = our_alarm(name="orders-other", owner="shop/other")  # another object's
    gsi_key = ("table/orders/index/by-cat", "dynamodb:index:ReadCapacityUnits")
    observed = live(
        scaling=(target(READ_KEY, 5, 100), target(WRITE_KEY, 2, 20), target(gsi_key, 1, 10)),
        alarms=(our_alarm(), someone, other),
    )
    # nothing recorded (and the spec's alarm read back untagged): only the table goes
    untagged = replace(observed, alarms=(our_alarm(owner=None), someone, other))
    assert ops(manifest(attached=[]), untagged) == [("dynamodb", "DeleteTable", {"TableName": "orders"})]
    # the recorded read target and alarm go; the write target, the GSI's and the others' alarms stay
    steps = ops(manifest(attached=["alarm:orders-read-throttles", "autoScaling:table:read"]), observed)
    assert steps == [
        deregister(READ_KEY),
        (CLOUDWATCH, "DeleteAlarms", {"AlarmNames": ["orders-read-throttles"]}),
        ("dynamodb", "DeleteTable", {"TableName": "orders"}),
    ]


def test_a19_a_target_with_policies_of_others_keeps_them() -> None:
    shared = target(READ_KEY, 5, 100, other_policies=("their-step-scaling",))
    steps = ops(manifest(attached=["autoScaling:table:read"]), live(scaling=(shared,), alarms=()))
    assert [op for _, op, _ in steps] == ["DeleteScalingPolicy", "DeleteTable"]
    assert steps[0][2]["PolicyName"] == "dynamotable-read-target-tracking"


def test_a12_a19_a23_deletion_protection_blocks_the_removals_too() -> None:
    for m, observed in (
        (manifest(), live(deletion_protection=True)),
        (manifest(deletionProtection=True), live()),
    ):
        p = plan_delete(m, observed, region=REGION, owner=OWNER)
        assert p.steps == []
        assert [b.field for b in p.blocked] == ["deletionProtection"] and p.blocked[0].stops_all


def test_a19_a23_a_table_someone_else_deleted_still_has_its_recorded_leftovers_removed() -> None:
    observed = live()
    surface = {
        "scaling": observed.scaling,
        "alarms": (*(observed.alarms or ()), our_alarm(name="orders-x", owner=None)),
    }
    p = plan_delete_leftovers(manifest(), surface, region=REGION, owner=OWNER)
    assert [(s.service, s.operation, dict(s.request)) for s in p.steps] == [
        deregister(READ_KEY),
        deregister(WRITE_KEY),
        (CLOUDWATCH, "DeleteAlarms", {"AlarmNames": ["orders-read-throttles"]}),
    ]
    done = plan_delete_leftovers(manifest(), {"scaling": (), "alarms": ()}, region=REGION, owner=OWNER)
    assert done.steps == [] and done.kept == "table orders does not exist"
    # looked for only with deletionPolicy Delete, managementPolicy Apply and something recorded
    assert removes_leftovers(manifest())
    assert not removes_leftovers(manifest("Retain"))
    assert not removes_leftovers(manifest(managementPolicy="Plan"))
    assert not removes_leftovers(manifest(attached=[]))
