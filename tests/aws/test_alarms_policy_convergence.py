"""Resource-based policy (A22) and CloudWatch alarms (A23) converged by the engine on the embedded endpoint:
add, change, remove and drift, clean and with faults, checked on the AWS side with boto3 (GetResourcePolicy,
DescribeAlarms). The status (status.attached) is carried from pass to pass as the operator stores it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from surface_support import OWNER, Passes, aws_client, endpoint_without_aws_env, fresh_endpoint

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import OWNER_TAG
from dynamotable.engine.reconcile import Outcome, Timing
from dynamotable.local import Faults, Latency, LocalEndpoint

TIMING = Timing.fast()
LATENCY = Latency(create=0.1, update=0.05, delete=0.05, gsi_create=0.1, gsi_delete=0.05, replica=0.1)
# faults on the DynamoDB calls (the endpoint injects none into other services)
FAULTS = Faults(throttle=0.1, server_error=0.03, drop_connection=0.01, seed=11)
ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
READER = "arn:aws:iam::123456789012:role/reader"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Read",
            "Effect": "Allow",
            "Principal": {"AWS": READER},
            "Action": ["dynamodb:GetItem"],
            "Resource": ARN,
        }
    ],
}
READ = {
    "name": "read-throttles",
    "metric": "ReadThrottleEvents",
    "statistic": "Sum",
    "period": 60,
    "evaluationPeriods": 5,
    "comparisonOperator": "GreaterThanThreshold",
    "threshold": 0,
    "treatMissingData": "notBreaching",
}
WRITE = {**READ, "name": "write-throttles", "metric": "WriteThrottleEvents"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with endpoint_without_aws_env(LATENCY) as ep:
        yield ep


@dataclass
class Run(Passes):
    def converge(self, spec: dict[str, Any]) -> Outcome:
        return self.until_done(lambda status: manifest(spec, status or {}), TIMING)

    def boto(self, service: str) -> Any:
        return aws_client(self.endpoint, service)

    def policy(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.boto("dynamodb").get_resource_policy(ResourceArn=ARN)["Policy"])
        except self.boto("dynamodb").exceptions.PolicyNotFoundException:
            return None

    def alarms(self) -> dict[str, dict[str, Any]]:
        pages = self.boto("cloudwatch").describe_alarms(AlarmNamePrefix="orders-", AlarmTypes=["MetricAlarm"])
        return {a["AlarmName"]: a for a in pages["MetricAlarms"]}

    def calls(self, *operations: str) -> dict[str, int]:
        """The engine's calls of `operations` since the last `forget` (the endpoint records only DynamoDB's)."""
        return {op: self.factory.calls[op] for op in operations if self.factory.calls[op]}

    def forget(self) -> None:
        self.endpoint.clear_requests()
        self.factory.calls.clear()


def manifest(spec: dict[str, Any], status: dict[str, Any]) -> DynamoTable:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    base.update(spec)
    doc: dict[str, Any] = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop", "generation": 1},
        "spec": base,
    }
    if status:
        doc["status"] = status
    return DynamoTable.model_validate(doc)


@pytest.fixture(params=["clean", "faults"])
def run(request: pytest.FixtureRequest, endpoint: LocalEndpoint) -> Iterator[Run]:
    with fresh_endpoint(endpoint, FAULTS if request.param == "faults" else Faults()) as factory:
        yield Run(endpoint, factory, {})


def test_a22_policy_created_with_the_table_changed_drifted_and_removed(run: Run) -> None:
    out = run.converge({"resourcePolicy": POLICY})
    assert run.policy() == POLICY
    assert out.status.attached == ["resourcePolicy"]
    assert run.calls("PutResourcePolicy") == {}  # given to CreateTable (A22)
    assert "CreateTable" in run.calls("CreateTable")

    # an equal policy written otherwise is never put again
    run.forget()
    reordered = {"Statement": {**POLICY["Statement"][0], "Action": "dynamodb:GetItem"}, "Version": "2012-10-17"}
    run.converge({"resourcePolicy": reordered})
    assert run.calls("PutResourcePolicy", "DeleteResourcePolicy") == {}
    assert run.calls("GetResourcePolicy")  # it was read

    changed = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": ["dynamodb:GetItem", "dynamodb:Query"]}]}
    run.converge({"resourcePolicy": changed})
    assert run.policy() == changed

    # drift: someone replaces the policy; the next pass puts the spec's back
    run.boto("dynamodb").put_resource_policy(ResourceArn=ARN, Policy=json.dumps(POLICY))
    run.converge({"resourcePolicy": changed})
    assert run.policy() == changed

    out = run.converge({})
    assert run.policy() is None
    assert out.status.attached == []
    run.forget()
    run.converge({})
    assert run.calls("GetResourcePolicy") == {}  # no longer read
    assert run.calls("DescribeTable")


def test_a22_a_policy_the_spec_never_had_is_left_alone(run: Run) -> None:
    run.converge({})
    run.boto("dynamodb").put_resource_policy(ResourceArn=ARN, Policy=json.dumps(POLICY))
    run.forget()
    run.converge({})
    assert run.policy() == POLICY
    assert run.calls("GetResourcePolicy", "DeleteResourcePolicy") == {}
    assert run.calls("DescribeTable")


def test_a23_alarms_added_changed_drifted_and_removed(run: Run) -> None:
    out = run.converge({"alarms": [READ, WRITE]})
    alarms = run.alarms()
    assert sorted(alarms) == ["orders-read-throttles", "orders-write-throttles"]
    read = alarms["orders-read-throttles"]
    assert read["Dimensions"] == [{"Name": "TableName", "Value": "orders"}]
    assert (read["MetricName"], read["Threshold"], read["TreatMissingData"]) == (
        "ReadThrottleEvents",
        0.0,
        "notBreaching",
    )
    tags = run.boto("cloudwatch").list_tags_for_resource(ResourceARN=read["AlarmArn"])["Tags"]
    assert {"Key": OWNER_TAG, "Value": OWNER} in tags
    assert out.status.attached == ["alarm:orders-read-throttles", "alarm:orders-write-throttles"]

    run.forget()
    run.converge({"alarms": [READ, WRITE]})
    assert run.calls("PutMetricAlarm", "DeleteAlarms", "ListTagsForResource") == {}  # converged: nothing put again
    assert run.calls("DescribeAlarms")

    run.converge({"alarms": [{**READ, "threshold": 5}, WRITE]})
    assert run.alarms()["orders-read-throttles"]["Threshold"] == 5.0

    # drift: the threshold changed by hand is put back
    run.boto("cloudwatch").put_metric_alarm(
        AlarmName="orders-write-throttles",
        Namespace="AWS/DynamoDB",
        MetricName="WriteThrottleEvents",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=5,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=99,
        Dimensions=[{"Name": "TableName", "Value": "orders"}],
    )
    run.converge({"alarms": [{**READ, "threshold": 5}, WRITE]})
    assert run.alarms()["orders-write-throttles"]["Threshold"] == 0.0

    out = run.converge({"alarms": [{**READ, "threshold": 5}]})
    assert sorted(run.alarms()) == ["orders-read-throttles"]
    assert out.status.attached == ["alarm:orders-read-throttles"]

    out = run.converge({})  # alarms removed from the spec: the recorded ones go
    assert run.alarms() == {}
    assert out.status.attached == []


def test_a23_alarms_that_are_not_ours_are_never_touched(run: Run) -> None:
    cloudwatch = run.boto("cloudwatch")
    common = {
        "Namespace": "AWS/DynamoDB",
        "MetricName": "ReadThrottleEvents",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 1,
        "Dimensions": [{"Name": "TableName", "Value": "orders"}],
    }
    cloudwatch.put_metric_alarm(AlarmName="orders-by-hand", **common)
    cloudwatch.put_metric_alarm(
        AlarmName="orders-eu-theirs", Tags=[{"Key": OWNER_TAG, "Value": "shop/orders-eu"}], **common
    )
    cloudwatch.put_metric_alarm(AlarmName="TargetTracking-table/orders-AlarmHigh-1", **common)
    run.forget()
    run.converge({"alarms": [READ]})
    assert sorted(run.alarms()) == ["orders-by-hand", "orders-eu-theirs", "orders-read-throttles"]
    assert "TargetTracking-table/orders-AlarmHigh-1" in {
        a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]
    }
    assert run.calls("DeleteAlarms") == {}
    assert run.calls("ListTagsForResource")  # the strangers were looked at
