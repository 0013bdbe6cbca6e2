"""Multi-attribute GSI keys (A26) at the surface: `validate` and admission (the CRD's schema and CEL rules) give the
same verdict, and the Terraform is `key_schema` blocks that the provider 6.47.0 schema (tests/data) accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_render import _body, _walk
from test_render_support import PROVIDER_REGION, SCHEMA_PATH
from test_surface_validation import admitted, errors

from dynamotable.api.validation import parse_manifest
from dynamotable.terraform.render import PROVIDER_VERSION, render_table, render_versions

ATTRIBUTES = [{"name": n, "type": "S"} for n in ("id", "a", "b", "c", "d", "e")]


def spec(*gsis: dict[str, Any]) -> dict[str, Any]:
    used = {"id"} | {k for g in gsis for f in ("hashKey", "rangeKey") if f in g for k in [g[f]]}
    used |= {k for g in gsis for f in ("hashKeys", "rangeKeys") for k in g.get(f, [])}
    attributes = [a for a in ATTRIBUTES if a["name"] in used]
    return {
        "tableName": "orders",
        "region": "us-east-1",
        "hashKey": "id",
        "attributes": attributes,
        "globalSecondaryIndexes": [{"name": f"Index{i}", **g} for i, g in enumerate(gsis)],
    }


@pytest.mark.parametrize(
    ("gsi", "valid"),
    [
        ({"hashKeys": ["a", "b"], "rangeKeys": ["c", "d"]}, True),
        ({"hashKeys": ["a", "b", "c", "d"]}, True),
        ({"hashKeys": ["a"], "rangeKeys": []}, True),
        ({"hashKey": "a", "rangeKey": "b"}, True),
        ({"hashKeys": ["a", "b", "c", "d", "e"]}, False),
        ({"hashKeys": ["a"], "rangeKeys": ["b", "c", "d", "e", "id"]}, False),
        ({"hashKeys": []}, False),
        ({"hashKey": "a", "hashKeys": ["b"]}, False),
        ({"hashKeys": ["a"], "rangeKey": "b"}, False),
        ({"hashKey": "a", "rangeKeys": ["b"]}, False),
        ({"rangeKeys": ["a"]}, False),
        ({"hashKeys": ["a", "a"]}, False),
        ({"hashKeys": ["a"], "rangeKeys": ["b", "a"]}, False),
        ({"hashKeys": ["a"], "rangeKeys": ["b", "b"]}, False),
    ],
)
def test_validate_and_admission_agree_on_the_key_forms(gsi: dict[str, Any], valid: bool) -> None:
    s = spec(gsi)
    assert (errors(s) == []) is valid, errors(s)
    assert admitted(s) is valid


def _manifest(*gsis: dict[str, Any]) -> Any:
    doc = {"apiVersion": "dynamotable.io/v1alpha1", "kind": "DynamoTable", "metadata": {"name": "orders"}}
    return parse_manifest({**doc, "spec": spec(*gsis)}, default_region=PROVIDER_REGION)


def test_a_multi_attribute_key_renders_key_schema_blocks_in_key_order() -> None:
    m = _manifest({"hashKeys": ["b", "a"], "rangeKeys": ["d", "c"]})
    (index,) = _body(render_table(m, provider_region=PROVIDER_REGION))["global_secondary_index"]
    assert "hash_key" not in index and "range_key" not in index
    assert [(k["attribute_name"], k["key_type"]) for k in index["key_schema"]] == [
        ("b", "HASH"),
        ("a", "HASH"),
        ("d", "RANGE"),
        ("c", "RANGE"),
    ]


def test_key_schema_is_in_the_provider_6_schema_the_repository_keeps() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())["block"]
    problems: list[str] = []
    m = _manifest({"hashKeys": ["a", "b"], "rangeKeys": ["c"]}, {"hashKey": "d"})
    _walk(_body(render_table(m, provider_region=PROVIDER_REGION)), schema, "aws_dynamodb_table", problems, top=True)
    assert problems == []
    assert "key_schema" in schema["block_types"]["global_secondary_index"]["block"]["block_types"]


def test_one_attribute_lists_render_as_hash_key_and_range_key_like_the_single_form() -> None:
    lists = render_table(_manifest({"hashKeys": ["a"], "rangeKeys": ["b"]}), provider_region=PROVIDER_REGION)
    single = render_table(_manifest({"hashKey": "a", "rangeKey": "b"}), provider_region=PROVIDER_REGION)
    assert lists == single
    assert f'version = "{PROVIDER_VERSION}"' in render_versions(
        [_manifest({"hashKeys": ["a"]})], provider_region="us-east-1"
    )


def test_versions_require_the_first_provider_with_key_schema() -> None:
    versions = render_versions([_manifest({"hashKeys": ["a", "b"]})], provider_region=PROVIDER_REGION)
    assert 'version = ">= 6.29, < 7.0"' in versions
    assert "multi-attribute GSI keys" in versions
