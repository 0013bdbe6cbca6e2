"""A JSON Schema of a DynamoTable manifest for editors, derived from the CRD's openAPIV3Schema.

An editor (yaml-language-server and the like) gives completion and errors from it. It judges what the CRD's
structural schema judges, as the API server applies it to a manifest sent with kubectl's default strict field
validation: unknown fields are errors (the API server would prune them; kubectl refuses them), a null on an
optional field is accepted (the API server prunes it, so the default applies), and apiVersion and kind must
name this CRD (anything else goes to another API). What it cannot judge are the CRD's CEL rules
(`x-kubernetes-validations`): `cel_rule_messages()` lists them, and docs/editor-schema.md names each.
"""

from __future__ import annotations

import json
from typing import Any

from dynamotable.api import spec as s
from dynamotable.api.crd import crd

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
API_VERSION = f"{s.GROUP}/{s.VERSION}"

_KUBERNETES_ONLY = ("x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields")


def _open_api_schema() -> dict[str, Any]:
    schema: dict[str, Any] = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """A null on an optional field is pruned by the API server before validation: accept it."""
    out = dict(node)
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _editor_node(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _KUBERNETES_ONLY:
            continue
        if key == "properties":
            required = set(node.get("required", []))
            props = {name: _editor_node(child) for name, child in value.items()}
            out[key] = {name: child if name in required else _nullable(child) for name, child in props.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _editor_node(value)
        else:
            out[key] = value
    if "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        # kubectl's strict field validation refuses what the API server would otherwise prune
        out["additionalProperties"] = False
    return out


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of one DynamoTable manifest."""
    root = _open_api_schema()
    props = root["properties"]
    return {
        "$schema": SCHEMA_DIALECT,
        "title": s.KIND,
        "description": root["description"],
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"type": "string", "enum": [API_VERSION], "description": "The API group and version."},
            "kind": {"type": "string", "enum": [s.KIND], "description": "The kind of object."},
            "metadata": {
                "type": "object",
                "description": "The object's Kubernetes metadata (name, namespace, labels, annotations).",
            },
            "spec": _editor_node(props["spec"]),
            "status": {
                "type": "object",
                "description": "Written by the operator; the API server ignores it in a manifest.",
            },
        },
    }


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=False) + "\n"


def _rules_under(node: Any) -> list[dict[str, str]]:
    if isinstance(node, list):
        return [rule for item in node for rule in _rules_under(item)]
    if not isinstance(node, dict):
        return []
    found: list[dict[str, str]] = list(node.get("x-kubernetes-validations", []))
    for key, value in node.items():
        if key == "properties":
            found += [rule for child in value.values() for rule in _rules_under(child)]
        elif key in ("items", "additionalProperties"):
            found += _rules_under(value)
    return found


def cel_rule_messages(*, transition: bool) -> list[str]:
    """The message of every CEL rule of the CRD, in schema order, once each: what an editor cannot show.

    Transition rules (they read `oldSelf`) judge an update against the stored object, which an editor never has.
    """
    rules = _rules_under(_open_api_schema())
    messages = [rule["message"] for rule in rules if ("oldSelf" in rule["rule"]) == transition]
    return list(dict.fromkeys(messages))
