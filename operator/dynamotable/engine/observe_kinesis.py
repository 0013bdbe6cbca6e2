"""Reading the Kinesis streaming destination from AWS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.observe_calls import call
from dynamotable.engine.plan_kinesis import KINESIS_PREFIX, normalize_destinations


def observe_kinesis(
    factory: ClientFactory, manifest: s.DynamoTable, table: Mapping[str, Any], region: str, previous: frozenset[str]
) -> dict[str, Any]:
    """ObservedTable fields of the kinesis (none when the spec does not manage it and `previous` records none)."""
    if manifest.spec.kinesis_streaming_destination is None and not any(
        entry.startswith(KINESIS_PREFIX) for entry in previous
    ):
        return {}
    answer = call(
        factory.dynamodb(region), "DescribeKinesisStreamingDestination", region, {"TableName": manifest.table_name}
    )
    return {"kinesis": normalize_destinations(answer)}
