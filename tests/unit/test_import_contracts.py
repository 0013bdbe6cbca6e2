"""The import-linter contracts in pyproject.toml can fail: one forbidden import breaks each of them.

Every case copies operator/dynamotable and pyproject.toml into its own temporary directory, appends one import
to one file of the copy and runs `lint-imports` from this virtualenv there. The run must fail, name the case's
contract as broken and report the appended line. The unmodified copy must keep every contract. Runs are
independent (one violation each) and go in parallel, a few tenths of a second apiece.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "operator" / "dynamotable"
# Not resolved: a virtualenv's python is a symlink, and its bin directory is where lint-imports lives.
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("importlinter") is None or not LINT_IMPORTS.exists(),
    reason=f"import-linter is not installed in this virtualenv ({LINT_IMPORTS} missing)",
)


@dataclass(frozen=True)
class Violation:
    contract: str  # a contract id in pyproject.toml
    path: str  # relative to the package; created if absent
    text: str  # appended to it
    reported: str  # what the contract's report must then contain; {line} is the appended text's last line

    @property
    def case_id(self) -> str:
        return f"{self.contract}: {self.path}"


def imports(contract: str, path: str, text: str, importer: str, imported: str) -> Violation:
    return Violation(contract, path, text, f"{importer} -> {imported} (l.{{line}})")


LAYERS = "layers"
PURE_LIBRARIES = "pure-no-io-libraries"
PURE_MODULES = "pure-no-io-modules"
ENGINE_NOT_LOCAL = "engine-not-local"
KOPF = "kopf-only-in-operator"
KUBERNETES = "kubernetes-only-in-operator-and-export"

VIOLATIONS = [
    # A higher layer imported from below.
    imports(
        LAYERS,
        "engine/plan.py",
        "from dynamotable import operator as _x",
        "dynamotable.engine.plan",
        "dynamotable.operator",
    ),
    imports(
        LAYERS,
        "engine/reconcile.py",
        "from dynamotable.operator import settings",
        "dynamotable.engine.reconcile",
        "dynamotable.operator.settings",
    ),
    imports(
        LAYERS,
        "engine/runner.py",
        "from dynamotable.commands import common",
        "dynamotable.engine.runner",
        "dynamotable.commands.common",
    ),
    imports(
        LAYERS,
        "local/server.py",
        "from dynamotable.engine import plan",
        "dynamotable.local.server",
        "dynamotable.engine.plan",
    ),
    imports(
        LAYERS,
        "api/validation.py",
        "from dynamotable.terraform import render",
        "dynamotable.api.validation",
        "dynamotable.terraform.render",
    ),
    imports(
        LAYERS,
        "aws/clients.py",
        "from dynamotable.engine import errors",
        "dynamotable.aws.clients",
        "dynamotable.engine.errors",
    ),
    imports(
        LAYERS, "manifest_yaml.py", "from dynamotable import loader", "dynamotable.manifest_yaml", "dynamotable.loader"
    ),
    imports(
        LAYERS,
        "api/status.py",
        "from dynamotable import manifest_yaml",
        "dynamotable.api.status",
        "dynamotable.manifest_yaml",
    ),
    # Independent siblings in one layer.
    imports(
        LAYERS,
        "commands/export.py",
        "from dynamotable.operator import kube",
        "dynamotable.commands.export",
        "dynamotable.operator.kube",
    ),
    imports(
        LAYERS,
        "terraform/render.py",
        "from dynamotable import loader",
        "dynamotable.terraform.render",
        "dynamotable.loader",
    ),
    imports(
        LAYERS,
        "local/state.py",
        "from dynamotable.aws import clients",
        "dynamotable.local.state",
        "dynamotable.aws.clients",
    ),
    # exhaustive: a new top-level module must be given a layer.
    Violation(LAYERS, "unlayered.py", '"""A top-level module that no layer lists."""', "- dynamotable.unlayered"),
    imports(PURE_LIBRARIES, "terraform/render.py", "import boto3", "dynamotable.terraform.render", "boto3"),
    imports(PURE_LIBRARIES, "engine/normalize.py", "import requests", "dynamotable.engine.normalize", "requests"),
    imports(
        PURE_LIBRARIES,
        "engine/plan_delete.py",
        "import botocore.exceptions",
        "dynamotable.engine.plan_delete",
        "botocore",
    ),
    imports(PURE_LIBRARIES, "api/crd.py", "from moto import mock_aws", "dynamotable.api.crd", "moto"),
    # Indirect: engine.errors imports botocore.
    imports(
        PURE_LIBRARIES,
        "engine/model.py",
        "from dynamotable.engine import errors",
        "dynamotable.engine.model",
        "dynamotable.engine.errors",
    ),
    imports(
        PURE_MODULES,
        "engine/plan.py",
        "from dynamotable.engine import runner",
        "dynamotable.engine.plan",
        "dynamotable.engine.runner",
    ),
    imports(
        PURE_MODULES,
        "terraform/hcl.py",
        "from dynamotable.aws import clients",
        "dynamotable.terraform.hcl",
        "dynamotable.aws.clients",
    ),
    imports(
        ENGINE_NOT_LOCAL,
        "engine/observe.py",
        "from dynamotable.local import server",
        "dynamotable.engine.observe",
        "dynamotable.local.server",
    ),
    imports(KOPF, "api/spec.py", "import kopf  # noqa", "dynamotable.api.spec", "kopf"),
    imports(KOPF, "commands/iam.py", "import kopf", "dynamotable.commands.iam", "kopf"),
    imports(KOPF, "loader.py", "import kopf", "dynamotable.loader", "kopf"),
    # Imported inside a function, the way cli imports the operator: still an import.
    imports(KOPF, "cli.py", "\ndef _late() -> None:\n    import kopf", "dynamotable.cli", "kopf"),
    imports(KUBERNETES, "commands/iam.py", "from kubernetes import client", "dynamotable.commands.iam", "kubernetes"),
    imports(KUBERNETES, "engine/observe.py", "import kubernetes", "dynamotable.engine.observe", "kubernetes"),
]


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str
    reported: str  # the violation's expected report with its line filled in; empty for the unmodified copy


def contracts() -> dict[str, str]:
    """Contract id -> name, from the project's own configuration."""
    config: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["id"]: contract["name"] for contract in config["tool"]["importlinter"]["contracts"]}


