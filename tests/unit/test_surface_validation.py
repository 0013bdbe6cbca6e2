"""Validation of auto scaling, contributor insights, the resource policy, the Kinesis streaming destination and
alarms: each error names its field, and where the CRD carries a rule, admission gives the same verdict."""

from __future__ import annotations

import copy
from typing import Any

import celpy
import jsonschema
import pytest

from dynamotable.api.crd import crd
from dynamotable.api.validation import validate_manifest

SPEC_SCHEMA = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
ENV = celpy.Environment()
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders-cdc"
TOPIC = "arn:aws:sns:us-east-1:123456789012:oncall"


def provisioned() -> dict[str, Any]:
    return {
        "tableName": "orders",
        "region": "us-east-1",
        "billingMode": "PROVISIONED",
        "readCapacity": 5,
        "writeCapacity": 5,
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}, {"name": "cat", "type": "S"}],
        "globalSecondaryIndexes": [{"name": "ByCategory", "hashKey": "cat", "readCapacity": 5, "writeCapacity": 5}],
    }


def alarm(**over: Any) -> dict[str, Any]:
    base = {
        "name": "read-throttles",
        "metric": "ReadThrottleEvents",
        "statistic": "Sum",
        "period": 300,
        "evaluationPeriods": 2,
        "comparisonOperator": "GreaterThanThreshold",
        "threshold": 10,
    }
    return {**base, **over}


def errors(spec: dict[str, Any]) -> list[str]:
    doc = {"apiVersion": "dynamotable.io/v1alpha1", "kind": "DynamoTable", "metadata": {"name": "t"}, "spec": spec}
    _, errs = validate_manifest(doc, default_region="us-east-1")
    return [str(e) for e in errs]


def admitted(spec: dict[str, Any]) -> bool:
    """What the API server decides from the CRD: the structural schema, then every CEL rule in the tree."""
    try:
        jsonschema.validate(spec, SPEC_SCHEMA)
    except jsonschema.ValidationError:
        return False
    return all(_cel_ok(schema, value) for schema, value in _nodes(SPEC_SCHEMA, spec))


def _nodes(schema: dict[str, Any], value: Any) -> Any:
    yield schema, value
    if isinstance(value, dict):
        for key, sub in value.items():
            child = schema.get("properties", {}).get(key)
            if child is not None:
                yield from _nodes(child, sub)
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            yield from _nodes(schema["items"], item)


def _cel_ok(schema: dict[str, Any], value: Any) -> bool:
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"]:
            continue
        program = ENV.program(ENV.compile(rule["rule"]))
        if not bool(program.evaluate({"self": celpy.json_to_cel(value)})):
            return False
    return True


