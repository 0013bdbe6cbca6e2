"""Release files agree with what the code and packaging declare: LICENSE, CHANGELOG.md, docs/compatibility.md."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from dynamotable import __version__
from dynamotable.terraform import render

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
CHART_META = yaml.safe_load((ROOT / "charts" / "dynamotable-operator" / "Chart.yaml").read_text(encoding="utf-8"))

# SHA-256 of the Apache License 2.0 as the ASF distributes it (https://www.apache.org/licenses/LICENSE-2.0.txt).
LICENSE_TEXTS = {"Apache-2.0": "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"}

KAC_KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
VERSION_HEADING = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\] - (?P<date>\d{4}-\d{2}-\d{2})$")


def test_license_file_is_the_license_pyproject_declares() -> None:
    spdx = PYPROJECT["license"]
    assert spdx in LICENSE_TEXTS, f"no known text for license {spdx!r}"
    text = (ROOT / "LICENSE").read_bytes()
    assert hashlib.sha256(text).hexdigest() == LICENSE_TEXTS[spdx], "LICENSE is not the unmodified license text"
    assert b"Apache License\n                           Version 2.0, January 2004" in text


def changelog_headings() -> list[str]:
    return [line for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines() if line.startswith("#")]


def test_changelog_follows_keep_a_changelog() -> None:
    headings = changelog_headings()
    assert headings[0] == "# Changelog"
    assert headings[1] == "## [Unreleased]", "the first section is [Unreleased]"
    versions = []
    for heading in headings[2:]:
        if heading.startswith("## "):
            found = VERSION_HEADING.match(heading)
            assert found, f"{heading!r}: a release heading is '## [X.Y.Z] - YYYY-MM-DD'"
            versions.append((found["version"], found["date"]))
        else:
            assert heading[4:] in KAC_KINDS and heading.startswith("### "), f"{heading!r}: not a Keep a Changelog kind"
    assert versions, "no released version"
    numbers = [tuple(int(p) for p in v.split("-")[0].split(".")) for v, _ in versions]
    assert numbers == sorted(numbers, reverse=True), "newest version first"
    assert [d for _, d in versions] == sorted((d for _, d in versions), reverse=True), "newest date first"


def test_changelog_kinds_appear_once_per_section_in_keep_a_changelog_order() -> None:
    sections: list[list[str]] = []
    for heading in changelog_headings()[1:]:
        if heading.startswith("## "):
            sections.append([])
        else:
            sections[-1].append(heading[4:])
    for kinds in sections:
        assert kinds == sorted(set(kinds), key=KAC_KINDS.index), kinds


def test_newest_changelog_version_is_the_package_and_chart_version() -> None:
    newest = next(m for m in map(VERSION_HEADING.match, changelog_headings()) if m)
    assert newest["version"] == PYPROJECT["version"] == __version__
    assert newest["version"] == CHART_META["version"] == CHART_META["appVersion"]


def compatibility_rows() -> dict[str, str]:
    text = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (?P<component>[^|]+?) \| `(?P<range>[^`]+)` \|", text, re.MULTILINE)
    return dict(rows)


def _dependency(name: str) -> str:
    (spec,) = [d for d in PYPROJECT["dependencies"] if re.match(rf"{name}\b", d)]
    return spec[len(name) :]


def test_compatibility_table_states_the_declared_constraints() -> None:
    assert compatibility_rows() == {
        "Kubernetes": CHART_META["kubeVersion"],
        "Kubernetes, ConfigMap admission policy": ">=1.30.0-0",
        "Python": PYPROJECT["requires-python"],
        "kopf": _dependency("kopf"),
        "Terraform (rendered files)": render.TERRAFORM_VERSION,
        "AWS provider (rendered files)": render.PROVIDER_VERSION,
        "AWS provider, provider-6 features": render.PROVIDER_VERSION_V6,
        "AWS provider, multi-attribute GSI keys": render.PROVIDER_VERSION_KEY_SCHEMA,
    }


def test_the_configmap_policy_row_is_the_charts_own_check() -> None:
    template = (ROOT / "charts" / "dynamotable-operator" / "templates" / "configmap-policy.yaml").read_text()
    assert 'semverCompare "<1.30.0-0" .Capabilities.KubeVersion.Version' in template


def test_the_provider_6_row_names_every_provider_6_feature() -> None:
    text = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| AWS provider, provider-6 features |"))
    for attribute in (
        "warm_throughput",
        "deletion_protection_enabled",
        "contributor insights mode",
        "consistency_mode",
    ):
        assert attribute in row
    assert "global_table_witness" in row


def test_the_image_build_carries_the_license_into_the_wheel() -> None:
    """setuptools puts LICENSE into the wheel's dist-info/licenses/ when the file is in the build context."""
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "!LICENSE" in ignore, ".dockerignore keeps LICENSE out of the build context"
    copies = [line.split()[1:-1] for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("COPY ")]
    assert any("LICENSE" in sources for sources in copies), "the builder stage does not copy LICENSE"
