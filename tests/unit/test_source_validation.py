"""spec.source [A24]: `validate` and the CRD at admission give the same verdict where admission can judge; the
rules that need the table's name or region are the operator's alone."""

from __future__ import annotations

from typing import Any

import celpy
import jsonschema
import pytest

from dynamotable.api.crd import crd
from dynamotable.api.validation import validate_manifest

SPEC_SCHEMA = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
ENV = celpy.Environment()
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders-prod"
BACKUP_ARN = TABLE_ARN + "/backup/01700000000000-abcdef12"
IMPORT = {"bucket": "exports", "keyPrefix": "orders/", "inputFormat": "DYNAMODB_JSON"}


def spec_with(source: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "tableName": "orders",
        "region": "us-east-1",
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}],
        "source": source,
        **more,
    }


def errors(spec: dict[str, Any]) -> list[str]:
    doc = {"apiVersion": "dynamotable.io/v1alpha1", "kind": "DynamoTable", "metadata": {"name": "t"}, "spec": spec}
    _, errs = validate_manifest(doc, default_region="us-east-1")
    return [str(e) for e in errs]


def admitted(spec: dict[str, Any]) -> bool:
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
        if not bool(ENV.program(ENV.compile(rule["rule"])).evaluate({"self": celpy.json_to_cel(value)})):
            return False
    return True


@pytest.mark.parametrize(
    "source",
    [
        {"pointInTime": {"sourceTableName": "orders-prod", "restoreDateTime": "2026-11-30T12:00:00Z"}},
        {"pointInTime": {"sourceTableArn": TABLE_ARN, "useLatestRestorableTime": True}},
        {
            "pointInTime": {
                "sourceTableName": "orders-prod",
                "useLatestRestorableTime": False,
                "restoreDateTime": "2026-11-30T12:00:00.5+01:00",
            }
        },
        {"backup": {"backupArn": BACKUP_ARN}},
        {"s3Import": IMPORT},
        {
            "s3Import": {
                **IMPORT,
                "inputFormat": "CSV",
                "inputCompression": "GZIP",
                "csv": {"delimiter": "\t", "headerList": ["id"]},
            }
        },
        {"s3Import": {**IMPORT, "bucketOwner": "123456789012", "inputCompression": "ZSTD"}},
    ],
)
def test_a_valid_source_is_valid_and_admitted(source: dict[str, Any]) -> None:
    spec = spec_with(source)
    assert errors(spec) == []
    assert admitted(spec)


@pytest.mark.parametrize(
    ("source", "more", "field"),
    [
        ({}, {}, "spec.source"),
        ({"backup": {"backupArn": BACKUP_ARN}, "s3Import": IMPORT}, {}, "spec.source"),
        ({"pointInTime": {"useLatestRestorableTime": True}}, {}, "spec.source.pointInTime"),
        (
            {"pointInTime": {"sourceTableName": "a-b-c", "sourceTableArn": TABLE_ARN, "useLatestRestorableTime": True}},
            {},
            "spec.source.pointInTime",
        ),
        ({"pointInTime": {"sourceTableName": "orders-prod"}}, {}, "spec.source.pointInTime"),
        (
            {"pointInTime": {"sourceTableName": "orders-prod", "useLatestRestorableTime": False}},
            {},
            "spec.source.pointInTime",
        ),
        (
            {"pointInTime": {"sourceTableName": "orders-prod", "restoreDateTime": "2026-11-30 12:00"}},
            {},
            "spec.source.pointInTime.restoreDateTime",
        ),
        (
            {"pointInTime": {"sourceTableArn": BACKUP_ARN, "useLatestRestorableTime": True}},
            {},
            "spec.source.pointInTime.sourceTableArn",
        ),
        ({"backup": {"backupArn": TABLE_ARN}}, {}, "spec.source.backup.backupArn"),
        ({"s3Import": {**IMPORT, "csv": {"delimiter": ","}}}, {}, "spec.source.s3Import.csv"),
        ({"s3Import": {**IMPORT, "inputFormat": "PARQUET"}}, {}, "spec.source.s3Import.inputFormat"),
        ({"s3Import": {**IMPORT, "bucket": "a"}}, {}, "spec.source.s3Import.bucket"),
        ({"s3Import": {**IMPORT, "bucketOwner": "1234"}}, {}, "spec.source.s3Import.bucketOwner"),
        (
            {"s3Import": IMPORT},
            {
                "rangeKey": "ts",
                "attributes": [{"name": "id", "type": "S"}, {"name": "ts", "type": "N"}, {"name": "st", "type": "S"}],
                "localSecondaryIndexes": [{"name": "BySt", "rangeKey": "st"}],
            },
            "spec.localSecondaryIndexes",
        ),
    ],
)
def test_each_source_error_names_its_field_and_admission_agrees(
    source: dict[str, Any], more: dict[str, Any], field: str
) -> None:
    spec = spec_with(source, **more)
    found = errors(spec)
    assert any(e.startswith(field + ":") for e in found), found
    assert not admitted(spec), f"the CRD admits what validate refuses: {found}"


@pytest.mark.parametrize(
    ("source", "field"),
    [
        (
            {"pointInTime": {"sourceTableName": "orders", "useLatestRestorableTime": True}},
            "spec.source.pointInTime.sourceTableName",
        ),
        (
            {"backup": {"backupArn": BACKUP_ARN.replace("us-east-1", "eu-west-1")}},
            "spec.source.backup.backupArn",
        ),
    ],
)
def test_source_errors_that_need_the_table_name_or_region_name_their_field(source: dict[str, Any], field: str) -> None:
    found = errors(spec_with(source))
    assert any(e.startswith(field + ":") for e in found), found
