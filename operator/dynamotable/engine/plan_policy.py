"""Planning the table's resource-based policy. Pure: no I/O.

Policies are compared after `normalize_policy`: what IAM evaluates the same way is equal (statement order, a
single string or a one-element list, the order of values in a list, whitespace), so an equal policy is never
put again. What IAM tells apart stays apart: `Principal: "*"` is not `{"AWS": "*"}`, Version and Sid are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.engine.model import Drift, ObservedPolicy, ObservedTable, Step, SurfacePlan

RESOURCE_POLICY = "resourcePolicy"  # its status.attached entry
# Statement elements whose value is a string or a list of strings that IAM reads as an unordered set (IAM JSON
# policy elements reference: Action, NotAction, Resource, NotResource)
_SET_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
_PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")


def _as_set(value: Any, *, fold: bool = False) -> Any:
    """A string or a list of scalars as a sorted list of unique values (lowercased with `fold`); anything else
    as it is."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or any(isinstance(v, dict | list) for v in value):
        return value
    items = {json.dumps(v.lower() if fold and isinstance(v, str) else v) for v in value}
    return [json.loads(v) for v in sorted(items)]


def _principal(value: Any) -> Any:
    # "*" alone (anyone, also anonymous) is not {"AWS": "*"}: kept as the string (IAM Principal element)
    if isinstance(value, Mapping):
        return {k: _as_set(v) for k, v in value.items()}
    return value


def _condition(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    return {
        operator: ({key: _as_set(v) for key, v in keys.items()} if isinstance(keys, Mapping) else keys)
        for operator, keys in value.items()
    }


def _statement(statement: Any) -> Any:
    if not isinstance(statement, Mapping):
        return statement
    return {key: _element(key, value) for key, value in statement.items()}


def _element(key: str, value: Any) -> Any:
    if key in ("Action", "NotAction"):
        # [A22] action names are case-insensitive in IAM: dynamodb:GetItem = DynamoDB:getitem
        return _as_set(value, fold=True)
    if key in _SET_ELEMENTS:
        return _as_set(value)
    if key in _PRINCIPAL_ELEMENTS:
        return _principal(value)
    if key == "Condition":
        return _condition(value)
    return value


def normalize_policy(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document in a canonical form: two documents IAM evaluates alike (as far as the cases above go) have
    equal canonical forms. Statement is always a list, sorted by canonical JSON."""
    out = dict(document)
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if isinstance(statements, list):
        out["Statement"] = sorted((_statement(x) for x in statements), key=lambda x: json.dumps(x, sort_keys=True))
    return out


def same_policy(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return normalize_policy(a) == normalize_policy(b)


def policy_text(document: Mapping[str, Any]) -> str:
    """The Policy string sent to AWS: the spec's document as written, as compact JSON (DynamoDB counts
    whitespace against the 20 KB limit, A22)."""
    return json.dumps(document, separators=(",", ":"))


def create_request(manifest: s.DynamoTable) -> dict[str, Any]:
    """CreateTable's ResourcePolicy, when the spec has one: a policy given at creation applies at once (A22)."""
    policy = manifest.spec.resource_policy
    return {"ResourcePolicy": policy_text(policy)} if policy is not None else {}


def as_created(manifest: s.DynamoTable) -> ObservedPolicy:
    return ObservedPolicy(document=manifest.spec.resource_policy)


def plan_policy(manifest: s.DynamoTable, live: ObservedTable, previous: frozenset[str]) -> SurfacePlan:
    """The steps that take the live policy to the spec; `previous`: status.attached of the last pass."""
    out = SurfacePlan()
    want = manifest.spec.resource_policy
    have = live.resource_policy
    if have is None:  # not read: the spec does not manage it and no record says we put one
        return out
    name = live.name
    if want is not None:
        out.attached.add(RESOURCE_POLICY)
        if same_policy(want, have.document):
            return out
        shown = "absent" if have.document is None else "another policy"
        out.drift.append(Drift("resourcePolicy", "the spec's policy", shown))
        out.steps.append(
            Step(
                "PutResourcePolicy",
                live.region,
                {"ResourceArn": live.arn, "Policy": policy_text(want)},
                f"{'put' if have.document is None else 'replace'} the resource-based policy of table {name}",
                # [A22] GetResourcePolicy lags a put: the next pass waits a poll interval before reading it again
                transitions=True,
            )
        )
        return out
    if RESOURCE_POLICY in previous and have.document is not None:
        # removed from the spec, and we put it: delete it (recorded until the delete is seen done)
        out.attached.add(RESOURCE_POLICY)
        out.drift.append(Drift("resourcePolicy", "absent", "a policy"))
        out.steps.append(
            Step(
                "DeleteResourcePolicy",
                live.region,
                {"ResourceArn": live.arn},
                f"delete the resource-based policy of table {name} (removed from the spec)",
                transitions=True,
            )
        )
    return out
