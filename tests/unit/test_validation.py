"""Every rule of api/validation.py and of the models, one invalid manifest each (tests/unit/invalid/)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from dynamotable.api.validation import RULES, InvalidSpec, parse_manifest, validate_manifest

INVALID_DIR = Path(__file__).parent / "invalid"
EXPECT = re.compile(r"^# expect: (?P<path>\S+): (?P<text>.+)$")


def invalid_cases() -> list[Any]:
    cases = []
    for path in sorted(INVALID_DIR.glob("*.yaml")):
        text = path.read_text()
        expects = [(m["path"], m["text"]) for m in map(EXPECT.match, text.splitlines()) if m]
        cases.append(pytest.param(path, expects, id=path.stem))
    return cases


def test_there_is_an_invalid_manifest_for_at_least_30_rules() -> None:
    assert len(invalid_cases()) >= 30


@pytest.mark.parametrize(("path", "expects"), invalid_cases())
def test_invalid_manifest_is_rejected_naming_the_field(path: Path, expects: list[tuple[str, str]]) -> None:
    assert expects, f"{path.name} has no '# expect: <path>: <text>' header"
    manifest, errors = validate_manifest(yaml.safe_load(path.read_text()))
    assert manifest is None
    rendered = [str(e) for e in errors]
    for field, text in expects:
        matching = [e for e in errors if e.path == field]
        assert matching, f"no error on {field}; got {rendered}"
        assert any(text in e.message for e in matching), f"{field}: {text!r} not in {rendered}"


BASE: dict[str, Any] = {
    "apiVersion": "dynamotable.io/v1alpha1",
    "kind": "DynamoTable",
    "metadata": {"name": "orders", "namespace": "shop"},
    "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
}


def test_minimal_manifest_is_valid_and_defaults_apply() -> None:
    manifest = parse_manifest(BASE)
    assert manifest.table_name == "orders"
    assert manifest.owner_id == "shop/orders"
    assert manifest.spec.billing_mode.value == "PAY_PER_REQUEST"
    assert manifest.spec.deletion_policy.value == "Retain"
    assert manifest.spec.management_policy.value == "Apply"
    assert manifest.spec.replicas is None  # absent = not managed
    assert manifest.spec.adopt is False


def test_all_errors_are_reported_at_once() -> None:
    doc = copy.deepcopy(BASE)
    doc["spec"].update(
        rangeKey="ts",
        ttl={"enabled": True},
        stream={"enabled": True},
        tags={"aws:x": "1"},
    )
    _, errors = validate_manifest(doc)
    paths = {e.path for e in errors}
    assert {"spec.rangeKey", "spec.ttl.attributeName", "spec.stream.viewType", "spec.tags['aws:x']"} <= paths


def test_parse_manifest_raises_with_every_error() -> None:
    doc = copy.deepcopy(BASE)
    doc["spec"]["rangeKey"] = "ts"
    with pytest.raises(InvalidSpec) as info:
        parse_manifest(doc)
    assert [e.path for e in info.value.errors] == ["spec.rangeKey"]


def test_replica_in_default_region_is_caught_when_the_region_is_known() -> None:
    doc = copy.deepcopy(BASE)
    doc["spec"].update(stream={"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"}, replicas=[{"region": "eu-west-1"}])
    assert validate_manifest(doc)[1] == []
    _, errors = validate_manifest(doc, default_region="eu-west-1")
    assert [e.path for e in errors] == ["spec.replicas[0].region"]


def test_every_rule_has_an_invalid_manifest() -> None:
    """Each semantic rule function is exercised by at least one file under invalid/."""
    hit: set[str] = set()
    for param in invalid_cases():
        path = param.values[0]
        manifest_doc = yaml.safe_load(path.read_text())
        from dynamotable.api import spec as s

        try:
            model = s.DynamoTable.model_validate(manifest_doc)
        except Exception:
            continue
        for rule in RULES:
            if list(rule(model, None)):
                hit.add(rule.__name__)
    assert hit == {r.__name__ for r in RULES}


def test_messages_name_value_and_fix() -> None:
    doc = copy.deepcopy(BASE)
    doc["spec"]["billingMode"] = "PROVISONED"
    _, errors = validate_manifest(doc)
    (err,) = errors
    assert err.path == "spec.billingMode"
    assert "'PROVISONED'" in err.message and "PROVISIONED" in err.message and "PAY_PER_REQUEST" in err.message
