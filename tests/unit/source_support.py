"""[A24] The sources the examples restore or import from, made on an embedded endpoint before they are applied:
a table with point-in-time recovery and the GSI the backup example keeps, its backup under the ARN the example
names (moto mints backup ids itself, so the backup takes the example's id), and the bucket with one
gzip-compressed DynamoDB JSON object. The examples are applied unchanged."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from typing import Any

import boto3
from botocore.config import Config

from dynamotable.api.spec import DynamoTable
from dynamotable.local import motobackend

ACCOUNT = "123456789012"  # moto's account for any test credentials
ITEM = b'{"Item": {"id": {"S": "a"}, "createdAt": {"N": "1"}}}'


def create_example_sources(endpoint_url: str, manifests: Iterable[DynamoTable], credentials: str = "testing") -> None:
    for m in manifests:
        source = m.spec.source
        if source is None:
            continue
        region = m.region_or("us-east-1")
        kw: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": credentials,
            "aws_secret_access_key": credentials,
            "config": Config(retries={"mode": "standard", "max_attempts": 1}),
        }
        if source.s3_import is not None:
            s3 = boto3.client("s3", **kw)
            s3.create_bucket(Bucket=source.s3_import.bucket)
            key = f"{source.s3_import.key_prefix or ''}part-0.json.gz"
            s3.put_object(Bucket=source.s3_import.bucket, Key=key, Body=gzip.compress(ITEM))
            continue
        name = source.point_in_time.source_table_name if source.point_in_time is not None else None
        if name is None and source.backup is not None:
            name = source.backup.backup_arn.split("/")[1]
        assert name, f"{m.table_name}: a source example names its source table"
        ddb = boto3.client("dynamodb", **kw)
        if motobackend.find_table(ACCOUNT, region, name) is None:
            _source_table(ddb, name)
        if source.backup is not None:
            made = ddb.create_backup(TableName=name, BackupName="nightly")["BackupDetails"]["BackupArn"]
            backups = motobackend.backend(ACCOUNT, region).backups
            backup = backups.pop(made)
            backup.identifier = source.backup.backup_arn.rsplit("/", 1)[1]
            backups[source.backup.backup_arn] = backup


def _source_table(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
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
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    ddb.put_item(TableName=name, Item={"id": {"S": "o-1"}, "status": {"S": "NEW"}})
    ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
