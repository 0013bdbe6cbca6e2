"""Chart files that must agree with the rest of the repository; no helm-python-sdk needed."""

from __future__ import annotations

import json
from typing import Any

import yaml
from chart_helpers import CHART, ROOT

from dynamotable import __version__
from dynamotable.api.crd import CRD_NAME

TOP_CRDS = ROOT / "crds"
CHART_CRDS = CHART / "crds"


def test_chart_app_version_is_the_package_version() -> None:
    meta = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    assert meta["apiVersion"] == "v2"
    assert meta["appVersion"] == __version__, "bump appVersion in Chart.yaml with operator/dynamotable/__init__.py"
    assert meta["version"] == __version__


def test_chart_crds_are_the_top_level_crds_byte_for_byte() -> None:
    top = {p.name: p.read_bytes() for p in TOP_CRDS.glob("*.yaml")}
    ours = {p.name: p.read_bytes() for p in CHART_CRDS.glob("*.yaml")}
    assert f"{CRD_NAME}.yaml" in top
    assert sorted(ours) == sorted(top), "run `make crds-sync`"
    stale = [name for name in top if ours[name] != top[name]]
    assert not stale, f"charts/dynamotable-operator/crds/ differs from crds/ for {stale}: run `make crds-sync`"


def test_every_crd_file_is_a_crd() -> None:
    for path in CHART_CRDS.glob("*.yaml"):
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
        assert [d["kind"] for d in docs] == ["CustomResourceDefinition"], path.name
        assert docs[0]["metadata"]["name"] == path.stem, path.name


def _walk_schema(node: dict[str, Any], path: str) -> list[str]:
    problems = []
    if "type" not in node:
        problems.append(f"{path}: no type")
    if "description" not in node and path != "$":
        problems.append(f"{path}: no description")
    if node.get("type") == "object" and "properties" in node and node.get("additionalProperties") is not False:
        problems.append(f"{path}: additionalProperties is not false")
    for key, child in node.get("properties", {}).items():
        problems += _walk_schema(child, f"{path}.{key}")
    items = node.get("items")
    if isinstance(items, dict):
        problems += _walk_schema(items, f"{path}[]")
    return problems


def _schema_paths(node: dict[str, Any], prefix: str = "") -> set[str]:
    out = set()
    for key, child in node.get("properties", {}).items():
        out.add(prefix + key)
        out |= _schema_paths(child, prefix + key + ".")
    return out


def _value_paths(value: Any, prefix: str = "") -> set[str]:
    out = set()
    if isinstance(value, dict):
        for key, child in value.items():
            out.add(prefix + key)
            out |= _value_paths(child, prefix + key + ".")
    return out


def test_values_schema_types_and_describes_every_value_and_closes_every_object() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert _walk_schema(schema, "$") == []


def test_every_default_value_is_in_the_schema_and_every_schema_property_has_a_default() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    declared = _schema_paths(schema)
    given = _value_paths(values)
    assert given - declared == set(), "values.yaml keys missing from values.schema.json"
    # Sections and their direct keys need a default; deeper keys and these optional ones do not.
    optional = {
        "podSecurityContext.fsGroup",
        "affinity.nodeAffinity",
        "affinity.podAffinity",
        "affinity.podAntiAffinity",
    }
    missing_defaults = {p for p in declared - given if p.count(".") <= 1 and p != "global"} - optional
    assert missing_defaults == set(), "schema properties without a default in values.yaml"


def test_values_schema_accepts_the_default_values() -> None:
    import jsonschema

    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(values)


def test_schema_walk_reports_an_open_or_undescribed_object() -> None:
    bad = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"x": {"type": "object", "properties": {"y": {}}}},
    }
    problems = _walk_schema(bad, "$")
    assert "$.x: no description" in problems
    assert "$.x: additionalProperties is not false" in problems
    assert "$.x.y: no type" in problems
