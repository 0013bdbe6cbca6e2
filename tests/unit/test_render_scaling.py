"""terraform/render_scaling.py [A19]: auto scaling renders a target and a policy per dimension, each with its import
block, in the provider's schema, and the auto-scaled capacity in the table's lifecycle.ignore_changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_render import _walk
from test_render_support import PROVIDER_REGION, TEST_DATA, hcl_loads, manifest, resources

from dynamotable.terraform.render import render_table

SCHEMAS = TEST_DATA / "terraform-provider-schema"
READ = {"minCapacity": 5, "maxCapacity": 100, "targetUtilization": 70}
WRITE = {"minCapacity": 2, "maxCapacity": 20, "targetUtilization": 50.5, "scaleInCooldown": 60}


def scaled(**extra: Any) -> Any:
    return manifest(
        billingMode="PROVISIONED",
        readCapacity=5,
        writeCapacity=5,
        attributes=[{"name": "id", "type": "S"}, {"name": "cat", "type": "S"}],
        autoScaling={"read": READ},
        globalSecondaryIndexes=[
            {"name": "by-cat", "hashKey": "cat", "readCapacity": 5, "writeCapacity": 5, "autoScaling": {"write": WRITE}}
        ],
        **extra,
    )


def schema(resource_type: str) -> dict[str, Any]:
    block: dict[str, Any] = json.loads((SCHEMAS / f"{resource_type}.json").read_text())["block"]
    return block


@pytest.mark.parametrize("resource_type", ["aws_appautoscaling_target", "aws_appautoscaling_policy"])
def test_a19_targets_and_policies_are_in_the_provider_schema(resource_type: str) -> None:
    parsed = hcl_loads(render_table(scaled(), provider_region=PROVIDER_REGION))
    bodies = resources(parsed, resource_type)
    assert len(bodies) == 2
    problems: list[str] = []
    for label, body in bodies.items():
        _walk(body, schema(resource_type), f"{resource_type}.{label}", problems, top=True)
    assert problems == []


def test_a19_each_resource_has_its_import_block() -> None:
    parsed = hcl_loads(render_table(scaled(), provider_region=PROVIDER_REGION))
    imports = {i["to"].removeprefix("${").removesuffix("}"): i["id"] for i in parsed["import"]}
    assert imports == {
        "aws_dynamodb_table.orders": "orders",
        "aws_appautoscaling_target.orders_table_read": "dynamodb/table/orders/dynamodb:table:ReadCapacityUnits",
        "aws_appautoscaling_policy.orders_table_read": (
            "dynamodb/table/orders/dynamodb:table:ReadCapacityUnits/dynamotable-read-target-tracking"
        ),
        "aws_appautoscaling_target.orders_index_by_cat_write": (
            "dynamodb/table/orders/index/by-cat/dynamodb:index:WriteCapacityUnits"
        ),
        "aws_appautoscaling_policy.orders_index_by_cat_write": (
            "dynamodb/table/orders/index/by-cat/dynamodb:index:WriteCapacityUnits/dynamotable-write-target-tracking"
        ),
    }


def test_a19_policy_carries_the_spec() -> None:
    parsed = hcl_loads(render_table(scaled(), provider_region=PROVIDER_REGION))
    policy = resources(parsed, "aws_appautoscaling_policy")["orders_index_by_cat_write"]
    (config,) = policy["target_tracking_scaling_policy_configuration"]
    assert (config["target_value"], config["scale_in_cooldown"], config["scale_out_cooldown"]) == (50.5, 60, 0)
    assert config["predefined_metric_specification"][0]["predefined_metric_type"] == "DynamoDBWriteCapacityUtilization"
    target = resources(parsed, "aws_appautoscaling_target")["orders_table_read"]
    assert (target["min_capacity"], target["max_capacity"]) == (5, 100)


def test_a19_auto_scaled_capacity_is_ignored_by_terraform() -> None:
    parsed = hcl_loads(render_table(scaled(), provider_region=PROVIDER_REGION))
    table = resources(parsed)["orders"]
    assert table["lifecycle"][0]["ignore_changes"] == ["read_capacity", "global_secondary_index"]
    both = hcl_loads(render_table(scaled(ignoreChanges=["writeCapacity"]), provider_region=PROVIDER_REGION))
    assert resources(both)["orders"]["lifecycle"][0]["ignore_changes"] == [
        "read_capacity",
        "write_capacity",
        "global_secondary_index",
    ]


def test_a19_no_auto_scaling_renders_no_scaling() -> None:
    text = render_table(manifest(), provider_region=PROVIDER_REGION)
    assert "appautoscaling" not in text and "lifecycle" not in text


def test_a19_another_region_uses_the_aliased_provider() -> None:
    parsed = hcl_loads(render_table(scaled(region="us-west-2"), provider_region=PROVIDER_REGION))
    for resource_type in ("aws_appautoscaling_target", "aws_appautoscaling_policy"):
        assert {b["provider"] for b in resources(parsed, resource_type).values()} == {"${aws.us_west_2}"}
    assert {i.get("provider") for i in parsed["import"]} == {"${aws.us_west_2}"}
