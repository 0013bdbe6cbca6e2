"""The CRD: generated from the models, committed, structurally valid, and its CEL rules behave."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import pytest
import yaml

from dynamotable.api import crd as crd_module
from dynamotable.api.crd import CRD_NAME, crd, crd_yaml

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "crds" / f"{CRD_NAME}.yaml"


def test_committed_crd_equals_generated() -> None:
    assert COMMITTED.read_text() == crd_yaml(), (
        "regenerate with: dynamotable crd > crds/dynamotables.dynamotable.io.yaml"
    )


def test_crd_identity_and_columns() -> None:
    doc = crd()
    spec = doc["spec"]
    assert spec["group"] == "dynamotable.io" and spec["scope"] == "Namespaced"
    assert spec["names"]["shortNames"] == ["ddb"]
    (version,) = spec["versions"]
    assert version["name"] == "v1alpha1" and version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == [
        "Table",
        "Region",
        "Status",
        "Ready",
        "Reason",
        "Age",
    ]


def _column(path: str, obj: dict[str, object]) -> str:
    """kubectl's JSONPath for the two shapes our columns use: `.a.b` and `.a.list[?(@.k=="v")].f`."""
    found = re.fullmatch(r"\.status\.conditions\[\?\(@\.type==\"(\w+)\"\)\]\.(\w+)", path)
    status = obj.get("status") or {}
    assert isinstance(status, dict)
    if found:
        conds = [c for c in status.get("conditions") or [] if c.get("type") == found.group(1)]
        return str(conds[0].get(found.group(2), "")) if conds else ""
    value: object = obj
    for part in path.strip(".").split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return str(value)


def test_kubectl_get_shows_why_a_table_is_not_ready() -> None:
    from dynamotable.api.status import Condition, ConditionStatus, ConditionType, DynamoTableStatus, Reason

    columns = {c["name"]: c["jsonPath"] for c in crd()["spec"]["versions"][0]["additionalPrinterColumns"]}
    cond = Condition(
        type=ConditionType.READY, status=ConditionStatus.FALSE, reason=Reason.REPLACEMENT_REQUIRED, message="m"
    )
    status = DynamoTableStatus(table_name="t", region="us-east-1", conditions=[cond])
    obj = {"status": status.model_dump(by_alias=True, mode="json", exclude_none=True)}
    assert _column(columns["Ready"], obj) == "False"
    assert _column(columns["Reason"], obj) == "ReplacementRequired"
    assert _column(columns["Region"], obj) == "us-east-1"


def test_status_is_not_pruned() -> None:
    status = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    assert status.get("x-kubernetes-preserve-unknown-fields") is True
    for field in (
        "observedGeneration",
        "tableName",
        "tableArn",
        "tableStatus",
        "streamArn",
        "replicas",
        "plan",
        "drift",
        "terraform",
        "lastSyncTime",
        "conditions",
    ):
        assert field in status["properties"], field
    cond = status["properties"]["conditions"]["items"]["properties"]
    assert {"type", "status", "reason", "message", "observedGeneration", "lastTransitionTime"} <= set(cond)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def test_schema_is_structural() -> None:
    schema = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for path, node in _walk(schema):
        if path.endswith("/properties") or "/x-kubernetes-validations" in path:
            continue
        assert "$ref" not in node and "anyOf" not in node and "allOf" not in node, path
        if "properties" in node or "items" in node:
            assert "type" in node, f"{path} has no type"
        assert node.get("additionalProperties") is not False, path


def test_crd_validates_against_kubernetes_schema() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    kubernetes_validate.validate(crd(), "1.30.0", strict=True)


