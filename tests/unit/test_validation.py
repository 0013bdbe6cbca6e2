"""Every rule of api/validation.py and of the models: one invalid manifest each (tests/unit/invalid/), and
tricky valid manifests at the boundaries (tests/unit/valid/). Files are read by the CLI's loader, so they are
judged exactly as `dynamotable validate -f` (and kubectl) judge them."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from dynamotable import loader, manifest_yaml
from dynamotable.api import spec as s
from dynamotable.api.validation import (
    METADATA_RULES,
    RULES,
    InvalidSpec,
    SpecError,
    metadata_errors,
    parse_manifest,
    validate_manifest,
    without_nulls,
)

INVALID_DIR = Path(__file__).parent / "invalid"
VALID_DIR = Path(__file__).parent / "valid"
EXPECT = re.compile(r"^# expect: (?P<path>\S+): (?P<text>.+)$")


def invalid_cases() -> list[Any]:
    cases = []
    for path in sorted(INVALID_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        expects = [(m["path"], m["text"]) for m in map(EXPECT.match, text.splitlines()) if m]
        cases.append(pytest.param(path, expects, id=path.stem))
    return cases


def checked(path: Path) -> loader.Checked:
    return loader.check(loader.load([str(path)]))


def test_there_is_an_invalid_manifest_for_at_least_100_cases() -> None:
    assert len(invalid_cases()) >= 100


@pytest.mark.parametrize(("path", "expects"), invalid_cases())
def test_invalid_manifest_is_rejected_naming_the_field(path: Path, expects: list[tuple[str, str]]) -> None:
    assert expects, f"{path.name} has no '# expect: <path>: <text>' header"
    result = checked(path)
    errors: list[SpecError] = [e for _, e in result.errors]
    assert errors, f"{path.name} was accepted"
    rendered = [str(e) for e in errors]
    for field, text in expects:
        matching = [e for e in errors if e.path == field]
        assert matching, f"no error on {field}; got {rendered}"
        assert any(text in e.message for e in matching), f"{field}: {text!r} not in {rendered}"


def valid_files() -> list[Path]:
    return sorted(VALID_DIR.glob("*.yaml"))


def test_there_are_at_least_15_tricky_valid_manifests() -> None:
    assert len(valid_files()) >= 15


@pytest.mark.parametrize("path", valid_files(), ids=lambda p: p.stem)
def test_valid_manifest_passes_validate_manifest(path: Path) -> None:
    """Each file validates cleanly through the loader, and each of its documents through validate_manifest."""
    result = checked(path)
    assert result.error_lines() == []
    assert result.manifests
    for doc, manifest in result.manifests:
        again, errors = validate_manifest(doc.body)
        assert errors == [] and again == manifest


def test_valid_manifests_declare_distinct_tables() -> None:
    """They are applied together by tests/aws/test_valid_manifests_converge.py."""
    result = loader.check(loader.load([str(VALID_DIR)]))
    assert result.error_lines() == []
    assert len(result.manifests) >= len(valid_files())


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


@pytest.mark.parametrize(
    "stream",
    [None, *({"enabled": True, "viewType": v.value} for v in s.StreamViewType)],
    ids=lambda v: "absent" if v is None else v["viewType"],
)
def test_replicas_accept_no_stream_or_a_stream_of_any_view_type(stream: dict[str, Any] | None) -> None:
    """Global tables 2019.11.21 replicate through any stream; with none AWS enables NEW_AND_OLD_IMAGES."""
    doc = copy.deepcopy(BASE)
    doc["spec"]["replicas"] = [{"region": "us-west-2"}]
    if stream is not None:
        doc["spec"]["stream"] = stream
    assert validate_manifest(doc, default_region="us-east-1")[1] == []


def test_replicas_refuse_a_disabled_stream_plainly() -> None:
    doc = copy.deepcopy(BASE)
    doc["spec"].update(stream={"enabled": False}, replicas=[{"region": "us-west-2"}])
    _, errors = validate_manifest(doc, default_region="us-east-1")
    assert [str(e) for e in errors] == [
        "spec.stream: replicas need a stream, and this spec disables it; AWS enables one (NEW_AND_OLD_IMAGES) "
        "itself when the table has none: remove stream, or enable it (any viewType)"
    ]


def _documents_of(path: Path) -> list[Any]:
    return [d.data for d in manifest_yaml.read_documents(path.read_text(encoding="utf-8"))]


def _tables_in(data: Any) -> list[Any]:
    if isinstance(data, dict) and str(data.get("kind", "")).endswith("List"):
        return [i for i in data.get("items", []) if isinstance(i, dict)]
    return [data] if isinstance(data, dict) else []


def test_every_rule_has_an_invalid_manifest() -> None:
    """Each semantic and metadata rule function is exercised by at least one file under invalid/."""
    hit: set[str] = set()
    for param in invalid_cases():
        for data in _documents_of(param.values[0]):
            for doc in _tables_in(data):
                try:
                    model = s.DynamoTable.model_validate(without_nulls(doc))
                except Exception:
                    continue
                for rule in (*RULES, *METADATA_RULES):
                    if list(rule(model, None)):
                        hit.add(rule.__name__)
    assert hit == {r.__name__ for r in (*RULES, *METADATA_RULES)}


def test_no_valid_manifest_trips_a_rule() -> None:
    for path in valid_files():
        for data in _documents_of(path):
            for doc in _tables_in(data):
                model = s.DynamoTable.model_validate(without_nulls(doc))
                tripped = [rule.__name__ for rule in (*RULES, *METADATA_RULES) if list(rule(model, None))]
                assert tripped == [], path.name


def test_messages_name_value_and_fix() -> None:
    doc = copy.deepcopy(BASE)
    doc["spec"]["billingMode"] = "PROVISONED"
    _, errors = validate_manifest(doc)
    (err,) = errors
    assert err.path == "spec.billingMode"
    assert "'PROVISONED'" in err.message and "PROVISIONED" in err.message and "PAY_PER_REQUEST" in err.message
    assert "did you mean 'PROVISIONED'?" in err.message


def test_nulls_are_pruned_like_the_api_server_does_so_defaults_apply() -> None:
    doc = copy.deepcopy(BASE)
    doc["spec"].update(billingMode=None, stream=None, tags=None, deletionPolicy=None)
    manifest = parse_manifest(doc)
    assert manifest.spec.billing_mode == s.BillingMode.PAY_PER_REQUEST
    assert manifest.spec.stream is None and manifest.spec.tags is None
    assert manifest.spec.deletion_policy == s.DeletionPolicy.RETAIN


def test_metadata_rules_run_for_files_only() -> None:
    """The API server has already checked the metadata of objects the operator reads; files are checked by
    the loader (metadata_errors), so a renderer test may still build odd names through validate_manifest."""
    doc = copy.deepcopy(BASE)
    doc["metadata"]["name"] = "Orders"
    assert validate_manifest(doc)[1] == []
    manifest = parse_manifest(doc)
    assert [e.path for e in metadata_errors(manifest)] == ["metadata.name"]
