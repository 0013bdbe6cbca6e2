"""The editors' JSON Schema (`dynamotable schema`, schema/dynamotable.schema.json) gives the CRD's verdict.

The CRD's verdict on a manifest, as kubectl and the API server give it: the manifest reaches this CRD only
with our apiVersion and kind; nulls on optional fields are pruned and defaults applied; its structural schema
then judges it with kubectl's default strict field validation (an unknown field is refused); then the CEL
rules run. The JSON Schema must agree with all of that but the CEL rules it cannot express, on every example,
valid and invalid manifest; each CEL rule it does express must agree with the CEL rule on every combination of
the fields the rule reads; and whatever the CRD refuses beyond the JSON Schema must be a CEL rule that
docs/editor-schema.md lists as one an editor cannot show.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import pytest
from click.testing import CliRunner

from dynamotable import manifest_yaml
from dynamotable.api.crd import crd
from dynamotable.api.json_schema import API_VERSION, TRANSLATED, cel_rule_messages, json_schema, json_schema_text
from dynamotable.api.spec import KIND
from dynamotable.api.validation import without_nulls
from dynamotable.cli import main

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "schema" / "dynamotable.schema.json"
DOC = ROOT / "docs" / "editor-schema.md"
UNIT = Path(__file__).parent
MANIFESTS = sorted(
    [*(ROOT / "examples").glob("*.yaml"), *(UNIT / "valid").glob("*.yaml"), *(UNIT / "invalid").glob("*.yaml")]
)
OPEN_API = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
CEL = celpy.Environment()
EDITOR = jsonschema.Draft7Validator(json_schema())


def _strict(node: Any) -> Any:
    """The structural schema as kubectl's strict field validation applies it: unknown fields are refused."""
    if not isinstance(node, dict):
        return node
    out = {k: v for k, v in node.items() if k != "x-kubernetes-validations"}
    if "properties" in node:
        out["properties"] = {name: _strict(child) for name, child in node["properties"].items()}
        if not node.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            out[key] = _strict(node[key])
    return out


STRUCTURAL = jsonschema.Draft7Validator(_strict(OPEN_API))


def _tables(path: Path) -> list[tuple[str, Any, bool]]:
    """(name, object, has duplicate keys) for each object in the file, the items of a List one by one."""
    out = []
    for doc in manifest_yaml.read_documents(path.read_text(encoding="utf-8")):
        data = doc.data
        if isinstance(data, dict) and data.get("kind") == "List":
            items = data.get("items") or []
            out += [
                (f"{path.name}[{doc.index}].items[{i}]", item, bool(doc.duplicates)) for i, item in enumerate(items)
            ]
        else:
            out.append((f"{path.name}[{doc.index}]", data, bool(doc.duplicates)))
    return out


# A file with duplicate keys is refused as a whole, by an editor's YAML parser and by kubectl's strict decoding.
CASES = [pytest.param(obj, id=name) for path in MANIFESTS for name, obj, dup in _tables(path) if not dup]


