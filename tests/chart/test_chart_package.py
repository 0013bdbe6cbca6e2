"""The packaged chart (`python tools/chart_package.py package`, `helm package` through the Helm SDK) renders as the
chart in the repository does, and holds what `helm package` puts in an archive."""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_helpers import CHART, RELEASE, RELEASE_NAMESPACE, ROOT, of_kind, parse, workload
from release_tools import chart_package

NAME = "dynamotable-operator"


@pytest.fixture(scope="module")
def archive(helm: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(chart_package.package(tmp_path_factory.mktemp("dist")))


@pytest.fixture(scope="module")
def unpacked(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / NAME


@pytest.fixture(scope="module")
def packaged(helm: Any, archive: Path) -> Iterator[Any]:
    with helm.Chart.load(str(archive)) as loaded:
        yield loaded


def _render(chart: Any, **values: Any) -> list[dict[str, Any]]:
    return parse(chart.render(values=values, name=RELEASE, namespace=RELEASE_NAMESPACE, is_install=True))


def test_archive_is_named_for_the_version_and_everything_is_under_the_chart_name(archive: Path) -> None:
    version = chart_package.package_version()
    assert archive.name == f"{NAME}-{version}.tgz"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert all(n.startswith(f"{NAME}/") for n in names), names
    source = {
        str(p.relative_to(CHART.parent)) for p in CHART.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    assert set(names) == source


def test_packaged_chart_yaml_crds_and_values_are_the_repositorys(unpacked: Path) -> None:
    meta = yaml.safe_load((unpacked / "Chart.yaml").read_text(encoding="utf-8"))
    version = chart_package.package_version()
    assert (meta["version"], meta["appVersion"]) == (version, version)
    assert meta["annotations"] == chart_package.chart_meta()["annotations"]
    for path in (CHART / "crds").glob("*.yaml"):
        assert (unpacked / "crds" / path.name).read_bytes() == (ROOT / "crds" / path.name).read_bytes()
    assert (unpacked / "values.yaml").read_bytes() == (CHART / "values.yaml").read_bytes()
    assert (unpacked / "values.schema.json").read_bytes() == (CHART / "values.schema.json").read_bytes()


@pytest.mark.parametrize(
    "values",
    [{}, {"hotStandby": {"enabled": True}}, {"operator": {"watchNamespaces": ["team-a"]}}],
    ids=["defaults", "hot-standby", "namespaced"],
)
def test_packaged_chart_renders_as_the_source_chart(packaged: Any, chart: Any, values: dict[str, Any]) -> None:
    from_archive = _render(packaged, **values)
    assert from_archive == _render(chart, **values)
    assert workload(from_archive)["spec"]["template"]["spec"]["containers"][0]["image"].endswith(
        ":" + chart_package.package_version()
    )
    assert of_kind(from_archive, "ServiceAccount")


def test_packaged_chart_lints_clean(helm: Any, unpacked: Path) -> None:
    report = helm.lint(str(unpacked), strict=True, kube_version="v1.30.0")
    assert [m for m in report["messages"] if m["severity"] >= 2] == [], report
    assert report["errors"] == []


def test_packaging_leaves_out_what_helmignore_names(helm: Any, tmp_path: Path) -> None:
    chart = tmp_path / "src" / NAME
    shutil.copytree(CHART, chart)
    (chart / "notes.bak").write_text("backup\n", encoding="utf-8")
    (chart / "templates" / "deployment.yaml~").write_text("editor copy\n", encoding="utf-8")
    archive = chart_package.package(tmp_path / "dist", chart=chart, root=ROOT)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert f"{NAME}/Chart.yaml" in names
    assert f"{NAME}/notes.bak" not in names
    assert f"{NAME}/templates/deployment.yaml~" not in names


def test_packaging_refuses_a_chart_whose_version_is_not_the_release(tmp_path: Path) -> None:
    chart = tmp_path / NAME
    shutil.copytree(CHART, chart)
    text = (chart / "Chart.yaml").read_text(encoding="utf-8")
    (chart / "Chart.yaml").write_text(text.replace('appVersion: "', 'appVersion: "9.', 1), encoding="utf-8")
    with pytest.raises(chart_package.ReleaseError, match=r"Chart\.yaml appVersion is '9\.0\.1\.0'"):
        chart_package.package(tmp_path / "dist", chart=chart, root=ROOT)


def test_the_script_packages_and_prints_the_archive(
    helm: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert chart_package.main(["package", "--destination", str(tmp_path)]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.parent == tmp_path and printed.is_file()


def test_the_script_prints_the_changes_block_chart_yaml_carries(capsys: pytest.CaptureFixture[str]) -> None:
    assert chart_package.main(["changes"]) == 0
    assert capsys.readouterr().out in (CHART / "Chart.yaml").read_text(encoding="utf-8")
