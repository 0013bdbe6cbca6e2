"""Ownership attacks on the engine: a claim held elsewhere, a lost ownership tag, a table that disappeared, a
table recreated under the same name by someone else. In-process moto, as in test_reconcile.py."""

from __future__ import annotations

from typing import Any

from test_reconcile import FAST, REGION, converge, factory, manifest, mutations, with_status

from dynamotable.api.status import ConditionType
from dynamotable.api.validation import OWNER_TAG
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.reconcile import Outcome, delete, reconcile

__all__ = ["factory"]  # the fixture, imported for pytest

OWNER = "shop/orders"


def ready(out: Outcome) -> tuple[str, str]:
    """(reason, message) of the Ready condition."""
    cond = next(c for c in out.status.conditions if c.type == ConditionType.READY)
    return cond.reason.value, cond.message


def _with_table_ids(factory: ClientFactory) -> ClientFactory:
    """DescribeTable answers a TableId as AWS does (moto leaves it out): one per creation of the table."""

    def hook(parsed: dict[str, Any], **_: Any) -> None:
        table = parsed.get("Table")
        if isinstance(table, dict) and "CreationDateTime" in table:
            table["TableId"] = f"id-{table['CreationDateTime'].timestamp()}"

    factory.add_hook("after-call.dynamodb.DescribeTable", hook)
    return factory


def _fresh() -> ClientFactory:
    """Another process's factory: it did not create the table (no create grace), knows only the status."""
    return _with_table_ids(ClientFactory(max_attempts=1))


def _client(factory: ClientFactory) -> Any:
    return factory.client("dynamodb", REGION)


def _arn(factory: ClientFactory, name: str = "orders") -> str:
    return str(_client(factory).describe_table(TableName=name)["Table"]["TableArn"])


def _tags(factory: ClientFactory, name: str = "orders") -> dict[str, str]:
    tags = _client(factory).list_tags_of_resource(ResourceArn=_arn(factory, name)).get("Tags", [])
    return {t["Key"]: t["Value"] for t in tags}


def test_claim_held_by_another_resource_sends_nothing_to_aws(factory: ClientFactory) -> None:
    out = reconcile(manifest(adopt=True), factory, region=REGION, owner=OWNER, rival="team-a/orders", timing=FAST)
    assert ready(out)[0] == "OwnershipConflict" and "team-a/orders" in ready(out)[1]
    assert out.requeue_after == FAST.drift  # steady: looked at again when the claim passes on
    assert factory.calls == {}
    assert [e.reason for e in out.events] == ["OwnershipConflict"]


def test_delete_of_a_resource_without_the_claim_never_deletes_the_table(factory: ClientFactory) -> None:
    converge(manifest(), _with_table_ids(factory))
    before = dict(factory.calls)
    out = delete(
        manifest(deletionPolicy="Delete"), factory, region=REGION, owner="intruder/orders", rival=OWNER, timing=FAST
    )
    assert out.done and "left in place" in ready(out)[1]
    assert factory.calls == before  # not even a read
    assert _client(factory).describe_table(TableName="orders")["Table"]["TableStatus"] == "ACTIVE"


def test_lost_owner_tag_on_a_recorded_table_is_drift_and_restored_at_any_age(factory: ClientFactory) -> None:
    m, _ = converge(manifest(), _with_table_ids(factory))
    assert m.status is not None and m.status["tableArn"] == _arn(factory) and m.status.get("tableId")
    _client(factory).untag_resource(ResourceArn=_arn(factory), TagKeys=[OWNER_TAG])
    fresh = _fresh()
    out = reconcile(m, fresh, region=REGION, owner=OWNER, timing=FAST)
    assert out.executed is not None and out.executed.operation == "TagResource"
    assert out.plan is not None and [d.field for d in out.plan.drift] == [f"tags.{OWNER_TAG}"]
    assert _tags(factory)[OWNER_TAG] == OWNER
    m = with_status(m, out)
    out = reconcile(m, fresh, region=REGION, owner=OWNER, timing=FAST)
    assert ready(out)[0] == "Synced"


def test_untagged_table_without_a_record_still_needs_adopt(factory: ClientFactory) -> None:
    converge(manifest(), factory)
    _client(factory).untag_resource(ResourceArn=_arn(factory), TagKeys=[OWNER_TAG])
    out = reconcile(manifest(), _fresh(), region=REGION, owner=OWNER, timing=FAST)
    assert ready(out)[0] == "AdoptionRequired"
    assert out.status.table_arn is None  # a table not ours is never recorded


def test_table_recreated_by_someone_else_under_the_name_is_not_ours_by_record(factory: ClientFactory) -> None:
    m, _ = converge(manifest(), _with_table_ids(factory))
    client = _client(factory)
    client.delete_table(TableName="orders")
    client.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    fresh = _fresh()
    out = reconcile(m, fresh, region=REGION, owner=OWNER, timing=FAST)
    assert ready(out)[0] == "AdoptionRequired"
    assert mutations(fresh) == {}


def test_a_tag_of_a_resource_that_lost_the_claim_is_replaced_by_the_holder(factory: ClientFactory) -> None:
    converge(manifest(), factory)  # created and tagged by shop/orders, say in a create race
    out = reconcile(
        manifest(),
        _fresh(),
        region=REGION,
        owner="a/orders",
        superseded=frozenset({OWNER}),
        timing=FAST,
    )
    assert out.executed is not None and out.executed.operation == "TagResource"
    assert _tags(factory)[OWNER_TAG] == "a/orders"


def test_missing_table_is_announced_and_recreated_empty_in_the_recorded_place(factory: ClientFactory) -> None:
    m, _ = converge(manifest(), _with_table_ids(factory))
    _client(factory).delete_table(TableName="orders")
    out = reconcile(m, _fresh(), region=REGION, owner=OWNER, timing=FAST)
    assert ready(out)[0] == "TableMissing" and "EMPTY" in ready(out)[1]
    assert ("Warning", "TableMissing") in [(e.type, e.reason) for e in out.events]
    assert out.executed is not None and out.executed.operation == "CreateTable"


def test_missing_table_is_not_created_elsewhere(factory: ClientFactory) -> None:
    m, _ = converge(manifest(), _with_table_ids(factory))
    _client(factory).delete_table(TableName="orders")
    out = reconcile(m, _fresh(), region="eu-west-1", owner=OWNER, timing=FAST)
    assert ready(out)[0] == "TableMissing" and "no table is created elsewhere" in ready(out)[1]
    assert out.executed is None and out.requeue_after is None
    assert "orders" not in factory.client("dynamodb", "eu-west-1").list_tables()["TableNames"]


def test_first_ready_time_is_recorded_once(factory: ClientFactory) -> None:
    m, _ = converge(manifest(), _with_table_ids(factory))
    assert m.status is not None
    first = m.status["firstReadyTime"]
    out = reconcile(manifest(tags={"Env": "dev"}).model_copy(update={"status": m.status}), factory, region=REGION)
    assert out.status.first_ready_time == first