def with_(spec: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(spec)
    out.update(changes)
    return out


def test_a_spec_using_every_part_is_valid_and_admitted() -> None:
    spec = with_(
        provisioned(),
        autoScaling={
            "read": {"minCapacity": 5, "maxCapacity": 100, "targetUtilization": 70, "scaleInCooldown": 60},
            "write": {"minCapacity": 5, "maxCapacity": 50, "targetUtilization": 70.5},
        },
        contributorInsights={"enabled": True, "mode": "THROTTLED_KEYS"},
        resourcePolicy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "dynamodb:GetItem",
                    "Resource": "*",
                }
            ],
        },
        kinesisStreamingDestination={"streamArn": STREAM, "approximateCreationDateTimePrecision": "MICROSECOND"},
        alarms=[alarm(index="ByCategory", alarmActions=[TOPIC], treatMissingData="notBreaching", description="x")],
    )
    spec["globalSecondaryIndexes"][0]["autoScaling"] = {
        "write": {"minCapacity": 1, "maxCapacity": 9, "targetUtilization": 50}
    }
    spec["globalSecondaryIndexes"][0]["contributorInsights"] = {"enabled": True}
    assert errors(spec) == []
    assert admitted(spec)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {
                "billingMode": "PAY_PER_REQUEST",
                "readCapacity": None,
                "writeCapacity": None,
                "globalSecondaryIndexes": [],
                "autoScaling": {"read": {"minCapacity": 1, "maxCapacity": 2, "targetUtilization": 70}},
            },
            "spec.autoScaling",
        ),
        (
            {"autoScaling": {"read": {"minCapacity": 10, "maxCapacity": 2, "targetUtilization": 70}}},
            "spec.autoScaling.read.minCapacity",
        ),
        (
            {"autoScaling": {"write": {"minCapacity": 1, "maxCapacity": 2, "targetUtilization": 95}}},
            "spec.autoScaling.write.targetUtilization",
        ),
        (
            {"autoScaling": {"write": {"minCapacity": 1, "maxCapacity": 2, "targetUtilization": 19.9}}},
            "spec.autoScaling.write.targetUtilization",
        ),
        ({"contributorInsights": {"enabled": False, "mode": "THROTTLED_KEYS"}}, "spec.contributorInsights.mode"),
        ({"contributorInsights": {"enabled": True, "mode": "ALL_KEYS"}}, "spec.contributorInsights.mode"),
        (
            {"kinesisStreamingDestination": {"streamArn": "arn:aws:sqs:us-east-1:123456789012:queue"}},
            "spec.kinesisStreamingDestination.streamArn",
        ),
        ({"alarms": [alarm(index="Nope")]}, "spec.alarms[0].index"),
        ({"alarms": [alarm(), alarm()]}, "spec.alarms[1].name"),
        ({"alarms": [alarm(period=45)]}, "spec.alarms[0].period"),
        ({"alarms": [alarm(period=3600, evaluationPeriods=25)]}, "spec.alarms[0].evaluationPeriods"),
        ({"alarms": [alarm(metric="ThrottledRequests")]}, "spec.alarms[0].metric"),
        ({"alarms": [alarm(comparisonOperator="LessThanLowerThreshold")]}, "spec.alarms[0].comparisonOperator"),
        ({"alarms": [alarm(alarmActions=["oncall"])]}, "spec.alarms[0].alarmActions[0]"),
    ],
)
def test_each_surface_error_names_its_field_and_admission_agrees(change: dict[str, Any], field: str) -> None:
    spec = {k: v for k, v in with_(provisioned(), **change).items() if v is not None}
    found = errors(spec)
    assert any(e.startswith(field + ":") for e in found), found
    assert not admitted(spec), f"the CRD admits what validate refuses: {found}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"kinesisStreamingDestination": {"streamArn": STREAM.replace("us-east-1", "eu-west-1")}},
            "spec.kinesisStreamingDestination.streamArn",
        ),
        ({"alarms": [alarm(metric="TimeToLiveDeletedItemCount", index="ByCategory")]}, "spec.alarms[0].index"),
        (
            {"resourcePolicy": {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Principal": "*"}]}},
            "spec.resourcePolicy.Version",
        ),
        (
            {
                "resourcePolicy": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Maybe", "Action": "x", "Principal": "*"}],
                }
            },
            "spec.resourcePolicy.Statement[0].Effect",
        ),
        (
            {"resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "x"}]}},
            "spec.resourcePolicy.Statement[0].Principal",
        ),
        (
            {
                "resourcePolicy": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "x", "Principal": "*", "Sid": "s" * 21000}],
                }
            },
            "spec.resourcePolicy",
        ),
    ],
)
def test_surface_errors_that_need_the_operator_name_their_field(change: dict[str, Any], field: str) -> None:
    found = errors(with_(provisioned(), **change))
    assert any(e.startswith(field + ":") for e in found), found


def test_a13_replicas_of_a_provisioned_table_need_write_auto_scaling_on_the_table_and_every_gsi() -> None:
    spec = with_(provisioned(), replicas=[{"region": "us-west-2"}])
    found = errors(spec)
    assert any(e.startswith("spec.autoScaling.write:") for e in found), found
    assert any(e.startswith("spec.globalSecondaryIndexes[0].autoScaling.write:") for e in found), found
    scaling = {"write": {"minCapacity": 5, "maxCapacity": 50, "targetUtilization": 70}}
    spec["autoScaling"] = scaling
    spec["globalSecondaryIndexes"][0]["autoScaling"] = scaling
    assert errors(spec) == []
