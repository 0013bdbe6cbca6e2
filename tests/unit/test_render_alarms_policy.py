"""Terraform of a table's resource-based policy (A22) and alarms (A23): `aws_dynamodb_resource_policy` and
`aws_cloudwatch_metric_alarm`, each with its `import {}` block, in the table's file; every argument is in the
provider 6.47 schema; the values are the ones the engine sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_render_support import PROVIDER_REGION, hcl_loads, resources

from dynamotable.api.validation import OWNER_TAG, parse_manifest
from dynamotable.engine.plan import plan
from dynamotable.engine.plan_policy import policy_text
from dynamotable.terraform.render import render_table

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "terraform-provider-schema"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/reader"},
            "Action": "dynamodb:GetItem",
            "Resource": "arn:aws:dynamodb:us-west-2:123456789012:table/orders-table",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
        }
    ],
}
ALARMS = [
    {
        "name": "read-throttles",
        "metric": "ReadThrottleEvents",
        "statistic": "Sum",
        "period": 60,
        "evaluationPeriods": 5,
        "comparisonOperator": "GreaterThanThreshold",
        "threshold": 2.5,
        "index": "by-status",
        "alarmActions": ["arn:aws:sns:us-west-2:123456789012:ops"],
        "description": "reads throttled",
    },
    {
        "name": "writes",
        "metric": "ConsumedWriteCapacityUnits",
        "statistic": "Sum",
        "period": 300,
        "evaluationPeriods": 1,
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "threshold": 1000,
    },
]


def manifest(region: str = PROVIDER_REGION) -> Any:
    return parse_manifest(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": "orders", "namespace": "shop"},
            "spec": {
                "tableName": "orders-table",
                "region": region,
                "hashKey": "id",
                "attributes": [{"name": "id", "type": "S"}, {"name": "status", "type": "S"}],
                "globalSecondaryIndexes": [{"name": "by-status", "hashKey": "status", "projectionType": "ALL"}],
                "resourcePolicy": POLICY,
                "alarms": ALARMS,
            },
        },
        default_region=PROVIDER_REGION,
    )


def schema(resource_type: str) -> dict[str, Any]:
    block: dict[str, Any] = json.loads((SCHEMAS / f"{resource_type}.json").read_text())["block"]
    return block


@pytest.mark.parametrize("resource_type", ["aws_dynamodb_resource_policy", "aws_cloudwatch_metric_alarm"])
def test_every_argument_is_in_the_provider_schema(resource_type: str) -> None:
    block = schema(resource_type)
    rendered = resources(hcl_loads(render_table(manifest(), provider_region=PROVIDER_REGION)), resource_type)
    assert rendered
    for label, body in rendered.items():
        for name in body:
            if name.startswith("__") or name == "provider":
                continue
            spec = block["attributes"].get(name)
            assert spec is not None, f"{resource_type}.{label}.{name}: not in the schema"
            assert spec.get("optional") or spec.get("required"), f"{resource_type}.{label}.{name}: computed only"
        required = {n for n, a in block["attributes"].items() if a.get("required")}
        assert required <= set(body), f"{resource_type}.{label}: missing {required - set(body)}"


def test_a22_the_policy_is_the_text_the_engine_puts_and_imports_by_the_table_arn() -> None:
    text = render_table(manifest(), provider_region=PROVIDER_REGION)
    (body,) = resources(hcl_loads(text), "aws_dynamodb_resource_policy").values()
    assert body["resource_arn"] == "${aws_dynamodb_table.orders.arn}"
    created = plan(manifest(), None, region=PROVIDER_REGION, owner="shop/orders").steps[0]
    # python-hcl2 keeps the string's `$${` escape as written; HCL reads it as `${`
    assert json.loads(body["policy"].replace("$${", "${")) == POLICY
    assert created.request["ResourcePolicy"] == policy_text(POLICY)
    # the IAM policy variable stays literal: escaped, not interpolated
    assert "$${aws:username}" in text
    assert (
        'id = "arn:${data.aws_partition.orders.partition}:dynamodb:us-east-1:'
        '${data.aws_caller_identity.orders.account_id}:table/orders-table"'
    ) in text
    assert "to = aws_dynamodb_resource_policy.orders" in text


def test_a23_each_alarm_is_what_put_metric_alarm_sends() -> None:
    m = manifest()
    text = render_table(m, provider_region=PROVIDER_REGION, owner="c1:shop/orders")
    rendered = resources(hcl_loads(text), "aws_cloudwatch_metric_alarm")
    assert sorted(rendered) == ["orders_read_throttles", "orders_writes"]
    steps = [
        s for s in plan(m, None, region=PROVIDER_REGION, owner="c1:shop/orders").steps if s.service == "cloudwatch"
    ]
    for step in steps:
        request = step.request
        body = next(b for b in rendered.values() if b["alarm_name"] == request["AlarmName"])
        assert body["namespace"] == request["Namespace"]
        assert body["metric_name"] == request["MetricName"]
        assert (body["statistic"], body["period"], body["evaluation_periods"]) == (
            request["Statistic"],
            request["Period"],
            request["EvaluationPeriods"],
        )
        assert body["comparison_operator"] == request["ComparisonOperator"]
        assert float(body["threshold"]) == request["Threshold"]
        assert body["treat_missing_data"] == request["TreatMissingData"]
        assert body.get("alarm_actions", []) == request["AlarmActions"]
        assert body.get("alarm_description") == request.get("AlarmDescription")
        assert body["dimensions"] == {d["Name"]: d["Value"] for d in request["Dimensions"]}
        assert body["tags"] == {OWNER_TAG: "c1:shop/orders"}
        assert f'id = "{request["AlarmName"]}"' in text


def test_a23_a_table_in_another_region_puts_its_policy_and_alarms_on_that_provider() -> None:
    text = render_table(manifest("us-west-2"), provider_region=PROVIDER_REGION)
    for resource_type in ("aws_dynamodb_resource_policy", "aws_cloudwatch_metric_alarm"):
        for body in resources(hcl_loads(text), resource_type).values():
            assert body["provider"] == "${aws.us_west_2}"
    assert text.count("provider = aws.us_west_2") >= 2 + 3  # the data sources and every import block
    assert ":dynamodb:us-west-2:" in text