async def test_kubectl_dry_run_accepts_the_crd(tmp_path: Path, kmock: Any) -> None:
    """`dynamotable crd | kubectl apply --dry-run=client -f -` against kmock's emulated API discovery."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    import kmock as kmock_module

    kmock.resources["apiextensions.k8s.io/v1/customresourcedefinitions"] = kmock_module.ResourceInfo(
        kind="CustomResourceDefinition", namespaced=False
    )
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "kmock", "cluster": {"server": str(kmock.url)}}],
                "users": [{"name": "u", "user": {}}],
                "contexts": [{"name": "c", "context": {"cluster": "kmock", "user": "u"}}],
                "current-context": "c",
            }
        )
    )
    proc = await asyncio.create_subprocess_exec(
        kubectl,
        "apply",
        "--dry-run=client",
        "--validate=false",
        "-f",
        "-",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
    )
    out, err = await asyncio.wait_for(proc.communicate(crd_yaml().encode()), 60)
    assert proc.returncode == 0, err.decode()
    assert "dynamotables.dynamotable.io created (dry run)" in out.decode()


SPEC_SCHEMA = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
VALID_SPEC: dict[str, Any] = {
    "tableName": "orders",
    "billingMode": "PROVISIONED",
    "readCapacity": 5,
    "writeCapacity": 5,
    "hashKey": "id",
    "rangeKey": "ts",
    "attributes": [{"name": "id", "type": "S"}, {"name": "ts", "type": "N"}, {"name": "st", "type": "S"}],
    "globalSecondaryIndexes": [{"name": "ByStatus", "hashKey": "st", "readCapacity": 1, "writeCapacity": 1}],
    "localSecondaryIndexes": [{"name": "ByTs", "rangeKey": "st", "projectionType": "KEYS_ONLY"}],
    "ttl": {"enabled": True, "attributeName": "expiresAt"},
}


def test_openapi_schema_accepts_valid_and_rejects_shape_errors() -> None:
    jsonschema.validate(VALID_SPEC, SPEC_SCHEMA)
    for bad in (
        {"billingMode": "ON_DEMAND"},
        {"readCapacity": 0},
        {"tableName": "ab"},
        {"ignoreChanges": ["nope"]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**VALID_SPEC, **bad}, SPEC_SCHEMA)


ENV = celpy.Environment()


def cel(rule: str, self: Any, old: Any = None) -> bool:
    program = ENV.program(ENV.compile(rule))
    activation = {"self": celpy.json_to_cel(self)}
    if old is not None:
        activation["oldSelf"] = celpy.json_to_cel(old)
    return bool(program.evaluate(activation))


def rules_at(node: dict[str, Any]) -> dict[str, str]:
    return {r["message"]: r["rule"] for r in node.get("x-kubernetes-validations", [])}


def test_every_cel_rule_compiles_and_is_covered() -> None:
    covered = {m for _, m in crd_module.SPEC_RULES} | {m for _, m in crd_module.SPEC_TRANSITION_RULES}
    covered |= {m for _, m in crd_module.ROOT_TRANSITION_RULES}
    covered |= {crd_module.TTL_RULE[1], crd_module.INCLUDE_RULE[1]}
    covered |= {crd_module.TARGET_TRACKING_RULE[1], crd_module.INSIGHTS_RULE[1]}
    covered |= {m for _, m in crd_module.ALARM_RULES}
    covered |= {m for _, m in crd_module.GSI_KEY_RULES}
    covered |= {m for _, m in (*crd_module.SOURCE_RULES, *crd_module.POINT_IN_TIME_RULES, *crd_module.S3_IMPORT_RULES)}
    covered |= {crd_module.EXPORT_RULE[1]}
    seen = set()
    for _, node in _walk(crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]):
        for message, rule in rules_at(node).items():
            ENV.compile(rule)
            seen.add(message)
    assert seen == covered


def spec_rule(fragment: str) -> str:
    (rule,) = [r for m, r in rules_at(SPEC_SCHEMA).items() if m.startswith(fragment)]
    return rule


@pytest.mark.parametrize(
    ("fragment", "passing", "failing"),
    [
        (
            "billingMode PROVISIONED needs readCapacity and writeCapacity on the table",
            [VALID_SPEC, {"hashKey": "id"}, {"billingMode": "PAY_PER_REQUEST"}],
            [{"billingMode": "PROVISIONED", "readCapacity": 1}, {"billingMode": "PROVISIONED"}],
        ),
        (
            "billingMode PROVISIONED needs readCapacity and writeCapacity on every global",
            [VALID_SPEC, {"billingMode": "PROVISIONED"}, {"globalSecondaryIndexes": [{"name": "a"}]}],
            [
                {
                    "billingMode": "PROVISIONED",
                    "globalSecondaryIndexes": [{"readCapacity": 1, "writeCapacity": 1}, {"readCapacity": 1}],
                }
            ],
        ),
        (
            "billingMode PAY_PER_REQUEST does not take readCapacity or writeCapacity; remove",
            [{"hashKey": "id"}, {"billingMode": "PROVISIONED", "readCapacity": 1}],
            [{"readCapacity": 1}, {"billingMode": "PAY_PER_REQUEST", "writeCapacity": 3}],
        ),
        (
            "billingMode PAY_PER_REQUEST does not take readCapacity or writeCapacity on indexes",
            [{"globalSecondaryIndexes": [{"name": "a"}]}, VALID_SPEC],
            [{"globalSecondaryIndexes": [{"name": "a"}, {"name": "b", "writeCapacity": 1}]}],
        ),
    ],
)
def test_spec_cel_rules(fragment: str, passing: list[Any], failing: list[Any]) -> None:
    rule = spec_rule(fragment)
    for obj in passing:
        assert cel(rule, obj), obj
    for obj in failing:
        assert not cel(rule, obj), obj


def test_ttl_rule() -> None:
    (rule,) = rules_at(SPEC_SCHEMA["properties"]["ttl"]).values()
    assert cel(rule, {"enabled": True, "attributeName": "exp"})
    assert cel(rule, {"enabled": False})
    assert cel(rule, {})
    assert not cel(rule, {"enabled": True})


@pytest.mark.parametrize("key", ["globalSecondaryIndexes", "localSecondaryIndexes"])
def test_include_rule(key: str) -> None:
    rule = rules_at(SPEC_SCHEMA["properties"][key]["items"])[crd_module.INCLUDE_RULE[1]]
    assert cel(rule, {"projectionType": "INCLUDE", "nonKeyAttributes": ["total"]})
    assert cel(rule, {"projectionType": "ALL"})
    assert cel(rule, {})
    assert not cel(rule, {"projectionType": "INCLUDE"})
    assert not cel(rule, {"projectionType": "INCLUDE", "nonKeyAttributes": []})


def test_crd_yaml_round_trips() -> None:
    assert yaml.safe_load(crd_yaml()) == crd()


def test_the_committed_crd_reads_the_same_for_kubectl() -> None:
    """kubectl reads YAML 1.1 (an unquoted N is false): the attribute type enum must arrive as S, N, B."""
    from dynamotable.manifest_yaml import read_documents

    (doc,) = [d.data for d in read_documents((ROOT / "crds" / f"{CRD_NAME}.yaml").read_text())]
    assert doc == crd()
    props = doc["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    assert props["attributes"]["items"]["properties"]["type"]["enum"] == ["S", "N", "B"]
