"""Helpers shared by the chart tests: where the chart is, and how to pick objects out of a render."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "dynamotable-operator"
RELEASE = "demo"
RELEASE_NAMESPACE = "dynamotable-system"
FULLNAME = f"{RELEASE}-dynamotable-operator"

Render = Callable[..., list[dict[str, Any]]]


def parse(rendered: dict[str, str]) -> list[dict[str, Any]]:
    """Every Kubernetes object of a render, in template order; NOTES.txt is not an object."""
    docs: list[dict[str, Any]] = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        docs.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return docs


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = of_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def workload(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The operator's Deployment, or its StatefulSet in hot-standby mode."""
    found = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    assert len(found) == 1, [d["kind"] for d in found]
    return found[0]


def container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (only,) = workload(docs)["spec"]["template"]["spec"]["containers"]
    return dict(only)


def env(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(docs).get("env", [])}
