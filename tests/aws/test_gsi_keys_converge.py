"""Multi-attribute GSI keys (A26) on the embedded endpoint: a table created with such an index, and such an index
added to an existing table, converge through the engine and then plan nothing; the endpoint describes every key
element in order, takes items on the index, and refuses the key schemas AWS refuses (B1). The endpoint's clock is
the test's: each pass that waits is followed by moving the clock past the transition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import parse_manifest
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.observe import observe
from dynamotable.engine.plan import plan
from dynamotable.engine.reconcile import Outcome, Timing, reconcile
from dynamotable.local import Latency, LocalEndpoint

REGION = "us-east-1"
OWNER = "shop/orders"
LATENCY = Latency(create=2.0, update=1.0, gsi_create=3.0, gsi_delete=1.0)
MAX_PASSES = 20
TENANT_DAY = {"name": "ByTenantAndDay", "hashKeys": ["tenantId", "region"], "rangeKeys": ["day", "orderId"]}
ATTRIBUTES = [
    {"name": "id", "type": "S"},
    {"name": "tenantId", "type": "S"},
    {"name": "region", "type": "S"},
    {"name": "day", "type": "S"},
    {"name": "orderId", "type": "N"},
]
KEYS = [
    {"AttributeName": "tenantId", "KeyType": "HASH"},
    {"AttributeName": "region", "KeyType": "HASH"},
    {"AttributeName": "day", "KeyType": "RANGE"},
    {"AttributeName": "orderId", "KeyType": "RANGE"},
]


def manifest(**spec: Any) -> DynamoTable:
    body = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], **spec}
    doc = {"apiVersion": "dynamotable.io/v1alpha1", "kind": "DynamoTable", "metadata": {"name": "orders"}}
    return parse_manifest({**doc, "spec": body}, default_region=REGION)


@pytest.fixture
def factory(local_fresh: LocalEndpoint) -> ClientFactory:
    local_fresh.set_latency(LATENCY)
    return ClientFactory(endpoint_url=local_fresh.url, credentials=Credentials("t", "t"), max_attempts=0)


def converge(m: DynamoTable, factory: ClientFactory, clock: Any) -> list[Outcome]:
    """Passes until done; after a pass that waits or changes something, the endpoint's clock moves on."""
    outcomes = []
    for _ in range(MAX_PASSES):
        out = reconcile(m, factory, region=REGION, owner=OWNER, timing=Timing.fast())
        outcomes.append(out)
        if out.done:
            return outcomes
        assert out.requeue_after is not None, out.status.conditions
        clock.advance(LATENCY.gsi_create + 0.1)
    raise AssertionError(f"not converged in {MAX_PASSES} passes: {outcomes[-1].status.conditions}")


def second_plan_is_empty(m: DynamoTable, factory: ClientFactory) -> None:
    live = observe(factory, m, region=REGION)
    assert live is not None
    p = plan(m, live, region=REGION, owner=OWNER)
    assert (p.steps, p.drift, p.blocked, p.waiting) == ([], [], [], [])


def described_keys(ddb: Any, index: str) -> list[dict[str, str]]:
    table = ddb.describe_table(TableName="orders")["Table"]
    (found,) = [g for g in table["GlobalSecondaryIndexes"] if g["IndexName"] == index]
    assert found["IndexStatus"] == "ACTIVE"
    return list(found["KeySchema"])


def test_a_table_created_with_a_multi_attribute_gsi_converges(
    factory: ClientFactory, local_ddb: Callable[..., Any], local_clock: Any, local_fresh: LocalEndpoint
) -> None:
    m = manifest(attributes=ATTRIBUTES, globalSecondaryIndexes=[TENANT_DAY])
    outcomes = converge(m, factory, local_clock)
    executed = [o.executed.operation for o in outcomes if o.executed is not None]
    assert executed == ["CreateTable"]
    (create,) = [r.payload for r in local_fresh.requests() if r.operation == "CreateTable"]
    assert create["GlobalSecondaryIndexes"][0]["KeySchema"] == KEYS
    assert described_keys(local_ddb(), "ByTenantAndDay") == KEYS
    second_plan_is_empty(m, factory)


