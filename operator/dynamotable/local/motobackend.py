"""Direct access to moto's in-process models (DynamoDB tables, KMS keys, Application Auto Scaling targets).

The middleware runs in the same process as moto's WSGI app, so it reads and adjusts moto's Table objects
directly where moto's API layer ignores or mishandles a parameter.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.utilities.utils import get_partition

from . import messages
from .wire import AwsError

AWS_MANAGED_ALIAS = "alias/aws/dynamodb"


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
    if not known_region(account, region):
        return None
    for table in list(backend(account, region).tables.values()):
        if table.table_arn == arn:
            return table
    return None


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


def resolve_kms_key(account: str, region: str, key: str | None) -> str:
    """The key ARN DynamoDB reports for a KMSMasterKeyId (key id, key ARN, alias name or alias ARN).

    [API SSESpecification, DG-SSE] KMSMasterKeyArn is always a key ARN; no key means the AWS-managed key
    alias/aws/dynamodb of that account and region.
    """
    from moto.kms.models import kms_backends

    kms = kms_backends[account][region]
    wanted = key or AWS_MANAGED_ALIAS
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


def set_stream(table: Any, spec: dict[str, Any]) -> None:
    """Enable (StreamEnabled true, with its StreamViewType) or disable a table's stream."""
    if spec.get("StreamEnabled"):
        # [DG-STR, A7] every enable makes a new stream (new LatestStreamArn/Label). moto never clears its label
        # and refuses a re-enable, so the label is cleared here and moto mints a fresh one.
        table.latest_stream_label = None
        table.set_stream_specification(dict(spec))
    else:
        # The old LatestStreamArn/Label stay visible after a disable [A7]. Dropping moto's shard avoids its
        # KeyError (HTTP 500) on writes to a table whose stream was disabled [B1].
        table.set_stream_specification({"StreamEnabled": False})
        table.stream_shard = None


def create_table(account: str, region: str, **kwargs: Any) -> Any:
    try:
        return backend(account, region).create_table(**kwargs)
    except JsonRESTError as exc:
        raise AwsError(exc.error_type.rsplit("#", 1)[-1], exc.message) from exc
