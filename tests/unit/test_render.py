"""terraform/render.py: schema names, parsing, determinism, escaping, lifecycle, providers, replicas, comments."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_render_support import (
    KEY_ARN,
    KEY_ARN_WEST,
    PROVIDER_REGION,
    SCHEMA_PATH,
    example_sources,
    full_manifest,
    hcl_loads,
    manifest,
    resources,
    unescape,
)

from dynamotable.api import spec as s
from dynamotable.api.validation import OWNER_TAG
from dynamotable.terraform import hcl, render
from dynamotable.terraform.render import (
    IGNORE_CHANGES,
    PROVIDER_VERSION,
    PROVIDER_VERSION_V6,
    render_files,
    render_table,
    render_versions,
    table_labels,
)

META_ARGUMENTS = {"provider", "lifecycle", "depends_on", "count", "for_each"}


def _all_renders() -> list[Any]:
    """(id, manifest) for every example table and the synthetic full manifests."""
    cases = [pytest.param(m, id=f"{src.id}:{m.metadata.name}") for src in example_sources() for m in src.manifests()]
    cases.append(pytest.param(full_manifest(), id="full"))
    cases.append(
        pytest.param(
            full_manifest(
                region="us-west-2",
                billingMode="PROVISIONED",
                readCapacity=5,
                writeCapacity=5,
                onDemandThroughput=None,
                warmThroughput={"readUnitsPerSecond": 12000, "writeUnitsPerSecond": 4000},
                globalSecondaryIndexes=[
                    {
                        "name": "CategoryIndex",
                        "hashKey": "category",
                        "readCapacity": 5,
                        "writeCapacity": 5,
                        "warmThroughput": {"readUnitsPerSecond": 12000},
                    }
                ],
                attributes=[
                    {"name": "id", "type": "S"},
                    {"name": "timestamp", "type": "N"},
                    {"name": "category", "type": "S"},
                    {"name": "status", "type": "S"},
                ],
                serverSideEncryption={"enabled": True, "kmsKeyArn": KEY_ARN_WEST},
                replicas=[
                    {
                        "region": "eu-west-1",
                        "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/abcd",
                        "deletionProtection": True,
                    }
                ],
                ignoreChanges=list(s.IGNORABLE_PATHS),
            ),
            id="full-provisioned-v6",
        )
    )
    return cases


def _body(text: str) -> dict[str, Any]:
    (body,) = resources(hcl_loads(text)).values()
    return body


def _walk(body: dict[str, Any], block: dict[str, Any], path: str, problems: list[str], top: bool) -> None:
    attributes = block.get("attributes", {})
    block_types = block.get("block_types", {})
    for name, value in body.items():
        if name.startswith("__") or (top and name in META_ARGUMENTS):
            continue
        where = f"{path}.{name}"
        if name in block_types:
            nested = block_types[name]
            is_blocks = isinstance(value, list) and all(isinstance(v, dict) and v.get("__is_block__") for v in value)
            if not is_blocks:
                problems.append(f"{where}: the schema has a block, the HCL an argument")
                continue
            if nested.get("max_items") is not None and len(value) > nested["max_items"]:
                problems.append(f"{where}: {len(value)} blocks, at most {nested['max_items']}")
            for i, item in enumerate(value):
                _walk(item, nested["block"], f"{where}[{i}]", problems, top=False)
        elif name in attributes:
            spec = attributes[name]
            if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get("__is_block__"):
                problems.append(f"{where}: the schema has an argument, the HCL a block")
            if spec.get("computed") and not spec.get("optional") and not spec.get("required"):
                problems.append(f"{where}: read-only (computed) attribute")
        else:
            problems.append(f"{where}: not in the aws_dynamodb_table schema")
    for name, spec in attributes.items():
        if spec.get("required") and name not in body:
            problems.append(f"{path}.{name}: required by the schema, missing")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    block: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())["block"]
    return block


@pytest.mark.parametrize("m", _all_renders())
def test_every_argument_and_block_is_in_the_provider_schema(m: s.DynamoTable, schema: dict[str, Any]) -> None:
    problems: list[str] = []
    _walk(_body(render_table(m, provider_region=PROVIDER_REGION)), schema, "aws_dynamodb_table", problems, top=True)
    assert problems == []


def test_the_schema_walk_catches_wrong_names(schema: dict[str, Any]) -> None:
    m = full_manifest(serverSideEncryption={"enabled": True, "kmsKeyArn": KEY_ARN}, replicas=None)
    text = render_table(m, provider_region=PROVIDER_REGION)
    bad = text.replace("kms_key_arn", "kms_key_id").replace("projection_type", "projection")
    problems: list[str] = []
    _walk(_body(bad), schema, "t", problems, top=True)
    assert "t.server_side_encryption[0].kms_key_id: not in the aws_dynamodb_table schema" in problems
    assert "t.global_secondary_index[0].projection_type: required by the schema, missing" in problems
    assert "t.local_secondary_index[0].projection: not in the aws_dynamodb_table schema" in problems


def test_full_manifest_renders_every_spec_field() -> None:
    body = _body(render_table(full_manifest(), provider_region=PROVIDER_REGION))
    assert body["name"] == "orders-table"
    assert body["billing_mode"] == "PAY_PER_REQUEST"
    assert (body["hash_key"], body["range_key"]) == ("id", "timestamp")
    assert [(a["name"], a["type"]) for a in body["attribute"]] == [
        ("id", "S"),
        ("timestamp", "N"),
        ("category", "S"),
        ("status", "S"),
    ]
    (gsi,) = body["global_secondary_index"]
    assert {k: v for k, v in gsi.items() if not k.startswith("__") and k != "on_demand_throughput"} == {
        "name": "CategoryIndex",
        "hash_key": "category",
        "range_key": "timestamp",
        "projection_type": "INCLUDE",
        "non_key_attributes": ["price", "title"],
    }
    assert gsi["on_demand_throughput"][0]["max_read_request_units"] == 100
    (lsi,) = body["local_secondary_index"]
    assert (lsi["name"], lsi["range_key"], lsi["projection_type"]) == ("StatusIndex", "status", "KEYS_ONLY")
    assert (body["stream_enabled"], body["stream_view_type"]) == (True, "NEW_AND_OLD_IMAGES")
    assert body["point_in_time_recovery"][0]["recovery_period_in_days"] == 35
    assert body["server_side_encryption"][0]["enabled"] is True
    assert "kms_key_arn" not in body["server_side_encryption"][0]
    assert (body["ttl"][0]["attribute_name"], body["ttl"][0]["enabled"]) == ("expiresAt", True)
    assert body["table_class"] == "STANDARD_INFREQUENT_ACCESS"
    assert body["deletion_protection_enabled"] is True
    assert body["on_demand_throughput"][0] == {
        "max_read_request_units": 1000,
        "max_write_request_units": 500,
        "__is_block__": True,
    }
    (replica,) = body["replica"]
    assert {k: v for k, v in replica.items() if not k.startswith("__")} == {
        "region_name": "eu-west-1",
        "point_in_time_recovery": True,
        "propagate_tags": True,
    }
    assert body["tags"] == {"Environment": "production", "Team": "shop", OWNER_TAG: "shop/orders"}


def test_provisioned_capacity_warm_throughput_and_replica_protection() -> None:
    m = full_manifest(
        billingMode="PROVISIONED",
        readCapacity=7,
        writeCapacity=3,
        onDemandThroughput=None,
        warmThroughput={"readUnitsPerSecond": 12000, "writeUnitsPerSecond": 4000},
        globalSecondaryIndexes=[
            {
                "name": "CategoryIndex",
                "hashKey": "category",
                "readCapacity": 2,
                "writeCapacity": 1,
                "warmThroughput": {"readUnitsPerSecond": 13000},
            }
        ],
        attributes=[{"name": n, "type": "S"} for n in ("id", "timestamp", "category", "status")],
        replicas=[{"region": "eu-west-1", "deletionProtection": False}],
        ignoreChanges=["writeCapacity"],
    )
    body = _body(render_table(m, provider_region=PROVIDER_REGION))
    assert (body["read_capacity"], body["write_capacity"]) == (7, 3)
    assert "on_demand_throughput" not in body
    assert body["warm_throughput"][0] == {
        "read_units_per_second": 12000,
        "write_units_per_second": 4000,
        "__is_block__": True,
    }
    (gsi,) = body["global_secondary_index"]
    assert (gsi["read_capacity"], gsi["write_capacity"]) == (2, 1)
    assert gsi["warm_throughput"][0]["read_units_per_second"] == 13000
    assert "write_units_per_second" not in gsi["warm_throughput"][0]
    (replica,) = body["replica"]
    assert replica["deletion_protection_enabled"] is False
    assert "point_in_time_recovery" not in replica and "propagate_tags" not in replica


def test_fields_left_out_of_the_spec_are_not_rendered() -> None:
    body = _body(render_table(manifest(), provider_region=PROVIDER_REGION))
    assert {k for k in body if not k.startswith("__")} == {"name", "billing_mode", "hash_key", "attribute", "tags"}
    assert body["billing_mode"] == "PAY_PER_REQUEST"  # the default is rendered, not left to the provider
    assert body["tags"] == {OWNER_TAG: "shop/orders"}


def test_disabled_blocks_are_rendered_as_disabled() -> None:
    m = manifest(
        stream={"enabled": False},
        pointInTimeRecovery={"enabled": False},
        serverSideEncryption={"enabled": False},
        ttl={"enabled": False},
        deletionProtection=False,
        replicas=[],
        tags={},
    )
    body = _body(render_table(m, provider_region=PROVIDER_REGION, owner=""))
    assert body["stream_enabled"] is False and "stream_view_type" not in body
    assert body["point_in_time_recovery"][0]["enabled"] is False
    assert body["server_side_encryption"][0]["enabled"] is False
    assert body["ttl"][0]["enabled"] is False and "attribute_name" not in body["ttl"][0]
    assert body["deletion_protection_enabled"] is False
    assert "replica" not in body  # [] = no replicas: the set is empty
    assert body["tags"] == {}


# ------------------------------------------------------------------------------------ determinism


def test_output_is_deterministic_and_independent_of_tag_order() -> None:
    tags = {f"k{i}": f"v{i}" for i in range(20)}
    a = render_table(full_manifest(tags=tags), provider_region=PROVIDER_REGION)
    b = render_table(full_manifest(tags=dict(reversed(tags.items()))), provider_region=PROVIDER_REGION)
    assert a == b == render_table(full_manifest(tags=tags), provider_region=PROVIDER_REGION)
    manifests = [full_manifest("a"), full_manifest("b", region="us-west-2")]
    assert render_files(manifests, provider_region=PROVIDER_REGION) == render_files(
        manifests, provider_region=PROVIDER_REGION
    )


def test_render_files_orders_versions_first_then_tables_by_name() -> None:
    files = render_files([manifest("zeta"), manifest("alpha")], provider_region=PROVIDER_REGION)
    assert list(files) == ["versions.tf", "alpha.tf", "zeta.tf"]


# -------------------------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "name",
    [
        'quote"inside',
        "back\\slash",
        "${interpolation}",
        "%{directive}",
        "$${already}",
        "%%{already}",
        "a$b%c{d}",
        "new\nline\ttab\rret",
        "ctrl\x01\x7f",
        "unicode-ü-日本-🙂",
        "trailing\\",
    ],
)
def test_strings_are_escaped_so_they_read_back_unchanged(name: str) -> None:
    m = manifest(attributes=[{"name": name, "type": "S"}], hashKey=name, ttl={"enabled": True, "attributeName": name})
    text = render_table(m, provider_region=PROVIDER_REGION)
    body = _body(text)
    assert unescape(body["hash_key"]) == name
    assert unescape(body["attribute"][0]["name"]) == name
    assert unescape(body["ttl"][0]["attribute_name"]) == name
    assert "${" not in text.replace("$${", "") and "%{" not in text.replace("%%{", "")


def test_quote_and_key() -> None:
    assert hcl.quote("plain") == '"plain"'
    assert hcl.quote('a"b\\c') == '"a\\"b\\\\c"'
    assert hcl.quote("${x} %{y}") == '"$${x} %%{y}"'
    assert hcl.quote("$${x}") == '"$$${x}"'  # HCL reads $$${x} as $ then the escape $${ -> "$${x}"
    assert hcl.quote("\x00\u2028") == '"\\u0000\\u2028"'
    assert hcl.key("Environment") == "Environment"
    assert hcl.key("cost-center") == "cost-center"
    assert hcl.key("dynamotable.io/owner") == '"dynamotable.io/owner"'
    assert hcl.key("a b") == '"a b"'
    for word in ("true", "false", "null", "for"):
        assert hcl.key(word) == f'"{word}"'
    assert hcl.key("Ünï") == '"Ünï"'


def test_tag_keys_read_back_unchanged() -> None:
    tags = {"cost-center": "1", "a b": "x y", "true": "t", "null": "n", "Ünï": "u", "x:y/z@w=v+u": "w"}
    body = _body(render_table(manifest(tags=tags), provider_region=PROVIDER_REGION))
    assert body["tags"] == tags | {OWNER_TAG: "shop/orders"}


def test_identifiers() -> None:
    assert hcl.identifier("main-with-sort") == "main_with_sort"
    assert hcl.identifier("a.b-c_d") == "a_b_c_d"
    assert hcl.identifier("2024-logs") == "table_2024_logs"
    assert hcl.identifier("ünï") == "_n_"


# ------------------------------------------------------------------------------------- alignment


def test_assignments_are_aligned_per_chain() -> None:
    text = render_table(manifest(billingMode="PROVISIONED", readCapacity=5, writeCapacity=5), provider_region="x-1")
    assert '  name           = "orders"\n' in text
    assert "  read_capacity  = 5\n  write_capacity = 5\n" in text
    # A comment line ends the chain: the owner tag is aligned on its own.
    tags = render_table(manifest(tags={"Environment": "p"}), provider_region="x-1")
    assert '    Environment = "p"\n    # Ownership' in tags
    assert '\n    "dynamotable.io/owner" = "shop/orders"\n' in tags


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("abc", 3),
        ("Ünï", 3),
        ("日本語", 3),
        ("a\u0301bc", 3),  # combining acute accent joins the a
        ("\u1100\u1161\u1100\u1161", 2),  # conjoining Hangul jamo: two syllables
        ("\uac00\u11a8", 1),  # LV syllable + T jamo
        ("🙂\u200d🙂", 1),  # ZWJ sequence
        ("👍\U0001f3fd", 1),  # emoji modifier
    ],
)
def test_width_counts_grapheme_clusters(text: str, columns: int) -> None:
    assert hcl.width(text) == columns


# -------------------------------------------------------------------------------- ignore_changes


def test_every_ignorable_path_has_terraform_names_in_the_schema(schema: dict[str, Any]) -> None:
    assert list(IGNORE_CHANGES) == list(s.IGNORABLE_PATHS)
    names = set(schema["attributes"]) | set(schema["block_types"])
    assert {n for names_ in IGNORE_CHANGES.values() for n in names_} <= names


def _ignore_changes(text: str) -> list[str]:
    (lifecycle,) = _body(text)["lifecycle"]
    return [str(x) for x in lifecycle["ignore_changes"]]


@pytest.mark.parametrize("path", list(s.IGNORABLE_PATHS))
def test_each_ignore_changes_path_maps_to_its_terraform_name(path: str) -> None:
    text = render_table(full_manifest(ignoreChanges=[path]), provider_region=PROVIDER_REGION)
    assert tuple(_ignore_changes(text)) == IGNORE_CHANGES[path]


def test_ignore_changes_keeps_a_stable_order_and_lists_each_name_once() -> None:
    paths = ["tags", "globalSecondaryIndexes.warmThroughput", "stream", "globalSecondaryIndexes.readCapacity"]
    text = render_table(full_manifest(ignoreChanges=paths), provider_region=PROVIDER_REGION)
    assert _ignore_changes(text) == ["global_secondary_index", "stream_enabled", "stream_view_type", "tags"]
    assert "Terraform cannot ignore one attribute inside a set block" in text
    shuffled = render_table(full_manifest(ignoreChanges=list(reversed(paths))), provider_region=PROVIDER_REGION)
    assert shuffled == text


def test_no_lifecycle_without_ignore_changes() -> None:
    text = render_table(full_manifest(ignoreChanges=[]), provider_region=PROVIDER_REGION)
    assert "lifecycle" not in _body(text)


# ------------------------------------------------------------------------------ providers, import


def test_same_region_uses_the_default_provider() -> None:
    parsed = hcl_loads(render_table(manifest(region="us-east-1"), provider_region="us-east-1"))
    assert "provider" not in resources(parsed)["orders"]
    (imp,) = parsed["import"]
    assert (imp["to"], imp["id"]) == ("${aws_dynamodb_table.orders}", "orders")
    assert "provider" not in imp


def test_other_region_uses_an_aliased_provider_on_resource_and_import() -> None:
    parsed = hcl_loads(render_table(manifest(region="eu-central-1", tableName="t-1"), provider_region="us-east-1"))
    assert resources(parsed)["orders"]["provider"] == "${aws.eu_central_1}"
    (imp,) = parsed["import"]
    assert (imp["provider"], imp["to"], imp["id"]) == ("${aws.eu_central_1}", "${aws_dynamodb_table.orders}", "t-1")


def test_a_table_without_region_is_in_the_provider_region() -> None:
    text = render_table(manifest(), provider_region="ap-south-1")
    assert "provider" not in _body(text)
    assert "in ap-south-1" in text


def test_versions_declares_one_alias_per_other_table_region_and_none_for_replicas() -> None:
    manifests = [
        manifest("aaa", region="us-east-1"),
        manifest("bbb", region="us-west-2"),
        manifest("ccc", region="eu-west-1"),
        manifest("ddd"),
        full_manifest("eee"),  # its replica in eu-west-1 needs no provider
        manifest("fff", region="us-west-2"),
    ]
    parsed = hcl_loads(render_versions(manifests, provider_region="us-east-1"))
    providers = [p["aws"] for p in parsed["provider"]]
    assert [(p.get("alias"), p["region"]) for p in providers] == [
        (None, "us-east-1"),
        ("eu_west_1", "eu-west-1"),
        ("us_west_2", "us-west-2"),
    ]
    (terraform,) = parsed["terraform"]
    aws = terraform["required_providers"][0]["aws"]
    assert aws == {"source": "hashicorp/aws", "version": PROVIDER_VERSION}
    assert terraform["required_version"] == ">= 1.5"


@pytest.mark.parametrize(
    ("extra", "v6"),
    [
        ({}, False),
        ({"warmThroughput": {"readUnitsPerSecond": 12000}}, True),
        (
            {
                "globalSecondaryIndexes": [
                    {"name": "CategoryIndex", "hashKey": "category", "warmThroughput": {"writeUnitsPerSecond": 4000}}
                ]
            },
            True,
        ),
        ({"replicas": [{"region": "eu-west-1", "deletionProtection": False}]}, True),
        ({"ignoreChanges": ["warmThroughput"]}, True),  # lifecycle names warm_throughput
        ({"ignoreChanges": ["globalSecondaryIndexes.warmThroughput"]}, False),  # global_secondary_index
        ({"replicas": [{"region": "eu-west-1", "pointInTimeRecovery": True, "propagateTags": True}]}, False),
    ],
)
def test_provider_version_needs_6_only_for_what_5_lacks(extra: dict[str, Any], v6: bool) -> None:
    m = full_manifest(**extra)
    assert render.needs_provider_v6(m) is v6
    versions = render_versions([manifest("plain"), m], provider_region="us-east-1")
    assert f'version = "{PROVIDER_VERSION_V6 if v6 else PROVIDER_VERSION}"' in versions
    assert ("AWS provider 6 is needed" in versions) is v6


# ----------------------------------------------------------------------------------------- labels


def test_labels_come_from_metadata_name_and_are_made_unique() -> None:
    manifests = [
        manifest("orders", namespace="shop"),
        manifest("orders", namespace="billing", tableName="billing-orders"),
        manifest("main-table", namespace=None),
        manifest("versions", namespace="ops"),
    ]
    assert table_labels(manifests) == ["shop_orders", "billing_orders", "main_table", "ops_versions"]
    files = render_files(manifests, provider_region=PROVIDER_REGION)
    assert sorted(files) == ["billing_orders.tf", "main_table.tf", "ops_versions.tf", "shop_orders.tf", "versions.tf"]
    assert "aws_dynamodb_table.billing_orders" in files["billing_orders.tf"]


def test_labels_still_clashing_after_the_namespace_prefix_are_numbered() -> None:
    manifests = [
        manifest("a-b", namespace="c", tableName="t-1"),
        manifest("b", namespace="a-c", tableName="t-2"),
        manifest("b", namespace="a_c", tableName="t-3"),
        manifest("c-a-b", namespace="x", tableName="t-4"),
    ]
    labels = table_labels(manifests)
    assert len(set(labels)) == 4
    assert labels == ["a_b", "a_c_b", "a_c_b_2", "c_a_b"]


def test_explicit_label() -> None:
    text = render_table(manifest(), provider_region=PROVIDER_REGION, label="custom")
    assert 'resource "aws_dynamodb_table" "custom"' in text and "to = aws_dynamodb_table.custom" in text


# ------------------------------------------------------------------------------------------ owner


def test_owner_tag_defaults_to_the_manifest_owner_id_and_can_be_given_or_left_out() -> None:
    m = manifest(tags={"Team": "shop"})
    assert _body(render_table(m, provider_region=PROVIDER_REGION))["tags"][OWNER_TAG] == "shop/orders"
    given = _body(render_table(m, provider_region=PROVIDER_REGION, owner="cluster-1:shop/orders"))
    assert given["tags"] == {"Team": "shop", OWNER_TAG: "cluster-1:shop/orders"}
    assert _body(render_table(m, provider_region=PROVIDER_REGION, owner=""))["tags"] == {"Team": "shop"}
    assert "tags" not in _body(render_table(manifest(), provider_region=PROVIDER_REGION, owner=""))
    text = render_table(m, provider_region=PROVIDER_REGION)
    assert "# Ownership tag of dynamotable-operator" in text


def test_owner_defaults_to_the_default_namespace() -> None:
    body = _body(render_table(manifest(namespace=None), provider_region=PROVIDER_REGION))
    assert body["tags"][OWNER_TAG] == "default/orders"


# --------------------------------------------------------------------------------------- comments


def _comment_before(text: str, line_start: str) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith(line_start))
    return lines[index - 1].strip()


def test_forcenew_and_recreate_comments() -> None:
    m = full_manifest(
        serverSideEncryption={"enabled": True, "kmsKeyArn": KEY_ARN},
        replicas=[{"region": "eu-west-1", "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/abcd"}],
    )
    text = render_table(m, provider_region=PROVIDER_REGION)
    assert _comment_before(text, "name ") == (
        "# ForceNew: changing name, hash_key or range_key makes Terraform replace the table (a new, empty table)."
    )
    assert _comment_before(text, "local_secondary_index").startswith("# ForceNew:")
    assert "recreates this index" in _comment_before(text, "global_secondary_index")
    assert "kms_key_arn recreates this replica" in _comment_before(text, "replica {")
    hash_only = render_table(manifest(), provider_region=PROVIDER_REGION)
    assert "# ForceNew: changing name or hash_key makes" in hash_only
    no_kms = render_table(full_manifest(), provider_region=PROVIDER_REGION)
    assert "recreates this replica" not in no_kms


def test_comments_cannot_be_broken_by_names() -> None:
    m = manifest("evil\nresource", tableName="safe-name")
    text = render_table(m, provider_region=PROVIDER_REGION)
    assert "DynamoTable shop/evil?resource" in text
    assert 'resource "aws_dynamodb_table" "evil_resource"' in text
    hcl_loads(text)


# ------------------------------------------------------------------------------------------ purity


@pytest.mark.parametrize("module", [render, hcl], ids=["render", "hcl"])
def test_renderer_imports_only_stdlib_and_the_api(module: Any) -> None:
    import sys

    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    for name in imported:
        top = name.split(".")[0]
        assert (
            top in sys.stdlib_module_names
            or top == "__future__"
            or re.match(r"^dynamotable\.(api|terraform)(\.|$)", name)
        ), f"{module.__name__} imports {name}"
