"""The CRD's transition rules judge what an update means, not how it is written.

Each case is an (old, new) pair of whole manifests run through every rule at the root (which sees the whole
object) and at `spec` (which sees the spec), as the API server does on an update; a case names every rule that
must refuse it, so a rule that refuses where it should not fails the test as well.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from typing import Any

import celpy
import pytest
from celpy.adapter import json_to_cel

from dynamotable.api import crd as crd_module
from dynamotable.api.crd import crd

ROOT_SCHEMA = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
SPEC_SCHEMA = ROOT_SCHEMA["properties"]["spec"]
ENV = celpy.Environment()
PROGRAMS = {
    level: [(r["message"], ENV.program(ENV.compile(r["rule"]))) for r in node["x-kubernetes-validations"]]
    for level, node in (("root", ROOT_SCHEMA), ("spec", SPEC_SCHEMA))
}

TABLE_NAME = "tableName is immutable"
REGION = "region is immutable"
HASH_KEY = "hashKey is immutable"
RANGE_KEY = "rangeKey is immutable"
LSIS = "localSecondaryIndexes is immutable"
HASH_TYPE = "the type of the hashKey attribute is immutable"
RANGE_TYPE = "the type of the rangeKey attribute is immutable"
LSI_TYPE = "the type of a localSecondaryIndexes rangeKey attribute is immutable"
SOURCE = "source is immutable"
TRANSITION = (TABLE_NAME, REGION, HASH_KEY, RANGE_KEY, LSIS, HASH_TYPE, RANGE_TYPE, LSI_TYPE, SOURCE)

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
OLD: dict[str, Any] = {
    "apiVersion": "dynamotable.io/v1alpha1",
    "kind": "DynamoTable",
    "metadata": {"name": "orders", "namespace": "shop"},
    "spec": {
        "hashKey": "id",
        "rangeKey": "ts",
        "attributes": [
            {"name": "id", "type": "S"},
            {"name": "ts", "type": "N"},
            {"name": "st", "type": "S"},
            {"name": "cr", "type": "N"},
            {"name": "gk", "type": "S"},
        ],
        "globalSecondaryIndexes": [{"name": "ByGk", "hashKey": "gk", "projectionType": "ALL"}],
        "localSecondaryIndexes": [
            {"name": "BySt", "rangeKey": "st", "projectionType": "INCLUDE", "nonKeyAttributes": ["total", "owner"]},
            {"name": "ByCr", "rangeKey": "cr", "projectionType": "KEYS_ONLY"},
        ],
    },
}

Edit = Callable[[dict[str, Any]], None]


def _eval(program: Any, new: Any, old: Any) -> bool:
    result = program.evaluate({"self": json_to_cel(new), "oldSelf": json_to_cel(old)})
    # An error refuses the update in Kubernetes too, but with no useful message: here it is a bug in the rule.
    assert isinstance(result, celpy.celtypes.BoolType), result
    return bool(result)


def _short(message: str) -> str:
    return next((prefix for prefix in TRANSITION if message.startswith(prefix)), message)


def refusals(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """The rules (by the start of their message) that refuse updating `old` to `new`."""
    failed = [m for m, p in PROGRAMS["root"] if not _eval(p, new, old)]
    failed += [m for m, p in PROGRAMS["spec"] if not _eval(p, new["spec"], old["spec"])]
    return {_short(m) for m in failed}


def updated(base: dict[str, Any], *edits: Edit) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for edit in edits:
        edit(out)
    return out


def spec(**fields: Any) -> Edit:
    """Set spec fields; None removes one."""

    def edit(doc: dict[str, Any]) -> None:
        for key, value in fields.items():
            if value is None:
                doc["spec"].pop(key, None)
            else:
                doc["spec"][key] = value

    return edit


def lsi(index: int, **fields: Any) -> Edit:
    """Set fields of the index-th local index; None removes one."""

    def edit(doc: dict[str, Any]) -> None:
        target = doc["spec"]["localSecondaryIndexes"][index]
        for key, value in fields.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value

    return edit


def lsis(order: list[int]) -> Edit:
    """Keep the local indexes at these positions, in this order."""

    def edit(doc: dict[str, Any]) -> None:
        current = doc["spec"]["localSecondaryIndexes"]
        doc["spec"]["localSecondaryIndexes"] = [current[i] for i in order]

    return edit


def attribute_type(name: str, kind: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        (attr,) = [a for a in doc["spec"]["attributes"] if a["name"] == name]
        attr["type"] = kind

    return edit


def reversed_attributes(doc: dict[str, Any]) -> None:
    doc["spec"]["attributes"].reverse()


def status(**fields: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc.setdefault("status", {}).update(fields)

    return edit


NO_LSIS = updated(OLD, spec(localSecondaryIndexes=None))
EMPTY_LSIS = updated(OLD, spec(localSecondaryIndexes=[]))
RECORDED = updated(OLD, status(region="us-east-1", tableArn=ARN))

BACKUP = {"backup": {"backupArn": ARN + "/backup/01700000000000-abcdef12"}}
IMPORT = {"s3Import": {"bucket": "exports", "inputFormat": "DYNAMODB_JSON"}}
POINT_IN_TIME = {"pointInTime": {"sourceTableArn": ARN, "useLatestRestorableTime": True}}
NO_LSIS = updated(OLD, spec(localSecondaryIndexes=None))  # an import cannot create local indexes
FROM_BACKUP = updated(RECORDED, spec(source=BACKUP))

ALLOWED: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "unchanged": (OLD, OLD),
    "source unchanged on a recorded table": (FROM_BACKUP, copy.deepcopy(FROM_BACKUP)),
    "source added while no table is recorded": (OLD, updated(OLD, spec(source=BACKUP))),
    "source changed while no table is recorded (a failed import fixed)": (
        updated(NO_LSIS, spec(source=IMPORT)),
        updated(NO_LSIS, spec(source={"s3Import": {**IMPORT["s3Import"], "keyPrefix": "orders/"}})),
    ),
    "other fields change": (OLD, updated(OLD, spec(tags={"team": "shop"}, deletionProtection=True))),
    "local indexes reordered": (OLD, updated(OLD, lsis([1, 0]))),
    "projected attributes reordered": (OLD, updated(OLD, lsi(0, nonKeyAttributes=["owner", "total"]))),
    "projectionType ALL written out": (
        updated(OLD, lsi(1, projectionType=None)),
        updated(OLD, lsi(1, projectionType="ALL")),
    ),
    "projectionType ALL left out": (
        updated(OLD, lsi(1, projectionType="ALL")),
        updated(OLD, lsi(1, projectionType=None)),
    ),
    "nonKeyAttributes [] written out": (OLD, updated(OLD, lsi(1, nonKeyAttributes=[]))),
    "nonKeyAttributes [] left out": (updated(OLD, lsi(1, nonKeyAttributes=[])), OLD),
    "localSecondaryIndexes [] written out": (NO_LSIS, EMPTY_LSIS),
    "localSecondaryIndexes [] left out": (EMPTY_LSIS, NO_LSIS),
    "no local indexes either way": (NO_LSIS, updated(NO_LSIS, spec(tags={"a": "b"}))),
    "attributes reordered": (OLD, updated(OLD, reversed_attributes)),
    "a global index key changes type": (OLD, updated(OLD, attribute_type("gk", "N"))),
    "tableName written out as metadata.name": (OLD, updated(OLD, spec(tableName="orders"))),
    "tableName equal to metadata.name left out": (updated(OLD, spec(tableName="orders")), OLD),
    "tableName kept": (updated(OLD, spec(tableName="legacy")), updated(OLD, spec(tableName="legacy", tags={}))),
    "region kept": (updated(OLD, spec(region="eu-west-1")), updated(OLD, spec(region="eu-west-1", tags={}))),
    "region written out as the recorded one": (RECORDED, updated(RECORDED, spec(region="us-east-1"))),
    "region written out with no status": (OLD, updated(OLD, spec(region="eu-west-1"))),
    "region written out before a table is recorded": (
        updated(OLD, status(region="us-east-1")),
        updated(OLD, status(region="us-east-1"), spec(region="eu-west-1")),
    ),
    "status written by the operator": (OLD, RECORDED),
    "key types kept with attributes reordered": (OLD, updated(OLD, reversed_attributes, attribute_type("gk", "B"))),
}

REFUSED: dict[str, tuple[dict[str, Any], dict[str, Any], set[str]]] = {
    "source added to a recorded table": (RECORDED, updated(RECORDED, spec(source=BACKUP)), {SOURCE}),
    "source removed from a recorded table": (FROM_BACKUP, updated(FROM_BACKUP, spec(source=None)), {SOURCE}),
    "source changed on a recorded table": (FROM_BACKUP, updated(FROM_BACKUP, spec(source=POINT_IN_TIME)), {SOURCE}),
    "local index sort key changed": (OLD, updated(OLD, lsi(0, rangeKey="cr")), {LSIS}),
    "local index renamed": (OLD, updated(OLD, lsi(1, name="ByCreated")), {LSIS}),
    "local index projection changed": (OLD, updated(OLD, lsi(1, projectionType="ALL")), {LSIS}),
    "projected attribute replaced": (OLD, updated(OLD, lsi(0, nonKeyAttributes=["total", "state"])), {LSIS}),
    "projected attribute added": (OLD, updated(OLD, lsi(0, nonKeyAttributes=["total", "owner", "x"])), {LSIS}),
    "projected attribute duplicated in place of another": (
        OLD,
        updated(OLD, lsi(0, nonKeyAttributes=["total", "total"])),
        {LSIS},
    ),
    "projected attributes dropped": (
        OLD,
        updated(OLD, lsi(0, projectionType="KEYS_ONLY", nonKeyAttributes=None)),
        {LSIS},
    ),
    "local index removed": (OLD, updated(OLD, lsis([0])), {LSIS}),
    "local index added": (
        OLD,
        updated(
            OLD,
            spec(localSecondaryIndexes=[*OLD["spec"]["localSecondaryIndexes"], {"name": "ByGk2", "rangeKey": "gk"}]),
        ),
        {LSIS},
    ),
    "local index duplicated in place of another": (OLD, updated(OLD, lsis([0, 0])), {LSIS}),
    "local index listed twice": (OLD, updated(OLD, lsis([0, 1, 1])), {LSIS}),
    "projected attribute listed twice": (
        OLD,
        updated(OLD, lsi(0, nonKeyAttributes=["total", "owner", "owner"])),
        {LSIS},
    ),
    "local indexes removed": (OLD, NO_LSIS, {LSIS}),
    "local indexes emptied": (OLD, EMPTY_LSIS, {LSIS}),
    "local indexes added": (NO_LSIS, OLD, {LSIS}),
    "local indexes added to []": (EMPTY_LSIS, OLD, {LSIS}),
    "tableName changed": (
        updated(OLD, spec(tableName="orders-v1")),
        updated(OLD, spec(tableName="orders-v2")),
        {TABLE_NAME},
    ),
    "tableName set to another name than metadata.name": (OLD, updated(OLD, spec(tableName="orders-v2")), {TABLE_NAME}),
    "tableName unlike metadata.name left out": (updated(OLD, spec(tableName="legacy")), OLD, {TABLE_NAME}),
    "region changed": (updated(OLD, spec(region="us-east-1")), updated(OLD, spec(region="eu-west-1")), {REGION}),
    "region left out": (updated(OLD, spec(region="us-east-1")), OLD, {REGION}),
    "region written out unlike the recorded table": (RECORDED, updated(RECORDED, spec(region="eu-west-1")), {REGION}),
    "hashKey changed": (OLD, updated(OLD, spec(hashKey="st")), {HASH_KEY}),
    "rangeKey removed": (OLD, updated(OLD, spec(rangeKey=None)), {RANGE_KEY}),
    "rangeKey added": (updated(OLD, spec(rangeKey=None)), OLD, {RANGE_KEY}),
    "hash key type S to N": (OLD, updated(OLD, attribute_type("id", "N")), {HASH_TYPE}),
    "range key type N to S": (OLD, updated(OLD, attribute_type("ts", "S")), {RANGE_TYPE}),
    "local index sort key type S to N": (OLD, updated(OLD, attribute_type("st", "N")), {LSI_TYPE}),
    "hash key type changed with attributes reordered": (
        OLD,
        updated(OLD, reversed_attributes, attribute_type("id", "B")),
        {HASH_TYPE},
    ),
    "everything at once": (
        updated(OLD, spec(region="us-east-1")),
        updated(
            OLD,
            spec(tableName="other", region="eu-west-1", hashKey="gk", rangeKey="cr"),
            attribute_type("gk", "N"),
            attribute_type("cr", "S"),
            lsis([1]),
        ),
        {TABLE_NAME, REGION, HASH_KEY, RANGE_KEY, LSIS, HASH_TYPE, RANGE_TYPE, LSI_TYPE},
    ),
}


@pytest.mark.parametrize(("old", "new"), list(ALLOWED.values()), ids=list(ALLOWED))
def test_update_is_allowed(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert refusals(old, new) == set()


@pytest.mark.parametrize(("old", "new", "expected"), list(REFUSED.values()), ids=list(REFUSED))
def test_update_is_refused_by_exactly(old: dict[str, Any], new: dict[str, Any], expected: set[str]) -> None:
    assert refusals(old, new) == expected


def test_every_transition_rule_is_exercised() -> None:
    refused = set().union(*(expected for _, _, expected in REFUSED.values()))
    assert refused == set(TRANSITION)
    messages = [m for _, m in (*crd_module.ROOT_TRANSITION_RULES, *crd_module.SPEC_TRANSITION_RULES)]
    assert sorted(_short(m) for m in messages) == sorted(TRANSITION)


def test_messages_name_the_field_and_the_fix() -> None:
    for _, message in (*crd_module.ROOT_TRANSITION_RULES, *crd_module.SPEC_TRANSITION_RULES):
        assert "is immutable" in message and "create a new DynamoTable" in message, message


def _rules_by_path(node: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        found += [(path, r["rule"]) for r in node.get("x-kubernetes-validations", [])]
        for key, value in node.items():
            found += _rules_by_path(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _rules_by_path(value, f"{path}/{i}")
    return found


def test_transition_rules_sit_where_they_always_run() -> None:
    """A rule under an optional field is skipped when the field is absent on either side, so adding or removing
    it would go unchecked: transition rules belong at the root or at the required `spec`."""
    assert "spec" in ROOT_SCHEMA["required"]
    placed = {path for path, rule in _rules_by_path(ROOT_SCHEMA) if "oldSelf" in rule}
    assert placed == {"", "/properties/spec"}


def test_root_rules_read_only_what_the_root_can_see() -> None:
    """At the root Kubernetes exposes metadata.name and metadata.generateName, nothing else of metadata."""
    for rule in (r["rule"] for r in ROOT_SCHEMA["x-kubernetes-validations"]):
        assert set(re.findall(r"metadata\.(\w+)", rule)) <= {"name", "generateName"}, rule


def test_iterated_lists_and_compared_strings_are_bounded() -> None:
    """Kubernetes refuses a CRD whose rule's estimated cost passes 10,000,000 (StaticEstimatedCostLimit); the
    estimate is only finite when every list a rule iterates has maxItems and every string it compares has
    maxLength or an enum. The sum below follows cel-go's model: `x in list` costs size(list), a string `==`
    a tenth of the shorter maxLength, and each comprehension step a few units."""
    props = SPEC_SCHEMA["properties"]
    lsi_items = props["localSecondaryIndexes"]["items"]["properties"]
    attr_items = props["attributes"]["items"]["properties"]
    n_lsis = props["localSecondaryIndexes"]["maxItems"]
    n_attrs = props["attributes"]["maxItems"]
    n_projected = lsi_items["nonKeyAttributes"]["maxItems"]
    lengths = [
        lsi_items["name"]["maxLength"],
        lsi_items["rangeKey"]["maxLength"],
        lsi_items["nonKeyAttributes"]["items"]["maxLength"],
        attr_items["name"]["maxLength"],
        props["hashKey"]["maxLength"],
        props["rangeKey"]["maxLength"],
    ]
    assert attr_items["type"]["enum"] and lsi_items["projectionType"]["enum"]
    compare = math.ceil(max(lengths) / 10) + 1
    same_lsi = 2 * compare + 2 * n_projected * (n_projected + 4) + 10
    lsi_rule = 2 * n_lsis * n_lsis * (same_lsi + 4)
    key_type_rule = n_attrs * (n_lsis * (compare + 4) + n_attrs * (2 * compare + 4))
    assert max(lsi_rule, key_type_rule) < 10_000_000
