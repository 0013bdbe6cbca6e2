"""Every aws_dynamodb_table of the seed guide against the Terraform we render for its example.

The seed's HCL fences are parsed with python-hcl2, `local.*` / `each.*` / title() resolved and for_each
expanded (test_render_support.seed_tables); each instance is compared argument by argument with
`render_table` of the example manifest for that pattern (test_render_support.SEED_EXAMPLES). The set of
differences must equal CORRECTIONS below, each with its reason: a new, unexplained difference fails, and
so does a listed correction that no longer happens. Run with `-s` to see the list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from test_render_support import (
    PROVIDER_REGION,
    SEED_EXAMPLES,
    SEED_PATH,
    SEED_WITHOUT_EXAMPLE,
    example_manifest,
    hcl_loads,
    resources,
    seed_tables,
    undefined,
)

from dynamotable.api.validation import OWNER_TAG
from dynamotable.terraform.render import render_table

ABSENT = "<absent>"
SET_BLOCK_KEYS = {"attribute": "name", "global_secondary_index": "name", "local_secondary_index": "name"}
SET_BLOCK_KEYS["replica"] = "region_name"

KEY_DYNAMODB = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_DYNAMODB_ENCRYPTION = "arn:aws:kms:us-east-1:123456789012:key/0987dcba-09fe-87dc-65ba-ab0987654321"

R_OWNER = (
    f"added: the operator tags every table it manages with {OWNER_TAG} = <namespace>/<name> and never "
    "touches a table without it"
)
R_PROJECTION = (
    "added: projection_type is required by the AWS provider and missing in the seed (terraform validate "
    "fails); ALL made explicit"
)
R_KMS = (
    "renamed: the seed writes kms_key_id, the provider's argument is kms_key_arn; a literal key ARN stands "
    "in for the seed's aws_kms_key resource"
)
R_UNDEFINED_ATTRIBUTES = (
    "added: the seed's CategoryIndex uses category and timestamp without defining them (DynamoDB and the "
    "provider reject undefined key attributes)"
)
R_PROVIDER = (
    "dropped: the table is in the provider's region, so it needs no aliased provider (the seed's "
    "aws.us_east_1 alias is never configured)"
)
R_GLOBAL = (
    "global table as one table with a replica: the seed's second table plus aws_dynamodb_global_table "
    "manage legacy (2017.11.29) global tables; a 2019.11.21 global table is a replica block, replication "
    "needs a NEW_AND_OLD_IMAGES stream"
)
R_UNDEFINED_CAPACITY = (
    "dropped: each.value.read_capacity / write_capacity are not defined for this environment (a Terraform "
    "error in the seed); an on-demand table has no capacity"
)
R_DEV_STREAM = "dropped: a view type on a disabled stream is contradictory (validation rejects it)"
R_DEV_KMS = (
    "dropped: a KMS key with encryption disabled is contradictory (validation rejects it); dev keeps the AWS owned key"
)


@dataclass(frozen=True)
class Difference:
    address: str
    path: str
    seed: str
    ours: str
    reason: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.address, self.path, self.seed, self.ours)

    def __str__(self) -> str:
        return f"{self.address} {self.path}: seed {self.seed} -> ours {self.ours}"


def _canon(value: Any) -> str:
    return value if value == ABSENT else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _fix(address: str, path: str, seed: Any, ours: Any, reason: str) -> Difference:
    return Difference(address, path, _canon(seed), _canon(ours), reason)


def _owner(address: str) -> Difference:
    return _fix(address, f"tags.{OWNER_TAG}", ABSENT, SEED_EXAMPLES[address][1], R_OWNER)


def _projection(address: str, kind: str, index: str) -> Difference:
    return _fix(address, f"{kind}[{index}].projection_type", ABSENT, "ALL", R_PROJECTION)


def _kms(address: str, seed_resource: str = "aws_kms_key.dynamodb", arn: str = KEY_DYNAMODB) -> list[Difference]:
    return [
        _fix(address, "server_side_encryption.kms_key_id", "${" + seed_resource + ".arn}", ABSENT, R_KMS),
        _fix(address, "server_side_encryption.kms_key_arn", ABSENT, arn, R_KMS),
    ]


def _corrections() -> list[Difference]:
    t = "aws_dynamodb_table."
    out = [_owner(address) for address in SEED_EXAMPLES]
    gsi = "global_secondary_index"
    for name in ("gsi_table", "provisioned", "advanced", "production", "optimized_gsi", "debug_gsi", "ecommerce"):
        out.append(_projection(t + name, gsi, "CategoryIndex"))
    for name in ("ecommerce", *(f'microservices["{svc}"]' for svc in _services())):
        out.append(_projection(t + name, gsi, "StatusIndex"))
    for name in ("lsi_table", "advanced"):
        out.append(_projection(t + name, "local_secondary_index", "StatusIndex"))
    category, timestamp = {"name": "category", "type": "S"}, {"name": "timestamp", "type": "N"}
    replica = {"region_name": "us-west-2"}
    out += [
        _fix(t + "provisioned", "attribute[category]", ABSENT, category, R_UNDEFINED_ATTRIBUTES),
        _fix(t + "provisioned", "attribute[timestamp]", ABSENT, timestamp, R_UNDEFINED_ATTRIBUTES),
        _fix(t + "global_table", "provider", "${aws.us_east_1}", ABSENT, R_PROVIDER),
        _fix(t + "global_table", "stream_enabled", ABSENT, True, R_GLOBAL),
        _fix(t + "global_table", "stream_view_type", ABSENT, "NEW_AND_OLD_IMAGES", R_GLOBAL),
        _fix(t + "global_table", "replica[us-west-2]", ABSENT, replica, R_GLOBAL),
        _fix(t + "global_table_replica", "(resource)", "declared", ABSENT, R_GLOBAL),
    ]
    for name in ("advanced", "production", "ecommerce", *(f'microservices["{svc}"]' for svc in _services())):
        out += _kms(t + name)
    out += _kms(t + "encrypted", "aws_kms_key.dynamodb_encryption", KEY_DYNAMODB_ENCRYPTION)
    for env in ("dev", "staging"):
        address = f'{t}environment["{env}"]'
        for field in ("read_capacity", "write_capacity"):
            out.append(_fix(address, field, undefined(f"each.value.{field}"), ABSENT, R_UNDEFINED_CAPACITY))
    out += _kms(f'{t}environment["staging"]') + _kms(f'{t}environment["prod"]')
    dev = f'{t}environment["dev"]'
    out += [
        _fix(dev, "stream_view_type", "NEW_AND_OLD_IMAGES", ABSENT, R_DEV_STREAM),
        _fix(dev, "server_side_encryption.kms_key_id", "${aws_kms_key.dynamodb.arn}", ABSENT, R_DEV_KMS),
    ]
    return out


def _services() -> tuple[str, ...]:
    return ("user-service", "product-service", "order-service", "payment-service")


CORRECTIONS = _corrections()


def _normalize(value: Any) -> Any:
    """Blocks of set type keyed by their name ([name]), single blocks as one mapping, markers dropped."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for name, item in value.items():
        if name.startswith("__"):
            continue
        if isinstance(item, list) and item and all(isinstance(b, dict) and b.get("__is_block__") for b in item):
            if name in SET_BLOCK_KEYS:
                out[name] = {f"[{b[SET_BLOCK_KEYS[name]]}]": _normalize(b) for b in item}
            else:
                assert len(item) == 1, f"{name}: {len(item)} blocks"
                out[name] = _normalize(item[0])
        else:
            out[name] = _normalize(item)
    return out


