"""The `dynamotable` CLI: input handling, validate, crd, render plumbing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dynamotable import __version__
from dynamotable.api.crd import crd_yaml
from dynamotable.cli import main

INVALID = Path(__file__).parent / "invalid"
GOOD = """\
apiVersion: dynamotable.io/v1alpha1
kind: DynamoTable
metadata: {name: orders, namespace: shop}
spec:
  hashKey: id
  attributes: [{name: id, type: S}]
"""
OTHER = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_crd_prints_the_generated_crd() -> None:
    code, out, _ = run("crd")
    assert code == 0 and out == crd_yaml()


def test_validate_good_manifest(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(GOOD)
    code, out, _ = run("validate", "-f", str(tmp_path / "t.yaml"))
    assert code == 0 and "1 DynamoTable manifest valid" in out


def test_validate_lists_every_error_with_file_document_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("hashKey: id", "hashKey: id\n  rangeKey: ts\n  ttl: {enabled: true}")
    path = tmp_path / "multi.yaml"
    path.write_text(OTHER + "---\n" + bad)
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    lines = err.splitlines()
    assert f"{path}:2: spec.rangeKey: key attribute 'ts' is not defined in spec.attributes" in lines[1]
    assert any(line.startswith(f"{path}:2: spec.ttl.attributeName: ") for line in lines)
    assert lines[0] == f"note: {path}:1: skipped ConfigMap"
    assert lines[-1] == "2 errors; nothing was changed"


def test_validate_reads_directories_recursively_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.yml").write_text(GOOD)
    (tmp_path / "two.yaml").write_text(GOOD.replace("name: orders", "name: payments"))
    (tmp_path / "notes.txt").write_text("not yaml: [")
    code, out, _ = run("validate", "-f", str(tmp_path), "-f", "-", stdin=GOOD.replace("orders", "carts"))
    assert code == 0, out
    assert "3 DynamoTable manifests valid" in out


def test_validate_rejects_two_manifests_for_one_table(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD + "---\n" + GOOD.replace("namespace: shop", "namespace: other"))
    code, _, err = run("validate", "-f", str(tmp_path / "a.yaml"))
    assert code == 1
    assert "table 'orders' is already declared by" in err


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "no such file or directory"),
        (lambda p: p.write_text("a: [1, 2\nb: c"), "not valid YAML (line"),
        (lambda p: p.write_text(""), "no DynamoTable documents found"),
        (lambda p: p.write_text(OTHER), "no DynamoTable documents found"),
    ],
    ids=["missing", "bad-yaml", "empty", "no-dynamotable"],
)
def test_input_problems_are_one_line_errors(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "in.yaml"
    setup(path)
    code, out, err = run("validate", "-f", str(path))
    assert code == 1
    assert message in err
    assert "Traceback" not in err + out
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    code, _, err = run("validate", "-f", str(tmp_path))
    assert code == 1 and "no input" in err


def test_seed_provisioned_example_as_written_is_rejected_naming_category_and_timestamp() -> None:
    path = INVALID / "seed_provisioned_as_written.yaml"
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    assert "'category' is not defined" in err and "'timestamp' is not defined" in err


def test_every_invalid_manifest_fails_validate_on_the_command_line() -> None:
    code, _, err = run("validate", "-f", str(INVALID))
    assert code == 1
    error_lines = [line for line in err.splitlines()[:-1] if not line.startswith("note:")]
    named = {line.split(":", 1)[0] for line in error_lines}
    assert named == {str(p) for p in INVALID.glob("*.yaml")}
