"""Shared helpers for the rendering tests (imported by test_render*.py, test_examples.py,
test_seed_equivalence.py, test_terraform_validate.py); it holds no tests itself.

Example sources: every `*.yaml` under examples/ outside a kustomize directory is one source; every
directory holding a kustomization.yaml is one source whose documents are what `kubectl kustomize` builds
(`kustomize()` below applies the subset we use: resources, namespace, inline JSON 6902 patches;
test_examples.py checks it against the real kubectl). A source's id is its path under examples/ without
`.yaml`, which is also where its golden Terraform lives under tests/unit/golden/.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import yaml
from hcl2.utils import SerializationOptions

from dynamotable.api import spec as s
from dynamotable.api.validation import parse_manifest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GITOPS_EXAMPLES = EXAMPLES / "gitops"  # Argo CD and Flux objects, no DynamoTable
GOLDEN = Path(__file__).resolve().parent / "golden"
TEST_DATA = REPO / "tests" / "data"  # copies of outside material, each directory's README.md says whence
SCHEMA_PATH = TEST_DATA / "terraform-provider-schema" / "aws_dynamodb_table.json"
SEED_PATH = TEST_DATA / "seed" / "dynamodb-tables.md"
PROVIDER_REGION = "us-east-1"
KUSTOMIZATION = "kustomization.yaml"


@dataclass(frozen=True)
class Source:
    id: str
    path: Path  # a .yaml file, or a kustomize directory

    def documents(self) -> list[dict[str, Any]]:
        if self.path.is_dir():
            return kustomize(self.path)
        return [d for d in yaml.safe_load_all(self.path.read_text()) if d is not None]

    def manifests(self) -> list[s.DynamoTable]:
        return [parse_manifest(d, default_region=PROVIDER_REGION) for d in self.documents() if d.get("kind") == s.KIND]


def example_sources() -> list[Source]:
    """The examples holding DynamoTables; not examples/gitops (Argo CD and Flux objects: test_gitops_examples.py)."""
    kustomize_dirs = sorted(p.parent for p in EXAMPLES.rglob(KUSTOMIZATION))
    sources = [Source(d.relative_to(EXAMPLES).as_posix(), d) for d in kustomize_dirs]
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        if GITOPS_EXAMPLES in path.parents:
            continue
        if not any(d == path.parent or d in path.parents for d in kustomize_dirs):
            sources.append(Source(path.relative_to(EXAMPLES).with_suffix("").as_posix(), path))
    return sorted(sources, key=lambda src: src.id)


def source(source_id: str) -> Source:
    found = [src for src in example_sources() if src.id == source_id]
    assert found, f"no example source {source_id!r}"
    return found[0]


# --------------------------------------------------------------------------------------- kustomize


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """What `kubectl kustomize directory` builds, for the features the examples use."""
    config = yaml.safe_load((directory / KUSTOMIZATION).read_text())
    unknown = set(config) - {"apiVersion", "kind", "resources", "namespace", "patches"}
    assert not unknown, f"{directory}: kustomization fields this helper does not implement: {unknown}"
    docs: list[dict[str, Any]] = []
    for entry in config.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            docs.extend(kustomize(target))
        else:
            docs.extend(d for d in yaml.safe_load_all(target.read_text()) if d is not None)
    docs = copy.deepcopy(docs)
    if "namespace" in config:
        for doc in docs:
            doc.setdefault("metadata", {})["namespace"] = config["namespace"]
    for patch in config.get("patches", []):
        target = patch["target"]
        ops = yaml.safe_load(patch["patch"])
        for doc in docs:
            if doc.get("kind") == target.get("kind") and doc["metadata"].get("name") == target.get("name"):
                for op in ops:
                    _json_patch(doc, op)
    return docs


def _json_patch(doc: dict[str, Any], op: dict[str, Any]) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    parent: Any = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    if op["op"] in ("add", "replace"):
        if op["op"] == "replace":
            assert last in parent, f"replace of missing path {op['path']}"
        parent[last] = copy.deepcopy(op["value"])
    elif op["op"] == "remove":
        del parent[last]
    else:
        raise AssertionError(f"JSON patch op {op['op']!r} not implemented by this helper")


# --------------------------------------------------------------------------------------------- HCL

HCL_OPTIONS = SerializationOptions(with_comments=False, strip_string_quotes=True, explicit_blocks=True)
_INTERPOLATION_ESCAPE = re.compile(r"([$%])\1\{")


def hcl_loads(text: str) -> dict[str, Any]:
    """Parse with python-hcl2; string values come back with quotes stripped and escapes decoded except
    the template escapes `$${` / `%%{`, which `unescape` turns back into `${` / `%{`."""
    result: dict[str, Any] = hcl2.loads(text, serialization_options=HCL_OPTIONS)
    return result


def unescape(value: Any) -> Any:
    if isinstance(value, str):
        return _INTERPOLATION_ESCAPE.sub(r"\1{", value)
    return value


def resources(parsed: dict[str, Any], resource_type: str = "aws_dynamodb_table") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in parsed.get("resource", []):
        for label, body in entry.get(resource_type, {}).items():
            out[label] = body
    return out


# ------------------------------------------------------------------------------- synthetic manifests

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN_WEST = "arn:aws:kms:us-west-2:123456789012:key/0987dcba-09fe-87dc-65ba-ab0987654321"


def manifest(name: str = "orders", namespace: str | None = "shop", **spec: Any) -> s.DynamoTable:
    """A valid manifest: a hash-key-only table unless `spec` says more (camelCase keys)."""
    body: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    body.update(spec)
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    doc = {"apiVersion": s.API_VERSION, "kind": s.KIND, "metadata": metadata, "spec": body}
    return parse_manifest(doc)


def full_manifest(name: str = "orders", region: str = "us-east-1", **spec: Any) -> s.DynamoTable:
    """Every block and argument the renderer knows, PAY_PER_REQUEST flavour (provider 5.x compatible
    unless warm throughput or replica deletion protection are added)."""
    body: dict[str, Any] = {
        "tableName": f"{name}-table",
        "region": region,
        "onDemandThroughput": {"maxReadRequestUnits": 1000, "maxWriteRequestUnits": 500},
        "rangeKey": "timestamp",
        "attributes": [
            {"name": "id", "type": "S"},
            {"name": "timestamp", "type": "N"},
            {"name": "category", "type": "S"},
            {"name": "status", "type": "S"},
        ],
        "globalSecondaryIndexes": [
            {
                "name": "CategoryIndex",
                "hashKey": "category",
                "rangeKey": "timestamp",
                "projectionType": "INCLUDE",
                "nonKeyAttributes": ["price", "title"],
                "onDemandThroughput": {"maxReadRequestUnits": 100, "maxWriteRequestUnits": 50},
            },
        ],
        "localSecondaryIndexes": [{"name": "StatusIndex", "rangeKey": "status", "projectionType": "KEYS_ONLY"}],
        "stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
        "pointInTimeRecovery": {"enabled": True, "recoveryPeriodInDays": 35},
        "serverSideEncryption": {"enabled": True},
        "ttl": {"enabled": True, "attributeName": "expiresAt"},
        "tableClass": "STANDARD_INFREQUENT_ACCESS",
        "deletionProtection": True,
        "replicas": [{"region": "eu-west-1", "pointInTimeRecovery": True, "propagateTags": True}],
        "tags": {"Environment": "production", "Team": "shop"},
        "ignoreChanges": ["onDemandThroughput"],
    }
    body.update(spec)
    return manifest(name, **body)


# ------------------------------------------------------------------------------- seed pattern map

# Every aws_dynamodb_table of the seed guide -> (example source id, owner id of the manifest for it).
SEED_EXAMPLES: dict[str, tuple[str, str]] = {
    "aws_dynamodb_table.main": ("basic", "default/main"),
    "aws_dynamodb_table.main_with_sort": ("with-sort-key", "default/main-with-sort"),
    "aws_dynamodb_table.gsi_table": ("gsi", "default/gsi-table"),
    "aws_dynamodb_table.lsi_table": ("lsi", "default/lsi-table"),
    "aws_dynamodb_table.provisioned": ("provisioned", "default/provisioned"),
    "aws_dynamodb_table.streams_table": ("streams", "default/streams-table"),
    "aws_dynamodb_table.global_table": ("global-table", "default/global-table"),
    "aws_dynamodb_table.advanced": ("advanced", "default/advanced"),
    "aws_dynamodb_table.simple": ("simple", "default/simple"),
    "aws_dynamodb_table.production": ("production", "default/production"),
    'aws_dynamodb_table.environment["dev"]': ("multi-environment/overlays/dev", "dev/environment"),
    'aws_dynamodb_table.environment["staging"]': ("multi-environment/overlays/staging", "staging/environment"),
    'aws_dynamodb_table.environment["prod"]': ("multi-environment/overlays/prod", "prod/environment"),
    "aws_dynamodb_table.encrypted": ("encrypted", "default/encrypted"),
    "aws_dynamodb_table.backup": ("backup", "default/backup"),
    "aws_dynamodb_table.cost_optimized": ("cost-optimized", "default/cost-optimized"),
    "aws_dynamodb_table.optimized_gsi": ("optimized-gsi", "default/optimized-gsi"),
    "aws_dynamodb_table.debug": ("debug", "default/debug"),
    "aws_dynamodb_table.debug_gsi": ("debug-gsi", "default/debug-gsi"),
    "aws_dynamodb_table.ecommerce": ("ecommerce", "default/ecommerce"),
    **{
        f'aws_dynamodb_table.microservices["{svc}"]': ("microservices", f"default/microservices-{svc}")
        for svc in ("user-service", "product-service", "order-service", "payment-service")
    },
}
# Seed tables with no example of their own, and why.
SEED_WITHOUT_EXAMPLE: dict[str, str] = {
    "aws_dynamodb_table.custom": "a template driven by input variables (var.*), not a table",
    "aws_dynamodb_table.global_table_replica": (
        "the us-west-2 copy of global-table: a replica block of aws_dynamodb_table.global_table "
        "(examples/global-table.yaml), not a second table"
    ),
}
# Examples of features beyond the seed's tables (issue 12), and what they show.
EXAMPLES_BEYOND_SEED: dict[str, str] = {
    "alarms": "the seed guide's two CloudWatch alarms (its monitoring section) as alarms of the table",
    "resource-policy": "a table with a resource-based policy",
    "autoscaling": "read and write auto scaling of a PROVISIONED table and its GSI",
    "contributor-insights": "contributor insights on the table and a GSI",
    "kinesis-streaming": "a Kinesis streaming destination (change data capture)",
    "multi-attribute-gsi": "a GSI with a multi-attribute key (hashKeys/rangeKeys)",
    "global-table-overrides": "a global table whose replica overrides its table class and read maxima",
    "global-table-strong": "a global table with multi-Region strong consistency and a witness",
    "restore-point-in-time": "a table restored from another table's point-in-time recovery (spec.source)",
    "restore-backup": "a table restored from an on-demand backup (spec.source)",
    "s3-import": "a table imported from Amazon S3 (spec.source)",
}


def example_manifest(source_id: str, owner_id: str) -> s.DynamoTable:
    found = [m for m in source(source_id).manifests() if m.owner_id == owner_id]
    assert len(found) == 1, f"{source_id}: expected one manifest {owner_id}, found {len(found)}"
    return found[0]


# ------------------------------------------------------------------------------------- seed guide

_FENCE = re.compile(r"```hcl\n(.*?)```", re.S)
_WHOLE_INTERPOLATION = re.compile(r"^\$\{([^{}]*)\}$")
_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
_CALL = re.compile(r"^(?P<fn>\w+)\((?P<arg>.*)\)$", re.S)
_REFERENCE = re.compile(r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$")


def undefined(expr: str) -> str:
    """What the seed's reference to a missing object attribute evaluates to here (Terraform: an error)."""
    return f"<error: {expr} is not defined>"


