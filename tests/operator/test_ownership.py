"""Existing tables: AdoptionRequired until spec.adopt; a table owned by another DynamoTable is never touched."""

from __future__ import annotations

from operator_harness import Harness, eventually, table_spec

OWNER_TAG = "dynamotable.io/owner"


def _create_behind(h: Harness, table: str, tags: dict[str, str] | None = None) -> None:
    h.ddb().create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )


async def test_existing_table_needs_adopt_then_is_taken_over(harness: Harness) -> None:
    h = harness
    table = f"{h.namespace}-legacy"
    _create_behind(h, table, {"team": "old"})
    await eventually(lambda: h.describe(table)["TableStatus"] == "ACTIVE")  # type: ignore[index]
    await h.start()
    await h.create("legacy", table_spec(tableName=table, tags={"team": "shop"}))
    await eventually(lambda: h.reason("legacy") == "AdoptionRequired")
    cond = h.condition("legacy")
    assert cond["status"] == "False" and "spec.adopt" in cond["message"]
    await eventually(lambda: ("Warning", "AdoptionRequired") in [(t, r) for t, r, _ in h.events("legacy")])
    assert h.aws(table, mutating=True) == [h.aws(table, mutating=True)[0]]  # only the test's own CreateTable
    assert OWNER_TAG not in h.tags(table)

    await h.patch("legacy", {"spec": {"adopt": True}})
    await eventually(lambda: h.obj("legacy")["metadata"]["generation"] == 2 and h.ready("legacy"))
    assert h.tags(table) == {"team": "shop", OWNER_TAG: f"{h.namespace}/legacy"}


async def test_table_of_another_dynamotable_is_left_alone(harness: Harness) -> None:
    h = harness
    table = f"{h.namespace}-shared"
    foreign = {OWNER_TAG: "other-team/shared", "team": "other"}
    _create_behind(h, table, foreign)
    await h.start()
    await h.create("shared", table_spec(tableName=table, adopt=True, tags={"team": "mine"}, deletionProtection=True))
    await eventually(lambda: h.reason("shared") == "OwnershipConflict")
    assert "other-team/shared" in h.condition("shared")["message"]
    await eventually(lambda: ("Warning", "OwnershipConflict") in [(t, r) for t, r, _ in h.events("shared")])
    await h.drift_ticks(3)
    assert [r.operation for r in h.aws(table, mutating=True)] == ["CreateTable"]  # the test's own
    assert h.tags(table) == foreign
    desc = h.describe(table)
    assert desc is not None and not desc.get("DeletionProtectionEnabled", False)
