"""A JSON Schema of a DynamoTable manifest for editors, derived from the CRD's openAPIV3Schema.

An editor (yaml-language-server and the like) gives completion and errors from it. It judges what the CRD's
structural schema judges, as the API server applies it to a manifest sent with kubectl's default strict field
validation: unknown fields are errors (the API server would prune them; kubectl refuses them), a null on an
optional field is accepted (the API server prunes it, so the default applies), and apiVersion and kind must
name this CRD (anything else goes to another API). A JSON Schema cannot run the CRD's CEL rules
(`x-kubernetes-validations`); those that only ask for, forbid or fix fields by the value of others are written
again in JSON Schema (`TRANSLATED`, each the same rule, null counting as absent as after pruning). The others,
which compare values (uniqueness by name, one value in another list, sums and orderings), are listed by
`cel_rule_messages(translated=False)`, and docs/editor-schema.md names each.
"""

from __future__ import annotations

import json
from typing import Any

from dynamotable.api import crd as c
from dynamotable.api import spec as s
from dynamotable.api.crd import crd

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
API_VERSION = f"{s.GROUP}/{s.VERSION}"

_KUBERNETES_ONLY = ("x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields")
_NULL: dict[str, Any] = {"type": "null"}  # under `properties`: the field is absent or null (pruned)


def _present(*fields: str) -> dict[str, Any]:
    return {"required": list(fields), "properties": {f: {"not": _NULL} for f in fields}}


def _absent(*fields: str) -> dict[str, Any]:
    return {"properties": dict.fromkeys(fields, _NULL)}


def _is(field: str, value: Any) -> dict[str, Any]:
    return {"required": [field], "properties": {field: {"const": value}}}


def _each(field: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"properties": {field: {"items": schema}}}


def _all(*schemas: dict[str, Any]) -> dict[str, Any]:
    return {"allOf": list(schemas)}


_PROVISIONED = _is("billingMode", "PROVISIONED")
_STRONG = _is("multiRegionConsistency", "STRONG")
_GSIS = "globalSecondaryIndexes"


def _replica_and_its_indexes_lack(field: str) -> dict[str, Any]:
    return _each("replicas", _all(_absent(field), _each(_GSIS, _absent(field))))


def _in_one_region_set() -> dict[str, Any]:
    """[A13.2] the table's region (when given), every replica's and the witness in one set."""
    return {
        "anyOf": [
            {
                "properties": {
                    "region": {"enum": [*regions, None]},
                    "witnessRegion": {"enum": [*regions, None]},
                    "replicas": {"items": {"properties": {"region": {"enum": list(regions)}}}},
                }
            }
            for regions in s.MRSC_REGION_SETS.values()
        ]
    }


def _spec(prefix: str) -> str:
    """The message of the one spec-level CEL rule that starts with prefix."""
    (message,) = [m for _, m in c.SPEC_RULES if m.startswith(prefix)]
    return message


