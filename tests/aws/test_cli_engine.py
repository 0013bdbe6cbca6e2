"""`dynamotable plan | apply | delete` against the embedded local DynamoDB, end to end through the CLI."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config
from click.testing import CliRunner

from dynamotable.cli import main
from dynamotable.engine.model import is_mutating
from dynamotable.local import Latency, LocalEndpoint, motobackend

ROOT = Path(__file__).resolve().parents[2]
TABLE = """\
apiVersion: dynamotable.io/v1alpha1
kind: DynamoTable
metadata: {{name: carts, namespace: shop}}
spec:
  tableName: cli-carts
  region: us-east-1
  hashKey: id
  attributes: [{{name: id, type: S}}{extra_attr}]
  deletionPolicy: {policy}
{extra}"""
GSI = "  globalSecondaryIndexes: [{name: ByStatus, hashKey: status, projectionType: KEYS_ONLY}]\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(latency=Latency(create=0.2, update=0.2, delete=0.2, gsi_create=0.3, gsi_delete=0.2)) as ep:
        yield ep


def write(tmp_path: Path, *, policy: str = "Retain", gsi: bool = False) -> Path:
    path = tmp_path / "carts.yaml"
    path.write_text(
        TABLE.format(
            policy=policy,
            extra=GSI if gsi else "",
            extra_attr=", {name: status, type: S}" if gsi else "",
        )
    )
    return path


def mutating(endpoint: LocalEndpoint) -> list[Any]:
    return [r for r in endpoint.requests() if is_mutating(r.operation)]


# Examples that create their table from spec.source [A24]: --local's endpoint starts empty, so apply --local makes
# stand-ins of their sources first (commands/sandbox_sources.py); test_the_source_examples_converge_once_their_
# sources_exist applies them to an endpoint where the sources were made beforehand.
SOURCE_EXAMPLES = ("restore-point-in-time.yaml", "restore-backup.yaml", "s3-import.yaml")


def _creates_from_a_source(path: Path) -> bool:
    """Whether a DynamoTable of the file has spec.source (an Argo CD Application's spec.source is another thing)."""
    docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    return any(d.get("kind") == "DynamoTable" and "source" in (d.get("spec") or {}) for d in docs)


def test_every_example_converges_with_apply_local_and_a_fresh_plan_is_empty() -> None:
    # every example, as README's quickstart applies them: the one that streams to Kinesis (--local's endpoint makes
    # the streams manifests name) and those restored or imported (it makes their sources, and says so)
    with_source = sorted(p.name for p in (ROOT / "examples").rglob("*.yaml") if _creates_from_a_source(p))
    assert with_source == sorted(SOURCE_EXAMPLES)
    code, out, err = run("apply", "-f", str(ROOT / "examples"), "--local", "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    assert {t["state"] for t in report["tables"]} == {"done"}
    assert len(report["tables"]) >= 30
    assert report["summary"]["verified"] is True and report["summary"]["converged"] is True
    assert {t["reason"] for t in report["tables"]} == {"Synced"}
    assert "Enter a value" not in err  # creates only: no question
    made = [line for line in err.splitlines() if line.startswith("sandbox: made ")]
    assert len(made) == 3, err  # orders-live, its backup, the bucket of the import
    assert any("backup arn:aws:dynamodb:us-east-1:123456789012:table/orders-live/backup/" in m for m in made)


def test_apply_local_makes_no_stand_in_for_a_table_without_a_source(tmp_path: Path) -> None:
    path = write(tmp_path)
    code, _, err = run("apply", "-f", str(path), "--local")
    assert code == 0, err
    assert "sandbox:" not in err


def test_plan_exit_codes_and_no_mutating_call(endpoint: LocalEndpoint, tmp_path: Path) -> None:
    path = write(tmp_path)
    code, out, _ = run("plan", "-f", str(path), "--endpoint-url", endpoint.url)
    assert code == 2 and "create table cli-carts" in out
    assert mutating(endpoint) == []

    code, _, err = run("apply", "-f", str(path), "--endpoint-url", endpoint.url)
    assert code == 0, err
    endpoint.clear_requests()
    code, out, _ = run("plan", "-f", str(path), "--endpoint-url", endpoint.url)
    assert code == 0 and "no changes" in out
    assert mutating(endpoint) == []

    path = write(tmp_path, gsi=True)
    code, out, _ = run("plan", "-f", str(path), "--endpoint-url", endpoint.url, "-o", "json")
    assert code == 2
    (table,) = json.loads(out)["tables"]
    assert [s["operation"] for s in table["steps"]] == ["UpdateTable"]
    assert "ByStatus" in table["steps"][0]["description"]
    assert mutating(endpoint) == []

    code, _, err = run("apply", "-f", str(path), "--endpoint-url", endpoint.url)
    assert code == 0, err
    described = client_for(endpoint).describe_table(TableName="cli-carts")["Table"]
    assert [g["IndexName"] for g in described["GlobalSecondaryIndexes"]] == ["ByStatus"]


def test_invalid_manifest_sends_nothing(endpoint: LocalEndpoint, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(write(tmp_path).read_text().replace("hashKey: id", "hashKey: id\n  rangeKey: ts"))
    endpoint.clear_requests()
    code, _, err = run("apply", "-f", str(path), "--endpoint-url", endpoint.url)
    assert code == 1
    assert "spec.rangeKey: key attribute 'ts' is not defined" in err
    assert endpoint.requests() == []


def client_for(endpoint: LocalEndpoint) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def test_delete_honours_deletion_policy(endpoint: LocalEndpoint, tmp_path: Path) -> None:
    client = client_for(endpoint)
    path = write(tmp_path, policy="Retain")
    assert run("apply", "-f", str(path), "--endpoint-url", endpoint.url)[0] == 0
    arn = client.describe_table(TableName="cli-carts")["Table"]["TableArn"]
    assert run("delete", "-f", str(path), "--endpoint-url", endpoint.url)[0] == 1  # not confirmed: nothing sent
    assert "dynamotable.io/owner" in {t["Key"] for t in client.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert run("delete", "-f", str(path), "--endpoint-url", endpoint.url, "--auto-approve")[0] == 0
    tags = client.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert "dynamotable.io/owner" not in {t["Key"] for t in tags}  # retained, and no longer claimed

    # a retained table is not ours any more: apply needs adopt to take it back
    code, out, _ = run("apply", "-f", str(path), "--endpoint-url", endpoint.url, "-o", "json")
    assert code == 1 and json.loads(out)["tables"][0]["reason"] == "AdoptionRequired"

    path.write_text(path.read_text().replace("deletionPolicy: Retain", "deletionPolicy: Delete\n  adopt: true"))
    assert run("apply", "-f", str(path), "--endpoint-url", endpoint.url)[0] == 0
    code, _, err = run("delete", "-f", str(path), "--endpoint-url", endpoint.url, "--auto-approve")
    assert code == 0, err
    assert "cli-carts: deleted" in err
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="cli-carts")


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_plan_reports_waiting_and_adoption_instead_of_no_changes(tmp_path: Path) -> None:
    clock = ManualClock()  # transitions end only when the test moves the clock: no race with the CLI's start-up
    with LocalEndpoint(latency=Latency(create=1.0), clock=clock) as endpoint:
        client = client_for(endpoint)
        client.create_table(
            TableName="cli-carts",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        path = write(tmp_path)
        code, out, _ = run("plan", "-f", str(path), "--endpoint-url", endpoint.url)
        assert code == 2 and "CREATING" in out  # still creating: not known to be converged

        clock.now += 2.0
        code, out, _ = run("plan", "-f", str(path), "--endpoint-url", endpoint.url)
        assert code == 1 and "AdoptionRequired" in out  # apply could not go ahead without adopt

        path.write_text(path.read_text().replace("deletionPolicy: Retain", "deletionPolicy: Retain\n  adopt: true"))
        code, out, _ = run("plan", "-f", str(path), "--endpoint-url", endpoint.url, "-o", "json")
        (table,) = json.loads(out)["tables"]
        assert code == 2
        assert [s["operation"] for s in table["steps"]] == ["TagResource"]  # adoption = claiming it with our tag
        assert [r.operation for r in mutating(endpoint)] == ["CreateTable"]  # only the test's own create


def _clients(endpoint: LocalEndpoint) -> tuple[Any, Any]:
    config = Config(retries={"mode": "standard", "max_attempts": 1})
    kw: dict[str, Any] = {
        "endpoint_url": endpoint.url,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "config": config,
    }
    return boto3.client("dynamodb", **kw), boto3.client("s3", **kw)


def _give_backup_the_arn(arn: str, made: str) -> None:
    """moto mints backup ids itself: the backup the test made takes the id the example names."""
    backups = motobackend.backend("123456789012", "us-east-1").backups
    backup = backups.pop(made)
    backup.identifier = arn.rsplit("/", 1)[1]
    backups[arn] = backup


def test_the_source_examples_converge_once_their_sources_exist(endpoint: LocalEndpoint, tmp_path: Path) -> None:
    """The sources the examples name are made first (a table with point-in-time recovery and a GSI, its backup,
    gzip-compressed DynamoDB JSON objects in a bucket); then the examples, unchanged, converge and have the data."""
    ddb, s3 = _clients(endpoint)
    ddb.create_table(
        TableName="orders-live",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByStatus",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    ddb.get_waiter("table_exists").wait(TableName="orders-live", WaiterConfig={"Delay": 0.2})
    ddb.put_item(TableName="orders-live", Item={"id": {"S": "o-1"}, "status": {"S": "NEW"}})
    ddb.update_continuous_backups(
        TableName="orders-live", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    made = ddb.create_backup(TableName="orders-live", BackupName="nightly")["BackupDetails"]["BackupArn"]
    example = (ROOT / "examples" / "restore-backup.yaml").read_text()
    _give_backup_the_arn(example.split("backupArn: ", 1)[1].split()[0], made)
    s3.create_bucket(Bucket="orders-exports")
    item = json.dumps({"Item": {"id": {"S": "o-9"}, "createdAt": {"N": "1"}}}).encode()
    s3.put_object(Bucket="orders-exports", Key="orders/part-0.json.gz", Body=gzip.compress(item))
    examples = tmp_path / "examples"
    examples.mkdir()
    for name in SOURCE_EXAMPLES:
        shutil.copy(ROOT / "examples" / name, examples / name)
    code, out, err = run("apply", "-f", str(examples), "--endpoint-url", endpoint.url, "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    assert {t["reason"] for t in report["tables"]} == {"Synced"} and len(report["tables"]) == 3
    for table, key in (("orders-restored", "o-1"), ("orders-from-backup", "o-1"), ("orders-imported", "o-9")):
        assert [i["id"]["S"] for i in ddb.scan(TableName=table)["Items"]] == [key], table
    assert run("plan", "-f", str(examples), "--endpoint-url", endpoint.url)[0] == 0  # nothing left to do
