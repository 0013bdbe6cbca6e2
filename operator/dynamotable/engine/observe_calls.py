"""One boto3 call by operation name, botocore errors raised as `AwsCallFailed` (classified once): what every
reader of the engine (observe and the surface's observers) and `execute` call AWS through."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dynamotable.engine.errors import AwsCallFailed, classify


def call(
    client: Any, operation: str, region: str, request: Mapping[str, Any], *, now: datetime | None = None
) -> dict[str, Any]:
    """`now` dates a RateLimited error's `until` when AWS does not name the time."""
    method = getattr(client, _snake(operation))
    try:
        response: dict[str, Any] = method(**request)
    except (ClientError, BotoCoreError) as exc:
        raise AwsCallFailed(operation, region, classify(exc, operation=operation, now=now)) from exc
    return response


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(operation))
