"""terraform/render_source.py [A24]: a table with spec.source renders its restore or import arguments as a comment
in the resource, never as arguments (they force replacement of the imported table); uncommented, the block is
valid against the provider 6.47.0 schema of aws_dynamodb_table."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from test_render_support import SCHEMA_PATH, hcl_loads, manifest, resources

from dynamotable.terraform.render import render_table

RESTORE_ARGUMENTS = {
    "restore_source_name",
    "restore_source_table_arn",
    "restore_date_time",
    "restore_to_latest_time",
    "restore_backup_arn",
    "import_table",
}
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders-prod"
SOURCES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "point in time by name": (
        {"pointInTime": {"sourceTableName": "orders-prod", "restoreDateTime": "2026-11-30T12:00:00Z"}},
        {"restore_source_name": "orders-prod", "restore_date_time": "2026-11-30T12:00:00Z"},
    ),
    "latest restorable time by ARN": (
        {"pointInTime": {"sourceTableArn": TABLE_ARN, "useLatestRestorableTime": True}},
        {"restore_source_table_arn": TABLE_ARN, "restore_to_latest_time": True},
    ),
    "backup": (
        {"backup": {"backupArn": TABLE_ARN + "/backup/01700000000000-abcdef12"}},
        {"restore_backup_arn": TABLE_ARN + "/backup/01700000000000-abcdef12"},
    ),
    "s3 import with csv": (
        {
            "s3Import": {
                "bucket": "exports",
                "keyPrefix": "orders/",
                "bucketOwner": "123456789012",
                "inputFormat": "CSV",
                "inputCompression": "GZIP",
                "csv": {"delimiter": ",", "headerList": ["id", "total"]},
            }
        },
        {
            "import_table": [
                {
                    "input_format": "CSV",
                    "input_compression_type": "GZIP",
                    "s3_bucket_source": [
                        {"bucket": "exports", "key_prefix": "orders/", "bucket_owner": "123456789012"}
                    ],
                    "input_format_options": [{"csv": [{"delimiter": ",", "header_list": ["id", "total"]}]}],
                }
            ]
        },
    ),
}
COMMENTED = re.compile(r"^  # ?(?P<line>.*)$")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    block: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())["block"]
    return block


def rendered(source: dict[str, Any]) -> str:
    return render_table(manifest(source=source), provider_region="us-east-1")


def uncommented(text: str) -> str:
    """The resource with the commented source block written out as arguments."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  # spec.source:")) + 2
    end = next(i for i in range(start, len(lines)) if not COMMENTED.match(lines[i]))
    body = [COMMENTED.match(line)["line"] for line in lines[start:end]]  # type: ignore[index]
    return "\n".join([*lines[:start], *("  " + b if b else "" for b in body), *lines[end:]])


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("__")}
    return value


def _problems(body: dict[str, Any], block: dict[str, Any], path: str, *, top: bool = False) -> list[str]:
    """Arguments and blocks not in the schema, and (below the resource's own level) required ones missing."""
    problems = []
    for name, value in body.items():
        if name.startswith("__"):
            continue
        if name in block.get("block_types", {}):
            for item in value:
                problems += _problems(item, block["block_types"][name]["block"], f"{path}.{name}")
        elif name not in block.get("attributes", {}):
            problems.append(f"{path}.{name}")
    for name, spec in block.get("attributes", {}).items():
        if spec.get("required") and name not in body and not top:
            problems.append(f"{path}.{name} missing")
    return problems


@pytest.mark.parametrize(("source", "arguments"), list(SOURCES.values()), ids=list(SOURCES))
def test_a24_restore_and_import_arguments_are_a_comment_and_not_arguments(
    source: dict[str, Any], arguments: dict[str, Any]
) -> None:
    text = rendered(source)
    (body,) = resources(hcl_loads(text)).values()
    assert not RESTORE_ARGUMENTS & set(body), "restore/import arguments would force replacement"
    assert "these arguments force" in text and "replacement" in text


@pytest.mark.parametrize(("source", "arguments"), list(SOURCES.values()), ids=list(SOURCES))
def test_a24_the_commented_block_uncommented_is_valid_in_the_provider_schema(
    source: dict[str, Any], arguments: dict[str, Any], schema: dict[str, Any]
) -> None:
    (body,) = resources(hcl_loads(uncommented(rendered(source)))).values()
    written = {k: _plain(v) for k, v in body.items() if k in RESTORE_ARGUMENTS}
    assert written == arguments
    assert _problems({k: body[k] for k in written}, schema, "aws_dynamodb_table", top=True) == []


def test_a_table_without_source_renders_no_source_comment() -> None:
    assert "spec.source" not in render_table(manifest(), provider_region="us-east-1")


def test_the_schema_check_catches_wrong_names(schema: dict[str, Any]) -> None:
    wrong = {"restore_backup": "x", "import_table": [{"input_format": "CSV", "s3_bucket_source": [{"key": "a"}]}]}
    assert _problems(wrong, schema, "t", top=True) == [
        "t.restore_backup",
        "t.import_table.s3_bucket_source.key",
        "t.import_table.s3_bucket_source.bucket missing",
    ]
