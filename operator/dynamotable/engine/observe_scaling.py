"""Reading auto scaling (Application Auto Scaling scalable targets and target-tracking policies) from AWS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.aws.clients import ClientFactory


def observe_scaling(
    factory: ClientFactory, manifest: s.DynamoTable, table: Mapping[str, Any], region: str, previous: frozenset[str]
) -> dict[str, Any]:
    """ObservedTable fields of the scaling (none when the spec does not manage it and `previous` records none)."""
    return {}
