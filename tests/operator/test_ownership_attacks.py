"""The attacks of 'nobody can take, split or silently lose a table', in-process against kmock and the local
endpoint: an ownership tag removed with an adopter waiting in another namespace; the adopter deleted with
deletionPolicy Delete; the operator restarted with another default region; a managed table deleted behind the
operator's back."""

from __future__ import annotations

from operator_harness import Harness, eventually, fast_settings, table_spec

OWNER_TAG = "dynamotable.io/owner"


def _with_gsi(table: str, **extra: object) -> dict[str, object]:
    return table_spec(
        tableName=table,
        attributes=[{"name": "id", "type": "S"}, {"name": "email", "type": "S"}],
        globalSecondaryIndexes=[{"name": "ByEmail", "hashKey": "email", "projectionType": "ALL"}],
        **extra,
    )


def _mutations_since(h: Harness, table: str, mark: int) -> list[str]:
    return [r.operation for r in h.aws(table, mutating=True)[mark:]]


async def test_removed_owner_tag_does_not_let_an_adopter_in_another_namespace_take_the_table(
    harness: Harness,
) -> None:
    h = harness
    await h.start(fast_settings(h.endpoint, drift_interval=0.3))
    table = f"{h.namespace}-orders"
    await h.create("orders", _with_gsi(table))
    await eventually(lambda: h.ready("orders"), timeout=15)
    owner = f"{h.namespace}/orders"
    assert h.tags(table)[OWNER_TAG] == owner

    # the intruder: same table, adopt, another spec (no GSI), deletionPolicy Delete, another namespace
    other = f"{h.namespace}-intruder"
    await h.create("thief", table_spec(tableName=table, adopt=True, deletionPolicy="Delete"), namespace=other)
    await eventually(lambda: (h.obj("thief", other).get("status") or {}).get("conditions"))

    # someone strips the ownership tag in the console, with the adopter waiting
    arn = h.describe(table)["TableArn"]  # type: ignore[index]
    h.ddb().untag_resource(ResourceArn=arn, TagKeys=[OWNER_TAG])
    mark = len(h.aws(table, mutating=True))
    # the rightful owner's drift check restores it
    await eventually(lambda: "DriftCorrected" in h.reasons("orders"), timeout=10)
    assert h.tags(table)[OWNER_TAG] == owner
    corrected = [m for _, r, m in h.events("orders") if r == "DriftCorrected"]
    assert OWNER_TAG in corrected[-1]
    assert _mutations_since(h, table, mark) == ["TagResource"]  # ours, restoring the tag

    thief = next(c for c in h.obj("thief", other)["status"]["conditions"] if c["type"] == "Ready")
    assert thief["reason"] == "OwnershipConflict" and owner in thief["message"]
    assert [g["IndexName"] for g in h.describe(table)["GlobalSecondaryIndexes"]] == ["ByEmail"]  # type: ignore[index]

    # the adopter is deleted with deletionPolicy Delete: the table stays
    async with h.k.delete(h.url("thief", other), headers={"X-Dynamotable-Test": "1"}) as rsp:
        assert rsp.status < 300
    await eventually(lambda: h.obj("thief", other).deleted, timeout=10)
    assert "DeleteTable" not in _mutations_since(h, table, mark)
    assert h.describe(table) is not None
    assert h.ready("orders")


