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


# ------------------------------------------------------------------ documents that are not DynamoTables


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            GOOD.replace("kind: DynamoTable", "kind: dynamotable"),
            "kind: 'dynamotable' is not DynamoTable; set kind: DynamoTable",
        ),
        (
            GOOD.replace("dynamotable.io/v1alpha1", "dynamotable.io/v1beta1"),
            "apiVersion: 'dynamotable.io/v1beta1' is not",
        ),
        ("- " + GOOD.replace("\n", "\n  "), "(document): is a YAML list of 1 item(s), not a Kubernetes object"),
    ],
    ids=["wrong-case-kind", "api-version-typo", "top-level-list"],
)
def test_a_file_of_only_near_misses_exits_1_naming_the_fix(tmp_path: Path, text: str, line: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    code, out, err = run("validate", "-f", str(path))
    assert code == 1
    assert err.splitlines()[0] == f"{path}:1: {line}" or err.splitlines()[0].startswith(f"{path}:1: {line}")
    assert err.splitlines()[-1] == "1 error; nothing was changed"
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello\n", "skipped 'hello' (a plain value, not a Kubernetes object)"),
        ("- a\n- b\n", "skipped a YAML list (not a Kubernetes object)"),
        (OTHER, "skipped ConfigMap"),
    ],
    ids=["scalar", "list-of-strings", "other-kind"],
)
def test_nothing_to_validate_says_why_in_one_line(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    (line,) = err.splitlines()
    assert line == f"error: no DynamoTable documents found in {path} ({path}:1: {reason})"


def test_kind_list_items_are_expanded_like_kubectl(tmp_path: Path) -> None:
    item = GOOD.replace("\n", "\n  ").rstrip()
    path = tmp_path / "list.yaml"
    other = OTHER.replace("\n", "\n  ").rstrip()
    path.write_text(f"apiVersion: v1\nkind: List\nitems:\n- {item}\n- {item.replace('orders', 'carts')}\n- {other}\n")
    code, out, err = run("validate", "-f", str(path))
    assert code == 0, err
    assert "2 DynamoTable manifests valid" in out
    assert f"note: {path}:1: items[2]: skipped ConfigMap" in err


def test_an_error_in_a_list_item_names_the_item(tmp_path: Path) -> None:
    item = GOOD.replace("\n", "\n  ").rstrip()
    path = tmp_path / "list.yaml"
    path.write_text(f"apiVersion: v1\nkind: DynamoTableList\nitems:\n- {item}\n- {item}\n")
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    assert f"{path}:1: items[1].spec.tableName: table 'orders' is already declared by {path}:1 items[0]" in err


def test_duplicate_keys_are_errors_in_the_usual_form(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(GOOD + "  hashKey: pk\n")
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    assert err.splitlines()[0].startswith(f"{path}:1: spec.hashKey: key 'hashKey' is given twice (lines 5 and 7)")


def test_an_unquoted_boolean_in_an_enum_field_names_the_yaml_rule(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(GOOD.replace("{name: id, type: S}", "{name: id, type: no}"))
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    assert f"{path}:1: spec.attributes[0].type: false is a boolean, not one of 'S', 'N' or 'B'" in err
    assert "reads an unquoted no, off, n or false as false; quote the value" in err


# ------------------------------------------------------------------------------------ hostile input


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [" + ", ".join([f"*{p}"] * 10) + "]\n"
                for p, c in zip("abcdefghi", "bcdefghij", strict=True)
            ),
            "expands to more than 500,000 nodes through aliases",
        ),
        ("{a: " * 10_000 + "x" + "}" * 10_000 + "\n", "nesting deeper than 100 levels"),
        ("a: &a [1, *a]\n", "refers to a node that contains it"),
        ("a: [1, 2\n", "not valid YAML (line"),
    ],
    ids=["billion-laughs", "deep-nesting", "self-alias", "syntax"],
)
def test_hostile_yaml_ends_in_one_error_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    code, out, err = run("validate", "-f", str(path))
    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith(f"error: {path}: ") and message in line
    assert "Traceback" not in out + err


def test_a_file_over_10_mb_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (10 * 1024 * 1024 + 1))
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    assert err.splitlines() == [
        f"error: {path}: 10,485,761 bytes is more than the 10 MB (10,485,760 bytes) a manifest file may hold"
    ]


def test_stdin_over_10_mb_is_refused() -> None:
    code, _, err = run("validate", "-f", "-", stdin="#" * (10 * 1024 * 1024 + 5))
    assert code == 1
    assert err.splitlines() == [
        "error: <stdin>: the input is more than the 10 MB (10,485,760 bytes) a manifest file may hold"
    ]


def test_a_file_that_is_not_utf8_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.encode() + "  tags: {k: caf\xe9}\n".encode("latin-1"))
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith(f"error: {path}: not UTF-8 text (byte ")


def test_long_bad_values_are_quoted_short_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(GOOD.replace("hashKey: id", f"hashKey: id\n  tableName: {'x' * 100_000}\n  region: {'y' * 5000}"))
    code, _, err = run("validate", "-f", str(path))
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 3 and all(len(line) < 400 for line in lines), lines
    assert "(100,000 characters)" in lines[0] or "(100,000 characters)" in lines[1]


@pytest.mark.parametrize("bad", ["a:b", "x" * 129, "prod eu"])
def test_a_cluster_id_that_cannot_be_part_of_the_ownership_tag_is_one_line(bad: str) -> None:
    code, _, err = run(
        "render", "-f", str(Path(__file__).resolve().parents[2] / "examples" / "basic.yaml"), "--cluster-id", bad
    )
    assert code == 1
    assert err.startswith("error: --cluster-id") and err.count("\n") == 1 and "Traceback" not in err