def copy_project(dest: Path) -> None:
    shutil.copytree(PACKAGE, dest / "dynamotable", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")


def inject(dest: Path, violation: Violation) -> str:
    target = dest / "dynamotable" / violation.path
    source = target.read_text(encoding="utf-8") if target.exists() else ""
    if source and not source.endswith("\n"):
        source += "\n"
    source += violation.text + "\n"
    target.write_text(source, encoding="utf-8")
    return violation.reported.format(line=len(source.splitlines()))


def lint(dest: Path, reported: str) -> Run:
    # PYTHONPATH puts the copy ahead of the editable install's path entry; COLUMNS stops rich wrapping names.
    env = {**os.environ, "PYTHONPATH": str(dest), "COLUMNS": "1000", "NO_COLOR": "1"}
    done = subprocess.run(
        [str(LINT_IMPORTS), str(dest / "pyproject.toml"), "--no-cache"],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Run(done.returncode, done.stdout + done.stderr, reported)


def status(output: str, name: str) -> str | None:
    found = re.search(rf"^{re.escape(name)} (KEPT|BROKEN)\b", output, re.MULTILINE)
    return found.group(1) if found else None


def sections(output: str) -> dict[str, str]:
    """Heading -> the text under it; lint-imports underlines each heading (a contract's name) with dashes."""
    lines = output.splitlines()
    heads = [
        i
        for i in range(len(lines) - 1)
        if lines[i] and lines[i + 1] == "-" * len(lines[i]) and lines[i] != lines[i + 1]
    ]
    ends = [*heads[1:], len(lines)]
    return {lines[i]: "\n".join(lines[i + 2 : end]) for i, end in zip(heads, ends, strict=True)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Baseline under the key "unmodified", every violation under its case id."""
    prepared: dict[str, tuple[Path, str]] = {}
    baseline = tmp_path_factory.mktemp("unmodified")
    copy_project(baseline)
    prepared["unmodified"] = (baseline, "")
    for number, violation in enumerate(VIOLATIONS):
        dest = tmp_path_factory.mktemp(f"violation{number}")
        copy_project(dest)
        prepared[violation.case_id] = (dest, inject(dest, violation))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {key: pool.submit(lint, dest, reported) for key, (dest, reported) in prepared.items()}
        return {key: future.result() for key, future in futures.items()}


def test_case_ids_are_unique() -> None:
    ids = [violation.case_id for violation in VIOLATIONS]
    assert len(ids) == len(set(ids))


def test_every_contract_has_a_violation() -> None:
    assert {violation.contract for violation in VIOLATIONS} == set(contracts())


def test_unmodified_copy_keeps_every_contract(runs: dict[str, Run]) -> None:
    run = runs["unmodified"]
    assert run.returncode == 0, run.output
    for name in contracts().values():
        assert status(run.output, name) == "KEPT", run.output


@pytest.mark.parametrize("violation", VIOLATIONS, ids=lambda violation: violation.case_id)
def test_one_import_breaks_its_contract(runs: dict[str, Run], violation: Violation) -> None:
    run = runs[violation.case_id]
    name = contracts()[violation.contract]
    assert run.returncode == 1, run.output
    assert status(run.output, name) == "BROKEN", run.output
    assert run.reported in sections(run.output).get(name, ""), run.output