def _is_set(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(k.startswith("[") for k in value)


def _diff(address: str, seed: Any, ours: Any, path: str = "") -> Iterator[Difference]:
    # A set of blocks missing on one side is an empty set: report each block on its own.
    seed = {} if seed == ABSENT and _is_set(ours) else seed
    ours = {} if ours == ABSENT and _is_set(seed) else ours
    if isinstance(seed, dict) and isinstance(ours, dict):
        for name in sorted(set(seed) | set(ours), key=str):
            sub = path + name if name.startswith("[") or not path else f"{path}.{name}"
            yield from _diff(address, seed.get(name, ABSENT), ours.get(name, ABSENT), sub)
    elif seed != ours:
        yield Difference(address, path, _canon(seed), _canon(ours))


def _rendered(address: str) -> dict[str, Any]:
    source_id, owner_id = SEED_EXAMPLES[address]
    text = render_table(example_manifest(source_id, owner_id), provider_region=PROVIDER_REGION)
    (body,) = resources(hcl_loads(text)).values()
    return body


@pytest.fixture(scope="module")
def seed() -> dict[str, dict[str, Any]]:
    return seed_tables(SEED_PATH.read_text())


def _actual(seed: dict[str, dict[str, Any]]) -> list[Difference]:
    found: list[Difference] = []
    for address, body in seed.items():
        if address in SEED_WITHOUT_EXAMPLE and address not in {c.address for c in CORRECTIONS}:
            continue  # not a table (the var-driven template)
        if address not in SEED_EXAMPLES:
            found.append(Difference(address, "(resource)", _canon("declared"), ABSENT))
            continue
        found.extend(_diff(address, _normalize(body), _normalize(_rendered(address))))
    return found


def test_every_seed_table_is_an_example_or_explained(seed: dict[str, dict[str, Any]]) -> None:
    assert set(seed) == set(SEED_EXAMPLES) | set(SEED_WITHOUT_EXAMPLE)


def test_rendered_examples_equal_the_seed_up_to_the_listed_corrections(seed: dict[str, dict[str, Any]]) -> None:
    actual = {d.key: d for d in _actual(seed)}
    expected = {c.key: c for c in CORRECTIONS}
    assert len(expected) == len(CORRECTIONS), "a correction is listed twice"
    unexplained = [str(actual[k]) for k in sorted(actual.keys() - expected.keys())]
    stale = [str(expected[k]) for k in sorted(expected.keys() - actual.keys())]
    assert not unexplained and not stale, f"unexplained differences: {unexplained}\nstale corrections: {stale}"

    print(f"\n{len(CORRECTIONS)} known corrections of the seed guide:")
    by_reason: dict[str, list[Difference]] = {}
    for c in CORRECTIONS:
        by_reason.setdefault(c.reason, []).append(c)
    for reason, items in by_reason.items():
        print(f"- {reason}")
        for c in items:
            print(f"    {c}")
    for address, why in SEED_WITHOUT_EXAMPLE.items():
        if address not in {c.address for c in CORRECTIONS}:
            print(f"- not compared: {address}: {why}")


def test_the_comparison_sees_argument_level_differences(seed: dict[str, dict[str, Any]]) -> None:
    """Guard against a comparison that cannot fail: a changed seed value shows up as a difference."""
    address = "aws_dynamodb_table.gsi_table"
    changed = json.loads(json.dumps(seed[address]))
    changed["global_secondary_index"][0]["range_key"] = "other"
    changed["tags"]["Environment"] = "staging"
    changed["ttl"] = [{"enabled": True, "attribute_name": "x", "__is_block__": True}]
    diffs = {(d.path, d.seed, d.ours) for d in _diff(address, _normalize(changed), _normalize(_rendered(address)))}
    assert ("global_secondary_index[CategoryIndex].range_key", '"other"', '"timestamp"') in diffs
    assert ("tags.Environment", '"staging"', '"production"') in diffs
    assert ("ttl", '{"attribute_name": "x", "enabled": true}', ABSENT) in diffs
