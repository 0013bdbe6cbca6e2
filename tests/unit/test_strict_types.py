"""Types are judged as the CRD's structural schema judges them in the API server.

Decisions, each pinned by a test below:
- An integer field takes integers, and floats without a fractional part (5.0). The API server's schema
  validation (kube-openapi) accepts an integral JSON number for `type: integer`, and kubectl already turns
  YAML 5.0 into 5 (see test_manifest_yaml). 2.5, "5", true, inf and nan are refused.
- A boolean field takes only true/false: 0/1 and "true" are refused (YAML's yes/on are true already).
- A string field takes only strings: 5, 5.0 and booleans are refused (the API server: must be of type string).
- Enum fields take their string values ("PROVISIONED"), case-sensitive.
- null is pruned before validation, as the API server prunes nulls of non-nullable fields: a default then
  applies, or a required field is missing.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import jsonschema
import pytest

from dynamotable.api.crd import spec_schema
from dynamotable.api.validation import validate_manifest

BASE: dict[str, Any] = {
    "apiVersion": "dynamotable.io/v1alpha1",
    "kind": "DynamoTable",
    "metadata": {"name": "orders", "namespace": "shop"},
    "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], "billingMode": "PROVISIONED"},
}


def with_spec(**fields: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["spec"].update(fields)
    return doc


def errors_of(doc: dict[str, Any]) -> list[str]:
    return [str(e) for e in validate_manifest(doc)[1]]


@pytest.mark.parametrize("number", [5, 5.0, 40000.0], ids=["int", "integral-float", "large-integral-float"])
def test_integer_fields_take_integers_and_integral_floats(number: float) -> None:
    assert errors_of(with_spec(readCapacity=number, writeCapacity=number)) == []
    manifest, _ = validate_manifest(with_spec(readCapacity=number, writeCapacity=number))
    assert manifest is not None and type(manifest.spec.read_capacity) is int


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (2.5, "2.5 is a number with a fraction; use a whole number"),
        ("5", "'5' is a string, not a number; write it without quotes: 5"),
        (" 7 ", "' 7 ' is a string, not a number; write it without quotes: 7"),
        (True, "true is a boolean; use a whole number"),
        (math.inf, "inf is a number; use a whole number"),
        (math.nan, "nan is a number; use a whole number"),
        ([5], "[5] is a list; use a whole number"),
    ],
    ids=["fraction", "quoted", "quoted-spaces", "bool", "inf", "nan", "list"],
)
def test_integer_fields_refuse_everything_else(bad: Any, message: str) -> None:
    assert f"spec.readCapacity: {message}" in errors_of(with_spec(readCapacity=bad, writeCapacity=5))


def test_the_decision_matches_json_schema_draft_6_integer_semantics() -> None:
    """jsonschema (draft 6+, like kube-openapi) also treats 5.0 as an integer and 2.5 as not one."""
    schema = spec_schema()["properties"]["readCapacity"]
    validator = jsonschema.Draft7Validator(schema)
    assert validator.is_valid(5.0) and validator.is_valid(5)
    assert not validator.is_valid(2.5) and not validator.is_valid("5") and not validator.is_valid(True)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (0, "0 is an integer; use true or false"),
        (1, "1 is an integer; use true or false"),
        ("true", "'true' is a string, not a boolean; write true or false without quotes"),
        ("Yes", "'Yes' is a string, not a boolean; write true or false without quotes"),
        (None, ""),  # pruned: the default applies
    ],
    ids=["zero", "one", "quoted-true", "quoted-yes", "null"],
)
def test_boolean_fields_take_only_true_and_false(bad: Any, message: str) -> None:
    doc = with_spec(billingMode="PAY_PER_REQUEST", deletionProtection=bad, adopt=bad)
    got = errors_of(doc)
    if message:
        assert got == [f"spec.deletionProtection: {message}", f"spec.adopt: {message}"]
    else:
        assert got == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (5, "5 is an integer, not a string; put it in quotes as written (e.g. '5')"),
        (1.5, "1.5 is a number, not a string; put it in quotes as written (e.g. '1.5')"),
        (True, "true is a boolean, not a string: kubectl (YAML 1.1) reads an unquoted yes, on, y or true as true"),
        (False, "false is a boolean, not a string: kubectl (YAML 1.1) reads an unquoted no, off, n or false as false"),
    ],
    ids=["int", "float", "true", "false"],
)
def test_string_fields_take_only_strings(bad: Any, message: str) -> None:
    got = errors_of(with_spec(billingMode="PAY_PER_REQUEST", tags={"team": bad}))
    assert len(got) == 1 and got[0].startswith(f"spec.tags['team']: {message}")


def test_enums_take_their_string_values_case_sensitively() -> None:
    assert errors_of(with_spec(billingMode="PAY_PER_REQUEST")) == []
    (got,) = errors_of(with_spec(billingMode="pay_per_request"))
    assert got.startswith("spec.billingMode: 'pay_per_request' is not allowed; did you mean 'PAY_PER_REQUEST'?")


def test_a_model_from_the_api_server_json_validates_unchanged() -> None:
    """The operator validates objects from the API server (JSON types); strictness does not change them."""
    doc = with_spec(readCapacity=5, writeCapacity=5, stream={"enabled": True, "viewType": "NEW_IMAGE"})
    manifest, errors = validate_manifest(doc)
    assert errors == [] and manifest is not None
    dumped = manifest.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert validate_manifest(dumped)[1] == []
