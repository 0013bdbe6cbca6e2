"""The DynamoTable CustomResourceDefinition, generated from the pydantic models.

The models are the single source of truth: the OpenAPI schema is their JSON schema made structural
(references inlined, nullable unions flattened, titles dropped), and the CEL rules below reject at admission
what is always wrong. `crds/dynamotables.dynamotable.io.yaml` is this output; a test keeps them equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from dynamotable.api import spec as s
from dynamotable.api.status import DynamoTableStatus

CRD_NAME = f"{s.PLURAL}.{s.GROUP}"

# (rule, message) pairs at the level of `spec`; transition rules use oldSelf and only run on update.
_BILLING = "(has(self.billingMode) ? self.billingMode : 'PAY_PER_REQUEST')"
SPEC_RULES: tuple[tuple[str, str], ...] = (
    (
        f"{_BILLING} != 'PROVISIONED' || (has(self.readCapacity) && has(self.writeCapacity))",
        "billingMode PROVISIONED needs readCapacity and writeCapacity on the table",
    ),
    (
        f"{_BILLING} != 'PROVISIONED' || !has(self.globalSecondaryIndexes) || "
        "self.globalSecondaryIndexes.all(g, has(g.readCapacity) && has(g.writeCapacity))",
        "billingMode PROVISIONED needs readCapacity and writeCapacity on every global secondary index",
    ),
    (
        f"{_BILLING} != 'PAY_PER_REQUEST' || (!has(self.readCapacity) && !has(self.writeCapacity))",
        "billingMode PAY_PER_REQUEST does not take readCapacity or writeCapacity; remove them",
    ),
    (
        f"{_BILLING} != 'PAY_PER_REQUEST' || !has(self.globalSecondaryIndexes) || "
        "self.globalSecondaryIndexes.all(g, !has(g.readCapacity) && !has(g.writeCapacity))",
        "billingMode PAY_PER_REQUEST does not take readCapacity or writeCapacity on indexes; remove them",
    ),
)

SPEC_RULES += (
    (
        f"{_BILLING} == 'PROVISIONED' || (!has(self.autoScaling) && (!has(self.globalSecondaryIndexes) || "
        "self.globalSecondaryIndexes.all(g, !has(g.autoScaling))))",
        "autoScaling adjusts provisioned capacity: remove autoScaling, or use billingMode PROVISIONED",
    ),
    (
        "!has(self.alarms) || self.alarms.all(a, !has(a.index) || (has(self.globalSecondaryIndexes) && "
        "self.globalSecondaryIndexes.exists(g, g.name == a.index)))",
        "an alarm's index must name a global secondary index of this spec",
    ),
    (
        "!has(self.alarms) || self.alarms.all(a, self.alarms.exists_one(b, b.name == a.name))",
        "alarm names must be unique",
    ),
)
SPEC_RULES += (
    (
        "!has(self.source) || !has(self.source.s3Import) || !has(self.localSecondaryIndexes) || "
        "size(self.localSecondaryIndexes) == 0",
        "an import from S3 cannot create localSecondaryIndexes and they cannot be added later: remove them, or "
        "restore from a backup or a point in time instead",
    ),
)
# [A24] creation sources: one source; one source table and one point in time; CSV options only for CSV.
SOURCE_RULES = (
    (
        "(has(self.pointInTime) ? 1 : 0) + (has(self.backup) ? 1 : 0) + (has(self.s3Import) ? 1 : 0) == 1",
        "source needs exactly one of pointInTime, backup or s3Import",
    ),
)
POINT_IN_TIME_RULES = (
    (
        "has(self.sourceTableArn) != has(self.sourceTableName)",
        "pointInTime needs exactly one of sourceTableArn or sourceTableName",
    ),
    (
        "has(self.restoreDateTime) != (has(self.useLatestRestorableTime) && self.useLatestRestorableTime)",
        "pointInTime needs exactly one of restoreDateTime or useLatestRestorableTime: true",
    ),
)
S3_IMPORT_RULES = (("!has(self.csv) || self.inputFormat == 'CSV'", "s3Import.csv only applies with inputFormat CSV"),)
# Rules of one list element or block, by the model whose schema carries them.
TARGET_TRACKING_RULE = ("self.minCapacity <= self.maxCapacity", "minCapacity must be at most maxCapacity")
INSIGHTS_RULE = ("!has(self.mode) || self.enabled", "a contributorInsights mode only applies with enabled: true")
ALARM_RULES = (
    ("self.period == 10 || self.period == 30 || self.period % 60 == 0", "period must be 10, 30 or a multiple of 60"),
    (
        f"self.period * self.evaluationPeriods <= {s.MAX_ALARM_PERIOD}",
        "period x evaluationPeriods must be at most one day (86400 s)",
    ),
)

EXPORT_RULE = (
    f"!self.configMap.endsWith('{s.TERRAFORM_CONFIGMAP_SUFFIX}')",
    f"export.configMap must not end in {s.TERRAFORM_CONFIGMAP_SUFFIX}: those names are the operator's ConfigMaps "
    "of rendered Terraform",
)


_NEW_TABLE = "create a new DynamoTable {what} and migrate the data"


def _immutable(field: str, why: str, what: str) -> tuple[str, str]:
    return (
        f"has(self.{field}) == has(oldSelf.{field}) && (!has(self.{field}) || self.{field} == oldSelf.{field})",
        f"{field} is immutable: {why}; " + _NEW_TABLE.format(what=what),
    )


def _size(path: str) -> str:
    """size() of an optional list: an absent list counts as empty, so `[]` and no field mean the same."""
    return f"(has({path}) ? size({path}) : 0)"


def _each_in(items: str, within: str, var: str, found: str) -> str:
    """Every element `var` of the optional list `items` is `found` in the optional list `within`."""
    return f"(!has({items}) || {items}.all({var}, has({within}) && {found}))"


def _same_elements(a: str, b: str, var: str, found_in: Callable[[str, str], str]) -> str:
    """The optional lists `a` and `b` hold equal elements in any order, absent being `[]`;
    `found_in(var, within)` says that `var` has an equal element in `within`."""
    there = _each_in(a, b, var, found_in(var, b))
    back = _each_in(b, a, var, found_in(var, a))
    return f"{_size(a)} == {_size(b)} && {there} && {back}"


def _projection(index: str) -> str:
    return f"(has({index}.projectionType) ? {index}.projectionType : 'ALL')"


def _same_lsi(x: str, y: str) -> str:
    """Two local indexes are the same index: name, sort key, projection, and projected attributes as a set."""
    attrs = _same_elements(f"{x}.nonKeyAttributes", f"{y}.nonKeyAttributes", "k", lambda v, w: f"{v} in {w}")
    return f"{x}.name == {y}.name && {x}.rangeKey == {y}.rangeKey && {_projection(x)} == {_projection(y)} && {attrs}"


def _key_type_kept(is_key: str) -> str:
    """Every attribute `a` that `is_key` names as a key keeps the type it had (keys themselves are immutable)."""
    return f"self.attributes.all(a, !({is_key}) || oldSelf.attributes.all(b, b.name != a.name || b.type == a.type))"


def _effective(obj: str, field: str, default: str) -> str:
    return f"(has({obj}.spec.{field}) ? {obj}.spec.{field} : {default})"


_LSIS = "localSecondaryIndexes"
_KEY_WHY = "the key schema is fixed when the table is created"

# Transition rules at the root: only there can a rule see metadata.name (tableName's default) and status.
ROOT_TRANSITION_RULES: tuple[tuple[str, str], ...] = (
    (
        f"{_effective('oldSelf', 'tableName', 'oldSelf.metadata.name')} == "
        f"{_effective('self', 'tableName', 'self.metadata.name')}",
        "tableName is immutable (absent means metadata.name, so writing that name out is no change): "
        "a new name is a new table; " + _NEW_TABLE.format(what="with the new name"),
    ),
    (
        # Absent means the operator's region, which admission cannot see; writing it out is allowed unless the
        # status records a table in another region. Once set, the region stays.
        "has(oldSelf.spec.region) ? has(self.spec.region) && self.spec.region == oldSelf.spec.region : "
        "!has(self.spec.region) || !has(oldSelf.status) || !has(oldSelf.status.region) || "
        "!has(oldSelf.status.tableArn) || self.spec.region == oldSelf.status.region",
        "region is immutable once set, and may be written out only as the region in status.region: "
        "a table cannot move; " + _NEW_TABLE.format(what="in the new region"),
    ),
    (
        # [A24] Create-only: while no table is recorded the source can still be fixed (e.g. after a failed
        # import); once one is, the source describes where that table's data came from and cannot be added,
        # changed or removed (a restore or import only ever makes a new table).
        "!has(oldSelf.status) || !has(oldSelf.status.tableArn) || (has(self.spec.source) == "
        "has(oldSelf.spec.source) && (!has(self.spec.source) || self.spec.source == oldSelf.spec.source))",
        "source is immutable once status.tableArn records the table (create-only: it cannot be added, changed or "
        "removed then, a restore or import only makes a new table); to restore or import again, create a new "
        "DynamoTable",
    ),
)

# Transition rules at the level of `spec`, which is required, so they run on every update.
SPEC_TRANSITION_RULES: tuple[tuple[str, str], ...] = (
    _immutable("hashKey", _KEY_WHY, "with the new key"),
    _immutable("rangeKey", _KEY_WHY, "with the new key"),
    (
        _same_elements(f"oldSelf.{_LSIS}", f"self.{_LSIS}", "o", lambda v, w: f"{w}.exists(n, {_same_lsi('n', v)})"),
        f"{_LSIS} is immutable (their order, and [] against no field, do not matter): local indexes can only be "
        "defined when the table is created; " + _NEW_TABLE.format(what="with the new indexes"),
    ),
    (
        _key_type_kept("a.name == self.hashKey"),
        "the type of the hashKey attribute is immutable: " + _NEW_TABLE.format(what="with the new key type"),
    ),
    (
        "!has(self.rangeKey) || " + _key_type_kept("a.name == self.rangeKey"),
        "the type of the rangeKey attribute is immutable: " + _NEW_TABLE.format(what="with the new key type"),
    ),
    (
        f"!has(self.{_LSIS}) || " + _key_type_kept(f"self.{_LSIS}.exists(l, l.rangeKey == a.name)"),
        f"the type of a {_LSIS} rangeKey attribute is immutable: " + _NEW_TABLE.format(what="with the new key type"),
    ),
)


_STRONG = "(has(self.multiRegionConsistency) && self.multiRegionConsistency == 'STRONG')"
_MRSC_SETS = "[" + ", ".join("[" + ", ".join(f"'{r}'" for r in rs) + "]" for rs in s.MRSC_REGION_SETS.values()) + "]"
_GSI_NAMES = "(has(self.globalSecondaryIndexes) ? self.globalSecondaryIndexes.map(g, g.name) : [])"
_REPLICA_GSIS = "!has(self.replicas) || self.replicas.all(r, !has(r.globalSecondaryIndexes) || "
# [A13, A13.2] global tables: per-replica overrides and multi-Region strong consistency.
SPEC_RULES += (
    (
        f"{_BILLING} == 'PROVISIONED' || !has(self.replicas) || self.replicas.all(r, !has(r.readCapacityOverride) "
        "&& (!has(r.globalSecondaryIndexes) || r.globalSecondaryIndexes.all(i, !has(i.readCapacityOverride))))",
        "readCapacityOverride applies to PROVISIONED tables: use maxReadRequestUnitsOverride, or PROVISIONED",
    ),
    (
        f"{_BILLING} == 'PAY_PER_REQUEST' || !has(self.replicas) || self.replicas.all(r, "
        "!has(r.maxReadRequestUnitsOverride) && (!has(r.globalSecondaryIndexes) || "
        "r.globalSecondaryIndexes.all(i, !has(i.maxReadRequestUnitsOverride))))",
        "maxReadRequestUnitsOverride applies to PAY_PER_REQUEST tables: use readCapacityOverride, or PAY_PER_REQUEST",
    ),
    (
        _REPLICA_GSIS + f"r.globalSecondaryIndexes.all(i, i.name in {_GSI_NAMES}))",
        "a replica's globalSecondaryIndexes must name global secondary indexes of this spec",
    ),
    (
        _REPLICA_GSIS + "r.globalSecondaryIndexes.all(i, r.globalSecondaryIndexes.exists_one(j, j.name == i.name)))",
        "a replica overrides each global secondary index at most once",
    ),
    (
        f"!has(self.witnessRegion) || {_STRONG}",
        "witnessRegion needs multiRegionConsistency STRONG",
    ),
    (
        f"!{_STRONG} || (has(self.witnessRegion) ? {_size('self.replicas')} == 1 : {_size('self.replicas')} == 2)",
        "multiRegionConsistency STRONG spans exactly 3 regions: two replicas, or one replica and a witnessRegion",
    ),
    (
        f"!{_STRONG} || {_MRSC_SETS}.exists(set, (!has(self.region) || self.region in set) && "
        "(!has(self.replicas) || self.replicas.all(r, r.region in set)) && "
        "(!has(self.witnessRegion) || self.witnessRegion in set))",
        "multiRegionConsistency STRONG keeps the table, its replicas and its witness in one region set "
        "(US: us-east-1, us-east-2, us-west-2; EU: eu-west-1, eu-west-2, eu-west-3, eu-central-1; "
        "AP: ap-northeast-1, ap-northeast-2, ap-northeast-3)",
    ),
    (
        f"!{_STRONG} || !has(self.witnessRegion) || ((!has(self.region) || self.region != self.witnessRegion) && "
        "(!has(self.replicas) || self.replicas.all(r, r.region != self.witnessRegion)))",
        "the witnessRegion needs a region of its own, not the table's nor a replica's",
    ),
    (
        f"!{_STRONG} || ((!has(self.ttl) || !has(self.ttl.enabled) || !self.ttl.enabled) && "
        f"{_size('self.localSecondaryIndexes')} == 0)",
        "multiRegionConsistency STRONG supports neither time to live nor local secondary indexes",
    ),
)

TTL_RULE = (
    "!has(self.enabled) || !self.enabled || has(self.attributeName)",
    "ttl.enabled needs attributeName",
)
# One spelling of a global secondary index's key (A26), and no attribute twice in a multi-attribute key.
GSI_KEY_RULES: tuple[tuple[str, str], ...] = (
    (
        "has(self.hashKey) != has(self.hashKeys)",
        "a global secondary index needs hashKey (one attribute) or hashKeys (1-4 attributes), not both",
    ),
    ("!has(self.rangeKey) || has(self.hashKey)", "rangeKey goes with hashKey; with hashKeys use rangeKeys"),
    ("!has(self.rangeKeys) || has(self.hashKeys)", "rangeKeys go with hashKeys; with hashKey use rangeKey"),
    (
        "!has(self.hashKeys) || self.hashKeys.all(k, self.hashKeys.exists_one(o, o == k) && "
        "(!has(self.rangeKeys) || !(k in self.rangeKeys)))",
        "an attribute appears once in hashKeys and not also in rangeKeys",
    ),
    (
        "!has(self.rangeKeys) || self.rangeKeys.all(k, self.rangeKeys.exists_one(o, o == k))",
        "an attribute appears once in rangeKeys",
    ),
)
INCLUDE_RULE = (
    "!has(self.projectionType) || self.projectionType != 'INCLUDE' || "
    "(has(self.nonKeyAttributes) && size(self.nonKeyAttributes) > 0)",
    "projectionType INCLUDE needs nonKeyAttributes",
)


def _rules(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"rule": rule, "message": message} for rule, message in pairs]


def _structural(node: Any, defs: dict[str, Any]) -> Any:
    """Turn pydantic's JSON schema into a Kubernetes structural schema."""
    if isinstance(node, list):
        return [_structural(n, defs) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _structural(merged, defs)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        if len(options) == 1:
            return _structural({**options[0], **rest}, defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("title", "$defs"):
            continue
        if key == "additionalProperties" and value is False:
            continue  # unknown fields are pruned by the API server and rejected by kubectl's field validation
        if key == "default" and value in (None, [], {}):
            continue
        if key == "properties":
            out[key] = {name: _structural(prop, defs) for name, prop in value.items()}
        else:
            out[key] = _structural(value, defs)
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    if "const" in out:
        out["enum"] = [out.pop("const")]
        out.setdefault("type", "string")
    return out


def spec_schema() -> dict[str, Any]:
    raw = s.DynamoTableSpec.model_json_schema(by_alias=True, mode="validation")
    schema: dict[str, Any] = _structural(raw, raw.get("$defs", {}))
    props = schema["properties"]
    props["ttl"]["x-kubernetes-validations"] = _rules(TTL_RULE)
    props["globalSecondaryIndexes"]["items"]["x-kubernetes-validations"] = _rules(INCLUDE_RULE, *GSI_KEY_RULES)
    props["localSecondaryIndexes"]["items"]["x-kubernetes-validations"] = _rules(INCLUDE_RULE)
    props["tags"]["maxProperties"] = s.MAX_USER_TAGS
    props["ignoreChanges"]["items"]["enum"] = list(s.IGNORABLE_PATHS)
    props["ignoreChanges"]["maxItems"] = len(s.IGNORABLE_PATHS)
    props["attributes"]["maxItems"] = 2 + (s.MAX_GSI_HASH_KEYS + s.MAX_GSI_RANGE_KEYS) * s.MAX_GSIS + s.MAX_LSIS
    props["replicas"]["maxItems"] = 50
    gsi = props["globalSecondaryIndexes"]["items"]["properties"]
    for scaling in (props["autoScaling"], gsi["autoScaling"]):
        for dimension in ("read", "write"):
            scaling["properties"][dimension]["x-kubernetes-validations"] = _rules(TARGET_TRACKING_RULE)
    for insights in (props["contributorInsights"], gsi["contributorInsights"]):
        insights["x-kubernetes-validations"] = _rules(INSIGHTS_RULE)
    props["alarms"]["items"]["x-kubernetes-validations"] = _rules(*ALARM_RULES)
    source = props["source"]
    source["x-kubernetes-validations"] = _rules(*SOURCE_RULES)
    source["properties"]["pointInTime"]["x-kubernetes-validations"] = _rules(*POINT_IN_TIME_RULES)
    source["properties"]["s3Import"]["x-kubernetes-validations"] = _rules(*S3_IMPORT_RULES)
    props["export"]["x-kubernetes-validations"] = _rules(EXPORT_RULE)
    # a policy document is free-form: kept as given, validated by the operator (and by AWS)
    props["resourcePolicy"] = {
        "type": "object",
        "description": props["resourcePolicy"].get("description", ""),
        "x-kubernetes-preserve-unknown-fields": True,
    }
    schema["x-kubernetes-validations"] = _rules(*SPEC_RULES, *SPEC_TRANSITION_RULES)
    return schema


def status_schema() -> dict[str, Any]:
    raw = DynamoTableStatus.model_json_schema(by_alias=True, mode="serialization")
    schema: dict[str, Any] = _structural(raw, raw.get("$defs", {}))
    # Keep whatever else kopf or future versions write into status instead of pruning it.
    schema["x-kubernetes-preserve-unknown-fields"] = True
    return schema


def crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME, "labels": {"app.kubernetes.io/name": "dynamotable-operator"}},
        "spec": {
            "group": s.GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": s.KIND,
                "listKind": f"{s.KIND}List",
                "plural": s.PLURAL,
                "singular": s.SINGULAR,
                "shortNames": list(s.SHORT_NAMES),
                "categories": ["aws", "dynamodb"],
            },
            "versions": [
                {
                    "name": s.VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [
                        {"name": "Table", "type": "string", "jsonPath": ".status.tableName"},
                        {"name": "Region", "type": "string", "jsonPath": ".status.region"},
                        {"name": "Status", "type": "string", "jsonPath": ".status.tableStatus"},
                        {
                            "name": "Ready",
                            "type": "string",
                            "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
                        },
                        {
                            "name": "Reason",
                            "type": "string",
                            "description": "Why the table is or is not Ready (InvalidSpec, ReplacementRequired, ...)",
                            "jsonPath": '.status.conditions[?(@.type=="Ready")].reason',
                        },
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    ],
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": "A DynamoDB table managed by dynamotable-operator.",
                            "required": ["spec"],
                            "x-kubernetes-validations": _rules(*ROOT_TRANSITION_RULES),
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": spec_schema(),
                                "status": status_schema(),
                            },
                        }
                    },
                }
            ],
        },
    }


class _KubernetesYamlDumper(yaml.SafeDumper):
    """Quotes every string that YAML 1.1 (go-yaml v2, which kubectl and the API server read manifests with)
    would take for a boolean: PyYAML leaves y, Y, n and N plain, and kubectl then reads the attribute type
    enum [S, N, B] as [S, false, B]."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if value in _YAML11_BOOLEANS:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_YAML11_BOOLEANS = frozenset(
    {
        *("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO"),
        *("true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"),
    }
)
_KubernetesYamlDumper.add_representer(str, _represent_str)


def crd_yaml() -> str:
    return "---\n" + yaml.dump(crd(), Dumper=_KubernetesYamlDumper, sort_keys=False, width=120)
