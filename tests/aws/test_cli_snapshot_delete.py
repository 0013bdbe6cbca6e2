"""`dynamotable delete` of a table with deletionPolicy Snapshot against the embedded endpoint [A25]: the preview
says the table is backed up first, and the output (text and `-o json`) names the final backup's ARN."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from click.testing import CliRunner

from dynamotable.cli import main
from dynamotable.local import LocalEndpoint

TABLE = """\
apiVersion: dynamotable.io/v1alpha1
kind: DynamoTable
metadata: {name: carts, namespace: shop}
spec:
  tableName: cli-snap-carts
  region: us-east-1
  hashKey: id
  attributes: [{name: id, type: S}]
  deletionPolicy: Snapshot
"""


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def endpoint() -> Iterator[LocalEndpoint]:
    # no latency: every transition (CREATING, the backup's CREATING, DELETING) is over by the next request
    with LocalEndpoint(clock=ManualClock()) as ep:
        yield ep


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def client_for(endpoint: LocalEndpoint) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def test_a25_delete_with_snapshot_backs_up_first_and_prints_the_backup_arn(
    endpoint: LocalEndpoint, tmp_path: Path
) -> None:
    path = tmp_path / "carts.yaml"
    path.write_text(TABLE)
    assert run("apply", "-f", str(path), "--endpoint-url", endpoint.url)[0] == 0

    code, out, err = run("delete", "-f", str(path), "--endpoint-url", endpoint.url, "--auto-approve", "-o", "json")
    assert code == 0, err
    assert "DELETE: back up table cli-snap-carts as cli-snap-carts-final-" in err
    (table,) = json.loads(out)["tables"]
    client = client_for(endpoint)
    (backup,) = client.list_backups(TableName="cli-snap-carts")["BackupSummaries"]
    assert backup["BackupStatus"] == "AVAILABLE" and backup["BackupName"].startswith("cli-snap-carts-final-")
    assert table["finalBackupArn"] == backup["BackupArn"]
    assert table["result"] == f"deleted (final backup {backup['BackupArn']})"
    operations = [s["operation"] for s in table["steps"]]
    assert operations[0] == "CreateBackup" and operations[-1] == "DeleteTable"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="cli-snap-carts")


def test_a25_delete_with_snapshot_prints_the_arn_in_the_text_output(endpoint: LocalEndpoint, tmp_path: Path) -> None:
    path = tmp_path / "carts.yaml"
    path.write_text(TABLE)
    assert run("apply", "-f", str(path), "--endpoint-url", endpoint.url)[0] == 0
    code, out, err = run("delete", "-f", str(path), "--endpoint-url", endpoint.url, "--auto-approve")
    assert code == 0, err
    (backup,) = client_for(endpoint).list_backups(TableName="cli-snap-carts")["BackupSummaries"]
    assert backup["BackupArn"] in " ".join((out + err).split())
