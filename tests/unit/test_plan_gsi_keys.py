"""Multi-attribute GSI keys (hashKeys/rangeKeys, A26) through the pure planner and the normalizer: one case per
rule, named for it. The spellings hashKey and hashKeys: [that] are one index; a key's order is part of the key."""

from __future__ import annotations

from typing import Any

from test_plan_rules import OWNER, REGION, attrs, defs, gsi, live, manifest, upd

from dynamotable.engine.model import ObservedGsi, ObservedTable
from dynamotable.engine.normalize import normalize_gsi
from dynamotable.engine.plan import plan

TENANT_DAY = {"name": "ByTenantAndDay", "hashKeys": ["tenantId", "region"], "rangeKeys": ["day", "orderId"]}
TYPES = {"id": "S", "tenantId": "S", "region": "S", "day": "S", "orderId": "N"}
KEYS = [
    {"AttributeName": "tenantId", "KeyType": "HASH"},
    {"AttributeName": "region", "KeyType": "HASH"},
    {"AttributeName": "day", "KeyType": "RANGE"},
    {"AttributeName": "orderId", "KeyType": "RANGE"},
]


def multi_gsi(name: str, hash_keys: tuple[str, ...], range_keys: tuple[str, ...] = (), **kw: Any) -> ObservedGsi:
    kw.setdefault("projection_type", "ALL")
    kw.setdefault("non_key_attributes", frozenset())
    kw.setdefault("status", "ACTIVE")
    return ObservedGsi(name=name, hash_keys=hash_keys, range_keys=range_keys, **kw)


def converged(*gsis: ObservedGsi) -> ObservedTable:
    return live(attribute_types=TYPES, gsis=gsis)


def steps_of(spec_gsis: list[dict[str, Any]], observed: ObservedTable | None) -> list[tuple[str, str, dict[str, Any]]]:
    m = manifest(attributes=attrs(**TYPES), globalSecondaryIndexes=spec_gsis)
    p = plan(m, observed, region=REGION, owner=OWNER)
    assert not p.blocked and not p.waiting, (p.blocked, p.waiting)
    return [(s.operation, s.region, s.request) for s in p.steps]


def test_rule_create_table_sends_every_hash_then_every_range_element() -> None:
    (create,) = steps_of([TENANT_DAY], None)
    assert create[0] == "CreateTable"
    (index,) = create[2]["GlobalSecondaryIndexes"]
    assert index["KeySchema"] == KEYS
    assert create[2]["AttributeDefinitions"] == defs(**TYPES)


def test_rule_key_schema_lists_hashes_first_whatever_the_spec_order_of_fields() -> None:
    spec = {"rangeKeys": ["day", "orderId"], "name": "ByTenantAndDay", "hashKeys": ["tenantId", "region"]}
    (create,) = steps_of([spec], None)
    assert create[2]["GlobalSecondaryIndexes"][0]["KeySchema"] == KEYS


def test_rule_adding_a_multi_attribute_gsi_is_one_create_action_with_its_attribute_definitions() -> None:
    steps = steps_of([TENANT_DAY], converged())
    create = {"IndexName": "ByTenantAndDay", "KeySchema": KEYS, "Projection": {"ProjectionType": "ALL"}}
    assert steps == [
        upd(AttributeDefinitions=defs(**TYPES), GlobalSecondaryIndexUpdates=[{"Create": create}]),
    ]


def test_rule_a_converged_multi_attribute_gsi_plans_nothing() -> None:
    observed = converged(multi_gsi("ByTenantAndDay", ("tenantId", "region"), ("day", "orderId")))
    m = manifest(attributes=attrs(**TYPES), globalSecondaryIndexes=[TENANT_DAY])
    p = plan(m, observed, region=REGION, owner=OWNER)
    assert (p.steps, p.drift, p.blocked) == ([], [], [])


def test_rule_hash_key_and_hash_keys_of_one_attribute_are_the_same_index() -> None:
    types = {"id": "S", "tenantId": "S", "day": "S"}
    observed = live(attribute_types=types, gsis=(gsi("ByTenant", "tenantId", "day"),))
    for spelling in (
        {"name": "ByTenant", "hashKey": "tenantId", "rangeKey": "day"},
        {"name": "ByTenant", "hashKeys": ["tenantId"], "rangeKeys": ["day"]},
    ):
        m = manifest(attributes=attrs(**types), globalSecondaryIndexes=[spelling])
        p = plan(m, observed, region=REGION, owner=OWNER)
        assert (p.steps, p.drift) == ([], []), spelling