def test_a_multi_attribute_gsi_added_to_an_existing_table_converges(
    factory: ClientFactory, local_ddb: Callable[..., Any], local_clock: Any, local_fresh: LocalEndpoint
) -> None:
    converge(manifest(), factory, local_clock)
    m = manifest(attributes=ATTRIBUTES, globalSecondaryIndexes=[TENANT_DAY])
    outcomes = converge(m, factory, local_clock)
    assert [o.executed.operation for o in outcomes if o.executed is not None] == ["UpdateTable"]
    (update,) = [r.payload for r in local_fresh.requests() if r.operation == "UpdateTable"]
    assert update["GlobalSecondaryIndexUpdates"][0]["Create"]["KeySchema"] == KEYS
    ddb = local_ddb()
    assert described_keys(ddb, "ByTenantAndDay") == KEYS
    definitions = {a["AttributeName"] for a in ddb.describe_table(TableName="orders")["Table"]["AttributeDefinitions"]}
    assert definitions == {"id", "tenantId", "region", "day", "orderId"}
    second_plan_is_empty(m, factory)
    item = {"id": {"S": "o-1"}, "tenantId": {"S": "t-1"}, "region": {"S": "eu"}, "day": {"S": "2026-05-01"}}
    ddb.put_item(TableName="orders", Item={**item, "orderId": {"N": "7"}})
    assert ddb.get_item(TableName="orders", Key={"id": {"S": "o-1"}})["Item"]["orderId"] == {"N": "7"}
    found = ddb.query(
        TableName="orders",
        IndexName="ByTenantAndDay",
        KeyConditionExpression="tenantId = :t AND #r = :r",
        ExpressionAttributeNames={"#r": "region"},
        ExpressionAttributeValues={":t": {"S": "t-1"}, ":r": {"S": "eu"}},
    )
    assert [i["id"] for i in found["Items"]] == [{"S": "o-1"}]


def test_reordering_the_key_recreates_the_index_and_converges(
    factory: ClientFactory, local_ddb: Callable[..., Any], local_clock: Any, local_fresh: LocalEndpoint
) -> None:
    converge(manifest(attributes=ATTRIBUTES, globalSecondaryIndexes=[TENANT_DAY]), factory, local_clock)
    reordered = {**TENANT_DAY, "hashKeys": ["region", "tenantId"]}
    m = manifest(attributes=ATTRIBUTES, globalSecondaryIndexes=[reordered])
    outcomes = converge(m, factory, local_clock)
    updates = [o.executed.request for o in outcomes if o.executed is not None]
    assert [list(u["GlobalSecondaryIndexUpdates"][0]) for u in updates] == [["Delete"], ["Create"]]
    assert [k["AttributeName"] for k in described_keys(local_ddb(), "ByTenantAndDay")] == [
        "region",
        "tenantId",
        "day",
        "orderId",
    ]
    second_plan_is_empty(m, factory)


def _create(ddb: Any, index_keys: list[tuple[str, str]], table_keys: list[tuple[str, str]] | None = None) -> None:
    names = {n for n, _ in index_keys} | {n for n, _ in table_keys or []} | {"id"}
    ddb.create_table(
        TableName="refused",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in sorted(names)],
        KeySchema=[{"AttributeName": n, "KeyType": t} for n, t in table_keys or [("id", "HASH")]],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByMany",
                "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in index_keys],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


@pytest.mark.parametrize(
    ("index_keys", "table_keys", "says"),
    [
        ([(f"h{i}", "HASH") for i in range(5)], None, "maximum allowed number of HASH key attributes"),
        ([("h", "HASH"), *[(f"r{i}", "RANGE") for i in range(5)]], None, "maximum allowed number of RANGE"),
        ([("r", "RANGE"), ("h", "HASH")], None, "The first KeySchemaElement is not a HASH key type"),
        ([("h", "HASH"), ("r", "RANGE"), ("h2", "HASH")], None, "All HASH key attributes must precede RANGE"),
        ([("h", "HASH"), ("h", "RANGE")], None, "Duplicate attribute name in KeySchema: h"),
        ([("g", "HASH")], [("id", "HASH"), ("id2", "HASH")], "exactly one hash key"),
    ],
    ids=["five-hash", "five-range", "range-first", "hash-after-range", "attribute-twice", "table-two-hashes"],
)
def test_b1_the_endpoint_refuses_the_key_schemas_aws_refuses(
    local_ddb: Callable[..., Any],
    index_keys: list[tuple[str, str]],
    table_keys: list[tuple[str, str]] | None,
    says: str,
) -> None:
    ddb = local_ddb()
    with pytest.raises(ClientError) as err:
        _create(ddb, index_keys, table_keys)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert says in err.value.response["Error"]["Message"]
    assert ddb.list_tables()["TableNames"] == []


def test_b1_four_and_four_is_accepted_and_described_in_order(local_ddb: Callable[..., Any]) -> None:
    keys = [(f"h{i}", "HASH") for i in range(4)] + [(f"r{i}", "RANGE") for i in range(4)]
    ddb = local_ddb()
    _create(ddb, keys)
    (index,) = ddb.describe_table(TableName="refused")["Table"]["GlobalSecondaryIndexes"]
    assert [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]] == keys
