"""Semantic validation of DynamoTable manifests: every rule that needs more than one field.

`validate_manifest` never raises on bad input: it returns every error at once, each naming the field path,
the bad value and the fix. Shape errors from pydantic (types, enums, ranges, unknown fields) are translated
into the same form, so a user sees one consistent list. A manifest is judged as the API server judges it
(nulls pruned, strict types) and as AWS would (names, tags, KMS partitions); a value is never quoted at more
than about 100 characters (`shown`).
"""

from __future__ import annotations

import difflib
import json
import math
import re
import reprlib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from dynamotable.api import spec as s

TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
# AWS tag characters: letters, numbers and separators of any script (\p{L} \p{N} \p{Z}), and _ . : / = + - @.
TAG_SPECIAL_CHARACTERS = frozenset("_.:/=+-@")
RESERVED_TAG_PREFIXES = ("aws:", "dynamotable.io/")
OWNER_TAG = "dynamotable.io/owner"
# The cluster id is the `<cluster-id>:` head of the ownership tag value and is matched as `<cluster-id>:*` in
# IAM conditions: tag-value characters without ':' (nor * or ?), short enough to leave room for the rest.
CLUSTER_ID_MAX = 128
CLUSTER_ID_PATTERN = re.compile(rf"[A-Za-z0-9+=._/\-]{{1,{CLUSTER_ID_MAX}}}", re.ASCII)
# An IAM role ARN (partitions aws, aws-cn, aws-us-gov; an optional path): the account map's roles and iam-policy's.
IAM_ROLE_ARN_PATTERN = re.compile(
    r"arn:aws(-cn|-us-gov)?:iam::(?P<account>[0-9]{12}):role/[\w+=,.@/-]{1,512}", re.ASCII
)
NAME_RE = re.compile(s.NAME_PATTERN, re.ASCII)
# Label and annotation keys: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63
# characters; label values: at most 63 of the same characters (Kubernetes' qualified-name rules).
QUALIFIED_NAME_RE = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", re.ASCII)
K8S_NAME_RE = re.compile(s.K8S_NAME_PATTERN, re.ASCII)
K8S_NAMESPACE_RE = re.compile(s.K8S_NAMESPACE_PATTERN, re.ASCII)
QUALIFIED_NAME_MAX = 63
ANNOTATIONS_MAX_BYTES = 256 * 1024
SHOWN_MAX = 100  # longest quotation of a user's value in a message
PATH_KEY_KEEP = 60  # characters of an over-long map key kept in a field path


@dataclass(frozen=True, slots=True)
class SpecError:
    """One problem in a manifest: where (`spec.globalSecondaryIndexes[0].hashKey`) and what to do."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InvalidSpec(Exception):
    """Raised by callers that need a valid manifest; carries every error."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


# ---------------------------------------------------------------------------------- quoting values


def _short_repr() -> reprlib.Repr:
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxtuple, r.maxdict, r.maxset = 2, 4, 4, 4, 4
    r.maxstring, r.maxother, r.maxlong = 40, 40, 40
    return r


_REPR = _short_repr()


def shown(value: Any, limit: int = SHOWN_MAX) -> str:
    """`value` as a message quotes it: YAML's true/false/null, strings in quotes, never much over `limit`
    characters (a longer value is cut with an ellipsis and its length given), bounded for any size or depth."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = repr(value)
        if len(text) <= limit:
            return text
        keep = limit - 10
        while True:
            text = repr(value[:keep] + "…")
            if len(text) <= limit - 8 or keep <= 1:
                return f"{text} ({len(value):,} characters)"
            keep = max(1, keep - (len(text) - (limit - 8)))
    if isinstance(value, int):
        if value.bit_length() > 200:
            return f"an integer of about {int(value.bit_length() * 0.30103):,} digits"
        text = str(value)
    else:
        try:
            text = _REPR.repr(value)
        except ValueError:  # an int beyond Python's printable digit limit, deep inside a container
            text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if isinstance(value, (list, dict)) and len(value) > _REPR.maxlist:
        text += f" ({len(value):,} {'items' if isinstance(value, list) else 'keys'})"
    return text


def path_key(key: str) -> str:
    """A map key as a field path writes it, `['team']`: quoted, cut after 60 characters, without spaces added."""
    text = repr(key)
    return f"[{text if len(text) <= SHOWN_MAX else repr(key[:PATH_KEY_KEEP] + '…')}]"


def bare(value: str) -> str:
    """A name as a message prints it without quotes (a region), unless it is long or unprintable."""
    return value if len(value) <= SHOWN_MAX and value.isprintable() else shown(value)


def kind_of(value: Any) -> str:
    """The YAML word for what a value is: 'a string', 'a boolean', 'a list', ..."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"a {type(value).__name__}"


# ------------------------------------------------------------------------------------------ entry points


def validate_manifest(
    doc: Mapping[str, Any], *, default_region: str | None = None
) -> tuple[s.DynamoTable | None, list[SpecError]]:
    """Parse and check one manifest. Returns the model when there are no errors, else None and the errors."""
    doc = without_nulls(doc)
    try:
        manifest = s.DynamoTable.model_validate(doc, by_alias=True, by_name=False)
    except ValidationError as exc:
        return None, [_translate(err, doc) for err in exc.errors()]
    errors = list(check_spec(manifest, default_region=default_region))
    return (manifest if not errors else None), errors


def parse_manifest(doc: Mapping[str, Any], *, default_region: str | None = None) -> s.DynamoTable:
    manifest, errors = validate_manifest(doc, default_region=default_region)
    if manifest is None:
        raise InvalidSpec(errors)
    return manifest


def check_spec(manifest: s.DynamoTable, *, default_region: str | None = None) -> Iterator[SpecError]:
    for rule in RULES:
        yield from rule(manifest, default_region)


_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


def without_nulls(doc: Mapping[str, Any]) -> dict[str, Any]:
    """`doc` as plain dicts and lists, with every mapping entry whose value is null removed from metadata and
    spec, as the API server prunes them before defaulting (no field of the CRD is nullable): `billingMode:`
    with no value means the default, `hashKey:` with no value means a missing hashKey. Any Mapping (a kopf
    body) becomes a dict, so strict validation judges the values, not the container class. Shared (aliased)
    parts stay shared."""
    # id -> (original, copy): holding the original keeps its id from being reused by another object (a
    # Mapping may hand out a fresh view on every access).
    memo: dict[int, tuple[Any, Any]] = {}

    def plain(value: Any, prune: bool) -> Any:
        kind = type(value)
        if kind in _SCALAR_TYPES:  # most nodes: no ABC isinstance checks for them
            return value
        if kind is dict or (kind is not list and isinstance(value, Mapping)):
            seen = memo.get(id(value))
            if seen is None:
                seen = memo[id(value)] = (
                    value,
                    {k: plain(v, prune) for k, v in value.items() if not (prune and v is None)},
                )
            return seen[1]
        if kind is list or isinstance(value, (list, tuple)):
            seen = memo.get(id(value))
            if seen is None:
                seen = memo[id(value)] = (value, [plain(v, prune) for v in value])
            return seen[1]
        return value

    return {k: plain(v, k in ("metadata", "spec")) for k, v in doc.items() if v is not None}


def validate_cluster_id(value: object) -> str | None:
    """Why `value` cannot be an operator's cluster id, or None when it can. The CLI's --cluster-id and the
    operator's DYNAMOTABLE_CLUSTER_ID call this before writing any ownership tag."""
    if isinstance(value, str) and CLUSTER_ID_PATTERN.fullmatch(value):
        return None
    length = f" ({len(value)} characters)" if isinstance(value, str) and len(value) > CLUSTER_ID_MAX else ""
    return (
        f"cluster id {shown(value)}{length} is not valid: use 1-{CLUSTER_ID_MAX} characters of A-Z a-z 0-9 "
        "+ = . _ / - (AWS tag-value characters; no ':', which separates it from <namespace>/<name> in the "
        f"{OWNER_TAG} tag)"
    )


