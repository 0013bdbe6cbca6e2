"""`dynamotable export` as a process against kmock: every DynamoTable's Terraform, as the operator renders it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import kmock
import kmock as kmock_module
import pytest
import yaml

from dynamotable.api.validation import parse_manifest
from dynamotable.terraform.render import render_files

BASE = "/apis/dynamotable.io/v1alpha1/namespaces/{ns}/dynamotables"


READY = {"type": "Ready", "status": "True", "reason": "Synced", "message": "ok", "observedGeneration": 1}


def table(name: str, namespace: str, *, status: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    """A DynamoTable the operator has converged (Ready for generation 1), unless `status` says otherwise."""
    return {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": name, "namespace": namespace, "generation": 1},
        "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], **spec},
        "status": status if status is not None else {"observedGeneration": 1, "conditions": [READY]},
    }


async def export(tmp_path: Path, k: Any, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "kmock", "cluster": {"server": str(k.url)}}],
                "users": [{"name": "u", "user": {"token": "dummy"}}],
                "contexts": [{"name": "c", "context": {"cluster": "kmock", "user": "u"}}],
                "current-context": "c",
            }
        )
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dynamotable.cli",
        "export",
        "--kubeconfig",
        str(kubeconfig),
        "--region",
        "us-east-1",
        *args,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, err.decode()


@pytest.fixture
def k(kmock: Any) -> Any:
    """kmock's emulator serving DynamoTables (the fixture named kmock shadows the module inside it)."""
    kmock.resources["dynamotable.io/v1alpha1/dynamotables"] = RESOURCE
    kmock.resources["v1/configmaps"] = kmock_module.ResourceInfo(kind="ConfigMap", namespaced=True)
    return kmock


RESOURCE = kmock.ResourceInfo(kind="DynamoTable", namespaced=True)


async def test_export_writes_the_operators_terraform_for_every_table(k: Any, tmp_path: Path) -> None:
    docs = [
        table("orders", "shop", tags={"team": "shop"}),
        table("carts", "shop", region="eu-west-1"),
        table("users", "identity", pointInTimeRecovery={"enabled": True}),
    ]
    for doc in docs:
        await k.post(BASE.format(ns=doc["metadata"]["namespace"]), json=doc)
    await k.post(BASE.format(ns="shop"), json=table("broken", "shop", rangeKey="ts"))  # invalid: ts undefined

    out = tmp_path / "tf"
    code, err = await export(tmp_path, k, "-o", str(out), env={"DYNAMOTABLE_CLUSTER_ID": "prod-1"})
    assert code == 1, err  # one table could not be exported: said, and the rest written
    assert "skipped shop/broken: its spec is invalid" in err
    expected = render_files([parse_manifest(d) for d in docs], provider_region="us-east-1", cluster_id="prod-1")
    written = {p.name: p.read_text() for p in out.iterdir()}
    assert set(written) == set(expected)
    for name, text in expected.items():
        assert written[name] == text, name
    assert '"dynamotable.io/owner" = "prod-1:shop/orders"' in written["orders.tf"]
    assert 'alias  = "eu_west_1"' in written["versions.tf"]

    only = tmp_path / "identity"
    code, err = await export(tmp_path, k, "-n", "identity", "-o", str(only))
    assert code == 0, err
    assert sorted(p.name for p in only.iterdir()) == ["users.tf", "versions.tf"]


async def test_export_with_an_unreachable_cluster_is_one_line(tmp_path: Path, k: Any) -> None:
    k.resources.clear()
    bad = tmp_path / "kubeconfig-missing"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dynamotable.cli",
        "export",
        "--kubeconfig",
        str(bad),
        "-o",
        str(tmp_path / "x"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert err.decode().startswith("error: cannot load the Kubernetes configuration")
    assert "Traceback" not in err.decode()


async def test_export_renders_a_table_in_the_region_its_status_recorded(k: Any, tmp_path: Path) -> None:
    """An object without spec.region whose table the operator created in eu-west-1 (its default then):
    exporting with another default region must not move it to us-east-1 on paper."""
    doc = {
        **table("ledger", "shop"),
        "status": {
            "region": "eu-west-1",
            "tableArn": "arn:aws:dynamodb:eu-west-1:1:table/ledger",
            "observedGeneration": 1,
            "conditions": [READY],
        },
    }
    await k.post(BASE.format(ns="shop"), json=doc)
    out = tmp_path / "tf"
    code, err = await export(tmp_path, k, "-o", str(out))
    assert code == 0, err
    ledger = (out / "ledger.tf").read_text()
    assert "provider = aws.eu_west_1" in ledger and "in eu-west-1" in ledger


async def test_export_never_shows_a_spec_that_is_not_live(k: Any, tmp_path: Path) -> None:
    """A table whose new spec is refused is exported as its last converged Terraform (the operator's ConfigMap,
    marked NOT IN SYNC); one that never converged is skipped, and the export says so with exit 1."""
    refused = {
        "observedGeneration": 2,
        "conditions": [{**READY, "status": "False", "reason": "ReplacementRequired", "observedGeneration": 2}],
        "terraform": {
            "configMap": "orders-terraform",
            "sha256": "ab",
            "inSync": False,
            "reason": "ReplacementRequired",
        },
    }
    doc = table(
        "orders",
        "shop",
        status=refused,
        rangeKey="sk",
        attributes=[{"name": "id", "type": "S"}, {"name": "sk", "type": "S"}],
    )
    doc["metadata"]["generation"] = 2
    await k.post(BASE.format(ns="shop"), json=doc)
    converged = '# NOT IN SYNC: ...\nresource "aws_dynamodb_table" "orders" {}\n'
    cm = {"metadata": {"name": "orders-terraform", "namespace": "shop"}, "data": {"main.tf": converged}}
    await k.post("/api/v1/namespaces/shop/configmaps", json=cm)
    creating = {"observedGeneration": 1, "conditions": [{**READY, "status": "False", "reason": "Creating"}]}
    await k.post(BASE.format(ns="shop"), json=table("carts", "shop", status=creating))

    out = tmp_path / "tf"
    code, err = await export(tmp_path, k, "-o", str(out))
    assert code == 1, err
    assert "shop/orders: not in sync (ReplacementRequired): wrote its last converged Terraform" in err
    assert "skipped shop/carts: not converged yet (Creating)" in err
    assert (out / "orders.tf").read_text() == converged
    assert not (out / "carts.tf").exists()
