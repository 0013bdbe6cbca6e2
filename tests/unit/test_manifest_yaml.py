"""manifest_yaml: YAML read as kubectl reads it, duplicate keys found, hostile input stopped early.

No test here measures time: the hostile-input tests assert the error and that reading stopped early (the
number of nodes composed when it stopped). tests/bench/bench_hostile_yaml.py prints time and memory.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile_yaml import HOSTILE, SMALL_HOSTILE, billion_laughs, deep_flow, flat_list

from dynamotable import manifest_yaml as my

LOADERS = [my.CManifestLoader, my.PythonManifestLoader]
LOADER_IDS = ["libyaml", "python"]
VALID_DIR = Path(__file__).parent / "valid"


def read(text: str, loader: type[yaml.SafeLoader] = my.ManifestLoader) -> list[Any]:
    return [d.data for d in my.read_documents(text, loader)]


def value(scalar: str, loader: type[yaml.SafeLoader] = my.ManifestLoader) -> Any:
    return read(f"v: [{scalar}]\n", loader)[0]["v"][0]


def test_libyaml_is_used_when_pyyaml_has_it() -> None:
    assert issubclass(my.CManifestLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert my.ManifestLoader is my.CManifestLoader


# go-yaml v2 (sigs.k8s.io/yaml, used by kubectl) resolution of plain scalars, checked against kubectl 1.32.
PLAIN_SCALARS: list[tuple[str, Any]] = [
    ("yes", True),
    ("Off", False),
    ("TRUE", True),
    ("tRuE", "tRuE"),
    ("~", None),
    ("Null", None),
    ("2024-01-01", "2024-01-01"),  # dates stay strings (PyYAML would make a date)
    ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
    ("1:30", "1:30"),  # no base-60 (PyYAML would say 90)
    ("=", "="),  # PyYAML's 'value' tag, which its SafeLoader cannot even construct
    ("0o17", 15),
    ("017", 15),
    ("0x1F", 31),
    ("0b101", 5),
    ("1_000", 1000),
    ("+5", 5),
    ("08", 8.0),  # not octal, so Go's float parser takes it
    ("1e3", 1000.0),  # PyYAML would say "1e3"
    ("5.0", 5.0),
    (".5", 0.5),
    ("-.inf", -math.inf),
    ("1e999", "1e999"),  # overflows float64: Go keeps the string
    ("18446744073709551615", float(2**64 - 1)),  # a uint64 for go-yaml, a float64 after JSON decoding
    ("0xFFFFFFFFFFFFFFFF", float(2**64 - 1)),
    ("99999999999999999999", 1e20),  # beyond uint64, a float
    ("9" * 5000, "9" * 5000),  # overflows: a string (and no Python digit-limit error)
    ("0x", "0x"),
    ("-", "-"),
    ("+", "+"),
    ("<<x", "<<x"),
]


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
@pytest.mark.parametrize(("scalar", "expected"), PLAIN_SCALARS, ids=[s[:20] for s, _ in PLAIN_SCALARS])
def test_plain_scalars_resolve_as_kubectl_resolves_them(
    loader: type[yaml.SafeLoader], scalar: str, expected: Any
) -> None:
    got = value(scalar, loader)
    assert type(got) is type(expected) and (got == expected or got is expected)


def test_quoted_and_tagged_scalars_are_strings_or_what_the_tag_says() -> None:
    assert value('"N"') == "N" and value("'5'") == "5"
    assert value("!!str yes") == "yes" and value("!!int '12'") == 12 and value("!!float 5") == 5.0
    assert value("!!bool y") is True
    assert value("!!binary aGVsbG8=") == "hello" and value("!!timestamp 2001-12-14") == "2001-12-14"


def test_unknown_tags_are_ignored_and_nothing_is_executed() -> None:
    assert value("!Ref my-table") == "my-table"
    assert value("!!python/object/apply:os.system [echo, hacked]") == ["echo", "hacked"]
    assert value("!custom {a: 1}") == {"a": 1}


def test_mapping_keys_become_strings_as_sigs_k8s_io_yaml_writes_them() -> None:
    data = read("{1: a, true: b, on: c, 1.5: d, 0x10: e, 1e6: f, 0.0001: g, 1e300: h, -1e300: i}\n")[0]
    assert data == {
        "1": "a",
        "true": "c",
        "1.5": "d",
        "16": "e",
        "1e+06": "f",
        "0.0001": "g",
        ".inf": "h",
        "-.inf": "i",
    }


@pytest.mark.parametrize(("text", "problem"), [("~: a\n", "null"), ("? [a]\n: b\n", "a collection")])
def test_keys_kubernetes_cannot_have_are_refused(text: str, problem: str) -> None:
    with pytest.raises(yaml.YAMLError, match=problem):
        read(text)


def test_merge_keys_work_and_own_keys_override_without_being_duplicates() -> None:
    (doc,) = my.read_documents("base: &b {a: 1, b: 2}\nm:\n  <<: *b\n  b: 3\n")
    assert doc.data["m"] == {"a": 1, "b": 3} and doc.duplicates == []


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_duplicate_keys_are_found_with_their_path_and_lines(loader: type[yaml.SafeLoader]) -> None:
    text = "spec:\n  billingMode: A\n  tags: {team: x, 'a b': 1, team: y}\n  billingMode: B\nlist:\n- {k: 1, k: 2}\n"
    (doc,) = my.read_documents(text, loader)
    assert sorted((d.path, d.key, d.first_line, d.line) for d in doc.duplicates) == [
        ("list[0].k", "k", 6, 6),
        ("spec.billingMode", "billingMode", 2, 4),
        ("spec.tags['team']", "team", 3, 3),
    ]
    assert doc.data["spec"]["billingMode"] == "B"  # what kubectl (without validation) would have sent


def test_duplicates_are_per_document() -> None:
    docs = list(my.read_documents("a: 1\na: 2\n---\na: 1\n"))
    assert [len(d.duplicates) for d in docs] == [1, 0]


# ------------------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_billion_laughs_is_refused_before_anything_is_expanded(loader: type[yaml.SafeLoader]) -> None:
    with pytest.raises(my.YamlLimit, match=r"expands to more than [0-9,]+ nodes through aliases") as info:
        read(billion_laughs(levels=9, width=10), loader)
    assert info.value.nodes < 200  # only the ~100 written nodes were composed; 10**9 were never built


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_deep_nesting_stops_at_the_depth_limit(loader: type[yaml.SafeLoader], opener: str) -> None:
    text = deep_flow(opener, 10_000)
    with pytest.raises(yaml.YAMLError) as info:
        read(text, loader)
    error = info.value
    if isinstance(error, my.YamlLimit):
        assert "nesting deeper than 100 levels" in str(error)
        assert error.nodes <= 2 * my.MAX_DEPTH + 2  # stopped at the limit, not at 10,000
    else:  # libyaml's own nesting limit can trip first while scanning ahead: a plain YAML error
        assert "nesting" in str(error)


def test_nesting_up_to_the_limit_is_read() -> None:
    assert read("[" * my.MAX_DEPTH + "]" * my.MAX_DEPTH)[0] is not None


def small_budget(monkeypatch: Any, **limits: int) -> None:
    for name in ("LIBYAML_LIMITS", "PYTHON_LIMITS"):
        monkeypatch.setattr(my, name, dataclasses.replace(getattr(my, name), **limits))


def test_the_limits_are_the_documented_ones() -> None:
    assert my.limits_for(my.CManifestLoader) == my.LIBYAML_LIMITS
    assert my.limits_for(my.PythonManifestLoader) == my.PYTHON_LIMITS
    assert (my.LIBYAML_LIMITS.max_bytes, my.LIBYAML_LIMITS.max_nodes, my.LIBYAML_LIMITS.max_depth) == (
        10 * 1024 * 1024,
        500_000,
        100,
    )


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_the_node_budget_stops_a_huge_file_early(loader: type[yaml.SafeLoader], monkeypatch: Any) -> None:
    small_budget(monkeypatch, max_nodes=1000)
    with pytest.raises(my.YamlLimit, match="more than 1,000 YAML nodes") as info:
        read(flat_list(50_000), loader)
    assert info.value.nodes == 1001


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_the_document_budget_stops_a_stream_of_empty_documents(loader: type[yaml.SafeLoader], monkeypatch: Any) -> None:
    small_budget(monkeypatch, max_documents=50)
    with pytest.raises(my.YamlLimit, match="more than 50 documents in one file"):
        read("--- {}\n" * 10_000, loader)
    assert len(read("--- {}\n" * 50, loader)) == 50


def test_the_pure_python_reader_counts_aliases_while_composing(monkeypatch: Any) -> None:
    """libyaml's composer has no hook for aliases: there the expansion check after the document stops them."""
    small_budget(monkeypatch, max_nodes=1000)
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 50_000) + "]\n"
    with pytest.raises(my.YamlLimit, match="more than 1,000 YAML nodes") as info:
        read(text, my.PythonManifestLoader)
    assert info.value.nodes == 1001
    with pytest.raises(my.YamlLimit, match="expands to more than 1,000 nodes"):
        read(text, my.CManifestLoader)