async def test_a_second_object_without_adopt_gets_ownership_conflict_and_sends_nothing(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-shared"
    await h.create("first", table_spec(tableName=table))
    await eventually(lambda: h.ready("first"))
    mark = len(h.endpoint.requests())
    await h.create("second", table_spec(tableName=table, tags={"team": "b"}))
    await eventually(lambda: h.reason("second") == "OwnershipConflict")
    assert f"{h.namespace}/first" in h.condition("second")["message"]
    about_table = [r for r in h.endpoint.requests()[mark:] if (r.payload or {}).get("TableName") == table]
    assert about_table == []  # not even a DescribeTable: the claim is decided in the cluster
    await eventually(lambda: ("Warning", "OwnershipConflict") in [(t, r) for t, r, _ in h.events("second")])


async def test_claim_passes_on_when_the_holder_is_deleted(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-handover"
    await h.create("old", table_spec(tableName=table))
    await eventually(lambda: h.ready("old"))
    await h.create("new", table_spec(tableName=table, adopt=True, tags={"team": "new"}))
    await eventually(lambda: h.reason("new") == "OwnershipConflict")
    await h.delete("old")  # Retain: the table stays, untagged, and the waiting adopter takes it over
    await eventually(lambda: not h.exists("old"))
    await eventually(lambda: h.ready("new"), timeout=10)
    assert h.tags(table) == {"team": "new", OWNER_TAG: f"{h.namespace}/new"}


async def test_claims_survive_a_restart(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-kept"
    await h.create("holder", table_spec(tableName=table))
    await eventually(lambda: h.ready("holder"))
    await h.create("waiter", table_spec(tableName=table, adopt=True))
    await eventually(lambda: h.reason("waiter") == "OwnershipConflict")
    await h.stop()
    h.ddb().untag_resource(ResourceArn=h.describe(table)["TableArn"], TagKeys=[OWNER_TAG])  # type: ignore[index]
    mark = len(h.aws(table, mutating=True))
    await h.start(fast_settings(h.endpoint, drift_interval=0.3))
    await eventually(lambda: h.tags(table).get(OWNER_TAG) == f"{h.namespace}/holder", timeout=10)
    assert _mutations_since(h, table, mark) == ["TagResource"]
    assert h.reason("waiter") == "OwnershipConflict"


async def test_restart_with_another_default_region_keeps_the_table_where_it_is(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-pinned"
    await h.create("pinned", table_spec(tableName=table, deletionPolicy="Delete", tags={"v": "1"}))
    await eventually(lambda: h.ready("pinned"))
    arn = h.status("pinned")["tableArn"]
    assert h.status("pinned")["region"] == "us-east-1"
    await h.stop()

    await h.start(fast_settings(h.endpoint, region="eu-west-1"))
    await h.patch("pinned", {"spec": {"tags": {"v": "2"}}})
    await eventually(lambda: h.obj("pinned")["metadata"]["generation"] == 2 and h.ready("pinned"))
    assert h.status("pinned")["tableArn"] == arn and h.status("pinned")["region"] == "us-east-1"
    assert h.tags(table)["v"] == "2"
    assert h.describe(table, "eu-west-1") is None
    assert not [r for r in h.endpoint.requests() if r.region == "eu-west-1" and r.operation == "CreateTable"]
    terraform = (h.configmap("pinned") or {}).get("data", {}).get("main.tf", "")
    assert "aws.us_east_1" in terraform  # rendered for the recorded region, not the new default

    await h.delete("pinned")
    await eventually(lambda: not h.exists("pinned"), timeout=10)
    assert h.describe(table) is None  # the old table is not left behind


async def test_explicit_region_that_differs_from_the_recorded_one_is_refused(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-moved"
    await h.create("moved", table_spec(tableName=table))
    await eventually(lambda: h.ready("moved"))
    await h.patch("moved", {"spec": {"region": "us-west-2"}})
    await eventually(lambda: h.reason("moved") == "InvalidSpec")
    assert "spec.region" in h.condition("moved")["message"] and "us-east-1" in h.condition("moved")["message"]
    assert not [r for r in h.endpoint.requests() if r.region == "us-west-2"]
    assert h.describe(table, "us-west-2") is None


async def test_a_table_deleted_behind_the_operator_is_announced_before_it_is_recreated(harness: Harness) -> None:
    h = harness
    await h.start(fast_settings(h.endpoint, drift_interval=0.3))
    table = f"{h.namespace}-gone"
    await h.create("gone", table_spec(tableName=table))
    await eventually(lambda: h.ready("gone"))
    h.ddb().delete_table(TableName=table)
    await eventually(lambda: ("Warning", "TableMissing") in [(t, r) for t, r, _ in h.events("gone")], timeout=10)
    reasons = [
        c["reason"]
        for v in h.history("gone")
        for c in (v.get("status") or {}).get("conditions", [])
        if c["type"] == "Ready"
    ]
    assert "TableMissing" in reasons
    await eventually(lambda: h.ready("gone"), timeout=10)
    assert h.describe(table) is not None
