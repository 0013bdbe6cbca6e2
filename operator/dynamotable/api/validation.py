"""Semantic validation of DynamoTable manifests: every rule that needs more than one field.

`validate_manifest` never raises on bad input: it returns every error at once, each naming the field path,
the bad value and the fix. Shape errors from pydantic (types, enums, ranges, unknown fields) are translated
into the same form, so a user sees one consistent list.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from dynamotable.api import spec as s

TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
# Letters, numbers and whitespace in any language, and + - = . _ : / @ (DynamoDB tagging restrictions).
TAG_PATTERN = re.compile(r"^[\w\s+\-=._:/@]*$", re.UNICODE)
RESERVED_TAG_PREFIXES = ("aws:", "dynamotable.io/")
OWNER_TAG = "dynamotable.io/owner"


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


def validate_manifest(
    doc: Mapping[str, Any], *, default_region: str | None = None
) -> tuple[s.DynamoTable | None, list[SpecError]]:
    """Parse and check one manifest. Returns the model when there are no errors, else None and the errors."""
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


# --------------------------------------------------------------------------------------------- rules
# Each rule is a generator over one concern, so a test can name the rule it exercises.

Rule = Callable[[s.DynamoTable, str | None], Iterator[SpecError]]


def _key_uses(spec: s.DynamoTableSpec) -> list[tuple[str, str]]:
    """(field path, attribute name) for every key of the table and its indexes."""
    uses = [("spec.hashKey", spec.hash_key)]
    if spec.range_key:
        uses.append(("spec.rangeKey", spec.range_key))
    for i, gsi in enumerate(spec.global_secondary_indexes):
        uses.append((f"spec.globalSecondaryIndexes[{i}].hashKey", gsi.hash_key))
        if gsi.range_key:
            uses.append((f"spec.globalSecondaryIndexes[{i}].rangeKey", gsi.range_key))
    for i, lsi in enumerate(spec.local_secondary_indexes):
        uses.append((f"spec.localSecondaryIndexes[{i}].rangeKey", lsi.range_key))
    return uses


def rule_table_name(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    if m.spec.table_name is None:
        name = m.metadata.name
        if not (s.NAME_MIN <= len(name) <= s.NAME_MAX and re.match(s.NAME_PATTERN, name)):
            yield SpecError(
                "spec.tableName",
                f"defaults to metadata.name {name!r}, which is not a valid table name "
                f"({s.NAME_MIN}-{s.NAME_MAX} characters of A-Z a-z 0-9 _ . -); set spec.tableName",
            )


def rule_key_attributes_defined(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    defined = {a.name for a in m.spec.attributes}
    for path, name in _key_uses(m.spec):
        if name not in defined:
            yield SpecError(
                path,
                f"key attribute {name!r} is not defined in spec.attributes; "
                f"add {{name: {name}, type: S|N|B}} to spec.attributes",
            )


def rule_attributes_used(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    used = {name for _, name in _key_uses(m.spec)}
    for i, attr in enumerate(m.spec.attributes):
        if attr.name not in used:
            yield SpecError(
                f"spec.attributes[{i}]",
                f"attribute {attr.name!r} is not a key of the table or of any index, and DynamoDB rejects "
                "unused attribute definitions; remove it (non-key attributes need no definition)",
            )


def rule_attributes_unique(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    seen: dict[str, int] = {}
    for i, attr in enumerate(m.spec.attributes):
        if attr.name in seen:
            yield SpecError(
                f"spec.attributes[{i}]",
                f"attribute {attr.name!r} is already defined at spec.attributes[{seen[attr.name]}]; "
                "define each attribute once",
            )
        else:
            seen[attr.name] = i


def rule_distinct_keys(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    if m.spec.range_key is not None and m.spec.range_key == m.spec.hash_key:
        yield SpecError(
            "spec.rangeKey",
            f"{m.spec.range_key!r} is also the hashKey; the sort key must be another attribute, or omit it",
        )
    for i, gsi in enumerate(m.spec.global_secondary_indexes):
        if gsi.range_key is not None and gsi.range_key == gsi.hash_key:
            yield SpecError(
                f"spec.globalSecondaryIndexes[{i}].rangeKey",
                f"{gsi.range_key!r} is also the index's hashKey; use another attribute or omit rangeKey",
            )
    for i, lsi in enumerate(m.spec.local_secondary_indexes):
        if lsi.range_key == m.spec.hash_key:
            yield SpecError(
                f"spec.localSecondaryIndexes[{i}].rangeKey",
                f"{lsi.range_key!r} is the table's hashKey; a local index sorts by another attribute",
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
                f"index name {name!r} is already used by {first[name]}; index names must be unique per table",
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
                f"index {idx.name!r} has projectionType INCLUDE but no nonKeyAttributes; list the attributes "
                "to project, or use KEYS_ONLY",
            )
        if idx.projection_type != s.ProjectionType.INCLUDE and idx.non_key_attributes:
            yield SpecError(
                f"{path}.nonKeyAttributes",
                f"index {idx.name!r} has projectionType {idx.projection_type.value}, which projects a fixed set "
                "of attributes; remove nonKeyAttributes or set projectionType INCLUDE",
            )
        dupes = sorted(n for n, c in Counter(idx.non_key_attributes).items() if c > 1)
        if dupes:
            yield SpecError(
                f"{path}.nonKeyAttributes",
                f"{', '.join(dupes)} listed more than once; list each attribute once",
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
                        f"index {gsi.name!r} needs {field} because the table is PROVISIONED; set it (at least 1)",
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
                        f"{field}={value} on index {gsi.name!r} is not allowed with billingMode "
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
            f"key {sse.kms_key_arn} is in region {_kms_region(sse.kms_key_arn)} but the table is in {region}; "
            "DynamoDB needs a key in the table's region",
        )


def rule_replicas(m: s.DynamoTable, default_region: str | None) -> Iterator[SpecError]:
    spec = m.spec
    if not spec.replicas:
        return
    stream = spec.stream
    if stream is None or not stream.enabled or stream.view_type != s.StreamViewType.NEW_AND_OLD_IMAGES:
        yield SpecError(
            "spec.stream",
            "replicas need a stream with viewType NEW_AND_OLD_IMAGES (global tables replicate through it); "
            "set stream: {enabled: true, viewType: NEW_AND_OLD_IMAGES}",
        )
    if spec.billing_mode == s.BillingMode.PROVISIONED and "writeCapacity" not in spec.ignore_changes:
        yield SpecError(
            "spec.billingMode",
            "replicas need PAY_PER_REQUEST or auto-scaled write capacity (DynamoDB: 'Table write capacity "
            "should either be Pay-Per-Request or AutoScaled'); use PAY_PER_REQUEST, or auto-scale writes and "
            "add writeCapacity to ignoreChanges",
        )
    own = spec.region or default_region
    seen: dict[str, int] = {}
    table_cmk = spec.server_side_encryption is not None and spec.server_side_encryption.kms_key_arn is not None
    for i, rep in enumerate(spec.replicas):
        path = f"spec.replicas[{i}]"
        if rep.region in seen:
            yield SpecError(
                f"{path}.region",
                f"region {rep.region} is already a replica at spec.replicas[{seen[rep.region]}]",
            )
        seen.setdefault(rep.region, i)
        if own is not None and rep.region == own:
            yield SpecError(
                f"{path}.region",
                f"{rep.region} is the table's own region; list only the other regions to replicate to",
            )
        if rep.kms_key_arn is not None and _kms_region(rep.kms_key_arn) != rep.region:
            yield SpecError(
                f"{path}.kmsKeyArn",
                f"key {rep.kms_key_arn} is in {_kms_region(rep.kms_key_arn)}; a replica needs a key in its own "
                f"region {rep.region}",
            )
        if table_cmk and rep.kms_key_arn is None:
            yield SpecError(
                f"{path}.kmsKeyArn",
                "the table uses a customer managed KMS key, so DynamoDB needs a key for each replica; set the "
                f"ARN of a key in {rep.region}",
            )


def rule_tags(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    tags = m.spec.tags
    if not tags:
        return
    if len(tags) > s.MAX_TAGS:
        yield SpecError("spec.tags", f"{len(tags)} tags; DynamoDB allows at most {s.MAX_TAGS} per table")
    for key, value in tags.items():
        path = f"spec.tags[{key!r}]"
        if not 1 <= len(key) <= TAG_KEY_MAX:
            yield SpecError(path, f"tag key is {len(key)} characters; keys are 1-{TAG_KEY_MAX} characters")
        if len(value) > TAG_VALUE_MAX:
            yield SpecError(path, f"tag value is {len(value)} characters; values are 0-{TAG_VALUE_MAX} characters")
        for part, text in (("key", key), ("value", value)):
            if not TAG_PATTERN.match(text):
                bad = "".join(sorted({c for c in text if not TAG_PATTERN.match(c)}))
                yield SpecError(
                    path,
                    f"tag {part} {text!r} has characters DynamoDB does not allow ({bad!r}); use letters, "
                    "digits, spaces and + - = . _ : / @",
                )
        for prefix in RESERVED_TAG_PREFIXES:
            if key.lower().startswith(prefix):
                yield SpecError(
                    path,
                    f"tag keys starting with {prefix!r} are reserved (by AWS or by this operator for "
                    f"{OWNER_TAG}); rename the key",
                )


def rule_ignore_changes(m: s.DynamoTable, _: str | None) -> Iterator[SpecError]:
    seen: set[str] = set()
    for i, path in enumerate(m.spec.ignore_changes):
        if path not in s.IGNORABLE_PATHS:
            close = difflib.get_close_matches(path, list(s.IGNORABLE_PATHS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            yield SpecError(
                f"spec.ignoreChanges[{i}]",
                f"{path!r} cannot be ignored; {hint}allowed: {', '.join(s.IGNORABLE_PATHS)}",
            )
        elif path in seen:
            yield SpecError(f"spec.ignoreChanges[{i}]", f"{path!r} is listed twice; list it once")
        seen.add(path)


RULES: tuple[Rule, ...] = (
    rule_table_name,
    rule_key_attributes_defined,
    rule_attributes_used,
    rule_attributes_unique,
    rule_distinct_keys,
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
    rule_replicas,
    rule_tags,
    rule_ignore_changes,
)


# ----------------------------------------------------------------------- pydantic error translation


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(document)"


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


def _translate(err: Mapping[str, Any], doc: Mapping[str, Any]) -> SpecError:
    loc = tuple(err["loc"])
    # pydantic puts union/constraint tags into loc (e.g. 'constrained-int'); keep real path parts only.
    loc = tuple(p for p in loc if isinstance(p, int) or not str(p).startswith(("constrained-", "function-")))
    path = _loc_to_path(loc)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = _input_at(doc, loc)
    if kind == "missing":
        return SpecError(path, "required field is missing; add it")
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = sorted((f.alias or n) for n, f in model.model_fields.items()) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return SpecError(path, f"unknown field; {hint}remove it (allowed here: {', '.join(allowed)})")
    if kind == "enum":
        return SpecError(path, f"{value!r} is not allowed; use one of {ctx.get('expected', '')}")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "?")
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        return SpecError(path, f"{value!r} is out of range; use a value {words} {bound}")
    if kind == "string_pattern_mismatch":
        return SpecError(path, f"{value!r} {_pattern_hint(path, str(ctx.get('pattern', '')))}")
    if kind in ("string_too_short", "string_too_long"):
        return SpecError(
            path,
            f"{value!r} has {len(str(value))} characters; use {ctx.get('min_length', ctx.get('max_length'))} "
            f"{'or more' if kind == 'string_too_short' else 'or fewer'}"
            + (f" ({_pattern_hint(path, '')})" if path.endswith(("tableName", ".name")) else ""),
        )
    if kind == "too_long":
        return SpecError(path, f"{ctx.get('actual_length')} items; at most {ctx.get('max_length')} are allowed")
    if kind == "too_short":
        return SpecError(path, f"needs at least {ctx.get('min_length')} item(s)")
    return SpecError(path, f"{value!r}: {err['msg']}")


def _pattern_hint(path: str, pattern: str) -> str:
    if path.endswith(("tableName", ".name")) and path.startswith("spec"):
        return f"is not a valid name; use {s.NAME_MIN}-{s.NAME_MAX} characters of A-Z a-z 0-9 _ . -"
    if path.endswith("region"):
        return "is not an AWS region name; use a name like us-east-1"
    if path.endswith("kmsKeyArn"):
        return "is not a KMS key ARN; use arn:aws:kms:<region>:<account>:key/<key-id> (aliases are not accepted)"
    if path == "apiVersion":
        return f"is not {s.API_VERSION}; set apiVersion: {s.API_VERSION}"
    if path == "kind":
        return f"is not {s.KIND}; set kind: {s.KIND}"
    return f"does not match {pattern}"
