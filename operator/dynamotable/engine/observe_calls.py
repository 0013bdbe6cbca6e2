"""One boto3 call by operation name for the readers of the table's surface, botocore errors as AwsCallFailed
(the same as observe.call, which the surface readers cannot import: observe imports them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dynamotable.engine.errors import AwsCallFailed, classify


def call(client: Any, operation: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
    method = getattr(
        client, "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(operation))
    )
    try:
        response: dict[str, Any] = method(**request)
    except (ClientError, BotoCoreError) as exc:
        raise AwsCallFailed(operation, region, classify(exc, operation=operation)) from exc
    return response