def test_the_node_budget_counts_alias_copies_across_documents(monkeypatch: Any) -> None:
    small_budget(monkeypatch, max_nodes=1000)
    doc = "a: &a [" + ",".join(["x"] * 100) + "]\nb: [" + ",".join(["*a"] * 5) + "]\n"
    assert len(read(doc)) == 1  # ~ 600 nodes expanded
    with pytest.raises(my.YamlLimit, match="document 2 expands"):
        read(doc + "---\n" + doc)


@pytest.mark.parametrize("loader", LOADERS, ids=LOADER_IDS)
def test_an_alias_inside_its_own_anchor_is_refused(loader: type[yaml.SafeLoader]) -> None:
    with pytest.raises(my.YamlLimit, match="refers to a node that contains it"):
        read("a: &a [1, *a]\n", loader)
    with pytest.raises(my.YamlLimit, match="refers to a node that contains it"):
        read("a: &a {b: {c: *a}}\n", loader)


def test_more_than_10_mb_is_refused_without_parsing() -> None:
    with pytest.raises(my.YamlLimit, match="larger than 10 MB, the limit of libyaml"):
        read("#" * (my.MAX_BYTES + 1))
    with pytest.raises(my.YamlLimit, match="larger than 3 MB, the limit of the pure-Python YAML reader"):
        read("#" * (my.PYTHON_LIMITS.max_bytes + 1), my.PythonManifestLoader)


