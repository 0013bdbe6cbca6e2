"""The editors' JSON Schema (`dynamotable schema`, schema/dynamotable.schema.json) gives the CRD's verdict.

The CRD's verdict on a manifest, as kubectl and the API server give it: the manifest reaches this CRD only
with our apiVersion and kind; its structural schema then judges it with kubectl's default strict field
validation (an unknown field is refused); nulls on optional fields are pruned first; then the CEL rules run.
The JSON Schema must agree with the first three on every example, valid and invalid manifest, and whatever
the CRD refuses beyond them must be a CEL rule that docs/editor-schema.md lists as one an editor cannot show.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import pytest
from click.testing import CliRunner

from dynamotable import manifest_yaml
from dynamotable.api.crd import crd
from dynamotable.api.json_schema import API_VERSION, cel_rule_messages, json_schema, json_schema_text
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


def failing_cel_rules(obj: dict[str, Any]) -> list[str]:
    return [
        rule["message"]
        for schema, value in _nodes(OPEN_API, without_nulls(obj))
        for rule in schema.get("x-kubernetes-validations", [])
        if "oldSelf" not in rule["rule"] and not _cel_holds(rule["rule"], value)
    ]


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


def _cel_holds(rule: str, value: Any) -> bool:
    return bool(CEL.program(CEL.compile(rule)).evaluate({"self": celpy.json_to_cel(value)}))


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
def test_editor_and_crd_structural_schema_agree(obj: Any) -> None:
    errors = [e.message for e in EDITOR.iter_errors(obj)]
    assert (errors == []) == structurally_admitted(obj), errors


def test_every_invalid_manifest_is_refused_by_yaml_the_schema_a_cel_rule_or_only_by_validate() -> None:
    """Counts each way an invalid manifest is refused; a CEL-only refusal must name a rule the docs list."""
    listed = set(cel_rule_messages(transition=False))
    ways: dict[str, list[str]] = {"yaml": [], "schema": [], "cel": [], "validate": []}
    for path in sorted((UNIT / "invalid").glob("*.yaml")):
        for name, obj, duplicates in _tables(path):
            if duplicates:
                ways["yaml"].append(name)
            elif not EDITOR.is_valid(obj):
                ways["schema"].append(name)
            elif failed := failing_cel_rules(obj):
                assert set(failed) <= listed, f"{name}: {failed} are not listed"
                ways["cel"].append(name)
            else:
                ways["validate"].append(name)
    assert all(ways.values()), {way: len(names) for way, names in ways.items()}


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


def test_docs_list_every_cel_rule_an_editor_cannot_show() -> None:
    assert _listed_in_docs("What an editor cannot show") == cel_rule_messages(transition=False)
    assert _listed_in_docs("Rules on updates") == cel_rule_messages(transition=True)
