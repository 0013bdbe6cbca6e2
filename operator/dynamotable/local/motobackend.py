"""Direct access to moto's in-process models (DynamoDB tables, KMS keys, Application Auto Scaling targets).

The middleware runs in the same process as moto's WSGI app, so it reads and adjusts moto's Table objects
directly where moto's API layer ignores or mishandles a parameter.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.utilities.utils import get_partition

from . import messages
from .timestamps import label_time, naive_utc, stream_label
from .wire import AwsError

AWS_MANAGED_ALIAS = "alias/aws/dynamodb"
AWS_MANAGED_DESCRIPTION = "Default master key that protects my DynamoDB table storage"
_managed_key_lock = threading.Lock()


def backend(account: str, region: str) -> DynamoDBBackend:
    return dynamodb_backends[account][region]


def known_region(account: str, region: str) -> bool:
    return region in dynamodb_backends[account].regions


def supported_regions(account: str) -> list[str]:
    return sorted(set(dynamodb_backends[account].regions))


def find_table(account: str, region: str, name: str) -> Any | None:
    if not known_region(account, region):
        return None
    return backend(account, region).tables.get(name)


def find_table_by_arn(account: str, region: str, arn: str) -> Any | None:
    """The table of `region` whose ARN is `arn`: looked up by the name in the ARN (moto's table ARN is made from
    its name, arn:<partition>:dynamodb:<region>:<account>:table/<name>), then the whole ARN compared."""
    if not arn.startswith("arn:") or ":table/" not in arn:
        return None
    table = find_table(account, region, arn.split(":table/", 1)[1])
    if table is None or table.table_arn != arn:
        return None
    return table


def drop_table(account: str, region: str, name: str) -> None:
    backend(account, region).tables.pop(name, None)


def reset_moto() -> None:
    """Drop everything moto holds in this process (tables, KMS keys, auto scaling targets), as moto-api/reset does."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def key_attributes(table: Any) -> set[str]:
    """Every attribute a key schema of the table or of one of its indexes uses."""
    return set(table.attribute_keys)


def prune_attributes(table: Any) -> None:
    # [DG-GSI, API] AttributeDefinitions are derived from the keys in use: dropped with the last index using them.
    used = key_attributes(table)
    table.attr = sorted((a for a in table.attr if a["AttributeName"] in used), key=lambda a: a["AttributeName"])


def remove_index(table: Any, name: str) -> None:
    table.global_indexes = [g for g in table.global_indexes if g.name != name]
    prune_attributes(table)


def key_arn(account: str, region: str, key_id: str) -> str:
    return f"arn:{get_partition(region)}:kms:{region}:{account}:key/{key_id}"


def is_aws_managed_alias(key: str) -> bool:
    """alias/aws/dynamodb by name or as an alias ARN (arn:aws:kms:<region>:<account>:alias/aws/dynamodb)."""
    return key == AWS_MANAGED_ALIAS or (key.startswith("arn:") and key.endswith(":" + AWS_MANAGED_ALIAS))


def aws_managed_key(account: str, region: str) -> Any:
    """The AWS managed key alias/aws/dynamodb of an account and region, made on first use and never twice.

    [DG-SSE] AWS creates it the first time something asks for it. moto does the same lazily in several places
    (KMS DescribeKey/Encrypt/... of the alias, DynamoDB's own default key), each a find-then-create that two
    concurrent requests can both pass: two keys with the alias, and Terraform's aws_kms_alias lookup then
    fails with "too many results". Here the find and the create happen under one lock, and the key looks like
    AWS's (KeyManager AWS), so moto's own lazy paths always find it.
    """
    from moto.kms.models import kms_backends

    kms = kms_backends[account][region]
    with _managed_key_lock:
        for existing in list(kms.keys.values()):
            if AWS_MANAGED_ALIAS in existing.aliases:
                return existing
        key = kms.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", AWS_MANAGED_DESCRIPTION, None)
        key.key_manager = "AWS"
        kms.create_alias(key.id, AWS_MANAGED_ALIAS)
        return key


def resolve_kms_key(account: str, region: str, key: str | None) -> str:
    """The key ARN DynamoDB reports for a KMSMasterKeyId (key id, key ARN, alias name or alias ARN).

    [API SSESpecification, DG-SSE] KMSMasterKeyArn is always a key ARN; no key means the AWS-managed key
    alias/aws/dynamodb of that account and region.
    """
    from moto.kms.models import kms_backends

    if key is None or is_aws_managed_alias(key):
        return str(aws_managed_key(account, region).arn)
    kms = kms_backends[account][region]
    wanted = key
    try:
        return str(kms.describe_key(wanted).arn)
    except (KeyError, JsonRESTError, TypeError):
        pass
    if wanted.startswith("arn:") and ":key/" in wanted:
        return wanted  # a key moto's KMS does not hold: trust the caller's ARN
    if "alias/" in wanted:
        raise messages.validation(
            "KMS validation error: com.amazonaws.services.kms.model.NotFoundException: "
            f"Alias {wanted} is not found. (Service: AWSKMS; Status Code: 400; Error Code: NotFoundException)"
        )
    return key_arn(account, region, wanted)


def write_autoscaled(account: str, region: str, resource_id: str, dimension: str) -> bool:
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    targets = applicationautoscaling_backends[account][region].targets
    return resource_id in targets.get(dimension, {})


def stamp_stream(table: Any, wall: float, previous: str | None = None) -> None:
    """Give a table's new stream AWS's label: its creation time to the millisecond, no time zone [API].

    moto labels streams `datetime.isoformat()` (microseconds) of its own clock; the label is also the tail of
    LatestStreamArn and of DynamoDB Streams' ARNs and labels, which moto derives from it. A new stream always
    gets a later label than the one it replaces (a new ARN, even within the same millisecond).
    """
    if previous is not None:
        wall = max(wall, label_time(previous) + 0.001)
    table.latest_stream_label = stream_label(wall)


def stamp_created(table: Any, wall: float) -> None:
    """CreationDateTime (and the first stream's label) on the endpoint's wall clock, not moto's."""
    table.created_at = naive_utc(wall)
    if table.latest_stream_label:
        stamp_stream(table, wall)


def set_stream(table: Any, spec: dict[str, Any], wall: float) -> None:
    """Enable (StreamEnabled true, with its StreamViewType) or disable a table's stream."""
    if spec.get("StreamEnabled"):
        # [DG-STR, A7] every enable makes a new stream (new LatestStreamArn/Label). moto never clears its label
        # and refuses a re-enable, so the label is cleared here and moto mints a fresh one.
        previous = table.latest_stream_label
        table.latest_stream_label = None
        table.set_stream_specification(dict(spec))
        stamp_stream(table, wall, previous)
    else:
        # The old LatestStreamArn/Label stay visible after a disable [A7]. Dropping moto's shard avoids its
        # KeyError (HTTP 500) on writes to a table whose stream was disabled [B1].
        table.set_stream_specification({"StreamEnabled": False})
        table.stream_shard = None


def create_table(account: str, region: str, wall: float, **kwargs: Any) -> Any:
    try:
        table = backend(account, region).create_table(**kwargs)
    except JsonRESTError as exc:
        raise AwsError(exc.error_type.rsplit("#", 1)[-1], exc.message) from exc
    stamp_created(table, wall)
    return table
