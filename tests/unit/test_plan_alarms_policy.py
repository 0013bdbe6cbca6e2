"""The planners of the resource-based policy (A22) and of CloudWatch alarms (A23): pure, one AWS call per step,
no step that sends what is already live, removal only of what this object put in place."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from planner_support import ARN, OWNER, REGION, live

from dynamotable.api.validation import OWNER_TAG, parse_manifest
from dynamotable.engine.model import CLOUDWATCH, ObservedAlarm, ObservedGsi, ObservedPolicy, ObservedTable
from dynamotable.engine.plan import plan
from dynamotable.engine.plan_alarms import desired, plan_alarms

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/reader"},
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": ARN,
        }
    ],
}
READ_THROTTLES = {
    "name": "read-throttles",
    "metric": "ReadThrottleEvents",
    "statistic": "Sum",
    "period": 60,
    "evaluationPeriods": 5,
    "comparisonOperator": "GreaterThanThreshold",
    "threshold": 0,
}


def manifest(status: dict[str, Any] | None = None, **spec: Any) -> Any:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    base.update(spec)
    doc: dict[str, Any] = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": base,
    }
    if status is not None:
        doc["status"] = status
    return parse_manifest(doc, default_region=REGION)


def steps(m: Any, observed: ObservedTable) -> list[tuple[str, dict[str, Any]]]:
    return [(s.operation, dict(s.request)) for s in plan(m, observed, region=REGION, owner=OWNER).steps]


# ------------------------------------------------------------------------------------------- policy


def test_a22_a_new_table_gets_its_policy_in_create_table_and_nothing_after() -> None:
    p = plan(manifest(resourcePolicy=POLICY), None, region=REGION, owner=OWNER)
    assert [s.operation for s in p.steps] == ["CreateTable"]
    assert p.steps[0].request["ResourcePolicy"] == '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",' + (
        '"Principal":{"AWS":"arn:aws:iam::123456789012:role/reader"},"Action":["dynamodb:GetItem",'
        '"dynamodb:Query"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}]}'
    )
    assert p.attached == ("resourcePolicy",)


def test_a22_put_when_absent_or_different_never_when_equal() -> None:
    m = manifest(resourcePolicy=POLICY)
    assert steps(m, live(resource_policy=ObservedPolicy(None))) == [
        ("PutResourcePolicy", {"ResourceArn": ARN, "Policy": json.dumps(POLICY, separators=(",", ":"))})
    ]
    reordered = {
        "Statement": {**POLICY["Statement"][0], "Action": ["dynamodb:Query", "dynamodb:GetItem"], "Resource": [ARN]},
        "Version": "2012-10-17",
    }
    equal = plan(m, live(resource_policy=ObservedPolicy(reordered)), region=REGION, owner=OWNER)
    assert equal.steps == [] and equal.drift == [] and equal.attached == ("resourcePolicy",)
    other = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Effect": "Deny"}]}
    changed = plan(m, live(resource_policy=ObservedPolicy(other)), region=REGION, owner=OWNER)
    assert [s.operation for s in changed.steps] == ["PutResourcePolicy"]
    assert [d.field for d in changed.drift] == ["resourcePolicy"]


def test_a22_removed_from_the_spec_deletes_only_what_the_record_says_we_put() -> None:
    ours = manifest(status={"attached": ["resourcePolicy"]})
    assert steps(ours, live(resource_policy=ObservedPolicy(POLICY))) == [("DeleteResourcePolicy", {"ResourceArn": ARN})]
    gone = plan(ours, live(resource_policy=ObservedPolicy(None)), region=REGION, owner=OWNER)
    assert gone.steps == [] and gone.attached == ()
    # a policy someone else put, on a table whose spec never had one, is left alone
    never = plan(manifest(), live(resource_policy=ObservedPolicy(POLICY)), region=REGION, owner=OWNER)
    assert never.steps == [] and never.attached == ()


# ------------------------------------------------------------------------------------------- alarms


def alarm(**changes: Any) -> ObservedAlarm:
    m = manifest(alarms=[READ_THROTTLES])
    return replace(desired(m, m.spec.alarms[0]), **changes)


def test_a23_a_missing_alarm_is_put_with_dimensions_defaults_and_our_tag() -> None:
    m = manifest(
        globalSecondaryIndexes=[{"name": "by-customer", "hashKey": "customer"}],
        attributes=[{"name": "id", "type": "S"}, {"name": "customer", "type": "S"}],
        alarms=[{**READ_THROTTLES, "index": "by-customer", "alarmActions": ["arn:aws:sns:us-east-1:123456789012:ops"]}],
    )
    index = ObservedGsi("by-customer", ("customer",), (), "ALL", frozenset(), "ACTIVE")
    p = plan(
        m, live(alarms=(), gsis=(index,), attribute_types={"id": "S", "customer": "S"}), region=REGION, owner=OWNER
    )
    assert [(s.service, s.operation) for s in p.steps] == [(CLOUDWATCH, "PutMetricAlarm")]
    assert p.steps[0].request == {
        "AlarmName": "orders-read-throttles",
        "Namespace": "AWS/DynamoDB",
        "MetricName": "ReadThrottleEvents",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 5,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 0.0,
        "Dimensions": [
            {"Name": "TableName", "Value": "orders"},
            {"Name": "GlobalSecondaryIndexName", "Value": "by-customer"},
        ],
        "TreatMissingData": "missing",
        "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:ops"],
        "Tags": [{"Key": OWNER_TAG, "Value": OWNER}],
    }
    assert p.steps[0].transitions is False
    assert p.attached == ("alarm:orders-read-throttles",)


def test_a23_an_equal_alarm_is_never_put_again() -> None:
    m = manifest(alarms=[READ_THROTTLES])
    p = plan(m, live(alarms=(alarm(),)), region=REGION, owner=OWNER)
    assert p.steps == [] and p.drift == [] and p.attached == ("alarm:orders-read-throttles",)


def test_a23_a_changed_setting_is_drift_and_one_put() -> None:
    m = manifest(alarms=[READ_THROTTLES])
    for changed, field in (
        (alarm(threshold=3.0), "threshold"),
        (alarm(treat_missing_data="breaching"), "treatMissingData"),
        (alarm(dimensions={"TableName": "orders", "Operation": "GetItem"}), "index"),
        (alarm(ok_actions=("arn:aws:sns:us-east-1:123456789012:x",)), "okActions"),
        (alarm(actions_enabled=False), "actionsEnabled"),
    ):
        p = plan(m, live(alarms=(changed,)), region=REGION, owner=OWNER)
        assert [s.operation for s in p.steps] == ["PutMetricAlarm"], field
        assert [d.field for d in p.drift] == [f"alarms[read-throttles].{field}"]


def test_a23_alarms_removed_are_deleted_only_when_ours() -> None:
    m = manifest(alarms=[], status={"attached": ["alarm:orders-recorded"]})
    observed = live(
        alarms=(
            alarm(name="orders-recorded"),  # in the record: ours
            alarm(name="orders-tagged", owner=OWNER),  # tagged by us
            alarm(name="orders-someone", owner=None),  # not ours
            alarm(name="orders-other", owner="shop/other"),  # another object's
        )
    )
    p = plan(m, observed, region=REGION, owner=OWNER)
    assert steps(m, observed) == [("DeleteAlarms", {"AlarmNames": ["orders-recorded", "orders-tagged"]})]
    assert p.attached == ("alarm:orders-recorded", "alarm:orders-tagged")
    done = plan(m, live(alarms=(alarm(name="orders-someone"),)), region=REGION, owner=OWNER)
    assert done.steps == [] and done.attached == ()


def test_a23_not_read_means_not_touched() -> None:
    m = manifest()
    assert plan_alarms(m, live(alarms=None), frozenset({"alarm:orders-x"})).steps == []
    assert plan(m, live(alarms=None), region=REGION, owner=OWNER).steps == []


def test_a23_a_new_table_lists_its_alarms_after_create_table() -> None:
    p = plan(manifest(alarms=[READ_THROTTLES]), None, region=REGION, owner=OWNER)
    assert [s.operation for s in p.steps] == ["CreateTable", "PutMetricAlarm"]
    assert p.attached == ("alarm:orders-read-throttles",)
