"""docs/ says what the code does: links resolve, and every value, setting, metric, reason and command the docs
name exists under that name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_helpers import CHART, ROOT

DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    out = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        out.add(slug)
    return out


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_docs_exist() -> None:
    names = {p.name for p in PAGES}
    expected = {"README.md", "install.md", "dynamotable.md", "status.md", "lifecycle.md", "multi-tenancy.md"}
    expected |= {"iam.md", "terraform.md", "metrics.md", "troubleshooting.md", "comparison.md", "development.md"}
    assert expected <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    for target in LINK.findall(_text(page)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: broken link {target}"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(_text(file)), f"{page.name}: no heading for #{anchor} in {file.name}"


def _value_paths(value: Any, prefix: str = "") -> set[str]:
    out = set()
    if isinstance(value, dict):
        for key, child in value.items():
            out.add(prefix + key)
            out |= _value_paths(child, prefix + key + ".")
    return out


def test_every_chart_value_the_docs_name_exists() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    known = _value_paths(values)
    tops = {k for k in values if isinstance(values[k], dict)}
    named = set()
    for page in PAGES:
        for token in re.findall(r"`([a-zA-Z]+(?:\.[a-zA-Z]+)+)`", _text(page)):
            if token.split(".", 1)[0] in tops:
                named.add(token)
    named |= set(re.findall(r"--set '?([a-zA-Z.]+)=", "\n".join(_text(p) for p in PAGES)))
    assert named, "the docs name no chart values"
    unknown = {n for n in named if n not in known and not any(n.startswith(k + ".") for k in _free_maps(values))}
    assert unknown == set()


def _free_maps(values: dict[str, Any]) -> set[str]:
    return {p for p in _value_paths(values) if p.endswith(("labels", "annotations"))}


def test_every_setting_the_docs_name_is_read_by_the_operator() -> None:
    from dynamotable.operator.settings import OperatorSettings

    settings = {f"DYNAMOTABLE_{name.upper()}" for name in OperatorSettings.model_fields}
    named = {m for page in PAGES for m in re.findall(r"DYNAMOTABLE_[A-Z0-9_]*[A-Z0-9]", _text(page))}
    named -= {"DYNAMOTABLE_E2E_CLUSTER", "DYNAMOTABLE_E2E_KEEP", "DYNAMOTABLE_E2E_HOST"}  # the e2e suite's
    named -= {"DYNAMOTABLE_RECORD_STATUSES"}  # the test suite's recorder of Argo CD test data (docs/gitops.md)
    assert named and named <= settings


def test_metrics_page_lists_exactly_the_operators_metrics() -> None:
    from prometheus_client import generate_latest

    from dynamotable.aws.clients import ClientFactory
    from dynamotable.operator.metrics import DriftCollector, Metrics

    metrics = Metrics()
    metrics.attach(ClientFactory())  # as the operator does: the pacing metrics come from its factory
    metrics.registry.register(DriftCollector(lambda: 0, lambda: 0, lambda: 0))  # and these from its scheduler
    metrics.reconciles.labels(trigger="create", result="Synced").inc()
    metrics.reconcile_duration.labels(trigger="create").observe(0.1)
    metrics.aws_calls.labels(operation="DescribeTable", outcome="ok").inc()
    exposed = set()
    for line in generate_latest(metrics.registry).decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, _kind = line.split()
            if not name.endswith("_created"):  # the client's creation timestamps of label-less counters
                exposed.add(name)
    documented = set(re.findall(r"^\| `(dynamotable_[a-z_]+)`", _text(DOCS / "metrics.md"), re.M))
    assert documented == exposed


def test_status_page_lists_every_reason() -> None:
    from dynamotable.api.status import Reason

    documented = set(re.findall(r"^\| `([A-Za-z]+)` \| (?:True|False) \|", _text(DOCS / "status.md"), re.M))
    assert documented == {r.value for r in Reason}


def test_event_reasons_in_the_docs_exist_in_the_code() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "operator" / "dynamotable").rglob("*.py"))
    table = _text(DOCS / "status.md").split("## Events", 1)[1]
    reasons = {
        r
        for cell in re.findall(r"^\| ([^|]+) \| (?:Normal|Warning) \|", table, re.M)
        for r in re.findall(r"`(\w+)`", cell)
    }
    assert reasons
    missing = {r for r in reasons if f'"{r}"' not in source and f"Reason.{_constant(r)}" not in source}
    assert missing == set()


def _constant(reason: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", reason).upper()


def test_cli_commands_in_the_docs_exist() -> None:
    from dynamotable.cli import main

    commands = set(main.commands)
    named = {m for page in PAGES for m in re.findall(r"dynamotable ([a-z][a-z-]+)", _text(page))}
    named -= {"operator", "tables", "to", "is", "and", "table", "run"} - commands
    assert named, "the docs name no commands"
    assert named <= commands, f"commands the CLI does not have: {named - commands}"