def _reaches_this_crd(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("apiVersion") == API_VERSION and obj.get("kind") == KIND


def structurally_admitted(obj: Any) -> bool:
    """The API server's verdict without the CEL rules (and metadata.name, which it always requires)."""
    if not _reaches_this_crd(obj) or not isinstance(obj.get("metadata"), dict):
        return False
    return STRUCTURAL.is_valid(without_nulls(obj))


def _defaulted(schema: dict[str, Any], value: Any) -> Any:
    """The structural schema's defaults applied, as the API server does before it validates."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out = {k: _defaulted(props[k], v) if k in props else v for k, v in value.items()}
        out.update({k: p["default"] for k, p in props.items() if k not in out and "default" in p})
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_defaulted(schema["items"], v) for v in value]
    return value


def failing_cel_rules(obj: dict[str, Any]) -> list[str]:
    return [
        rule["message"]
        for schema, value in _nodes(OPEN_API, _defaulted(OPEN_API, without_nulls(obj)))
        for rule in schema.get("x-kubernetes-validations", [])
        if "oldSelf" not in rule["rule"] and not _cel_holds(rule["rule"], value)
    ]


def admitted_as_an_editor_can_judge(obj: Any) -> bool:
    """The CRD's verdict but for the CEL rules the JSON Schema does not express."""
    if not structurally_admitted(obj):
        return False
    return not [m for m in failing_cel_rules(obj) if m in TRANSLATED]


def _nodes(schema: dict[str, Any], value: Any) -> Any:
    yield schema, value
    if isinstance(value, dict):
        for key, sub in value.items():
            child = schema.get("properties", {}).get(key)
            if child is not None:
                yield from _nodes(child, sub)
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            yield from _nodes(schema["items"], item)


@functools.cache
def _program(rule: str) -> Any:
    return CEL.program(CEL.compile(rule))


def _cel_holds(rule: str, value: Any) -> bool:
    """A rule that cannot be evaluated (a missing field) refuses, as at admission."""
    try:
        return bool(_program(rule).evaluate({"self": celpy.json_to_cel(value)}))
    except celpy.CELEvalError:
        return False


def test_committed_schema_is_the_commands_output() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.output == json_schema_text()
    assert COMMITTED.read_text(encoding="utf-8") == result.output, (
        "regenerate with: dynamotable schema > schema/dynamotable.schema.json"
    )


def test_the_schema_is_a_valid_draft_07_schema() -> None:
    jsonschema.Draft7Validator.check_schema(json.loads(COMMITTED.read_text(encoding="utf-8")))


@pytest.mark.parametrize("obj", CASES)
def test_editor_and_crd_agree_but_for_the_listed_cel_rules(obj: Any) -> None:
    errors = [e.message for e in EDITOR.iter_errors(obj)]
    assert (errors == []) == admitted_as_an_editor_can_judge(obj), (errors, failing_cel_rules(obj))


def test_every_invalid_manifest_is_refused_by_yaml_the_schema_a_cel_rule_or_only_by_validate() -> None:
    """Counts each way an invalid manifest is refused; a CEL-only refusal must name a rule the docs list."""
    listed = set(cel_rule_messages(translated=False))
    ways: dict[str, list[str]] = {"yaml": [], "schema": [], "cel": [], "validate": []}
    for path in sorted((UNIT / "invalid").glob("*.yaml")):
        for name, obj, duplicates in _tables(path):
            if duplicates:
                ways["yaml"].append(name)
            elif not EDITOR.is_valid(obj):
                ways["schema"].append(name)
            elif failed := failing_cel_rules(obj):
                assert set(failed) <= listed, f"{name}: {failed} are not listed as rules an editor cannot show"
                ways["cel"].append(name)
            else:
                ways["validate"].append(name)
    assert all(ways.values()), {way: len(names) for way, names in ways.items()}
    told = re.search(
        r"Of the (\d+) invalid objects there, the editor refuses (\d+); (\d+) have duplicate keys.*?; (\d+) break "
        r"only a CEL rule an editor cannot show; the other (\d+) are refused only by `dynamotable validate`",
        " ".join(DOC.read_text(encoding="utf-8").split()),
    )
    assert told, "docs/editor-schema.md no longer gives the counts"
    counts = [len(ways[w]) for w in ("schema", "yaml", "cel", "validate")]
    assert [int(n) for n in told.groups()] == [sum(counts), *counts], "update the counts in docs/editor-schema.md"


def test_docs_count_the_cel_rules_the_editor_shows_and_cannot() -> None:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    told = re.search(r"\*\*(\d+) of the CRD's (\d+) CEL rules\*\*.*?the other (\d+) it \[cannot show\]", text)
    assert told
    shown, hidden = cel_rule_messages(translated=True), cel_rule_messages(translated=False)
    assert [int(n) for n in told.groups()] == [len(shown), len(shown) + len(hidden), len(hidden)]


def test_an_unknown_field_a_wrong_kind_and_a_null_are_judged_as_kubectl_does() -> None:
    base = {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": "t"}, "spec": {"hashKey": "id"}}
    base["spec"]["attributes"] = [{"name": "id", "type": "S"}]
    assert EDITOR.is_valid(base) and structurally_admitted(base)
    typo = {**base, "spec": {**base["spec"], "hashkey": "id"}}
    assert not EDITOR.is_valid(typo) and not structurally_admitted(typo)
    other = {**base, "kind": "DynamoTables"}
    assert not EDITOR.is_valid(other) and not structurally_admitted(other)
    null = {**base, "spec": {**base["spec"], "billingMode": None}}
    assert EDITOR.is_valid(null) and structurally_admitted(null)
    required_null = {**base, "spec": {**base["spec"], "hashKey": None}}
    assert not EDITOR.is_valid(required_null) and not structurally_admitted(required_null)


def _listed_in_docs(heading: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [m.group(1) for m in re.finditer(r"^\| `[^`]+` \| (.+) \|$", section, re.MULTILINE)]


def test_docs_list_every_cel_rule_by_whether_an_editor_shows_it() -> None:
    assert _listed_in_docs("CEL rules the editor shows too") == cel_rule_messages(translated=True)
    assert _listed_in_docs("What an editor cannot show") == cel_rule_messages(translated=False)
    assert _listed_in_docs("Rules on updates") == cel_rule_messages(transition=True)


# Every translated CEL rule against its JSON Schema on each combination of these values of the fields it reads
# (a field is read when the rule's text names it); ABSENT leaves the field out, None writes a null.
ABSENT = object()
SCALING = {"read": {"minCapacity": 1, "maxCapacity": 9, "targetUtilization": 70}}
S3_IMPORT = {"bucket": "exports", "inputFormat": "DYNAMODB_JSON"}
BACKUP_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/backup/01700000000000-abcdef12"
DOMAINS: dict[str, tuple[dict[str, Any], dict[str, list[Any]]]] = {
    "spec": (
        {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
        {
            "billingMode": [ABSENT, None, "PROVISIONED", "PAY_PER_REQUEST"],
            "readCapacity": [ABSENT, None, 5],
            "writeCapacity": [ABSENT, 5],
            "autoScaling": [ABSENT, None, SCALING],
            "globalSecondaryIndexes": [
                ABSENT,
                [{"name": "a"}],
                [{"name": "a", "readCapacity": 1, "writeCapacity": 1}],
                [{"name": "a", "writeCapacity": 1}],
                [{"name": "a", "autoScaling": SCALING}],
            ],
            "replicas": [
                ABSENT,
                None,
                [{"region": "us-east-2"}],
                [{"region": "us-east-2", "readCapacityOverride": 5}],
                [{"region": "us-west-2", "maxReadRequestUnitsOverride": 5}],
                [{"region": "us-east-2", "globalSecondaryIndexes": [{"name": "a", "readCapacityOverride": 1}]}],
                [{"region": "us-east-2", "globalSecondaryIndexes": [{"name": "a", "maxReadRequestUnitsOverride": 1}]}],
                [{"region": "us-east-2"}, {"region": "us-west-2"}],
                [{"region": "eu-west-1"}, {"region": "us-west-2"}],
                [{"region": "us-east-2"}, {"region": "us-west-2"}, {"region": "eu-west-3"}],
            ],
            "multiRegionConsistency": [ABSENT, None, "STRONG", "EVENTUAL"],
            "witnessRegion": [ABSENT, None, "us-west-2", "eu-west-1"],
            "region": [ABSENT, "us-east-1", "eu-west-2"],
            "ttl": [ABSENT, None, {}, {"enabled": True, "attributeName": "x"}, {"enabled": False}, {"enabled": None}],
            "localSecondaryIndexes": [ABSENT, None, [], [{"name": "l", "rangeKey": "r"}]],
            "source": [ABSENT, None, {"s3Import": S3_IMPORT}, {"backup": {"backupArn": BACKUP_ARN}}],
        },
    ),
    "spec.source": (
        {},
        {
            "pointInTime": [ABSENT, None, {"sourceTableName": "orders", "useLatestRestorableTime": True}],
            "backup": [ABSENT, None, {"backupArn": BACKUP_ARN}],
            "s3Import": [ABSENT, None, S3_IMPORT],
        },
    ),
    "spec.source.pointInTime": (
        {},
        {
            "sourceTableArn": [ABSENT, None, "arn:aws:dynamodb:us-east-1:123456789012:table/orders"],
            "sourceTableName": [ABSENT, None, "orders"],
            "restoreDateTime": [ABSENT, None, "2026-11-30T12:00:00Z"],
            "useLatestRestorableTime": [ABSENT, None, True, False],
        },
    ),
    "spec.source.s3Import": (
        {"bucket": "exports"},
        {"inputFormat": ["CSV", "DYNAMODB_JSON", "ION"], "csv": [ABSENT, None, {}, {"delimiter": ";"}]},
    ),
    "spec.export": ({}, {"configMap": ["orders-table", "orders-terraform", "terraform", "orders-terraform-x"]}),
    "spec.globalSecondaryIndexes[]": (
        {"name": "g"},
        {
            "hashKey": [ABSENT, None, "h"],
            "hashKeys": [ABSENT, None, ["h"], ["h", "i"]],
            "rangeKey": [ABSENT, None, "r"],
            "rangeKeys": [ABSENT, None, ["r"], ["r", "s"], ["r", "r"]],
            "projectionType": [ABSENT, "ALL", "INCLUDE"],
            "nonKeyAttributes": [ABSENT, None, [], ["x"]],
        },
    ),
    "spec.ttl": ({}, {"enabled": [ABSENT, None, True, False], "attributeName": [ABSENT, None, "x"]}),
    "spec.contributorInsights": (
        {},
        {"enabled": [ABSENT, None, True, False], "mode": [ABSENT, None, "THROTTLED_KEYS"]},
    ),
    "spec.alarms[]": (
        {"name": "a", "metric": "ReadThrottleEvents", "statistic": "Sum", "evaluationPeriods": 1},
        {"period": [10, 30, 45, 60, 90, 120, 300, 3600]},
    ),
}


def _rules_by_node(node: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any], dict[str, str]]]:
    for rule in node.get("x-kubernetes-validations", []):
        yield path, node, rule
    for key, child in node.get("properties", {}).items():
        yield from _rules_by_node(child, f"{path}.{key}" if path else key)
    if isinstance(node.get("items"), dict):
        yield from _rules_by_node(node["items"], path + "[]")


TRANSLATED_AT = [
    pytest.param(path, node, rule, id=f"{path}: {rule['message'][:60]}")
    for path, node, rule in _rules_by_node(OPEN_API, "")
    if rule["message"] in TRANSLATED and path in DOMAINS
]


def test_every_translated_rule_is_checked_at_one_node_at_least() -> None:
    assert {p.values[2]["message"] for p in TRANSLATED_AT} == set(TRANSLATED)


def _pruned(value: dict[str, Any]) -> dict[str, Any]:
    """Nulls pruned at every depth, as the API server does with a spec."""
    pruned: dict[str, Any] = without_nulls({"spec": value})["spec"]
    return pruned


def _combinations(base: dict[str, Any], domains: dict[str, list[Any]], rule: str) -> Iterator[dict[str, Any]]:
    read = {field: values for field, values in domains.items() if field in rule}
    for chosen in itertools.product(*read.values()):
        value = dict(base)
        value.update({f: v for f, v in zip(read, chosen, strict=True) if v is not ABSENT})
        yield value


@pytest.mark.parametrize(("path", "node", "rule"), TRANSLATED_AT)
def test_translated_rule_gives_the_cel_rules_verdict(path: str, node: dict[str, Any], rule: dict[str, str]) -> None:
    base, domains = DOMAINS[path]
    fragment = jsonschema.Draft7Validator(TRANSLATED[rule["message"]])
    values = list(_combinations(base, domains, rule["rule"]))
    disagreeing = [
        (value, cel)
        for value in values
        if fragment.is_valid(value) != (cel := _cel_holds(rule["rule"], _defaulted(node, _pruned(value))))
    ]
    assert len(values) >= 3
    assert disagreeing == [], (
        f"{len(disagreeing)} of {len(values)} disagree, e.g. (value, CEL verdict) {disagreeing[:3]}"
    )