def partition_of(region: str) -> str:
    """The AWS partition of a region, as it appears in ARNs (arn:<partition>:...)."""
    for prefix, partition in (
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-iso-", "aws-iso"),
        ("us-isob-", "aws-iso-b"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isof-", "aws-iso-f"),
        ("eusc-", "aws-eusc"),  # AWS European Sovereign Cloud
    ):
        if region.startswith(prefix):
            return partition
    return "aws"


# --------------------------------------------------------------------------------------------- rules
# Each rule is a generator over one concern, so a test can name the rule it exercises.

Rule = Callable[[s.DynamoTable, str | None], Iterator[SpecError]]


def _key_uses(spec: s.DynamoTableSpec) -> list[tuple[str, str]]:
    """(field path, attribute name) for every key of the table and its indexes."""
    uses = [("spec.hashKey", spec.hash_key)]
    if spec.range_key:
        uses.append(("spec.rangeKey", spec.range_key))
    for i, gsi in enumerate(spec.global_secondary_indexes):
        uses += _gsi_key_uses(f"spec.globalSecondaryIndexes[{i}]", gsi)
    for i, lsi in enumerate(spec.local_secondary_indexes):
        uses.append((f"spec.localSecondaryIndexes[{i}].rangeKey", lsi.range_key))
    return uses


def _gsi_key_uses(path: str, gsi: s.GlobalSecondaryIndex) -> list[tuple[str, str]]:
    """(field path, attribute name) for every key attribute of one GSI, in key order, in either spelling."""
    uses = [(f"{path}.hashKey", gsi.hash_key)] if gsi.hash_key is not None else []
    uses += [(f"{path}.hashKeys[{j}]", name) for j, name in enumerate(gsi.hash_keys or [])]
    uses += [(f"{path}.rangeKey", gsi.range_key)] if gsi.range_key is not None else []
    uses += [(f"{path}.rangeKeys[{j}]", name) for j, name in enumerate(gsi.range_keys or [])]
    return uses


def rule_table_name(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    if m.spec.table_name is None:
        name = m.metadata.name
        if not (s.NAME_MIN <= len(name) <= s.NAME_MAX and NAME_RE.fullmatch(name)):
            yield SpecError(
                "spec.tableName",
                f"defaults to metadata.name {shown(name)}, which is not a valid table name "
                f"({s.NAME_MIN}-{s.NAME_MAX} characters of A-Z a-z 0-9 _ . -); set spec.tableName",
            )


def rule_key_attributes_defined(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    defined = {a.name for a in m.spec.attributes}
    for path, name in _key_uses(m.spec):
        if name not in defined:
            yield SpecError(
                path,
                f"key attribute {shown(name)} is not defined in spec.attributes; "
                f"add {{name: {shown(name)}, type: S|N|B}} to spec.attributes",
            )


def rule_attributes_used(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    used = {name for _, name in _key_uses(m.spec)}
    for i, attr in enumerate(m.spec.attributes):
        if attr.name not in used:
            yield SpecError(
                f"spec.attributes[{i}]",
                f"attribute {shown(attr.name)} is not a key of the table or of any index, and DynamoDB rejects "
                "unused attribute definitions; remove it (non-key attributes need no definition)",
            )


def rule_attributes_unique(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    seen: dict[str, int] = {}
    for i, attr in enumerate(m.spec.attributes):
        if attr.name in seen:
            yield SpecError(
                f"spec.attributes[{i}]",
                f"attribute {shown(attr.name)} is already defined at spec.attributes[{seen[attr.name]}]; "
                "define each attribute once",
            )
        else:
            seen[attr.name] = i


def rule_distinct_keys(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    if m.spec.range_key is not None and m.spec.range_key == m.spec.hash_key:
        yield SpecError(
            "spec.rangeKey",
            f"{shown(m.spec.range_key)} is also the hashKey; the sort key must be another attribute, or omit it",
        )
    for i, gsi in enumerate(m.spec.global_secondary_indexes):
        yield from _gsi_keys_distinct(f"spec.globalSecondaryIndexes[{i}]", gsi)
    for i, lsi in enumerate(m.spec.local_secondary_indexes):
        if lsi.range_key == m.spec.hash_key:
            yield SpecError(
                f"spec.localSecondaryIndexes[{i}].rangeKey",
                f"{shown(lsi.range_key)} is the table's hashKey; a local index sorts by another attribute",
            )


def _gsi_keys_distinct(path: str, gsi: s.GlobalSecondaryIndex) -> Iterator[SpecError]:
    """An attribute appears once among an index's key attributes (A26: AWS refuses a repeated key attribute)."""
    first: dict[str, str] = {}
    for where, name in _gsi_key_uses(path, gsi):
        if name not in first:
            first[name] = where.removeprefix(path + ".")
        elif where.endswith(".rangeKey") and first[name] == "hashKey":
            yield SpecError(where, f"{shown(name)} is also the index's hashKey; use another attribute or omit rangeKey")
        else:
            yield SpecError(
                where,
                f"{shown(name)} is already the index's {first[name]}; an attribute can be one key attribute of an "
                "index only: remove it here",
            )


def rule_gsi_key_form(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """One spelling per index (A26): hashKey with an optional rangeKey, or hashKeys with optional rangeKeys."""
    for i, gsi in enumerate(m.spec.global_secondary_indexes):
        path = f"spec.globalSecondaryIndexes[{i}]"
        if gsi.hash_key is None and gsi.hash_keys is None:
            yield SpecError(
                f"{path}.hashKey",
                "the index has no partition key; set hashKey (one attribute) or hashKeys (a list of 1-4 attributes)",
            )
        if gsi.hash_key is not None and gsi.hash_keys is not None:
            yield SpecError(
                f"{path}.hashKeys",
                f"{shown(gsi.hash_keys)} and hashKey {shown(gsi.hash_key)} both give the partition key; keep one: "
                "hashKey for one attribute, hashKeys for several",
            )
        if gsi.range_key is not None and gsi.hash_keys is not None:
            yield SpecError(
                f"{path}.rangeKey",
                f"{shown(gsi.range_key)} is given with hashKeys; an index uses one form: write rangeKeys: "
                f"[{shown(gsi.range_key)}] instead",
            )
        if gsi.range_keys is not None and gsi.hash_keys is None and gsi.hash_key is not None:
            yield SpecError(
                f"{path}.rangeKeys",
                f"{shown(gsi.range_keys)} is given with hashKey; an index uses one form: write hashKeys: "
                f"[{shown(gsi.hash_key)}] instead of hashKey",
            )


def rule_lsi_needs_table_range_key(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    if m.spec.local_secondary_indexes and m.spec.range_key is None:
        yield SpecError(
            "spec.localSecondaryIndexes",
            "local secondary indexes need a table with a sort key (DynamoDB rejects them on a hash-only "
            "table); set spec.rangeKey or use a global secondary index",
        )


def rule_index_names_unique(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    indexes = [(f"spec.globalSecondaryIndexes[{i}]", g.name) for i, g in enumerate(m.spec.global_secondary_indexes)]
    indexes += [(f"spec.localSecondaryIndexes[{i}]", x.name) for i, x in enumerate(m.spec.local_secondary_indexes)]
    first: dict[str, str] = {}
    for path, name in indexes:
        if name in first:
            yield SpecError(
                f"{path}.name",
                f"index name {shown(name)} is already used by {first[name]}; index names must be unique per table",
            )
        else:
            first[name] = path


def _indexes_with_projection(
    spec: s.DynamoTableSpec,
) -> Iterator[tuple[str, s.GlobalSecondaryIndex | s.LocalSecondaryIndex]]:
    for i, g in enumerate(spec.global_secondary_indexes):
        yield f"spec.globalSecondaryIndexes[{i}]", g
    for i, x in enumerate(spec.local_secondary_indexes):
        yield f"spec.localSecondaryIndexes[{i}]", x


def rule_projection(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    for path, idx in _indexes_with_projection(m.spec):
        if idx.projection_type == s.ProjectionType.INCLUDE and not idx.non_key_attributes:
            yield SpecError(
                f"{path}.nonKeyAttributes",
                f"index {shown(idx.name)} has projectionType INCLUDE but no nonKeyAttributes; list the attributes "
                "to project, or use KEYS_ONLY",
            )
        if idx.projection_type != s.ProjectionType.INCLUDE and idx.non_key_attributes:
            yield SpecError(
                f"{path}.nonKeyAttributes",
                f"index {shown(idx.name)} has projectionType {idx.projection_type.value}, which projects a fixed set "
                "of attributes; remove nonKeyAttributes or set projectionType INCLUDE",
            )
        dupes = sorted(n for n, c in Counter(idx.non_key_attributes).items() if c > 1)
        if dupes:
            yield SpecError(
                f"{path}.nonKeyAttributes",
                f"{', '.join(shown(d) for d in dupes[:5])}{' and more' if len(dupes) > 5 else ''} listed more "
                "than once; list each attribute once",
            )


def rule_projected_attribute_total(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    total = sum(len(idx.non_key_attributes) for _, idx in _indexes_with_projection(m.spec))
    if total > s.MAX_PROJECTED_NON_KEY_ATTRIBUTES:
        yield SpecError(
            "spec.globalSecondaryIndexes",
            f"{total} nonKeyAttributes across all indexes; DynamoDB allows at most "
            f"{s.MAX_PROJECTED_NON_KEY_ATTRIBUTES} in total (an attribute projected into two indexes counts "
            "twice); project fewer attributes or use projectionType ALL",
        )


def rule_billing_capacity(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    spec = m.spec
    if spec.billing_mode == s.BillingMode.PROVISIONED:
        for field, value in (("readCapacity", spec.read_capacity), ("writeCapacity", spec.write_capacity)):
            if value is None:
                yield SpecError(
                    f"spec.{field}",
                    f"billingMode PROVISIONED needs {field}; set it (at least 1) or use PAY_PER_REQUEST",
                )
        for i, gsi in enumerate(spec.global_secondary_indexes):
            for field, value in (("readCapacity", gsi.read_capacity), ("writeCapacity", gsi.write_capacity)):
                if value is None:
                    yield SpecError(
                        f"spec.globalSecondaryIndexes[{i}].{field}",
                        f"index {shown(gsi.name)} needs {field} because the table is PROVISIONED; set it (at least 1)",
                    )
        if spec.on_demand_throughput is not None:
            yield SpecError(
                "spec.onDemandThroughput",
                "on-demand caps apply to PAY_PER_REQUEST tables only; remove onDemandThroughput or switch "
                "billingMode to PAY_PER_REQUEST",
            )
        for i, gsi in enumerate(spec.global_secondary_indexes):
            if gsi.on_demand_throughput is not None:
                yield SpecError(
                    f"spec.globalSecondaryIndexes[{i}].onDemandThroughput",
                    "on-demand caps apply to PAY_PER_REQUEST tables only; remove it or switch billingMode",
                )
    else:
        for field, value in (("readCapacity", spec.read_capacity), ("writeCapacity", spec.write_capacity)):
            if value is not None:
                yield SpecError(
                    f"spec.{field}",
                    f"{field}={value} is not allowed with billingMode PAY_PER_REQUEST; remove it, or set "
                    "billingMode PROVISIONED (use onDemandThroughput to cap on-demand usage)",
                )
        for i, gsi in enumerate(spec.global_secondary_indexes):
            for field, value in (("readCapacity", gsi.read_capacity), ("writeCapacity", gsi.write_capacity)):
                if value is not None:
                    yield SpecError(
                        f"spec.globalSecondaryIndexes[{i}].{field}",
                        f"{field}={value} on index {shown(gsi.name)} is not allowed with billingMode "
                        "PAY_PER_REQUEST; remove it or set billingMode PROVISIONED",
                    )


def _on_demand_paths(spec: s.DynamoTableSpec) -> Iterator[tuple[str, s.OnDemandThroughput | None]]:
    yield "spec.onDemandThroughput", spec.on_demand_throughput
    for i, gsi in enumerate(spec.global_secondary_indexes):
        yield f"spec.globalSecondaryIndexes[{i}].onDemandThroughput", gsi.on_demand_throughput


def rule_on_demand_throughput(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    for path, odt in _on_demand_paths(m.spec):
        if odt is None:
            continue
        if odt.max_read_request_units is None and odt.max_write_request_units is None:
            yield SpecError(path, "set maxReadRequestUnits and/or maxWriteRequestUnits (-1 removes a cap)")
        for field, value in (
            ("maxReadRequestUnits", odt.max_read_request_units),
            ("maxWriteRequestUnits", odt.max_write_request_units),
        ):
            if value == 0:
                yield SpecError(f"{path}.{field}", "0 is not allowed; use at least 1, or -1 to remove the cap")


def _warm_paths(spec: s.DynamoTableSpec) -> Iterator[tuple[str, s.WarmThroughput | None]]:
    yield "spec.warmThroughput", spec.warm_throughput
    for i, gsi in enumerate(spec.global_secondary_indexes):
        yield f"spec.globalSecondaryIndexes[{i}].warmThroughput", gsi.warm_throughput


def rule_warm_throughput_minimum(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    for path, warm in _warm_paths(m.spec):
        if warm is None:
            continue
        if warm.read_units_per_second is None and warm.write_units_per_second is None:
            yield SpecError(path, "set readUnitsPerSecond and/or writeUnitsPerSecond, or remove warmThroughput")
        for field, value, minimum in (
            ("readUnitsPerSecond", warm.read_units_per_second, s.MIN_WARM_READ_UNITS_PER_SECOND),
            ("writeUnitsPerSecond", warm.write_units_per_second, s.MIN_WARM_WRITE_UNITS_PER_SECOND),
        ):
            if value is not None and value < minimum:
                yield SpecError(
                    f"{path}.{field}",
                    f"{value} is below DynamoDB's minimum warm throughput of {minimum}; set at least {minimum} "
                    "or remove it (every table is already warm to that level)",
                )


def rule_stream(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    stream = m.spec.stream
    if stream is None:
        return
    if stream.enabled and stream.view_type is None:
        yield SpecError(
            "spec.stream.viewType",
            "stream.enabled is true but viewType is missing; set KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES",
        )
    if not stream.enabled and stream.view_type is not None:
        yield SpecError(
            "spec.stream.viewType",
            f"viewType {stream.view_type.value} is set but the stream is disabled; remove viewType or set "
            "stream.enabled: true",
        )


def rule_pitr(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    pitr = m.spec.point_in_time_recovery
    if pitr is not None and not pitr.enabled and pitr.recovery_period_in_days is not None:
        yield SpecError(
            "spec.pointInTimeRecovery.recoveryPeriodInDays",
            "a recovery period needs point-in-time recovery; set pointInTimeRecovery.enabled: true or remove "
            "recoveryPeriodInDays",
        )


def rule_ttl(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    ttl = m.spec.ttl
    if ttl is not None and ttl.enabled and not ttl.attribute_name:
        yield SpecError(
            "spec.ttl.attributeName",
            "ttl.enabled is true but attributeName is missing; name the attribute that holds the expiry time "
            "(epoch seconds)",
        )


def _kms_region(arn: str) -> str:
    return arn.split(":")[3]


def _kms_keys(spec: s.DynamoTableSpec) -> Iterator[tuple[str, str]]:
    if spec.server_side_encryption is not None and spec.server_side_encryption.kms_key_arn is not None:
        yield "spec.serverSideEncryption.kmsKeyArn", spec.server_side_encryption.kms_key_arn
    for i, rep in enumerate(spec.replicas or []):
        if rep.kms_key_arn is not None:
            yield f"spec.replicas[{i}].kmsKeyArn", rep.kms_key_arn


def rule_sse(m: s.DynamoTable, default_region: str | None) -> Iterator[SpecError]:
    sse = m.spec.server_side_encryption
    if sse is None or sse.kms_key_arn is None:
        return
    if not sse.enabled:
        yield SpecError(
            "spec.serverSideEncryption.kmsKeyArn",
            "a KMS key is set but encryption with KMS is disabled; set serverSideEncryption.enabled: true or "
            "remove kmsKeyArn",
        )
    region = m.spec.region or default_region
    if region and _kms_region(sse.kms_key_arn) != region:
        yield SpecError(
            "spec.serverSideEncryption.kmsKeyArn",
            f"key {shown(sse.kms_key_arn)} is in region {bare(_kms_region(sse.kms_key_arn))} but the table is "
            f"in {bare(region)}; DynamoDB needs a key in the table's region",
        )


def rule_kms_partition(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """An ARN's partition follows from its region: arn:aws-cn only for cn-*, arn:aws-us-gov for us-gov-*, ..."""
    for path, arn in _kms_keys(m.spec):
        partition, region = arn.split(":")[1], _kms_region(arn)
        expected = partition_of(region)
        if partition != expected:
            fixed = ":".join(["arn", expected, *arn.split(":")[2:]])
            yield SpecError(
                path,
                f"key {shown(arn)} names partition {shown(partition)}, but region {bare(region)} is in "
                f"partition {expected!r}; write {shown(fixed)}",
            )


def rule_replicas(m: s.DynamoTable, default_region: str | None) -> Iterator[SpecError]:
    spec = m.spec
    if not spec.replicas:
        return
    if spec.stream is not None and not spec.stream.enabled:
        # Global tables replicate through a stream of any view type; with none AWS enables NEW_AND_OLD_IMAGES.
        yield SpecError(
            "spec.stream",
            "replicas need a stream, and this spec disables it; AWS enables one (NEW_AND_OLD_IMAGES) itself "
            "when the table has none: remove stream, or enable it (any viewType)",
        )
    if spec.billing_mode == s.BillingMode.PROVISIONED and "writeCapacity" not in spec.ignore_changes:
        # [A13] DynamoDB: 'Table write capacity should either be Pay-Per-Request or AutoScaled', and the same for
        # every GSI's write capacity.
        if spec.auto_scaling is None or spec.auto_scaling.write is None:
            yield SpecError(
                "spec.autoScaling.write",
                "replicas of a PROVISIONED table need auto-scaled write capacity (DynamoDB: 'Table write capacity "
                "should either be Pay-Per-Request or AutoScaled'); set autoScaling.write, or use PAY_PER_REQUEST",
            )
        for i, gsi in enumerate(spec.global_secondary_indexes):
            if (gsi.auto_scaling is None or gsi.auto_scaling.write is None) and (
                "globalSecondaryIndexes.writeCapacity" not in spec.ignore_changes
            ):
                yield SpecError(
                    f"spec.globalSecondaryIndexes[{i}].autoScaling.write",
                    f"replicas of a PROVISIONED table need auto-scaled write capacity on every GSI, and "
                    f"{bare(gsi.name)} has none; set its autoScaling.write, or use PAY_PER_REQUEST",
                )
    own = spec.region or default_region
    seen: dict[str, int] = {}
    table_cmk = spec.server_side_encryption is not None and spec.server_side_encryption.kms_key_arn is not None
    for i, rep in enumerate(spec.replicas):
        path = f"spec.replicas[{i}]"
        if rep.region in seen:
            yield SpecError(
                f"{path}.region",
                f"region {bare(rep.region)} is already a replica at spec.replicas[{seen[rep.region]}]",
            )
        seen.setdefault(rep.region, i)
        if own is not None and rep.region == own:
            yield SpecError(
                f"{path}.region",
                f"{bare(rep.region)} is the table's own region; list only the other regions to replicate to",
            )
        if own is not None and partition_of(rep.region) != partition_of(own):
            yield SpecError(
                f"{path}.region",
                f"{bare(rep.region)} is in partition {partition_of(rep.region)!r} and the table's region "
                f"{bare(own)} in {partition_of(own)!r}; a global table stays within one partition: pick a "
                f"region of {partition_of(own)!r}",
            )
        if rep.kms_key_arn is not None and _kms_region(rep.kms_key_arn) != rep.region:
            yield SpecError(
                f"{path}.kmsKeyArn",
                f"key {shown(rep.kms_key_arn)} is in {bare(_kms_region(rep.kms_key_arn))}; a replica needs a "
                f"key in its own region {bare(rep.region)}",
            )
        if table_cmk and rep.kms_key_arn is None:
            yield SpecError(
                f"{path}.kmsKeyArn",
                "the table uses a customer managed KMS key, so DynamoDB needs a key for each replica; set the "
                f"ARN of a key in {bare(rep.region)}",
            )


def _capacity_override_errors(
    path: str, provisioned: bool, read: int | None, max_read: int | None
) -> Iterator[SpecError]:
    if read is not None and not provisioned:
        yield SpecError(
            f"{path}.readCapacityOverride",
            f"{read} is a provisioned read capacity, and the table is PAY_PER_REQUEST; use "
            "maxReadRequestUnitsOverride, or billingMode PROVISIONED",
        )
    if max_read is not None and provisioned:
        yield SpecError(
            f"{path}.maxReadRequestUnitsOverride",
            f"{max_read} is an on-demand read maximum, and the table is PROVISIONED; use readCapacityOverride, "
            "or billingMode PAY_PER_REQUEST",
        )


def rule_replica_overrides(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """[A13] Per-replica overrides: read capacity for PROVISIONED tables, a read maximum for on-demand ones, and
    per-index overrides of the spec's own global secondary indexes."""
    spec = m.spec
    provisioned = spec.billing_mode == s.BillingMode.PROVISIONED
    gsis = [g.name for g in spec.global_secondary_indexes]
    for i, rep in enumerate(spec.replicas or []):
        path = f"spec.replicas[{i}]"
        yield from _capacity_override_errors(
            path, provisioned, rep.read_capacity_override, rep.max_read_request_units_override
        )
        seen: set[str] = set()
        for j, index in enumerate(rep.global_secondary_indexes):
            at = f"{path}.globalSecondaryIndexes[{j}]"
            if index.name not in gsis:
                yield SpecError(
                    f"{at}.name",
                    f"{shown(index.name)} is not a global secondary index of this spec; use one of "
                    + (", ".join(gsis) if gsis else "none (the spec has no GSI): remove it"),
                )
            if index.name in seen:
                yield SpecError(f"{at}.name", f"{shown(index.name)} is overridden twice in this replica; keep one")
            seen.add(index.name)
            yield from _capacity_override_errors(
                at, provisioned, index.read_capacity_override, index.max_read_request_units_override
            )


def _strong_region_sets() -> str:
    return "; ".join(f"{name}: {', '.join(regions)}" for name, regions in s.MRSC_REGION_SETS.items())


def rule_multi_region_consistency(m: s.DynamoTable, default_region: str | None) -> Iterator[SpecError]:
    """[A13.2] STRONG: exactly three regions (the table's and two replicas, or one replica and a witness), all in
    one region set; a witness only with STRONG; TTL and local secondary indexes are not supported."""
    spec = m.spec
    strong = spec.multi_region_consistency == s.MultiRegionConsistency.STRONG
    if not strong:
        if spec.witness_region is not None:
            yield SpecError(
                "spec.witnessRegion",
                f"{bare(spec.witness_region)} is a witness, which only a STRONG global table has; set "
                "multiRegionConsistency: STRONG, or remove witnessRegion",
            )
        return
    replicas = spec.replicas or []
    witness = spec.witness_region
    count = 1 + len(replicas) + (1 if witness else 0)
    if len(replicas) not in (1, 2) or count != s.MRSC_REGIONS:
        yield SpecError(
            "spec.replicas",
            f"multiRegionConsistency STRONG spans exactly 3 regions and this spec has {count} (the table's, "
            f"{len(replicas)} replica(s){' and a witness' if witness else ''}); list two replicas, or one replica "
            "and a witnessRegion",
        )
    own = spec.region or default_region
    regions = [("spec.region", own)] if own else []
    regions += [(f"spec.replicas[{i}].region", r.region) for i, r in enumerate(replicas)]
    if witness:
        regions.append(("spec.witnessRegion", witness))
    sets = {path: s.mrsc_region_set(region) for path, region in regions}
    for path, region in regions:
        if sets[path] is None:
            yield SpecError(
                path,
                f"{bare(region)} does not offer multi-Region strong consistency; use a region of one set "
                f"({_strong_region_sets()})",
            )
    anchored = [(path, region) for path, region in regions if sets[path] is not None]
    for path, region in anchored[1:]:
        first_path, first = anchored[0]
        if sets[path] != sets[first_path]:
            yield SpecError(
                path,
                f"{bare(region)} is in the {sets[path]} region set and {bare(first)} in the {sets[first_path]} set; "
                f"a STRONG global table stays within one set ({_strong_region_sets()})",
            )
    if witness and (witness == own or any(r.region == witness for r in replicas)):
        yield SpecError(
            "spec.witnessRegion",
            f"{bare(witness)} already holds the table or a replica; the witness needs a region of its own",
        )
    if spec.ttl is not None and spec.ttl.enabled:
        yield SpecError(
            "spec.ttl.enabled",
            "time to live is not supported on a STRONG global table; disable ttl, or use EVENTUAL",
        )
    if spec.local_secondary_indexes:
        yield SpecError(
            "spec.localSecondaryIndexes",
            "local secondary indexes are not supported on a STRONG global table; remove them, or use EVENTUAL",
        )


def is_tag_character(c: str) -> bool:
    return c in TAG_SPECIAL_CHARACTERS or unicodedata.category(c)[0] in "LNZ"


# The usual tag is plain ASCII, all of it allowed: one regex match instead of a Unicode lookup per character.
_ASCII_TAG_TEXT = re.compile(r"[A-Za-z0-9 _.:/=+\-@]*", re.ASCII)


def _disallowed_tag_characters(text: str) -> list[str]:
    if _ASCII_TAG_TEXT.fullmatch(text):
        return []
    return sorted({c for c in text if not is_tag_character(c)})


def rule_tags(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    tags = m.spec.tags
    if not tags:
        return
    if len(tags) > s.MAX_USER_TAGS:
        yield SpecError(
            "spec.tags",
            f"{len(tags)} tags; at most {s.MAX_USER_TAGS} are allowed (DynamoDB allows {s.MAX_TAGS} per table "
            f"and the operator adds {OWNER_TAG}); remove {len(tags) - s.MAX_USER_TAGS}",
        )
    for key, value in tags.items():
        path = f"spec.tags{path_key(key)}"
        if not 1 <= len(key) <= TAG_KEY_MAX:
            yield SpecError(path, f"tag key is {len(key)} characters; keys are 1-{TAG_KEY_MAX} characters")
        if len(value) > TAG_VALUE_MAX:
            yield SpecError(path, f"tag value is {len(value)} characters; values are 0-{TAG_VALUE_MAX} characters")
        for part, text in (("key", key), ("value", value)):
            bad = _disallowed_tag_characters(text)
            if bad:
                listed = "".join(bad[:10]) + ("…" if len(bad) > 10 else "")
                yield SpecError(
                    path,
                    f"tag {part} {shown(text)} has characters DynamoDB does not allow ({listed!r}); use letters, "
                    "digits, spaces and + - = . _ : / @",
                )
        for prefix in RESERVED_TAG_PREFIXES:
            if key.lower().startswith(prefix):
                yield SpecError(
                    path,
                    f"tag keys starting with {prefix!r} are reserved (by AWS or by this operator for "
                    f"{OWNER_TAG}); rename the key",
                )


# ---------------------------------------------------------------- Kubernetes metadata of a manifest file
# The API server checks these before any of our code sees an object, so the operator never needs them;
# `dynamotable validate|plan|apply -f` reads files no API server has seen and runs them (metadata_errors).


def rule_metadata_name(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """metadata.name is a DNS-1123 subdomain: at most 253 of a-z 0-9 - . , alphanumeric at both ends."""
    name = m.metadata.name
    if not (len(name) <= s.K8S_NAME_MAX and K8S_NAME_RE.fullmatch(name)):
        yield SpecError("metadata.name", f"{shown(name)} {_pattern_hint('metadata.name', '', name)}")


def rule_metadata_namespace(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """metadata.namespace, when given, is a DNS-1123 label: at most 63 of a-z 0-9 -, alphanumeric at both ends."""
    namespace = m.metadata.namespace
    if namespace is not None and not (len(namespace) <= s.K8S_NAMESPACE_MAX and K8S_NAMESPACE_RE.fullmatch(namespace)):
        yield SpecError(
            "metadata.namespace", f"{shown(namespace)} {_pattern_hint('metadata.namespace', '', namespace)}"
        )


def _qualified_key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and not (len(prefix) <= s.K8S_NAME_MAX and K8S_NAME_RE.fullmatch(prefix)):
        return "its prefix (before '/') must be a DNS subdomain: lowercase a-z 0-9 - . , at most 253 characters"
    if not (len(name) <= QUALIFIED_NAME_MAX and QUALIFIED_NAME_RE.fullmatch(name)):
        return (
            f"its name must be 1-{QUALIFIED_NAME_MAX} characters of A-Z a-z 0-9 - _ . , starting and ending "
            "with a letter or digit"
        )
    return None


def rule_metadata_labels(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """Label keys and values as the API server checks them (qualified names; values at most 63 characters)."""
    for key, value in m.metadata.labels.items():
        path = f"metadata.labels{path_key(key)}"
        problem = _qualified_key_problem(key)
        if problem:
            yield SpecError(path, f"label key {shown(key)} is not valid: {problem}")
        if value and not (len(value) <= QUALIFIED_NAME_MAX and QUALIFIED_NAME_RE.fullmatch(value)):
            yield SpecError(
                path,
                f"label value {shown(value)} is not valid: use at most {QUALIFIED_NAME_MAX} characters of "
                "A-Z a-z 0-9 - _ . , starting and ending with a letter or digit (or leave it empty)",
            )


def rule_metadata_annotations(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """Annotation keys are qualified names; all annotations together hold at most 256 KiB."""
    total = 0
    for key, value in m.metadata.annotations.items():
        total += len(key.encode()) + len(value.encode())
        problem = _qualified_key_problem(key)
        if problem:
            yield SpecError(
                f"metadata.annotations{path_key(key)}", f"annotation key {shown(key)} is not valid: {problem}"
            )
    if total > ANNOTATIONS_MAX_BYTES:
        yield SpecError(
            "metadata.annotations",
            f"annotations hold {total:,} bytes; Kubernetes allows at most {ANNOTATIONS_MAX_BYTES:,} in total",
        )


def rule_ignore_changes(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    seen: set[str] = set()
    for i, path in enumerate(m.spec.ignore_changes):
        if path not in s.IGNORABLE_PATHS:
            close = difflib.get_close_matches(path, list(s.IGNORABLE_PATHS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            yield SpecError(
                f"spec.ignoreChanges[{i}]",
                f"{shown(path)} cannot be ignored; {hint}allowed: {', '.join(s.IGNORABLE_PATHS)}",
            )
        elif path in seen:
            yield SpecError(f"spec.ignoreChanges[{i}]", f"{shown(path)} is listed twice; list it once")
        seen.add(path)


METADATA_RULES: tuple[Rule, ...] = (
    rule_metadata_name,
    rule_metadata_namespace,
    rule_metadata_labels,
    rule_metadata_annotations,
)


def _auto_scaling_paths(spec: s.DynamoTableSpec) -> Iterator[tuple[str, s.AutoScaling]]:
    if spec.auto_scaling is not None:
        yield "spec.autoScaling", spec.auto_scaling
    for i, gsi in enumerate(spec.global_secondary_indexes):
        if gsi.auto_scaling is not None:
            yield f"spec.globalSecondaryIndexes[{i}].autoScaling", gsi.auto_scaling


def rule_auto_scaling(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """Auto scaling only on PROVISIONED capacity, with min <= max (and the spec's capacity is then only the
    capacity at creation, which AWS does not require to lie within min..max)."""
    spec = m.spec
    for path, scaling in _auto_scaling_paths(spec):
        if spec.billing_mode != s.BillingMode.PROVISIONED:
            yield SpecError(
                path,
                f"auto scaling adjusts provisioned capacity, and billingMode is {spec.billing_mode.value}; remove "
                "autoScaling, or use billingMode PROVISIONED",
            )
        for dimension, target in (("read", scaling.read), ("write", scaling.write)):
            if target is not None and target.min_capacity > target.max_capacity:
                yield SpecError(
                    f"{path}.{dimension}.minCapacity",
                    f"minCapacity {target.min_capacity} is above maxCapacity {target.max_capacity}; make "
                    "minCapacity at most maxCapacity",
                )


def rule_contributor_insights(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    spec = m.spec
    blocks = [("spec.contributorInsights", spec.contributor_insights)]
    blocks += [
        (f"spec.globalSecondaryIndexes[{i}].contributorInsights", g.contributor_insights)
        for i, g in enumerate(spec.global_secondary_indexes)
    ]
    for path, insights in blocks:
        if insights is not None and not insights.enabled and insights.mode is not None:
            yield SpecError(f"{path}.mode", "a mode only applies with enabled: true; remove mode, or enable it")


RESOURCE_POLICY_MAX_BYTES = 20 * 1024  # DynamoDB counts whitespace: the compact JSON is what is sent


def rule_resource_policy(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    policy = m.spec.resource_policy
    if policy is None:
        return
    path = "spec.resourcePolicy"
    statements = policy.get("Statement")
    if not policy.get("Version"):
        yield SpecError(f"{path}.Version", 'an IAM policy document needs Version: "2012-10-17"')
    elif policy["Version"] not in ("2012-10-17", "2008-10-17"):
        yield SpecError(
            f"{path}.Version", f'{shown(policy["Version"])} is not a policy language version; use "2012-10-17"'
        )
    if not isinstance(statements, (list, Mapping)) or not statements:
        yield SpecError(f"{path}.Statement", "an IAM policy document needs at least one Statement")
    else:
        for i, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            where = f"{path}.Statement[{i}]"
            if not isinstance(statement, Mapping):
                yield SpecError(where, f"a statement is a mapping, not {kind_of(statement)}")
                continue
            if statement.get("Effect") not in ("Allow", "Deny"):
                yield SpecError(f"{where}.Effect", f"{shown(statement.get('Effect'))} is not Allow or Deny")
            if not ("Action" in statement or "NotAction" in statement):
                yield SpecError(f"{where}.Action", "a statement needs Action (or NotAction)")
            if not ("Principal" in statement or "NotPrincipal" in statement):
                yield SpecError(
                    f"{where}.Principal", "a resource-based policy statement needs Principal (or NotPrincipal)"
                )
    size = len(json.dumps(policy, separators=(",", ":"), sort_keys=True))
    if size > RESOURCE_POLICY_MAX_BYTES:
        yield SpecError(
            path, f"the policy is {size:,} bytes as JSON; DynamoDB takes at most {RESOURCE_POLICY_MAX_BYTES:,}"
        )


def _kinesis_region(arn: str) -> str:
    return arn.split(":")[3]


def rule_kinesis_streaming_destination(m: s.DynamoTable, default_region: str | None) -> Iterator[SpecError]:
    destination = m.spec.kinesis_streaming_destination
    if destination is None:
        return
    own = m.spec.region or default_region
    region = _kinesis_region(destination.stream_arn)
    if own is not None and region != own:
        yield SpecError(
            "spec.kinesisStreamingDestination.streamArn",
            f"stream {shown(destination.stream_arn)} is in {bare(region)}; DynamoDB streams to a Kinesis data "
            f"stream in the table's region {bare(own)}: use a stream there",
        )
    elif own is not None and partition_of(own) != destination.stream_arn.split(":")[1]:
        yield SpecError(
            "spec.kinesisStreamingDestination.streamArn",
            f"the ARN's partition is {destination.stream_arn.split(':')[1]!r}, and the table's region {bare(own)} "
            f"is in {partition_of(own)!r}; use the stream's ARN as AWS gives it",
        )


# ------------------------------------------------------------------------- creation sources [A24]


def rule_source_kind(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    source = m.spec.source
    if source is None:
        return
    kinds = [
        k
        for k, v in (("pointInTime", source.point_in_time), ("backup", source.backup), ("s3Import", source.s3_import))
        if v is not None
    ]
    if len(kinds) != 1:
        got = ", ".join(kinds) if kinds else "none"
        yield SpecError(
            "spec.source",
            f"source needs exactly one of pointInTime, backup or s3Import (got {got}): a table is created from one "
            "source; keep one, or remove source to create an empty table",
        )


def rule_source_point_in_time(m: s.DynamoTable, default_region: str | None) -> Iterator[SpecError]:
    source = m.spec.source
    pit = source.point_in_time if source is not None else None
    if pit is None:
        return
    path = "spec.source.pointInTime"
    if (pit.source_table_arn is None) == (pit.source_table_name is None):
        yield SpecError(
            path,
            "pointInTime needs exactly one of sourceTableArn or sourceTableName; name the table to restore once",
        )
    latest = bool(pit.use_latest_restorable_time)
    if (pit.restore_date_time is not None) == latest:
        got = "both" if latest else f"useLatestRestorableTime: {shown(pit.use_latest_restorable_time)}"
        yield SpecError(
            path,
            f"pointInTime needs exactly one of restoreDateTime or useLatestRestorableTime: true (got {got}); set "
            "the instant to restore to, or useLatestRestorableTime: true",
        )
    own = m.spec.region or default_region
    same_name = pit.source_table_name == m.table_name or (
        pit.source_table_arn is not None
        and pit.source_table_arn.rsplit("/", 1)[-1] == m.table_name
        and own is not None
        and pit.source_table_arn.split(":")[3] == own
    )
    if same_name:
        yield SpecError(
            f"{path}.{'sourceTableName' if pit.source_table_name else 'sourceTableArn'}",
            f"the source is table {bare(m.table_name)} itself; a restore creates a new table, whose name must not "
            "exist yet: set tableName to the new table's name",
        )


def rule_source_backup(m: s.DynamoTable, default_region: str | None) -> Iterator[SpecError]:
    source = m.spec.source
    backup = source.backup if source is not None else None
    own = m.spec.region or default_region
    if backup is None or own is None:
        return
    region = backup.backup_arn.split(":")[3]
    if region != own:
        yield SpecError(
            "spec.source.backup.backupArn",
            f"backup {shown(backup.backup_arn)} is in {bare(region)}; RestoreTableFromBackup restores into the "
            f"backup's region, and this table is in {bare(own)}: copy the backup to {bare(own)} (AWS Backup) and "
            "use the copy's ARN",
        )


def rule_source_s3_import(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    source = m.spec.source
    imp = source.s3_import if source is not None else None
    if imp is None:
        return
    if imp.csv is not None and imp.input_format != s.InputFormat.CSV:
        yield SpecError(
            "spec.source.s3Import.csv",
            f"csv options only apply with inputFormat CSV (inputFormat is {imp.input_format.value}); remove csv "
            "or set inputFormat: CSV",
        )
    if m.spec.local_secondary_indexes:
        yield SpecError(
            "spec.localSecondaryIndexes",
            "an import from S3 cannot create localSecondaryIndexes (ImportTable takes none) and they cannot be "
            "added later: remove them, or restore from a backup or a point in time instead",
        )


ALARM_PERIODS_BELOW_A_MINUTE = (10, 30)


def rule_alarms(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    spec = m.spec
    if not spec.alarms:
        return
    gsis = {g.name for g in spec.global_secondary_indexes}
    seen: dict[str, int] = {}
    for i, alarm in enumerate(spec.alarms):
        path = f"spec.alarms[{i}]"
        if alarm.name in seen:
            yield SpecError(
                f"{path}.name", f"{shown(alarm.name)} is already the name of spec.alarms[{seen[alarm.name]}]"
            )
        seen.setdefault(alarm.name, i)
        full = f"{m.table_name}-{alarm.name}"
        if len(full) > s.ALARM_NAME_MAX:
            yield SpecError(
                f"{path}.name",
                f"the alarm name {shown(full)} is {len(full)} characters; CloudWatch takes at most "
                f"{s.ALARM_NAME_MAX}: shorten name",
            )
        if alarm.index is not None and not s.TABLE_METRICS[alarm.metric.value]:
            yield SpecError(
                f"{path}.index",
                f"{alarm.metric.value} is published per table, not per index; remove index",
            )
        if alarm.index is not None and alarm.index not in gsis:
            yield SpecError(
                f"{path}.index",
                f"{shown(alarm.index)} is not a global secondary index of this spec; use one of "
                + (", ".join(sorted(gsis)) if gsis else "none (the spec has no GSI): remove index"),
            )
        if alarm.period not in ALARM_PERIODS_BELOW_A_MINUTE and alarm.period % 60:
            yield SpecError(
                f"{path}.period", f"{alarm.period} is not 10, 30 or a multiple of 60 seconds; CloudWatch needs one"
            )
        if alarm.period * alarm.evaluation_periods > s.MAX_ALARM_PERIOD:
            yield SpecError(
                f"{path}.evaluationPeriods",
                f"period x evaluationPeriods is {alarm.period * alarm.evaluation_periods:,} seconds; CloudWatch "
                "evaluates at most one day (86,400 s): lower evaluationPeriods or period",
            )
        if not math.isfinite(alarm.threshold):
            yield SpecError(f"{path}.threshold", f"{alarm.threshold} is not a finite number")


def rule_export(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    """The export ConfigMap is not named like the operator's `<name>-terraform` ConfigMaps (this object's or
    another DynamoTable's): the two would claim one object."""
    export = m.spec.export
    if export is not None and export.config_map.endswith(s.TERRAFORM_CONFIGMAP_SUFFIX):
        stem = export.config_map[: -len(s.TERRAFORM_CONFIGMAP_SUFFIX)] or m.metadata.name
        yield SpecError(
            "spec.export.configMap",
            f"{shown(export.config_map)} ends in {s.TERRAFORM_CONFIGMAP_SUFFIX!r}, which names the operator's "
            f"ConfigMaps of rendered Terraform; choose another name, e.g. {shown(stem + '-table')}",
        )


def metadata_errors(manifest: s.DynamoTable) -> list[SpecError]:
    """What the API server would refuse in the metadata of a manifest read from a file."""
    return [e for rule in METADATA_RULES for e in rule(manifest, None)]


RULES: tuple[Rule, ...] = (
    rule_table_name,
    rule_key_attributes_defined,
    rule_attributes_used,
    rule_attributes_unique,
    rule_distinct_keys,
    rule_gsi_key_form,
    rule_lsi_needs_table_range_key,
    rule_index_names_unique,
    rule_projection,
    rule_projected_attribute_total,
    rule_billing_capacity,
    rule_on_demand_throughput,
    rule_warm_throughput_minimum,
    rule_stream,
    rule_pitr,
    rule_ttl,
    rule_sse,
    rule_kms_partition,
    rule_replicas,
    rule_replica_overrides,
    rule_multi_region_consistency,
    rule_auto_scaling,
    rule_contributor_insights,
    rule_resource_policy,
    rule_kinesis_streaming_destination,
    rule_alarms,
    rule_source_kind,
    rule_source_point_in_time,
    rule_source_backup,
    rule_source_s3_import,
    rule_export,
    rule_tags,
    rule_ignore_changes,
)


# ----------------------------------------------------------------------- pydantic error translation

_DOCUMENT = "(document)"
_PATH_PART_MAX = 60


_FREE_FORM_MAPS = ("spec.tags", "metadata.labels", "metadata.annotations")


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    """`spec.globalSecondaryIndexes[0].name`; keys of free-form maps and odd keys as `spec.tags['a b']`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out in _FREE_FORM_MAPS or len(part) > _PATH_PART_MAX or not part.isidentifier() or not part.isascii():
            out += path_key(part)
        else:
            out += ("." if out else "") + part
    return out or _DOCUMENT


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model whose field the location points into, to suggest field names."""
    model: Any = s.DynamoTable
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = next(
            (f for n, f in model.model_fields.items() if (f.alias or n) == part),
            None,
        )
        if field is None:
            return None
        model = _unwrap_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def _input_at(doc: Mapping[str, Any], loc: tuple[int | str, ...]) -> Any:
    cur: Any = doc
    for part in loc:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


_RANGE_WORDS = {
    "greater_than_equal": "at least",
    "greater_than": "more than",
    "less_than_equal": "at most",
    "less_than": "less than",
}
_INTEGER_TEXT = re.compile(r"[-+]?[0-9]+", re.ASCII)
_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n"})


def _yaml_boolean_hint(value: bool) -> str:
    words = "yes, on, y or true" if value else "no, off, n or false"
    return f"kubectl (YAML 1.1) reads an unquoted {words} as {shown(value)}"


def _type_message(kind: str, value: Any, path: str) -> str | None:
    """Messages for strict type errors: what the value is, what the field needs, how to write it."""
    what = f"{shown(value)} is {kind_of(value)}"
    if kind == "int_type":
        if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
            return f"{what}, not a number; write it without quotes: {value.strip()}"
        if isinstance(value, float) and math.isfinite(value):
            return f"{what} with a fraction; use a whole number"
        return f"{what}; use a whole number"
    if kind == "bool_type":
        if isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
            return f"{what}, not a boolean; write true or false without quotes"
        return f"{what}; use true or false"
    if kind == "string_type":
        if isinstance(value, bool):
            return f"{what}, not a string: {_yaml_boolean_hint(value)}; put the value in quotes"
        if isinstance(value, (int, float)):
            return f"{what}, not a string; put it in quotes as written (e.g. '{value}')"
        return f"{what}; use a single string"
    if kind == "list_type":
        return f"{what}; {path} is a list: write each item on its own line starting with '- '"
    if kind in ("dict_type", "model_type", "model_attributes_type") and not isinstance(value, Mapping):
        if path.endswith("tags") and isinstance(value, list):
            return f"{what}; tags is a mapping of key: value (e.g. tags: {{team: shop}}), not a list of pairs"
        return f"{what}; use a mapping (key: value lines)"
    return None


def _enum_message(value: Any, expected: str) -> str:
    members = re.findall(r"'([^']*)'", expected)
    if isinstance(value, bool):
        letter = next((m for m in members if m.lower() in _BOOLEAN_WORDS), None)
        fix = f" (write {letter!r} in quotes)" if letter else ""
        return f"{shown(value)} is a boolean, not one of {expected}: {_yaml_boolean_hint(value)}; quote the value{fix}"
    hint = ""
    if isinstance(value, str):
        close = [m for m in members if m.lower() == value.lower()] or difflib.get_close_matches(value, members, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{shown(value)} is not allowed; {hint}use one of {expected}"


def _translate(err: Mapping[str, Any], doc: Mapping[str, Any]) -> SpecError:
    loc = tuple(err["loc"])
    # pydantic puts union/constraint tags into loc (e.g. 'constrained-int'); keep real path parts only.
    loc = tuple(p for p in loc if isinstance(p, int) or not str(p).startswith(("constrained-", "function-")))
    path = _loc_to_path(loc)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = _input_at(doc, loc)
    if kind == "missing":
        example = {"apiVersion": s.API_VERSION, "kind": s.KIND}.get(path)
        return SpecError(
            path,
            f"required field is missing; add {path}: {example}" if example else "required field is missing; add it",
        )
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = sorted((f.alias or n) for n, f in model.model_fields.items()) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return SpecError(path, f"unknown field; {hint}remove it (allowed here: {', '.join(allowed)})")
    if kind == "enum":
        return SpecError(path, _enum_message(value, str(ctx.get("expected", ""))))
    typed = _type_message(kind, value, path)
    if typed is not None:
        return SpecError(path, typed)
    if kind in _RANGE_WORDS:
        bound = next(iter(ctx.values()), "?")
        return SpecError(path, f"{shown(value)} is out of range; use a value {_RANGE_WORDS[kind]} {bound}")
    if kind == "string_pattern_mismatch":
        return SpecError(path, f"{shown(value)} {_pattern_hint(path, str(ctx.get('pattern', '')), value)}")
    if kind in ("string_too_short", "string_too_long"):
        limit = ctx.get("min_length", ctx.get("max_length"))
        named = path.endswith(("tableName", ".name")) or path.startswith("metadata.")
        quoted = shown(value)
        # a cut quotation already gives the length
        size = f" has {len(value)} characters" if isinstance(value, str) and not quoted.endswith("characters)") else ""
        return SpecError(
            path,
            f"{quoted}{size}: use {limit} characters {'or more' if kind == 'string_too_short' else 'or fewer'}"
            + (f" ({_pattern_hint(path, '', value)})" if named else ""),
        )
    if kind == "too_long":
        return SpecError(path, f"{ctx.get('actual_length')} items; at most {ctx.get('max_length')} are allowed")
    if kind == "too_short":
        return SpecError(path, f"needs at least {ctx.get('min_length')} item(s)")
    return SpecError(path, f"{shown(value)}: {err['msg']}")


def _dns_suggestion(value: Any, *, dots: bool, limit: int) -> str:
    """A valid name close to `value` ('My_Table' -> 'my-table', 'Órders' -> 'orders'), quoted for a message."""
    text = unicodedata.normalize("NFKD", value if isinstance(value, str) else "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9.-]" if dots else r"[^a-z0-9-]", "-", text.lower())
    text = re.sub(r"[-.]{2,}", "-", text).strip("-.")[:limit].strip("-.")
    return shown(text or "orders")


# [A24] the fields of spec.source whose pattern alone says little
_SOURCE_PATTERN_HINTS = {
    "backupArn": "is not a DynamoDB backup ARN; use arn:aws:dynamodb:<region>:<account>:table/<name>/backup/<id> "
    "as ListBackups or DescribeBackup gives it",
    "sourceTableArn": "is not a DynamoDB table ARN; use arn:aws:dynamodb:<region>:<account>:table/<name>",
    "restoreDateTime": "is not an RFC 3339 date-time; write it like 2026-11-30T12:00:00Z (a zone is required)",
    "bucket": "is not an S3 bucket name; use 3-63 characters of lowercase a-z, 0-9, '.' and '-', starting and "
    "ending with a letter or digit",
    "bucketOwner": "is not an AWS account id; use the 12 digits of the account owning the bucket",
    "delimiter": "is not a CSV delimiter ImportTable accepts; use one of , ; : | a tab or a space",
}


def _pattern_hint(path: str, pattern: str, value: Any = None) -> str:
    if path == "metadata.name":
        return (
            f"is not a valid Kubernetes object name; use at most {s.K8S_NAME_MAX} characters of lowercase "
            "a-z, 0-9, '-' and '.', starting and ending with a letter or digit, e.g. "
            f"{_dns_suggestion(value, dots=True, limit=s.K8S_NAME_MAX)}"
        )
    if path == "metadata.namespace":
        return (
            f"is not a valid namespace; use at most {s.K8S_NAMESPACE_MAX} characters of lowercase a-z, 0-9 "
            f"and '-', starting and ending with a letter or digit, e.g. "
            f"{_dns_suggestion(value, dots=False, limit=s.K8S_NAMESPACE_MAX)}"
        )
    if path == "spec.export.configMap":
        return (
            f"is not a valid ConfigMap name; use at most {s.K8S_NAME_MAX} characters of lowercase a-z, 0-9, '-' "
            f"and '.', starting and ending with a letter or digit, e.g. "
            f"{_dns_suggestion(value, dots=True, limit=s.K8S_NAME_MAX)}"
        )
    if path.endswith(("tableName", ".name")) and path.startswith("spec"):
        return f"is not a valid name; use {s.NAME_MIN}-{s.NAME_MAX} characters of A-Z a-z 0-9 _ . -"
    if path.endswith("region"):
        return "is not an AWS region name; use a name like us-east-1 (lowercase ASCII letters, '-', a digit)"
    if path.endswith("kmsKeyArn"):
        return "is not a KMS key ARN; use arn:aws:kms:<region>:<account>:key/<key-id> (aliases are not accepted)"
    source_hint = _SOURCE_PATTERN_HINTS.get(path.rsplit(".", 1)[-1]) if path.startswith("spec.source.") else None
    if source_hint is not None:
        return source_hint
    if path == "apiVersion":
        return f"is not {s.API_VERSION}; set apiVersion: {s.API_VERSION}"
    if path == "kind":
        return f"is not {s.KIND}; set kind: {s.KIND}"
    return f"does not match {shown(pattern)}"
