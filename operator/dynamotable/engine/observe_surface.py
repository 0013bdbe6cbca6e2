"""Reading the table's surface beyond DescribeTable: each part reads only what the spec manages or the
previous status records as attached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.observe_alarms import observe_alarms
from dynamotable.engine.observe_insights import observe_insights
from dynamotable.engine.observe_kinesis import observe_kinesis
from dynamotable.engine.observe_policy import observe_policy
from dynamotable.engine.observe_scaling import observe_scaling
from dynamotable.engine.surface import previous_attached

OBSERVERS = (observe_scaling, observe_insights, observe_policy, observe_kinesis, observe_alarms)


def observe_surface(
    factory: ClientFactory, manifest: s.DynamoTable, table: Mapping[str, Any], region: str
) -> dict[str, Any]:
    """ObservedTable fields of every part of the surface that is read."""
    previous = previous_attached(manifest)
    fields: dict[str, Any] = {}
    for observer in OBSERVERS:
        fields.update(observer(factory, manifest, table, region, previous))
    return fields


def observe_leftovers(factory: ClientFactory, manifest: s.DynamoTable, region: str) -> dict[str, Any]:
    """ObservedTable fields of the parts outside DynamoDB (auto scaling, alarms) of a table that is gone: they
    outlive it (A19, A23), so a deletion still finds what status.attached records. No DynamoDB call."""
    previous = previous_attached(manifest)
    fields: dict[str, Any] = {}
    for observer in (observe_scaling, observe_alarms):
        fields.update(observer(factory, manifest, {"TableName": manifest.table_name}, region, previous))
    return fields
