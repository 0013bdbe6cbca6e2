"""A22: resource-based policies compared after normalization (engine/plan_policy.py): what IAM evaluates
alike is equal, what it tells apart stays apart; an equal policy is never put again."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest

from dynamotable.engine.plan_policy import normalize_policy, policy_text, same_policy

ROLE = "arn:aws:iam::123456789012:role/reader"
OTHER = "arn:aws:iam::123456789012:role/writer"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def doc(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


READ = {
    "Sid": "Read",
    "Effect": "Allow",
    "Principal": {"AWS": [ROLE, OTHER]},
    "Action": ["dynamodb:GetItem", "dynamodb:Query"],
    "Resource": [TABLE, TABLE + "/index/*"],
    "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}},
}
DENY = {"Sid": "NoDelete", "Effect": "Deny", "Principal": "*", "Action": "dynamodb:DeleteTable", "Resource": TABLE}


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same document with every list reordered and the mapping keys in another order."""
    if isinstance(value, list):
        items = [shuffled(v, rng) for v in value]
        rng.shuffle(items)
        return items
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    return value


@pytest.mark.parametrize("seed", range(25))
def test_a22_order_of_statements_values_and_keys_does_not_matter(seed: int) -> None:
    original = doc(READ, DENY)
    other = shuffled(original, random.Random(seed))
    assert same_policy(original, other)
    assert normalize_policy(original) == normalize_policy(other)


def test_a22_whitespace_and_formatting_do_not_matter() -> None:
    original = doc(READ, DENY)
    for text in (json.dumps(original, indent=4), policy_text(original), json.dumps(original, sort_keys=True)):
        assert same_policy(original, json.loads(text))


@pytest.mark.parametrize("element", ["Action", "NotAction", "Resource", "NotResource"])
def test_a22_a_single_string_equals_a_one_element_list(element: str) -> None:
    a = {"Effect": "Allow", "Principal": {"AWS": ROLE}, element: "dynamodb:GetItem"}
    b = {"Effect": "Allow", "Principal": {"AWS": ROLE}, element: ["dynamodb:GetItem"]}
    assert same_policy(doc(a), doc(b))
    assert same_policy({"Version": "2012-10-17", "Statement": a}, doc(b))  # a lone statement = a list of one


def test_a22_principal_and_condition_values_single_or_list_and_duplicates() -> None:
    a = dict(READ, Principal={"AWS": ROLE}, Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}})
    b = dict(READ, Principal={"AWS": [ROLE, ROLE]}, Condition={"StringEquals": {"aws:PrincipalTag/team": ["a"]}})
    assert same_policy(doc(a), doc(b))


def test_a22_action_names_are_case_insensitive_resources_are_not() -> None:
    assert same_policy(doc(dict(DENY, Action="DynamoDB:deletetable")), doc(DENY))
    assert not same_policy(doc(dict(DENY, Resource=TABLE.upper())), doc(DENY))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # anyone (also anonymous) is not "any AWS principal" in IAM
        (dict(DENY, Principal="*"), dict(DENY, Principal={"AWS": "*"})),
        (dict(DENY, Effect="Deny"), dict(DENY, Effect="Allow")),
        (dict(DENY, Action="dynamodb:DeleteTable"), dict(DENY, NotAction="dynamodb:DeleteTable")),
        (dict(DENY, Sid="NoDelete"), dict(DENY, Sid="Other")),
        (dict(READ), dict(READ, Condition={"StringLike": {"aws:PrincipalTag/team": ["a", "b"]}})),
        (dict(READ), dict(READ, Action=["dynamodb:GetItem"])),
        (dict(READ), {k: v for k, v in READ.items() if k != "Condition"}),
    ],
)
def test_a22_what_iam_tells_apart_stays_apart(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert not same_policy(doc(a), doc(b))


def test_a22_version_matters_and_no_policy_is_not_a_policy() -> None:
    assert not same_policy(doc(DENY), doc(DENY, version="2008-10-17"))
    assert not same_policy(doc(DENY), None)
    assert same_policy(None, None)
    assert not same_policy(doc(DENY), {"<unparsed>": "not json"})


def test_a22_a_statement_listed_twice_is_not_folded_into_one() -> None:
    # conservative: a duplicate statement is kept (the document differs as AWS stores it)
    assert not same_policy(doc(DENY, DENY), doc(DENY))


def test_a22_normalization_is_idempotent_over_every_statement_order() -> None:
    statements = [READ, DENY, dict(DENY, Sid="Third", Resource=[TABLE + "/stream/*"])]
    forms = {json.dumps(normalize_policy(doc(*p)), sort_keys=True) for p in itertools.permutations(statements)}
    assert len(forms) == 1
    once = normalize_policy(doc(*statements))
    assert normalize_policy(once) == once


def test_a22_the_policy_sent_is_the_spec_as_written_compact() -> None:
    original = doc(DENY)
    assert policy_text(original) == json.dumps(original, separators=(",", ":"))
    assert " " not in policy_text(original).replace("2012-10-17", "")


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"a string"', None, ""])
def test_a22_a_live_policy_that_is_not_a_json_object_differs_from_any_spec(text: Any) -> None:
    from dynamotable.engine.observe_policy import parse_policy

    live = parse_policy(text)
    assert not same_policy(doc(DENY), live)
    assert parse_policy(policy_text(doc(DENY))) == doc(DENY)
