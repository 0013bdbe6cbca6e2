"""`apply --local`'s embedded endpoint starts empty: the sources a manifest restores or imports from (spec.source,
[A24]) are made there first, as stand-ins, so every example converges in the sandbox. Never used against AWS, a
`--endpoint-url` or a running `dynamotable local`: there a missing source is the error AWS gives.

A source table gets the manifest's own key schema, attributes and indexes (what a restore of it must carry), one
sample item and point-in-time recovery; a backup is made of it under the ARN the manifest names; a bucket gets one
DYNAMODB_JSON object under the key prefix. Each stand-in is reported on one line.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from dynamotable.api import spec as s
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.plan import plan
from dynamotable.local import motobackend

SAMPLE_VALUE: dict[str, dict[str, str]] = {"S": {"S": "sample"}, "N": {"N": "1"}, "B": {"B": "AQ=="}}
POLL_SECONDS = 0.1
WAIT_SECONDS = 120.0


def make_missing_sources(factory: ClientFactory, tables: Sequence[tuple[s.DynamoTable, str]]) -> list[str]:
    """Make the missing sources of `tables` (manifest, region) in the embedded endpoint; one note per stand-in."""
    notes: list[str] = []
    for manifest, region in tables:
        source = manifest.spec.source
        if source is None:
            continue
        if source.s3_import is not None:
            notes += _bucket(factory, manifest, source.s3_import, region)
            continue
        name = _source_table_name(source)
        ddb = factory.dynamodb(region)
        if name is not None and not _table_exists(ddb, name):
            _source_table(ddb, manifest, name, region)
            notes.append(f"sandbox: made source table {name} in {region} (one sample item) for {manifest.table_name}")
        if source.backup is not None and name is not None:
            account = factory.client("sts", region).get_caller_identity()["Account"]
            notes += _backup(ddb, source.backup.backup_arn, name, account, region)
    return notes


def _source_table_name(source: s.Source) -> str | None:
    if source.point_in_time is not None:
        pit = source.point_in_time
        return pit.source_table_name or (pit.source_table_arn or "").rsplit("/", 1)[-1] or None
    if source.backup is not None:
        return source.backup.backup_arn.split(":table/", 1)[1].split("/", 1)[0]
    return None


def _table_exists(ddb: Any, name: str) -> bool:
    try:
        ddb.describe_table(TableName=name)
    except ddb.exceptions.ResourceNotFoundException:
        return False
    return True


def _sample_item(manifest: s.DynamoTable) -> dict[str, dict[str, str]]:
    return {a.name: SAMPLE_VALUE[a.type.value] for a in manifest.spec.attributes}


def _source_table(ddb: Any, manifest: s.DynamoTable, name: str, region: str) -> None:
    """CreateTable of the manifest's own spec under the source's name: the keys and indexes a restore carries."""
    plain = manifest.spec.model_copy(update={"source": None, "table_name": name, "replicas": None})
    copy = manifest.model_copy(update={"spec": plain})
    request = dict(plan(copy, None, region=region, owner="sandbox").steps[0].request)
    request.pop("Tags", None)
    ddb.create_table(**request)
    _wait(lambda: ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE", f"table {name}")
    ddb.put_item(TableName=name, Item=_sample_item(manifest))
    ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})


def _backup(ddb: Any, arn: str, table: str, account: str, region: str) -> list[str]:
    try:
        ddb.describe_backup(BackupArn=arn)
        return []
    except ddb.exceptions.BackupNotFoundException:
        pass
    made = ddb.create_backup(TableName=table, BackupName=f"{table}-sandbox")["BackupDetails"]["BackupArn"]
    backups = motobackend.backend(account, region).backups
    backup = backups.pop(made)
    backup.identifier = arn.rsplit("/", 1)[1]  # moto names backups itself: give it the ARN the manifest names
    backups[arn] = backup
    _wait(lambda: _backup_status(ddb, arn) == "AVAILABLE", f"backup {arn}")
    return [f"sandbox: made backup {arn} of {table}"]


def _backup_status(ddb: Any, arn: str) -> str:
    status: str = ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"]
    return status


def _bucket(factory: ClientFactory, manifest: s.DynamoTable, source: s.S3ImportSource, region: str) -> list[str]:
    if source.input_format != s.InputFormat.DYNAMODB_JSON or source.input_compression == s.InputCompression.ZSTD:
        return [
            f"sandbox: no stand-in for {manifest.table_name}'s import (the sandbox writes DYNAMODB_JSON, plain or GZIP)"
        ]
    s3 = factory.client("s3", region)
    try:
        s3.head_bucket(Bucket=source.bucket)
        return []
    except s3.exceptions.ClientError:
        pass
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=source.bucket, **where)
    body = json.dumps({"Item": _sample_item(manifest)}).encode()
    gz = source.input_compression == s.InputCompression.GZIP
    key = f"{source.key_prefix or ''}part-0.json{'.gz' if gz else ''}"
    s3.put_object(Bucket=source.bucket, Key=key, Body=gzip.compress(body) if gz else body)
    return [f"sandbox: made bucket {source.bucket} with one item under {key} for {manifest.table_name}"]


def _wait(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"sandbox: {what} not ready after {WAIT_SECONDS:g}s")
        time.sleep(POLL_SECONDS)
