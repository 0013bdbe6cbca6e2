"""Read the live table from AWS and normalize it (the only reads the engine makes).

DescribeTable always; ListTagsOfResource (all pages) always, because ownership is decided from our tag;
DescribeTimeToLive, DescribeContinuousBackups and the KMS alias lookup only when the spec manages TTL,
PITR or an AWS managed key; per managed replica a DescribeTable (and DescribeContinuousBackups, and tags
when they are propagated) in the replica's own region. Extra reads are skipped while the table is not
ACTIVE: nothing is changed then anyway. Errors are raised as `AwsCallFailed`, classified once.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dynamotable.api.spec import DynamoTable
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.errors import AwsCallFailed, classify, is_not_found
from dynamotable.engine.model import ACTIVE, ObservedTable
from dynamotable.engine.normalize import RegionalReplica, normalize_table
from dynamotable.engine.observe_calls import call
from dynamotable.engine.observe_surface import observe_surface

AWS_MANAGED_KEY_ALIAS = "alias/aws/dynamodb"


def describe_table(
    factory: ClientFactory,
    name: str,
    region: str,
    *,
    retries_if_missing: int = 0,
    retry_delay: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any] | None:
    """DescribeTable's `Table`, or None when the table does not exist. Right after a create DescribeTable
    may answer ResourceNotFound for a moment (A1): `retries_if_missing` asks again that many times."""
    client = factory.dynamodb(region)
    for attempt in range(retries_if_missing + 1):
        try:
            table: dict[str, Any] = client.describe_table(TableName=name)["Table"]
        except (ClientError, BotoCoreError) as exc:
            if is_not_found(exc):
                if attempt < retries_if_missing:
                    sleep(retry_delay)
                    continue
                return None
            raise AwsCallFailed("DescribeTable", region, classify(exc, operation="DescribeTable")) from exc
        return table
    return None


def list_tags(factory: ClientFactory, arn: str, region: str) -> list[dict[str, str]]:
    client = factory.dynamodb(region)
    tags: list[dict[str, str]] = []
    token: str | None = None
    while True:
        request: dict[str, Any] = {"ResourceArn": arn}
        if token:
            request["NextToken"] = token
        page = call(client, "ListTagsOfResource", region, request)
        tags.extend(page.get("Tags") or [])
        token = page.get("NextToken")
        if not token:
            return tags


def _aws_managed_key_arn(factory: ClientFactory, region: str) -> tuple[str | None, bool]:
    """(ARN of alias/aws/dynamodb, whether the lookup worked). A missing alias means no such key."""
    try:
        meta = factory.kms(region).describe_key(KeyId=AWS_MANAGED_KEY_ALIAS)["KeyMetadata"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NotFoundException":
            return None, True
        return None, False  # e.g. no kms:DescribeKey permission: leave it undetermined
    except BotoCoreError:
        return None, False
    return str(meta.get("Arn") or meta.get("KeyId")), True


def observe(
    factory: ClientFactory,
    manifest: DynamoTable,
    *,
    region: str,
    expect_exists: bool = False,
    just_created: bool = False,
    created_with: tuple[str, list[dict[str, str]]] | None = None,
    not_found_retries: int = 3,
    not_found_delay: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> ObservedTable | None:
    """The live table as the planner needs it, or None when it does not exist.

    `just_created`: this process created the table moments ago. While it is CREATING its tags are not listed:
    they are the ones CreateTable gave, and a listing is not trusted before ACTIVE anyway (A11), so each poll of
    a creation costs one call, not two."""
    spec = manifest.spec
    ignored = set(spec.ignore_changes)
    name = manifest.table_name
    table = describe_table(
        factory,
        name,
        region,
        retries_if_missing=not_found_retries if expect_exists else 0,
        retry_delay=not_found_delay,
        sleep=sleep,
    )
    if table is None:
        return None
    status = table.get("TableStatus") or ACTIVE
    if status == "DELETING" or (status == "CREATING" and just_created):
        return normalize_table(table, region=region)
    arn = table["TableArn"]
    if created_with is not None and status == ACTIVE and table.get("TableId") == created_with[0]:
        tags = created_with[1]
    else:
        tags = list_tags(factory, arn, region)
    if status != ACTIVE:
        return normalize_table(table, region=region, tags=tags)

    client = factory.dynamodb(region)
    ttl = None
    if spec.ttl is not None and "ttl" not in ignored:
        ttl = call(client, "DescribeTimeToLive", region, {"TableName": name})
    backups = None
    if spec.point_in_time_recovery is not None and "pointInTimeRecovery" not in ignored:
        backups = call(client, "DescribeContinuousBackups", region, {"TableName": name})
    managed_arn, checked = None, False
    sse = spec.server_side_encryption
    live_kms = (table.get("SSEDescription") or {}).get("KMSMasterKeyArn")
    if sse is not None and sse.enabled and not sse.kms_key_arn and live_kms and "serverSideEncryption" not in ignored:
        managed_arn, checked = _aws_managed_key_arn(factory, region)
    replicas: dict[str, RegionalReplica] = {}
    if spec.replicas is not None and "replicas" not in ignored:
        replicas = _observe_replicas(factory, manifest, table)
    observed = normalize_table(
        table,
        region=region,
        ttl=ttl,
        backups=backups,
        tags=tags,
        aws_managed_key_arn=managed_arn,
        aws_managed_checked=checked,
        replicas=replicas,
    )
    surface = observe_surface(factory, manifest, table, region)
    return dataclasses.replace(observed, **surface) if surface else observed


def _observe_replicas(
    factory: ClientFactory, manifest: DynamoTable, table: Mapping[str, Any]
) -> dict[str, RegionalReplica]:
    spec = manifest.spec
    wanted = {r.region: r for r in spec.replicas or []}
    out: dict[str, RegionalReplica] = {}
    for raw in table.get("Replicas") or []:
        region = raw.get("RegionName")
        if not region or raw.get("ReplicaStatus", ACTIVE) != ACTIVE:
            continue
        regional = describe_table(factory, manifest.table_name, region)
        if regional is None:
            continue
        want = wanted.get(region)
        backups = None
        tags = None
        if want is not None:
            backups = call(
                factory.dynamodb(region), "DescribeContinuousBackups", region, {"TableName": manifest.table_name}
            )
            if want.propagate_tags and spec.tags is not None and "tags" not in spec.ignore_changes:
                tags = list_tags(factory, regional["TableArn"], region)
        out[region] = RegionalReplica(table=regional, backups=backups, tags=tags)
    return out
