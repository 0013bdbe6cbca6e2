"""`render -f` over many files, where worker processes validate and render (commands/render.py), says and writes
exactly what rendering in the CLI's process does: the same files, notes, errors and exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dynamotable import fanout
from dynamotable.cli import main

TABLE = """\
apiVersion: dynamotable.io/v1alpha1
kind: DynamoTable
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  tableName: {table}
  {region}
  hashKey: id
  attributes: [{{name: id, type: {type}}}]
"""
OTHER = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


def table(
    i: int, *, name: str | None = None, namespace: str = "team", region: str = "us-east-1", type_: str = "S"
) -> str:
    where = f"region: {region}" if region else ""
    return TABLE.format(name=name or f"t{i}", namespace=namespace, table=f"many-{i}", region=where, type=type_)


def many(directory: Path, changes: dict[int, str] | None = None) -> Path:
    """MIN_ITEMS + 20 manifest files, some of them replaced by `changes`."""
    directory.mkdir()
    texts = {i: table(i, region="us-west-2" if i % 7 == 3 else "us-east-1") for i in range(fanout.MIN_ITEMS + 20)}
    for i, text in {**texts, **(changes or {})}.items():
        (directory / f"m{i:04d}.yaml").write_text(text)
    return directory


def render_both_ways(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: Path, *options: str
) -> tuple[tuple[int, str, dict[str, str]], tuple[int, str, dict[str, str]]]:
    """(exit code, stderr, files written) with worker processes and without."""
    outcomes = []
    for cores in (2, 1):
        monkeypatch.setattr(fanout, "workers", lambda cores=cores: cores)
        out = tmp_path / "out"
        shutil.rmtree(out, ignore_errors=True)
        result = CliRunner().invoke(main, ["render", "-f", str(source), "-o", str(out), *options])
        files = {p.name: p.read_text() for p in sorted(out.iterdir())} if out.exists() else {}
        outcomes.append((result.exit_code, result.stderr, files))
    return outcomes[0], outcomes[1]


def test_the_same_files_and_notes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = many(
        tmp_path / "in",
        {
            5: table(5, name="shared", namespace="a"),  # two labels collide: both become namespace_name
            9: table(9, name="shared", namespace="b"),
            11: OTHER,  # a note
            12: table(12, type_="B") + "---\n" + table(13, name="second-doc", region="eu-west-1"),
        },
    )
    workers, here = render_both_ways(monkeypatch, tmp_path, source, "--cluster-id", "prod")
    assert workers == here
    code, stderr, files = workers
    assert code == 0
    assert "note: provider region us-east-1 (the first manifest's spec.region)" in stderr
    assert "skipped ConfigMap" in stderr
    assert {"a_shared.tf", "b_shared.tf", "second_doc.tf", "versions.tf"} <= files.keys()


def test_the_provider_region_given_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = many(tmp_path / "in", {0: table(0, region="eu-west-1")})
    workers, here = render_both_ways(monkeypatch, tmp_path, source, "--region", "us-west-2")
    assert workers == here
    assert 'region = "us-west-2"' in workers[2]["versions.tf"]


def test_the_provider_region_of_a_later_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The first file holds no DynamoTable: the guess comes from the next one's manifest.
    source = many(tmp_path / "in", {0: OTHER, 1: table(1, region="eu-west-1")})
    workers, here = render_both_ways(monkeypatch, tmp_path, source)
    assert workers == here
    assert "note: provider region eu-west-1" in workers[1]


def test_the_same_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = many(
        tmp_path / "in",
        {
            4: table(4, type_="N"),  # unquoted N: false
            6: table(5),  # the table of m0005.yaml again
            8: table(8, region="us-east-7"),
        },
    )
    workers, here = render_both_ways(monkeypatch, tmp_path, source)
    assert workers == here
    code, stderr, files = workers
    assert code == 1 and files == {}
    assert "3 errors; nothing was changed" in stderr


def test_a_manifest_without_region_and_no_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = many(tmp_path / "in", {7: table(7, region="")})
    workers, here = render_both_ways(monkeypatch, tmp_path, source)
    assert workers == here
    assert workers[0] == 1 and "m0007.yaml:1: spec.region is not set" in workers[1]


def test_unreadable_input_and_no_tables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    unreadable = many(tmp_path / "bad", {30: "spec: [unclosed\n"})
    workers, here = render_both_ways(monkeypatch, tmp_path, unreadable)
    assert workers == here and "m0030.yaml: not valid YAML" in workers[1]
    none = many(tmp_path / "none", dict.fromkeys(range(fanout.MIN_ITEMS + 20), OTHER))
    workers, here = render_both_ways(monkeypatch, tmp_path, none)
    assert workers == here and "no DynamoTable documents found" in workers[1]
