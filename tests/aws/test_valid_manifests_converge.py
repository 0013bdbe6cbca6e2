"""Every tricky valid manifest (tests/unit/valid/) converges on the embedded local endpoint, through the CLI:
`dynamotable apply -f tests/unit/valid --endpoint-url ...`, then a fresh `plan` finds nothing to do.

What the boundaries become on the table is checked too: 49 user tags plus the ownership tag make AWS's 50,
the longest namespace/name gives a 256-character ownership tag, 20 GSIs and 5 LSIs exist, PITR keeps 35 days,
and replicas come up with a KEYS_ONLY stream or with no stream declared (AWS then enables NEW_AND_OLD_IMAGES).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from click.testing import CliRunner

from dynamotable.api import spec as s
from dynamotable.api.validation import OWNER_TAG
from dynamotable.cli import main
from dynamotable.local import LocalEndpoint

VALID = Path(__file__).resolve().parents[1] / "unit" / "valid"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as ep:
        yield ep


@pytest.fixture(scope="module")
def applied(endpoint: LocalEndpoint) -> dict[str, Any]:
    code, out, err = run("apply", "-f", str(VALID), "--endpoint-url", endpoint.url, "-o", "json")
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


def client(endpoint: LocalEndpoint, region: str = "us-east-1") -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def table_of(report: dict[str, Any], name: str) -> dict[str, Any]:
    (table,) = [t for t in report["tables"] if t["table"] == name]
    return table


def tags(endpoint: LocalEndpoint, arn: str, region: str = "us-east-1") -> dict[str, str]:
    pages = client(endpoint, region).get_paginator("list_tags_of_resource").paginate(ResourceArn=arn)
    return {t["Key"]: t["Value"] for page in pages for t in page.get("Tags", [])}


def test_every_valid_manifest_converges(applied: dict[str, Any]) -> None:
    assert {t["state"] for t in applied["tables"]} == {"done"}, [
        (t["table"], t["state"], t["message"]) for t in applied["tables"] if t["state"] != "done"
    ]
    assert applied["summary"]["converged"] is True and applied["summary"]["verified"] is True
    files = sorted(VALID.glob("*.yaml"))
    assert len(applied["tables"]) >= len(files) >= 15


def test_a_fresh_plan_has_nothing_to_do(endpoint: LocalEndpoint, applied: dict[str, Any]) -> None:
    code, out, err = run("plan", "-f", str(VALID), "--endpoint-url", endpoint.url, "-o", "json")
    assert code == 0, (out, err)
    report = json.loads(out)
    assert {t["state"] for t in report["tables"]} == {"unchanged"}
    assert report["summary"]["changed"] == 0 and report["summary"]["steps"] == 0


def test_49_user_tags_and_the_ownership_tag_make_50(endpoint: LocalEndpoint, applied: dict[str, Any]) -> None:
    arn = table_of(applied, "valid-tags-49")["tableArn"]
    live = tags(endpoint, arn)
    assert len(live) == s.MAX_TAGS and live[OWNER_TAG] == "valid/tags-49"


def test_the_longest_ownership_tag_is_256_characters(endpoint: LocalEndpoint, applied: dict[str, Any]) -> None:
    table = table_of(applied, "valid-longest-owner")
    owner = tags(endpoint, table["tableArn"])[OWNER_TAG]
    assert len(owner) == s.OWNER_TAG_VALUE_MAX and owner == table["owner"] and "~" in owner


def test_unicode_and_boundary_tags_arrive_unchanged(endpoint: LocalEndpoint, applied: dict[str, Any]) -> None:
    unicode_tags = tags(endpoint, table_of(applied, "valid-tags-unicode")["tableArn"])
    assert unicode_tags["チーム"] == "東京" and unicode_tags["équipe"] == "données clients"
    lengths = tags(endpoint, table_of(applied, "valid-tag-lengths")["tableArn"])
    assert {len(k) for k in lengths if k != OWNER_TAG} == {128} and {len(v) for v in lengths.values()} >= {256}


def test_index_boundaries_exist(endpoint: LocalEndpoint, applied: dict[str, Any]) -> None:
    ddb = client(endpoint)
    gsis = ddb.describe_table(TableName="valid-twenty-gsis")["Table"]["GlobalSecondaryIndexes"]
    assert len(gsis) == s.MAX_GSIS
    lsis = ddb.describe_table(TableName="valid-five-lsis")["Table"]["LocalSecondaryIndexes"]
    assert len(lsis) == s.MAX_LSIS
    pitr = ddb.describe_continuous_backups(TableName="valid-pitr-35")["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == s.PITR_MAX_DAYS


@pytest.mark.parametrize(
    ("name", "view_type"),
    [("valid-replica-keys-only", "KEYS_ONLY"), ("valid-replica-no-stream", "NEW_AND_OLD_IMAGES")],
)
def test_replicas_with_any_stream_or_none(
    endpoint: LocalEndpoint, applied: dict[str, Any], name: str, view_type: str
) -> None:
    described = client(endpoint).describe_table(TableName=name)["Table"]
    assert [r["RegionName"] for r in described.get("Replicas", [])] == ["us-west-2"]
    assert described["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": view_type}