def test_rule_a_new_key_order_recreates_the_index() -> None:
    observed = converged(multi_gsi("ByTenantAndDay", ("region", "tenantId"), ("day", "orderId")))
    steps = steps_of([TENANT_DAY], observed)
    assert [s[2]["GlobalSecondaryIndexUpdates"][0] for s in steps] == [
        {"Delete": {"IndexName": "ByTenantAndDay"}},
        {"Create": {"IndexName": "ByTenantAndDay", "KeySchema": KEYS, "Projection": {"ProjectionType": "ALL"}}},
    ]


def test_rule_an_added_sort_attribute_recreates_the_index_and_names_the_change() -> None:
    observed = converged(multi_gsi("ByTenantAndDay", ("tenantId", "region"), ("day",)))
    m = manifest(attributes=attrs(**TYPES), globalSecondaryIndexes=[TENANT_DAY])
    p = plan(m, observed, region=REGION, owner=OWNER)
    assert [(d.field, d.desired, d.live) for d in p.drift] == [
        ("globalSecondaryIndexes[ByTenantAndDay].rangeKeys", "[day, orderId]", "[day]")
    ]
    assert "rangeKeys [day, orderId]" in p.steps[0].description
    assert [s.request["GlobalSecondaryIndexUpdates"][0].keys() for s in p.steps] == [{"Delete"}, {"Create"}]


def test_rule_a_multi_attribute_key_made_a_single_attribute_one_recreates_the_index() -> None:
    observed = converged(multi_gsi("ByTenantAndDay", ("tenantId", "region"), ("day", "orderId")))
    single = {"name": "ByTenantAndDay", "hashKey": "tenantId", "rangeKey": "day"}
    m = manifest(attributes=attrs(id="S", tenantId="S", day="S"), globalSecondaryIndexes=[single])
    p = plan(m, observed, region=REGION, owner=OWNER)
    assert [(d.field, d.desired, d.live) for d in p.drift] == [
        ("globalSecondaryIndexes[ByTenantAndDay].hashKey", "tenantId", "[tenantId, region]"),
        ("globalSecondaryIndexes[ByTenantAndDay].rangeKey", "day", "[day, orderId]"),
    ]
    create = p.steps[1].request
    assert create["GlobalSecondaryIndexUpdates"][0]["Create"]["KeySchema"] == [
        {"AttributeName": "tenantId", "KeyType": "HASH"},
        {"AttributeName": "day", "KeyType": "RANGE"},
    ]
    # the attributes only the old index used are no longer defined once it is recreated (A3.3)
    assert create["AttributeDefinitions"] == defs(id="S", tenantId="S", day="S")


def test_rule_a_type_change_of_any_key_attribute_recreates_the_index() -> None:
    observed = converged(multi_gsi("ByTenantAndDay", ("tenantId", "region"), ("day", "orderId")))
    m = manifest(attributes=attrs(**{**TYPES, "orderId": "S"}), globalSecondaryIndexes=[TENANT_DAY])
    p = plan(m, observed, region=REGION, owner=OWNER)
    assert ("globalSecondaryIndexes[ByTenantAndDay].attributes[orderId].type", "S", "N") in [
        (d.field, d.desired, d.live) for d in p.drift
    ]
    assert [s.request["GlobalSecondaryIndexUpdates"][0].keys() for s in p.steps] == [{"Delete"}, {"Create"}]


def test_rule_attribute_definitions_count_every_key_attribute_of_the_indexes_that_stay() -> None:
    staying = multi_gsi("ByTenantAndDay", ("tenantId", "region"), ("day", "orderId"))
    observed = converged(staying)
    new = {"name": "ByDay", "hashKey": "day"}
    steps = steps_of([TENANT_DAY, new], observed)
    (step,) = steps
    assert step[2]["AttributeDefinitions"] == defs(**TYPES)


def test_normalize_reads_every_key_schema_element_in_order() -> None:
    raw = {"IndexName": "ByTenantAndDay", "KeySchema": KEYS, "Projection": {"ProjectionType": "ALL"}}
    observed = normalize_gsi(raw, "PAY_PER_REQUEST")
    assert (observed.hash_keys, observed.range_keys) == (("tenantId", "region"), ("day", "orderId"))
    one = normalize_gsi({**raw, "KeySchema": KEYS[:1]}, "PAY_PER_REQUEST")
    assert (one.hash_keys, one.range_keys) == (("tenantId",), ())