def go_title(text: str) -> str:
    """Terraform's title(): upper-case every letter that follows a separator (Go's strings.Title)."""
    out, prev = [], " "
    for ch in text:
        separator = not (prev.isalnum() or prev == "_") if prev.isascii() else prev.isspace()
        out.append(ch.upper() if separator else ch)
        prev = ch
    return "".join(out)


def _evaluate(expr: str, scope: dict[str, Any]) -> Any:
    expr = expr.strip()
    call = _CALL.match(expr)
    if call and call["fn"] == "title":
        return go_title(str(_evaluate(call["arg"], scope)))
    if call and call["fn"] == "toset":
        return re.findall(r'"([^"]*)"', call["arg"])
    if not _REFERENCE.match(expr) or expr.split(".")[0] not in scope:
        return "${" + expr + "}"  # a reference to another resource (aws_kms_key...), kept as written
    value: Any = scope
    for part in expr.split("."):
        if not isinstance(value, dict) or part not in value:
            return undefined(expr)
        value = value[part]
    return value


def _resolve(value: Any, scope: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, scope) for v in value]
    if not isinstance(value, str):
        return value
    whole = _WHOLE_INTERPOLATION.match(value)
    if whole:
        return _evaluate(whole[1], scope)
    return _INTERPOLATION.sub(lambda m: _text(_evaluate(m[1], scope)), value)


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _strip_meta(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_meta(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_strip_meta(v) for v in value]
    return value


def seed_tables(text: str) -> dict[str, dict[str, Any]]:
    """Every aws_dynamodb_table instance of the seed guide by address, `local.*`, `each.*` and title()
    resolved, for_each expanded (block markers from python-hcl2 kept)."""
    tables: dict[str, dict[str, Any]] = {}
    for fence in _FENCE.findall(text):
        parsed = hcl_loads(fence)
        local: dict[str, Any] = {}
        for block in parsed.get("locals", []):
            local.update(_strip_meta(block))
        for label, declared in resources(parsed).items():
            address = f"aws_dynamodb_table.{label}"
            body = dict(declared)
            for_each = body.pop("for_each", None)
            if for_each is None:
                tables[address] = _resolve(body, {"local": local})
                continue
            instances = _resolve(for_each, {"local": local})
            pairs = instances.items() if isinstance(instances, dict) else ((v, v) for v in instances)
            for each_key, each_value in pairs:
                scope = {"local": local, "each": {"key": each_key, "value": each_value}}
                tables[f'{address}["{each_key}"]'] = _resolve(body, scope)
    return tables
