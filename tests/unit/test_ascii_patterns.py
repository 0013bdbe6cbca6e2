"""Patterns are ASCII where AWS and Kubernetes are. Python's and pydantic-core's `\\d` and `\\w` match digits
and letters of every script; the API server's RE2 and AWS do not. Every pattern of api/ is tried with
Arabic-Indic digits (U+0661..), full-width digits and letters (U+FF11, U+FF41), and other scripts."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from dynamotable.api import spec as s
from dynamotable.api import validation as v

BASE: dict[str, Any] = {
    "apiVersion": "dynamotable.io/v1alpha1",
    "kind": "DynamoTable",
    "metadata": {"name": "orders", "namespace": "shop"},
    "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], "region": "us-east-1"},
}
ARABIC_123 = "\u0661\u0662\u0663"
FULLWIDTH_1 = "\uff11"
FULLWIDTH_A = "\uff41"
ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def spec_errors(**fields: Any) -> list[str]:
    doc = copy.deepcopy(BASE)
    doc["spec"].update(fields)
    return [e.path for e in v.validate_manifest(doc)[1]]


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("region", "us-east-1", "us-east-" + ARABIC_123[0]),
        ("region", "us-east-1", "us-east-" + FULLWIDTH_1),
        ("region", "us-east-1", "us-e" + FULLWIDTH_A + "st-1"),
        ("tableName", "orders123", "orders" + ARABIC_123),
        ("tableName", "orders_1", "orders" + FULLWIDTH_A),
    ],
)
def test_spec_patterns_refuse_non_ascii_digits_and_letters(field: str, good: str, bad: str) -> None:
    assert spec_errors(**{field: good}) == []
    assert spec_errors(**{field: bad}) == [f"spec.{field}"]


@pytest.mark.parametrize(
    "bad",
    [ARN.replace("123456789012", ARABIC_123 + "456789012"), ARN.replace("us-east-1", "us-east-" + FULLWIDTH_1)],
    ids=["account", "region"],
)
def test_kms_arns_are_ascii(bad: str) -> None:
    assert spec_errors(serverSideEncryption={"enabled": True, "kmsKeyArn": ARN}) == []
    assert spec_errors(serverSideEncryption={"enabled": True, "kmsKeyArn": bad}) == [
        "spec.serverSideEncryption.kmsKeyArn"
    ]


def test_replica_regions_are_ascii() -> None:
    assert spec_errors(replicas=[{"region": "us-west-" + ARABIC_123[1]}]) == ["spec.replicas[0].region"]


def test_index_names_are_ascii() -> None:
    gsi = {"name": "By" + ARABIC_123, "hashKey": "id", "projectionType": "KEYS_ONLY"}
    assert spec_errors(globalSecondaryIndexes=[gsi]) == ["spec.globalSecondaryIndexes[0].name"]


@pytest.mark.parametrize(
    ("where", "value"),
    [("name", "orders" + ARABIC_123), ("name", "ord" + FULLWIDTH_A), ("namespace", "shop" + FULLWIDTH_1)],
)
def test_kubernetes_names_are_ascii(where: str, value: str) -> None:
    doc = copy.deepcopy(BASE)
    doc["metadata"][where] = value
    doc["spec"]["tableName"] = "orders"
    manifest = v.parse_manifest(doc)
    assert [e.path for e in v.metadata_errors(manifest)] == [f"metadata.{where}"]


def test_tag_text_allows_letters_and_digits_of_every_script_but_not_symbols_or_controls() -> None:
    """AWS: letters, numbers and separators of any language (\\p{L} \\p{N} \\p{Z}) and _ . : / = + - @."""
    assert spec_errors(tags={"équipe": ARABIC_123, "チーム": "東京 " + FULLWIDTH_1, "a b": "c\u00a0d"}) == []
    for bad in ("tab\there", "new\nline", "emoji\U0001f680", "bell\x07", "star*", "amp&"):
        assert spec_errors(tags={"k": bad}) == ["spec.tags['k']"], bad


def test_no_regex_of_the_api_relies_on_unicode_classes() -> None:
    """Every compiled pattern of api/validation.py is ASCII-only, and spec.py's `\\d` patterns are backed by
    the ASCII check (`_ascii`), so pydantic-core's Unicode `\\d` never decides alone."""
    for name in dir(v):
        obj = getattr(v, name)
        if isinstance(obj, re.Pattern):
            assert obj.flags & re.ASCII, name
    for name in ("NAME_PATTERN", "K8S_NAME_PATTERN", "K8S_NAMESPACE_PATTERN"):
        assert not re.search(r"\\[dwsDWS]", getattr(s, name)), name
