"""Hostile YAML inputs shared by tests/unit/test_manifest_yaml.py and tests/bench/bench_hostile_yaml.py.

Each generator returns the text of one attack; the FULL ones fill the reader's byte limit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

TEN_MB = 10 * 1024 * 1024


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """`a` holds `width` strings, `b` holds `width` aliases of `a`, ...: width**levels strings once expanded."""
    names = [f"l{i}" for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(["lol"] * width) + "]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]")
    return "\n".join(lines) + "\n"


def deep_flow(opener: str, depth: int) -> str:
    """`opener` repeated: `[[[[...`, `{a: {a: ...` or `- - - ...` nested `depth` levels."""
    closer = {"[": "]", "{a: ": "}", "- ": ""}[opener]
    return opener * depth + "x" + closer * depth + "\n"


def flat_list(items: int) -> str:
    """A single flat list of `items` one-character strings (about 4 bytes each)."""
    return "items:\n" + "- a\n" * items


def wide_aliases(size: int = TEN_MB) -> str:
    """One anchored string, then as many `*a` references as fit in `size` bytes."""
    head = "a: &a lol\nb: ["
    count = (size - len(head) - 2) // 4
    return head + ", ".join(["*a"] * count) + "]\n"


def tiny_scalars(size: int = TEN_MB) -> str:
    """A flat list filling `size` bytes with the smallest possible nodes."""
    return flat_list((size - 8) // 4)


def long_scalar(size: int = TEN_MB) -> str:
    """One string value of almost `size` bytes."""
    return "v: " + "x" * (size - 5) + "\n"


def many_documents(size: int = TEN_MB) -> str:
    """`---` separators with an empty mapping each, filling `size` bytes: 1.5 million documents."""
    return "--- {}\n" * (size // 7)


# Each takes the reader's byte limit (10 MB for libyaml, 4 MB for the pure-Python reader); "FULL" inputs fill it.
HOSTILE: dict[str, Callable[[int], str]] = {
    "billion-laughs-9x10": lambda _: billion_laughs(),
    "billion-laughs-30x2": lambda _: billion_laughs(levels=30, width=2),
    "nested-brackets-10k": lambda _: deep_flow("[", 10_000),
    "nested-braces-10k": lambda _: deep_flow("{a: ", 10_000),
    "nested-dashes-10k": lambda _: deep_flow("- ", 10_000),
    "self-alias": lambda _: "a: &a [1, *a]\n",
    "nested-brackets-FULL": lambda size: deep_flow("[", size // 2 - 2),
    "tiny-scalars-FULL": tiny_scalars,
    "wide-aliases-FULL": wide_aliases,
    "many-documents-FULL": many_documents,
    "over-the-limit": lambda size: "#" * (size + 1),
}
# The ones cheap enough for a unit test (the FULL ones take seconds; the bench runs them all).
SMALL_HOSTILE = [name for name in HOSTILE if not name.endswith(("FULL", "limit"))]


TABLE = """\
---
apiVersion: dynamotable.io/v1alpha1
kind: DynamoTable
metadata: {{name: t{i}, namespace: bench}}
spec:
  tableName: bench-t{i}
  region: us-east-1
  hashKey: id
  rangeKey: ts
  attributes: [{{name: id, type: S}}, {{name: ts, type: "N"}}]
  tags: {{team: bench, index: "{i}"}}
"""


def many_tables(size: int = TEN_MB) -> str:
    """Valid DynamoTables, one per document, filling about `size` bytes (10 MB: about 30,000 of them)."""
    one = len(TABLE.format(i=10_000))
    return "".join(TABLE.format(i=i) for i in range(size // one))


# Large but legitimate inputs: the bench shows they are read, or refused by a limit, within the same bounds.
LARGE_LEGITIMATE: dict[str, Callable[[int], str]] = {
    "long-scalar-FULL": long_scalar,
    "tables-1MB": lambda _: many_tables(1024 * 1024),
    "tables-FULL": many_tables,
}