@pytest.mark.parametrize("name", SMALL_HOSTILE)
def test_every_small_hostile_input_of_the_bench_ends_in_a_yaml_error(name: str) -> None:
    with pytest.raises(yaml.YAMLError):
        read(HOSTILE[name](my.LIBYAML_LIMITS.max_bytes))


# ------------------------------------------------------------------------ parity with a real kubectl


def _kubectl_objects(paths: list[Path]) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not found")
    args = [kubectl, "annotate", "--local", "-o", "json", "parity=1"]
    for p in paths:
        args += ["-f", str(p)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    out, decoder, at = [], json.JSONDecoder(), 0
    text = result.stdout
    while at < len(text.rstrip()):
        obj, end = decoder.raw_decode(text, at)
        out.extend(obj["items"] if obj.get("kind") == "List" else [obj])
        at = end + (len(text[end:]) - len(text[end:].lstrip()))
    for obj in out:
        obj["metadata"]["annotations"].pop("parity")
        if not obj["metadata"]["annotations"]:
            del obj["metadata"]["annotations"]
    return out


def _ours(paths: list[Path]) -> list[dict[str, Any]]:
    objects = []
    for path in paths:
        for data in read(path.read_text(encoding="utf-8")):
            if isinstance(data, dict) and data.get("kind") == "List":
                objects.extend(data["items"])
            elif isinstance(data, dict) and "apiVersion" in data:
                objects.append(data)
    return objects


def _canon(data: Any) -> Any:
    """Numbers as JSON carries them to the API server: integral floats are integers (Go prints 5.0 as 5) and
    integers beyond int64 are floats (kubectl decodes them as float64)."""
    if isinstance(data, dict):
        return {k: _canon(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_canon(v) for v in data]
    if isinstance(data, float) and data.is_integer() and abs(data) < 2**63:
        return int(data)
    if isinstance(data, int) and not isinstance(data, bool) and abs(data) >= 2**63:
        return float(data)
    return data


PARITY_CORPUS = """\
apiVersion: dynamotable.io/v1alpha1
kind: DynamoTable
metadata: {name: parity}
spec:
  letters: [yes, no, on, off, "N", 'y', True, FALSE]
  numbers: [0o17, 017, 0x1F, 0b101, 1_000, +5, 08, 1e3, 5.0, .5, 1e999, 18446744073709551615, 0x]
  strings: [2024-01-01, 2024-01-01 10:00:00, 1:30, =, ~, null, Null, "", tRuE, -, +]
  keys: {1: a, true: b, 1.5: d, 0x10: e, 1e6: f, 0.1: g, 123456.7: h, 1e300: i}
  tagged: [!Ref x, !!str 5, !!int "7", !!binary aGVsbG8=, !!timestamp 2001-12-14, 0xFFFFFFFFFFFFFFFF]
  merged: {base: &b {a: 1, b: 2}, m: {<<: *b, b: 3}}
"""


def test_single_letters_are_booleans_as_for_kubectl(tmp_path: Path) -> None:
    """kubectl sends an unquoted y/Y/n/N as a boolean, and so does this reader (an unquoted `type: N` is then
    refused with the fix)."""
    assert [value(v) for v in ("y", "Y", "n", "N")] == [True, True, False, False]
    path = tmp_path / "letters.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: [y, Y, n, N]}\n")
    assert _canon(_ours([path])) == _canon(_kubectl_objects([path]))


def test_parity_with_kubectl_on_a_corpus_of_tricky_scalars(tmp_path: Path) -> None:
    path = tmp_path / "corpus.yaml"
    path.write_text(PARITY_CORPUS)
    assert _canon(_ours([path])) == _canon(_kubectl_objects([path]))


def test_parity_with_kubectl_on_every_valid_manifest() -> None:
    paths = sorted(VALID_DIR.glob("*.yaml"))
    assert _canon(_ours(paths)) == _canon(_kubectl_objects(paths))
