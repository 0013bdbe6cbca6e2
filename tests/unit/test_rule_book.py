"""docs/reference/dynamodb-rules.md, the rule book the code cites, and a repository that needs nothing beside it.

- Every rule key cited in operator/ or tests/ (A7, A3.2, B1, and ranges such as A7-A11 or A3.1-2), in code,
  comments, docstrings or strings, is a heading of the rule book; every source key ([API], [DG-GSI], [TF], ...)
  cited there is in the rule book's source table.
- Every rule says what AWS does, what the operator does, and its sources; keys are unique and have no gaps.
- Nothing points outside the repository: no path into the sibling steering folder or the workplace's
  directories (OUTSIDE_PATH) in operator/, tests/, docs/ or the other shipped files, and
  no test climbs above the repository root with `parents[n]` or `.parent` of the root.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULE_BOOK = ROOT / "docs" / "reference" / "dynamodb-rules.md"
THIS_FILE = Path(__file__).resolve()  # holds the patterns below and made-up keys for the parser's own tests

HEADING = re.compile(r"^(?P<level>#{2,4}) (?P<title>.+)$", re.M)
RULE_TITLE = re.compile(r"^(?P<key>[AB]\d{1,2}(?:\.\d{1,2})?)\. \S")
SOURCE_ROW = re.compile(r"^\| \[(?P<key>[A-Z][A-Z-]*)\] \|", re.M)
CITATION = re.compile(
    r"(?<![\w./-])(?P<part>[AB])(?P<n>\d{1,2})(?:\.(?P<sub>\d{1,2}))?"
    r"(?:-(?:(?P=part)(?P<n_to>\d{1,2})|(?P<sub_to>\d{1,2})))?(?!\w)"
)
SOURCE_CITATION = re.compile(r"\[(?P<bracketed>API|TF|ACK|BC|DG-[A-Z]+)\b|(?<![\w-])(?P<bare>DG-[A-Z]+)\b")
# Spelled in pieces so that this file does not itself name those places.
_SIBLING = "sha" + "red"
_WORKPLACE = "/" + "work" + "/"
OUTSIDE_PATH = re.compile(rf"\.\./{_SIBLING}|{_WORKPLACE}|\b{_SIBLING}/(?:reference|seed)\b")
CLIMB = re.compile(r"\.parents\[(?P<n>\d+)\]|\b(?:REPO|ROOT)\.parent\b")

SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".terraform", ".import_linter_cache"}
SHIPPED = (
    *("operator", "tests", "docs", "examples", "charts", "crds"),
    *("README.md", "Makefile", "pyproject.toml", "Dockerfile"),
)


def _text_files(*tops: Path) -> Iterator[tuple[Path, str]]:
    for top in tops:
        candidates = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in candidates:
            rel = path.relative_to(ROOT).parts
            if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in rel) or path == THIS_FILE:
                continue
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def cited_keys(text: str) -> set[str]:
    """Rule keys cited in `text`, ranges expanded: A7-A9 -> A7, A8, A9; A3.1-2 -> A3.1, A3.2."""
    keys: set[str] = set()
    for m in CITATION.finditer(text):
        part, n = m["part"], int(m["n"])
        if m["sub"] is not None:
            sub = int(m["sub"])
            last = int(m["sub_to"]) if m["sub_to"] else sub
            keys |= {f"{part}{n}.{i}" for i in range(min(sub, last), max(sub, last) + 1)}
            if m["n_to"]:
                keys |= {f"{part}{i}" for i in range(n + 1, int(m["n_to"]) + 1)}
        else:
            last = int(m["n_to"] or m["sub_to"] or n)
            keys |= {f"{part}{i}" for i in range(min(n, last), max(n, last) + 1)}
    return keys


def cited_sources(text: str) -> set[str]:
    return {m["bracketed"] or m["bare"] for m in SOURCE_CITATION.finditer(text)}


def rule_sections(markdown: str) -> dict[str, str]:
    """Rule key -> the text under its heading, up to the next heading of any level."""
    headings = list(HEADING.finditer(markdown))
    sections: dict[str, str] = {}
    for i, h in enumerate(headings):
        title = RULE_TITLE.match(h["title"])
        if title is None:
            continue
        end = headings[i + 1].start() if i + 1 < len(headings) else len(markdown)
        assert title["key"] not in sections, f"rule {title['key']} has two headings"
        sections[title["key"]] = markdown[h.end() : end]
    return sections


def _rule_book() -> str:
    return RULE_BOOK.read_text(encoding="utf-8")


def _citations() -> dict[str, set[str]]:
    """Rule key -> the files (relative to the repository) citing it."""
    where: dict[str, set[str]] = {}
    for path, text in _text_files(ROOT / "operator", ROOT / "tests"):
        if (ROOT / "tests" / "data") in path.parents:
            continue  # copies of outside material, quoted as they are
        for key in cited_keys(text):
            where.setdefault(key, set()).add(path.relative_to(ROOT).as_posix())
    return where


# ------------------------------------------------------------------------------------------ the parsers


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("(A4, A5, A15)", {"A4", "A5", "A15"}),
        ("[DG-GSI, A3.1-2]", {"A3.1", "A3.2"}),
        ("reference A1, A7-A11, B1):", {"A1", "A7", "A8", "A9", "A10", "A11", "B1"}),
        ("the rule (A3.8) lets", {"A3.8"}),
        ("sections A<n>/B<n>", set()),
        ("SHA1, 0xA1, B2B, K2, a1, /A4/", set()),
        ("A99.", {"A99"}),
    ],
)
def test_cited_keys_reads_every_citation_form(text: str, keys: set[str]) -> None:
    assert cited_keys(text) == keys


def test_cited_sources_reads_bracketed_and_bare_keys() -> None:
    assert cited_sources("[API UpdateTable, DG-GSI, A4] and [TF #13523] [DG-Q] [ACK] [BC] X-DG-NO") == {
        "API",
        "DG-GSI",
        "TF",
        "DG-Q",
        "ACK",
        "BC",
    }


def test_rule_sections_split_at_every_heading() -> None:
    text = "## Part A\n### A1. One\nbody 1\n### A3. Three\nintro\n#### A3.1. Sub\nbody 3.1\n## Part B\n### B1. Gap\nb\n"
    assert rule_sections(text) == {"A1": "\nbody 1\n", "A3": "\nintro\n", "A3.1": "\nbody 3.1\n", "B1": "\nb\n"}


# ------------------------------------------------------------------------------------------ the rule book


def test_the_code_cites_the_rule_book() -> None:
    cited = _citations()
    assert {"A1", "A3.2", "A7", "A13", "B1"} <= set(cited), "the citation scan found none of the usual keys"


def test_every_cited_rule_key_is_in_the_rule_book() -> None:
    defined = set(rule_sections(_rule_book()))
    missing = {key: sorted(files) for key, files in _citations().items() if key not in defined}
    assert missing == {}, f"cited but not defined in {RULE_BOOK.relative_to(ROOT)}"


def test_every_cited_source_key_is_in_the_source_table() -> None:
    defined = set(SOURCE_ROW.findall(_rule_book()))
    cited: dict[str, set[str]] = {}
    for path, text in _text_files(ROOT / "operator", ROOT / "tests"):
        if (ROOT / "tests" / "data") not in path.parents:
            for key in cited_sources(text):
                cited.setdefault(key, set()).add(path.relative_to(ROOT).as_posix())
    assert {"API", "TF", "DG-GSI"} <= set(cited)
    assert {k: sorted(v) for k, v in cited.items() if k not in defined} == {}


def test_rule_keys_are_numbered_without_gaps() -> None:
    keys = set(rule_sections(_rule_book()))
    tops: dict[str, set[int]] = {}
    subs: dict[str, set[int]] = {}
    for key in keys:
        top, _, sub = key.partition(".")
        tops.setdefault(top[0], set()).add(int(top[1:]))
        if sub:
            subs.setdefault(top, set()).add(int(sub))
    assert set(tops) == {"A", "B"}
    for part, numbers in tops.items():
        assert numbers == set(range(1, max(numbers) + 1)), f"part {part}: {sorted(numbers)}"
    for parent, numbers in subs.items():
        assert parent in keys, f"{parent}.* without {parent}"
        assert numbers == set(range(1, max(numbers) + 1)), f"{parent}: {sorted(numbers)}"


def test_every_rule_says_what_aws_does_what_the_operator_does_and_why() -> None:
    sections = rule_sections(_rule_book())
    parents = {key.partition(".")[0] for key in sections if "." in key}
    problems = []
    for key, body in sections.items():
        if key in parents:
            continue  # its sub-rules carry the parts
        labels = ["**Sources.**"]
        if key.startswith("A"):
            labels += ["**AWS", "**Operator.**"]
        problems += [f"{key}: no {label}" for label in labels if label not in body]
    assert problems == []


def test_the_stream_rule_is_the_corrected_one() -> None:
    """A7 was corrected: replicas accept a stream of any view type, or none (then AWS enables one)."""
    a7 = " ".join(rule_sections(_rule_book())["A7"].replace("**", "").split())
    assert "a stream of any view type" in a7
    assert "without a stream is given one by DynamoDB itself, with view type NEW_AND_OLD_IMAGES" in a7
    assert "the stream can be neither disabled nor changed" in a7


# --------------------------------------------------------------------------------- standing on its own


def test_nothing_points_outside_the_repository() -> None:
    found = []
    for path, text in _text_files(*(ROOT / name for name in SHIPPED)):
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE_PATH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_outside_path_pattern_catches_the_old_locations() -> None:
    old = [
        f"REPO.parent / '../{_SIBLING}/x'",
        f"see {_WORKPLACE}main/x",
        f"{_SIBLING}/reference/x.md",
        f"({_SIBLING}/seed/0.txt)",
    ]
    assert all(OUTSIDE_PATH.search(line) for line in old)
    assert not OUTSIDE_PATH.search(f"tests/data/seed/dynamodb-tables.md, {_SIBLING} across threads, -{_SIBLING}")


def test_no_test_climbs_above_the_repository_root() -> None:
    found = []
    for path, text in _text_files(ROOT / "tests"):
        if path.suffix != ".py":
            continue
        deepest = len(path.relative_to(ROOT).parts) - 1  # Path(__file__).parents[deepest] is the root
        for m in CLIMB.finditer(text):
            if m["n"] is None or int(m["n"]) > deepest:
                found.append(f"{path.relative_to(ROOT)}: {m[0]}")
    assert found == []


def test_the_data_the_tests_read_is_in_the_repository() -> None:
    from test_render_support import SCHEMA_PATH, SEED_PATH

    for path in (SCHEMA_PATH, SEED_PATH):
        assert ROOT in path.resolve().parents and path.is_file(), path
        assert (path.parent / "README.md").is_file(), f"{path.parent} says nowhere where its data comes from"