# CEL rule message -> the same rule in JSON Schema, at the node that carries the CEL rule.
TRANSLATED: dict[str, dict[str, Any]] = {
    _spec("billingMode PROVISIONED needs readCapacity and writeCapacity on the table"): {
        "if": _PROVISIONED,
        "then": _present("readCapacity", "writeCapacity"),
    },
    _spec("billingMode PROVISIONED needs readCapacity and writeCapacity on every"): {
        "if": _PROVISIONED,
        "then": _each(_GSIS, _present("readCapacity", "writeCapacity")),
    },
    _spec("billingMode PAY_PER_REQUEST does not take readCapacity or writeCapacity;"): {
        "if": _PROVISIONED,
        "else": _absent("readCapacity", "writeCapacity"),
    },
    _spec("billingMode PAY_PER_REQUEST does not take readCapacity or writeCapacity on indexes"): {
        "if": _PROVISIONED,
        "else": _each(_GSIS, _absent("readCapacity", "writeCapacity")),
    },
    _spec("autoScaling adjusts provisioned capacity"): {
        "if": _PROVISIONED,
        "else": _all(_absent("autoScaling"), _each(_GSIS, _absent("autoScaling"))),
    },
    _spec("readCapacityOverride applies"): {
        "if": _PROVISIONED,
        "else": _replica_and_its_indexes_lack("readCapacityOverride"),
    },
    _spec("maxReadRequestUnitsOverride applies"): {
        "if": _PROVISIONED,
        "then": _replica_and_its_indexes_lack("maxReadRequestUnitsOverride"),
    },
    _spec("witnessRegion needs"): {"if": _present("witnessRegion"), "then": _STRONG},
    _spec("multiRegionConsistency STRONG spans"): {
        "if": _STRONG,
        "then": {
            "required": ["replicas"],
            "if": _present("witnessRegion"),
            "then": {"properties": {"replicas": {"type": "array", "minItems": 1, "maxItems": 1}}},
            "else": {"properties": {"replicas": {"type": "array", "minItems": 2, "maxItems": 2}}},
        },
    },
    _spec("multiRegionConsistency STRONG keeps"): {
        "if": _STRONG,
        "then": _in_one_region_set(),
    },
    _spec("multiRegionConsistency STRONG supports neither"): {
        "if": _STRONG,
        "then": {
            "properties": {
                "ttl": {"not": {"type": "object", **_is("enabled", True)}},
                "localSecondaryIndexes": {"maxItems": 0},
            }
        },
    },
    c.GSI_KEY_RULES[0][1]: {"if": _present("hashKey"), "then": _absent("hashKeys"), "else": _present("hashKeys")},
    c.GSI_KEY_RULES[1][1]: {"if": _present("rangeKey"), "then": _present("hashKey")},
    c.GSI_KEY_RULES[2][1]: {"if": _present("rangeKeys"), "then": _present("hashKeys")},
    c.GSI_KEY_RULES[4][1]: {"properties": {"rangeKeys": {"uniqueItems": True}}},
    c.TTL_RULE[1]: {"if": _is("enabled", True), "then": _present("attributeName")},
    c.INSIGHTS_RULE[1]: {"if": _present("mode"), "then": _is("enabled", True)},
    c.INCLUDE_RULE[1]: {
        "if": _is("projectionType", "INCLUDE"),
        "then": {
            "required": ["nonKeyAttributes"],
            "properties": {"nonKeyAttributes": {"type": "array", "minItems": 1}},
        },
    },
    c.ALARM_RULES[0][1]: {"properties": {"period": {"anyOf": [{"enum": [10, 30]}, {"multipleOf": 60}]}}},
    _spec("an import from S3 cannot create localSecondaryIndexes"): {
        "if": {"required": ["source"], "properties": {"source": {"not": _NULL, **_present("s3Import")}}},
        "then": {"properties": {"localSecondaryIndexes": {"maxItems": 0}}},
    },
    c.SOURCE_RULES[0][1]: {"oneOf": [_present("pointInTime"), _present("backup"), _present("s3Import")]},
    c.POINT_IN_TIME_RULES[0][1]: {"oneOf": [_present("sourceTableArn"), _present("sourceTableName")]},
    c.POINT_IN_TIME_RULES[1][1]: {"oneOf": [_present("restoreDateTime"), _is("useLatestRestorableTime", True)]},
    c.S3_IMPORT_RULES[0][1]: {"if": _present("csv"), "then": _is("inputFormat", "CSV")},
    c.EXPORT_RULE[1]: {"properties": {"configMap": {"not": {"pattern": f"{s.TERRAFORM_CONFIGMAP_SUFFIX}$"}}}},
}


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
    translated = [
        TRANSLATED[r["message"]] for r in node.get("x-kubernetes-validations", []) if r["message"] in TRANSLATED
    ]
    if translated:
        out["allOf"] = translated
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


def cel_rule_messages(*, transition: bool = False, translated: bool | None = None) -> list[str]:
    """The message of every CEL rule of the CRD, in schema order, once each.

    Transition rules (they read `oldSelf`) judge an update against the stored object, which an editor never has;
    of the others, `translated` picks those the JSON Schema also judges (True) or cannot (False).
    """
    rules = _rules_under(_open_api_schema())
    messages = [rule["message"] for rule in rules if ("oldSelf" in rule["rule"]) == transition]
    if translated is not None:
        messages = [m for m in messages if (m in TRANSLATED) == translated]
    return list(dict.fromkeys(messages))
