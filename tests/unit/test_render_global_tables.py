"""Terraform rendering of global tables (A13.1, A13.2): STRONG replicas and the witness as provider 6 writes them,
checked against the provider's 6.47 schema (tests/data), and each override the replica block cannot express named
in a comment, so the audit says what Terraform does not manage."""

from __future__ import annotations

import json
from typing import Any

from test_render import _body, _walk
from test_render_support import PROVIDER_REGION, SCHEMA_PATH, manifest

from dynamotable.terraform.render import needs_provider_v6, render_table, render_versions

STRONG = {
    "multiRegionConsistency": "STRONG",
    "witnessRegion": "us-east-2",
    "replicas": [{"region": "us-west-2"}],
}


def schema() -> dict[str, Any]:
    block: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())["block"]
    return block


def test_strong_with_a_witness_renders_consistency_mode_and_global_table_witness() -> None:
    m = manifest(**STRONG)
    body = _body(render_table(m, provider_region=PROVIDER_REGION))
    (replica,) = body["replica"]
    assert (replica["region_name"], replica["consistency_mode"]) == ("us-west-2", "STRONG")
    (witness,) = body["global_table_witness"]
    assert witness["region_name"] == "us-east-2"
    problems: list[str] = []
    _walk(body, schema(), "aws_dynamodb_table", problems, top=True)
    assert problems == []


def test_strong_needs_provider_6() -> None:
    m = manifest(**STRONG)
    assert needs_provider_v6(m)
    assert '">= 6.0, < 7.0"' in render_versions([m], provider_region=PROVIDER_REGION)
    assert not needs_provider_v6(manifest(replicas=[{"region": "us-west-2", "tableClass": "STANDARD"}]))


def test_eventual_replicas_render_no_consistency_mode() -> None:
    body = _body(render_table(manifest(replicas=[{"region": "us-west-2"}]), provider_region=PROVIDER_REGION))
    (replica,) = body["replica"]
    assert "consistency_mode" not in replica
    assert "global_table_witness" not in body


def test_each_override_is_named_in_a_comment_and_not_rendered() -> None:
    m = manifest(
        attributes=[{"name": "id", "type": "S"}, {"name": "cat", "type": "S"}],
        globalSecondaryIndexes=[{"name": "ByCategory", "hashKey": "cat"}],
        replicas=[
            {
                "region": "us-west-2",
                "tableClass": "STANDARD_INFREQUENT_ACCESS",
                "maxReadRequestUnitsOverride": 500,
                "globalSecondaryIndexes": [{"name": "ByCategory", "maxReadRequestUnitsOverride": 100}],
            }
        ],
    )
    text = render_table(m, provider_region=PROVIDER_REGION)
    for named in (
        "#   tableClass STANDARD_INFREQUENT_ACCESS",
        "#   maxReadRequestUnitsOverride 500",
        "#   ByCategory maxReadRequestUnitsOverride 100",
    ):
        assert named in text
    (replica,) = _body(text)["replica"]
    assert {k for k in replica if not k.startswith("__")} == {"region_name"}
    problems: list[str] = []
    _walk(_body(text), schema(), "aws_dynamodb_table", problems, top=True)
    assert problems == []
