"""examples/gitops: Argo CD and Flux objects that install the operator, then tables, then the applications using
them; the health check copy in argocd-cm equals health.lua; docs/gitops.md's table is a valid DynamoTable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from test_render_support import GITOPS_EXAMPLES, PROVIDER_REGION, REPO

from argocd_health import HEALTH_LUA
from dynamotable import loader
from dynamotable.api import spec as s
from dynamotable.api.validation import validate_manifest

WAVE = "argocd.argoproj.io/sync-wave"
HEALTH_KEY = "resource.customizations.health.dynamotable.io_DynamoTable"


def _docs(relative: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((GITOPS_EXAMPLES / relative).read_text()) if d is not None]


def _by_name(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _wave(doc: dict[str, Any]) -> int:
    return int(doc["metadata"].get("annotations", {}).get(WAVE, "0"))


def _gitops_table() -> dict[str, Any]:
    """The DynamoTable of docs/gitops.md (the one the Argo CD example's Deployment waits for)."""
    text = (REPO / "docs/gitops.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)]
    (table,) = [b for b in blocks if isinstance(b, dict) and b.get("kind") == s.KIND]
    return table


def test_the_argocd_cm_example_carries_health_lua_as_it_is() -> None:
    (cm,) = _docs("argocd/argocd-cm.yaml")
    assert (cm["kind"], cm["metadata"]["name"], cm["metadata"]["namespace"]) == ("ConfigMap", "argocd-cm", "argocd")
    assert cm["data"][HEALTH_KEY] == HEALTH_LUA.read_text()


def test_argocd_installs_the_operator_before_the_tables_and_the_tables_before_their_deployment() -> None:
    apps = _by_name(_docs("argocd/applications.yaml"), "Application")
    assert _wave(apps["dynamotable-operator"]) < _wave(apps["orders"])
    assert "ServerSideApply=true" in apps["dynamotable-operator"]["spec"]["syncPolicy"]["syncOptions"]
    assert apps["dynamotable-operator"]["spec"]["source"]["path"] == "charts/dynamotable-operator"
    assert (REPO / "charts/dynamotable-operator/Chart.yaml").is_file()
    (deployment,) = _docs("argocd/orders/deployment.yaml")
    table = _gitops_table()
    assert _wave(table) < _wave(deployment)
    assert table["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    env = {e["name"]: e["value"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["TABLE_NAME"] == table["spec"]["tableName"]


def test_the_gitops_doc_table_is_a_valid_dynamotable() -> None:
    manifest, errors = validate_manifest(_gitops_table(), default_region=PROVIDER_REGION)
    assert errors == [], [str(e) for e in errors]
    assert manifest is not None


def test_flux_applies_the_operator_then_the_tables_then_the_app_and_waits_for_each() -> None:
    ks = _by_name(_docs("flux/kustomizations.yaml"), "Kustomization")
    assert [d["name"] for d in ks["orders-tables"]["spec"]["dependsOn"]] == ["dynamotable-operator"]
    assert [d["name"] for d in ks["orders-app"]["spec"]["dependsOn"]] == ["orders-tables"]
    assert ks["dynamotable-operator"]["spec"]["wait"] is True
    checks = ks["orders-tables"]["spec"]["healthChecks"]
    assert [(c["apiVersion"], c["kind"]) for c in checks] == [(s.API_VERSION, s.KIND)]
    assert all(k["spec"]["timeout"] for k in ks.values())
    sources = _by_name(_docs("flux/kustomizations.yaml"), "GitRepository")
    assert {k["spec"]["sourceRef"]["name"] for k in ks.values()} <= set(sources)


def test_the_cli_skips_examples_gitops_with_a_note_per_object() -> None:
    """`dynamotable apply -f examples/` applies the tables and skips these (no DynamoTable among them)."""
    loaded = loader.load([str(REPO / "examples")])
    notes = [n for n in loaded.notes if n.startswith(str(GITOPS_EXAMPLES))]
    assert len(notes) == 8 and all(" skipped " in note for note in notes), notes
    assert not [d for d in loaded.documents if d.source.startswith(str(GITOPS_EXAMPLES))]


def test_every_gitops_example_is_an_argocd_flux_or_kubernetes_object() -> None:
    kinds = {
        d["kind"]
        for p in sorted(Path(GITOPS_EXAMPLES).rglob("*.yaml"))
        for d in _docs(str(p.relative_to(GITOPS_EXAMPLES)))
    }
    assert kinds == {"Application", "ConfigMap", "Deployment", "GitRepository", "Kustomization"}
