"""A bad value is quoted at about 100 characters at most, wherever it is echoed: validation rules, translated
pydantic errors, loader notes and errors. Any size or shape of value gives a bounded quotation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from dynamotable import loader
from dynamotable.api.validation import SHOWN_MAX, shown, validate_manifest

BASE: dict[str, Any] = {
    "apiVersion": "dynamotable.io/v1alpha1",
    "kind": "DynamoTable",
    "metadata": {"name": "orders", "namespace": "shop"},
    "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
}
LONG = "x" * 100_000


def test_short_values_are_quoted_whole_in_yaml_spelling() -> None:
    assert shown("abc") == "'abc'"
    assert shown(True) == "true" and shown(False) == "false" and shown(None) == "null"
    assert shown(5) == "5" and shown([1, 2]) == "[1, 2]"


def test_a_long_string_is_cut_with_an_ellipsis_and_its_length() -> None:
    text = shown(LONG)
    assert text.endswith("…' (100,000 characters)")
    assert len(text) <= SHOWN_MAX + 25


def test_a_string_of_escapes_is_cut_by_its_printed_length() -> None:
    text = shown("\x00" * 10_000)
    assert text.endswith("(10,000 characters)") and len(text) <= SHOWN_MAX + 25


@pytest.mark.parametrize(
    "value",
    [
        [LONG] * 10_000,
        {f"k{i}": LONG for i in range(10_000)},
        10**10_000,
        [10**10_000],
    ],
    ids=["big-list", "big-dict", "huge-int", "huge-int-in-list"],
)
def test_any_value_gives_a_bounded_quotation(value: Any) -> None:
    assert len(shown(value)) <= SHOWN_MAX + 30


def test_an_aliased_billion_laughs_structure_is_quoted_without_expanding_it() -> None:
    node: Any = ["lol"] * 10
    for _ in range(30):
        node = [node] * 10  # 10**31 leaves once expanded, a few hundred objects in memory
    assert len(shown(node)) <= SHOWN_MAX + 30


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tableName", LONG),
        ("billingMode", LONG),
        ("region", LONG),
        ("hashKey", ["x"] * 100_000),
        ("tags", {LONG: LONG}),
        ("ignoreChanges", [LONG]),
        ("readCapacity", LONG),
        ("adopt", LONG),
        ("stream", {"enabled": True, "viewType": LONG}),
        ("serverSideEncryption", {"enabled": True, "kmsKeyArn": "arn:aws:kms:" + LONG}),
        (LONG, 1),
    ],
    ids=lambda v: v[:20] if isinstance(v, str) else type(v).__name__,
)
def test_every_message_quotes_a_huge_value_briefly(field: str, value: Any) -> None:
    doc = copy.deepcopy(BASE)
    doc["spec"][field] = value
    _, errors = validate_manifest(doc)
    assert errors
    for error in errors:
        assert len(str(error)) < 700, str(error)[:300]


def test_loader_notes_and_errors_quote_briefly(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(f"apiVersion: v1\nkind: {'K' * 50_000}\n---\n{'s' * 50_000}\n---\n" + "a: !" + "t" * 50_000 + " [")
    with pytest.raises(loader.LoadError) as info:
        loader.load([str(path)])
    assert len(str(info.value)) < 400
    path.write_text(f"apiVersion: v1\nkind: {'K' * 50_000}\n---\n{'s' * 50_000}\n")
    with pytest.raises(loader.LoadError) as info:
        loader.load([str(path)])
    message = str(info.value)
    assert message.startswith("no DynamoTable documents found") and len(message) < 600
