"""The chart's Artifact Hub annotations agree with what they describe; no helm-python-sdk needed."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import yaml
from chart_helpers import CHART, ROOT
from release_tools import chart_package

from dynamotable import __version__
from dynamotable.api.crd import CRD_NAME, crd

META = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
ANNOTATIONS: dict[str, str] = META["annotations"]


def annotation(key: str) -> Any:
    return yaml.safe_load(ANNOTATIONS[f"artifacthub.io/{key}"])


def test_chart_version_and_app_version_are_the_release_version() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]
    assert version == __version__, "pyproject.toml and operator/dynamotable/__init__.py disagree"
    assert (META["version"], META["appVersion"]) == (version, version)
    assert chart_package.check_versions() == version


def test_crds_annotation_lists_the_dynamotable_crd() -> None:
    spec = crd()["spec"]
    (version,) = spec["versions"]
    assert annotation("crds") == [
        {
            "kind": spec["names"]["kind"],
            "version": version["name"],
            "name": CRD_NAME,
            "displayName": spec["names"]["kind"],
            "description": version["schema"]["openAPIV3Schema"]["description"],
        }
    ]


def test_crds_example_is_examples_basic_yaml() -> None:
    example = yaml.safe_load((ROOT / "examples" / "basic.yaml").read_text(encoding="utf-8"))
    assert annotation("crdsExamples") == [example]


def test_images_annotation_is_the_image_the_chart_deploys_by_default() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    assert values["image"]["tag"] == "" and values["image"]["digest"] == ""
    assert annotation("images") == [
        {"name": "dynamotable-operator", "image": f"{values['image']['repository']}:{META['appVersion']}"}
    ]


def test_license_annotation_is_pyprojects_license() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        assert ANNOTATIONS["artifacthub.io/license"] == tomllib.load(f)["project"]["license"]


def test_changes_annotation_is_the_changelog_section_of_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    expected = chart_package.artifacthub_changes(changelog, META["version"])
    assert expected, "the CHANGELOG section of this version lists no change"
    assert annotation("changes") == expected, "run: python tools/chart_package.py changes --write"
    assert {c["kind"] for c in expected} <= {"added", "changed", "deprecated", "removed", "fixed", "security"}


def test_changes_are_read_from_bullets_under_kind_headings() -> None:
    text = (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- not yet\n\n## [1.2.0] - 2026-01-02\n\nA note.\n\n"
        "### Added\n\n- one [link](https://x) and\n  a second line\n- two\n\n### Security\n\n- three\n"
    )
    assert chart_package.artifacthub_changes(text, "1.2.0") == [
        {"kind": "added", "description": "one link and a second line"},
        {"kind": "added", "description": "two"},
        {"kind": "security", "description": "three"},
    ]
    with pytest.raises(chart_package.ReleaseError, match=r"no section '## \[9.9.9\]'"):
        chart_package.artifacthub_changes(text, "9.9.9")


def test_write_changes_replaces_only_the_changes_block(tmp_path: Any) -> None:
    original = (CHART / "Chart.yaml").read_text(encoding="utf-8")
    (tmp_path / "Chart.yaml").write_text(original, encoding="utf-8")
    chart_package.write_changes(tmp_path, [{"kind": "fixed", "description": "x: y"}])
    written = (tmp_path / "Chart.yaml").read_text(encoding="utf-8")
    assert written.split("  artifacthub.io/changes")[0] == original.split("  artifacthub.io/changes")[0]
    assert yaml.safe_load(yaml.safe_load(written)["annotations"]["artifacthub.io/changes"]) == [
        {"kind": "fixed", "description": "x: y"}
    ]
