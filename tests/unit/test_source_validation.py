"""spec.source [A24]: `validate` and the CRD at admission give the same verdict where admission can judge; the
rules that need the table's name or region are the operator's alone."""

from __future__ import annotations

from typing import Any

import pytest
from test_surface_validation import admitted, errors

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
