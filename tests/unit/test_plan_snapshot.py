"""deletionPolicy Snapshot's planner rules (engine/plan_snapshot.py) [A25]: one case per rule, named for it, and the
final backup's name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from planner_support import ARN, OWNER, REGION, live

from dynamotable.api.validation import parse_manifest
from dynamotable.engine.model import ObservedReplica, ObservedTable, Plan
from dynamotable.engine.plan_snapshot import (
    MAX_BACKUP_NAME,
    ObservedBackup,
    backup_prefix,
    final_backup_name,
    plan_snapshot_delete,
)

BACKUP_ARN = ARN + "/backup/01764636312000-abcdef12"
NOW = datetime(2026, 12, 2, 0, 45, 12, 345678, tzinfo=UTC)
BACKUP = ("CreateBackup", REGION, {"TableName": "orders", "BackupName": "orders-final-20261202T004512Z"})
DELETE_TABLE = ("DeleteTable", REGION, {"TableName": "orders"})
WEST = ObservedReplica(region="us-west-2", status="ACTIVE", arn="arn:aws:dynamodb:us-west-2:1:table/orders")
BACKUP_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def manifest(**spec: Any) -> Any:
    doc = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], "deletionPolicy": "Snapshot", **spec},
    }
    return parse_manifest(doc, default_region=REGION)


def backup(status: str) -> ObservedBackup:
    return ObservedBackup(BACKUP_ARN, "orders-final-20261202T004512Z", status)


def planned(spec: dict[str, Any], table: ObservedTable | None, found: ObservedBackup | None) -> Plan:
    return plan_snapshot_delete(manifest(**spec), table, found, region=REGION, owner=OWNER, now=NOW)


def steps(result: Plan) -> list[tuple[str, str, dict[str, Any]]]:
    return [(s.operation, s.region, dict(s.request)) for s in result.steps]


def test_rule_snapshot_backs_up_before_deleting() -> None:
    result = planned({}, live(), None)
    assert steps(result) == [BACKUP, DELETE_TABLE]
    assert not result.steps[0].destructive and result.steps[0].mutating


def test_rule_snapshot_waits_while_the_final_backup_is_creating() -> None:
    result = planned({}, live(), backup("CREATING"))
    assert not result.steps and result.waiting and BACKUP_ARN in result.waiting[0]


def test_rule_snapshot_deletes_as_delete_once_the_final_backup_is_available() -> None:
    result = planned({}, live(replicas=(WEST,), stream_enabled=True, stream_view_type="KEYS_ONLY"), backup("AVAILABLE"))
    replica = (
        "UpdateTable",
        REGION,
        {"TableName": "orders", "ReplicaUpdates": [{"Delete": {"RegionName": "us-west-2"}}]},
    )
    assert steps(result) == [replica, DELETE_TABLE]


def test_rule_snapshot_makes_another_backup_when_the_recorded_one_was_deleted() -> None:
    assert steps(planned({}, live(), backup("DELETED"))) == [BACKUP, DELETE_TABLE]


@pytest.mark.parametrize(
    ("spec", "table", "field"),
    [
        ({}, live(deletion_protection=True), "deletionProtection"),
        ({"deletionProtection": True}, live(), "deletionProtection"),
        ({}, live(replicas=(replace(WEST, deletion_protection=True),)), "replicas"),
    ],
    ids=["live-table", "spec", "replica"],
)
def test_rule_snapshot_deletion_protection_blocks_before_any_backup(
    spec: dict[str, Any], table: ObservedTable, field: str
) -> None:
    result = planned(spec, table, None)
    assert not result.steps
    assert [(b.reason, b.field) for b in result.blocked] == [("DeletionBlocked", field)]


def test_rule_snapshot_no_backup_while_the_table_is_transitioning() -> None:
    result = planned({}, live(status="UPDATING"), None)
    assert not result.steps and result.waiting


def test_rule_snapshot_plan_mode_makes_no_backup() -> None:
    result = planned({"managementPolicy": "Plan"}, live(), None)
    assert not result.steps and result.kept is not None


def test_rule_snapshot_a_table_already_gone_has_nothing_to_back_up() -> None:
    result = planned({}, None, None)
    assert not result.steps and result.kept is not None and "does not exist" in result.kept


def test_rule_snapshot_a_table_already_deleting_is_waited_for() -> None:
    result = planned({}, live(status="DELETING"), backup("AVAILABLE"))
    assert not result.steps and result.waiting


def test_final_backup_name_has_the_utc_time_without_colons() -> None:
    local = NOW.astimezone(datetime.now().astimezone().tzinfo)
    assert final_backup_name("orders", local) == "orders-final-20261202T004512Z"


@pytest.mark.parametrize("length", [3, 232, 233, 255])
def test_final_backup_name_fits_255_characters_of_the_allowed_set(length: int) -> None:
    table = ("t" * length)[:length]
    name = final_backup_name(table, NOW)
    assert 3 <= len(name) <= MAX_BACKUP_NAME
    assert set(name) <= BACKUP_NAME_CHARACTERS
    assert name.endswith("-final-20261202T004512Z")
    assert name.startswith(backup_prefix(table))


def test_long_table_names_that_share_a_beginning_get_distinct_prefixes() -> None:
    first, second = "a" * 240 + "x", "a" * 240 + "y"
    assert backup_prefix(first) != backup_prefix(second)
    assert len(final_backup_name(first, NOW)) == MAX_BACKUP_NAME
    assert backup_prefix("orders") == "orders-final-"
