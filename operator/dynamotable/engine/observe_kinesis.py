"""Reading the Kinesis streaming destination from AWS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.aws.clients import ClientFactory


def observe_kinesis(
    factory: ClientFactory, manifest: s.DynamoTable, table: Mapping[str, Any], region: str, previous: frozenset[str]
) -> dict[str, Any]:
    """ObservedTable fields of the kinesis (none when the spec does not manage it and `previous` records none)."""
    return {}
