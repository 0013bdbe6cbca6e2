"""Rendering contributor insights and the Kinesis streaming destination: resources, import blocks, provider 6
for a non-default insights mode, and every argument in the provider's schema (6.47, tests/data)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_render_support import PROVIDER_REGION, TEST_DATA, hcl_loads, manifest, resources

from dynamotable.terraform.render import needs_provider_v6, render_table

SCHEMAS = TEST_DATA / "terraform-provider-schema"
STREAM = "arn:aws:kinesis:us-west-2:123456789012:stream/changes"
META_ARGUMENTS = {"provider"}


def _schema(resource_type: str) -> dict[str, Any]:
    block: dict[str, Any] = json.loads((SCHEMAS / f"{resource_type}.json").read_text())["block"]
    return block


def _insights_manifest(mode: str | None = None, region: str = PROVIDER_REGION) -> Any:
    gsi_insights: dict[str, Any] = {"enabled": True, **({"mode": mode} if mode else {})}
    return manifest(
        region=region,
        attributes=[{"name": "id", "type": "S"}, {"name": "cat", "type": "S"}],
        globalSecondaryIndexes=[{"name": "ByCat", "hashKey": "cat", "contributorInsights": gsi_insights}],
        contributorInsights={"enabled": True},
    )


def _check(body: dict[str, Any], block: dict[str, Any]) -> list[str]:
    attributes = block["attributes"]
    problems = [
        name for name in body if not name.startswith("__") and name not in META_ARGUMENTS and name not in attributes
    ]
    problems += [
        n
        for n in body
        if n in attributes
        and attributes[n].get("computed")
        and not attributes[n].get("optional")
        and not attributes[n].get("required")
    ]
    problems += [n for n, spec in attributes.items() if spec.get("required") and n not in body]
    return problems


def test_insights_resources_and_imports() -> None:
    text = render_table(_insights_manifest(), provider_region=PROVIDER_REGION)
    parsed = hcl_loads(text)
    found = resources(parsed, "aws_dynamodb_contributor_insights")
    assert set(found) == {"orders", "orders_ByCat"}
    assert found["orders_ByCat"]["index_name"] == "ByCat"
    assert "mode" not in found["orders"] and "mode" not in found["orders_ByCat"]
    schema = _schema("aws_dynamodb_contributor_insights")
    assert all(_check(body, schema) == [] for body in found.values())
    assert 'id = "name:orders/index:/${data.aws_caller_identity.orders.account_id}"' in text
    assert 'id = "name:orders/index:ByCat/${data.aws_caller_identity.orders.account_id}"' in text
    assert text.count("\nimport {") == 3
    assert not needs_provider_v6(_insights_manifest())
    assert not needs_provider_v6(_insights_manifest("ACCESSED_AND_THROTTLED_KEYS"))


def test_insights_mode_other_than_the_default_needs_provider_6() -> None:
    m = _insights_manifest("THROTTLED_KEYS")
    found = resources(hcl_loads(render_table(m, provider_region=PROVIDER_REGION)), "aws_dynamodb_contributor_insights")
    assert found["orders_ByCat"]["mode"] == "THROTTLED_KEYS"
    assert needs_provider_v6(m)


def test_disabled_insights_render_nothing() -> None:
    m = manifest(contributorInsights={"enabled": False})
    text = render_table(m, provider_region=PROVIDER_REGION)
    assert "aws_dynamodb_contributor_insights" not in text and "aws_caller_identity" not in text


@pytest.mark.parametrize("precision", [None, "MICROSECOND"])
def test_kinesis_destination_resource_and_import(precision: str | None) -> None:
    destination: dict[str, Any] = {"streamArn": STREAM}
    if precision:
        destination["approximateCreationDateTimePrecision"] = precision
    m = manifest(region="us-west-2", kinesisStreamingDestination=destination)
    text = render_table(m, provider_region=PROVIDER_REGION)
    (body,) = resources(hcl_loads(text), "aws_dynamodb_kinesis_streaming_destination").values()
    assert body["stream_arn"] == STREAM
    assert body["table_name"] == "${aws_dynamodb_table.orders.name}"
    assert body["provider"] == "${aws.us_west_2}"
    assert body.get("approximate_creation_date_time_precision") == precision
    assert _check(body, _schema("aws_dynamodb_kinesis_streaming_destination")) == []
    assert f'id       = "orders,{STREAM}"' in text


def test_insights_in_another_region_use_the_aliased_provider() -> None:
    text = render_table(_insights_manifest(region="us-west-2"), provider_region=PROVIDER_REGION)
    parsed = hcl_loads(text)
    (identity,) = [d for d in parsed.get("data", []) if "aws_caller_identity" in d]
    assert identity["aws_caller_identity"]["orders"]["provider"] == "${aws.us_west_2}"
    assert all(
        b["provider"] == "${aws.us_west_2}" for b in resources(parsed, "aws_dynamodb_contributor_insights").values()
    )
