"""Reading manifest YAML as kubectl reads it, with limits that make hostile input fail fast.

Values: kubectl (sigs.k8s.io/yaml over go-yaml v2) resolves plain scalars by YAML 1.1 rules that differ from
PyYAML's, and the API server then judges what kubectl sent. This reader resolves them the kubectl way:

- `yes Yes YES on On ON true True TRUE` are true and their `no`/`off`/`false` forms false;
- dates and times (`2024-01-01`) stay strings, base-60 numbers (`1:30`) stay strings, `=` is a string;
- integers follow Go's `ParseInt(s, 0, 64)` after removing `_` (`0x1F`, `0o17`, `017`, `0b101`), beyond 64
  bits a number is a float if it looks like one and a string otherwise; `1e3` is a float;
- mapping keys become strings (`1` -> "1", `true` -> "true"); unknown tags (`!Ref x`) are ignored,
  `!!binary` is decoded into a string, an explicit `!!timestamp` stays the string written.

The single letters `y Y n N` are booleans too, as for kubectl: an unquoted `type: N` is `false` and is
refused with the fix (write "N" in quotes); the examples, the README and the CRD quote theirs. One difference
remains: a plain scalar with the non-specific tag `!` (`! 5`) is resolved as if untagged (5) by PyYAML and
libyaml alike, where kubectl keeps the string "5".

Limits (each breach is one `YamlLimit` naming it, raised before the input can cost much time or memory):
at most 10 MB of input, 100 levels of nesting, 500,000 nodes per file counting every alias expansion
("billion laughs"), 10,000 documents per file, and no alias that contains itself (`Limits`; lower for
the pure-Python reader). Duplicate keys are not an error here but
are reported with their path (`Duplicate`), so the caller can name them like any other field problem.
Both libyaml's CSafeLoader and the pure-Python SafeLoader are guarded the same way: the depth and node
counters sit in the resolver hooks that both composers call for every node.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from dynamotable.api.validation import path_key

PATH_PART_MAX = 60


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may hold. The pure-Python reader is about 20 times slower than libyaml, so its limits
    are lower: either way a file is read, or refused, within about 5 s and 300 MB (tests/bench)."""

    max_bytes: int
    max_nodes: int  # per file, every alias counted as a copy of what it refers to
    max_documents: int  # per file
    max_depth: int
    reader: str


LIBYAML_LIMITS = Limits(10 * 1024 * 1024, 500_000, 10_000, 100, "libyaml")
PYTHON_LIMITS = Limits(3 * 1024 * 1024, 60_000, 2_000, 100, "the pure-Python YAML reader (PyYAML without libyaml)")
MAX_BYTES = LIBYAML_LIMITS.max_bytes
MAX_DEPTH = LIBYAML_LIMITS.max_depth

BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STR_TAG = "tag:yaml.org,2002:str"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"

# go-yaml v2 resolve.go: words looked up first, then a hint from the first character.
GO_WORDS: dict[str, tuple[str, Any]] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), (BOOL_TAG, True)),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), (BOOL_TAG, False)),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), (NULL_TAG, None)),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), (FLOAT_TAG, math.nan)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), (FLOAT_TAG, math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), (FLOAT_TAG, -math.inf)),
    "<<": (MERGE_TAG, "<<"),
}
_GO_INT = re.compile(
    r"(?P<sign>[-+]?)(?:0[xX](?P<hex>[0-9a-fA-F]+)|0[oO](?P<oct>[0-7]+)|0[bB](?P<bin>[01]+)"
    r"|(?P<zoct>0[0-7]*)|(?P<dec>[1-9][0-9]*))",
    re.ASCII,
)
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?", re.ASCII)
_GO_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?", re.ASCII)
_INT64 = (-(2**63), 2**63 - 1)
_FLOAT32_MAX = struct.unpack("f", bytes.fromhex("ffff7f7f"))[0]
_UINT64_MAX = 2**64 - 1


class YamlLimit(yaml.YAMLError):
    """The input breaks a limit of this reader; the message is one line meant for the user. `nodes` is how
    many nodes had been composed when reading stopped (it shows that reading stopped early)."""

    def __init__(self, message: str, *, nodes: int = 0) -> None:
        super().__init__(message)
        self.nodes = nodes


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A key given twice in one mapping (kubectl refuses it; YAML readers silently keep one of them)."""

    path: str  # where the key is, e.g. spec.tags['team']
    key: str
    first_line: int
    line: int


@dataclass(slots=True)
class ParsedDocument:
    index: int  # 1-based position in the stream
    data: Any
    duplicates: list[Duplicate] = field(default_factory=list)


def go_int(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 0, 64), then ParseUint: the integer, or None when it is not one."""
    m = _GO_INT.fullmatch(text)
    if m is None:
        return None
    for group, base in (("hex", 16), ("oct", 8), ("bin", 2), ("zoct", 8), ("dec", 10)):
        digits = m[group]
        if digits is None:
            continue
        significant = digits.lstrip("0")
        if len(significant) > {16: 16, 8: 22, 2: 64, 10: 20}[base]:
            return None  # out of 64-bit range; also keeps int() away from Python's digit limit
        value = int(significant or "0", base) * (-1 if m["sign"] == "-" else 1)
        if _INT64[0] <= value <= _INT64[1] or (not m["sign"] and value <= _UINT64_MAX):
            return value
        return None
    return None


def go_float(text: str, pattern: re.Pattern[str] = _GO_FLOAT) -> float | None:
    """Go's strconv.ParseFloat for the YAML-style float spellings go-yaml accepts; None on overflow."""
    if not pattern.fullmatch(text):
        return None
    value = float(text)
    return None if math.isinf(value) else value


def go_resolve(value: str) -> str:
    """The tag go-yaml v2 gives a plain (unquoted, untagged) scalar (but y/Y/n/N stay strings)."""
    if value in GO_WORDS:
        return GO_WORDS[value][0]
    first = value[0]
    if first == ".":
        return FLOAT_TAG if go_float(value, _GO_DOT_FLOAT) is not None else STR_TAG
    if first in "+-0123456789":
        # A timestamp-looking value is kept as the string it is when decoded into an untyped value.
        plain = value.replace("_", "")
        if go_int(plain) is not None:
            return INT_TAG
        if go_float(plain) is not None:
            return FLOAT_TAG
    return STR_TAG


def go_float32_text(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 32), which sigs.k8s.io/yaml uses for float mapping keys."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value) or abs(value) > _FLOAT32_MAX:  # beyond float32 it is an infinity there
        return ".inf" if value > 0 else "-.inf"
    single = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        mantissa, _, exp_text = f"{single:.{digits - 1}e}".partition("e")
        if struct.unpack("f", struct.pack("f", float(f"{mantissa}e{exp_text}")))[0] == single:
            break
    exponent = int(exp_text)
    if exponent < -4 or exponent >= 6:  # Go's shortest 'g' switches to %e outside [-4, 6)
        sign = "-" if exponent < 0 else "+"
        return f"{mantissa}e{sign}{abs(exponent):02d}"
    return repr(float(f"{mantissa}e{exp_text}")).removesuffix(".0")


class _KubectlReading(SafeConstructor, Resolver):
    """Mixed into a safe loader: resolves like kubectl, counts nodes and depth, records duplicate keys."""

    depth = 0
    nodes = 0  # nodes composed in this stream
    expanded = 0  # nodes of the documents read so far, each alias counted as a copy of its target
    limits = LIBYAML_LIMITS
    duplicates: list[tuple[MappingNode, str, Node, Node]]

    # ---- limits: both composers call these for every node before composing it
    def descend_resolver(self, current_node: Node | None, current_index: Any) -> None:
        self.depth += 1
        self.nodes += 1
        if self.depth > self.limits.max_depth:
            raise YamlLimit(
                f"nesting deeper than {self.limits.max_depth} levels (refused); a manifest needs fewer than 10",
                nodes=self.nodes,
            )
        if self.nodes > self.limits.max_nodes:
            raise YamlLimit(
                f"more than {self.limits.max_nodes:,} YAML nodes in one file (refused); split it", nodes=self.nodes
            )

    def ascend_resolver(self) -> None:
        self.depth -= 1

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0]:
            return go_resolve(value)
        tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag

    # ---- constructors matching go-yaml v2 for the tags go_resolve gives (and explicit !!bool etc.)
    def construct_go_bool(self, node: ScalarNode) -> bool:
        found = GO_WORDS.get(node.value)
        if found is None or found[0] != BOOL_TAG:
            raise ConstructorError(None, None, f"cannot read {node.value!r} as a boolean", node.start_mark)
        return bool(found[1])

    def construct_go_int(self, node: ScalarNode) -> int | float:
        value = go_int(node.value.replace("_", ""))
        if value is None:
            raise ConstructorError(None, None, f"cannot read {node.value[:40]!r} as an integer", node.start_mark)
        # Beyond int64 go-yaml has a uint64, and the JSON decoding after it a float64.
        return float(value) if value > _INT64[1] else value

    def construct_go_binary(self, node: ScalarNode) -> str:
        """!!binary is base64 decoded into a string, invalid UTF-8 replaced as Go's JSON encoder does."""
        try:
            return base64.b64decode("".join(node.value.split()), validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError) as exc:
            raise ConstructorError(None, None, f"!!binary is not base64: {exc}", node.start_mark) from exc

    def construct_as_written(self, node: ScalarNode) -> str:
        """An explicit !!timestamp stays the string it is, as go-yaml decodes it into an untyped value."""
        return str(node.value)

    def construct_go_float(self, node: ScalarNode) -> float:
        text = node.value
        if text in GO_WORDS and GO_WORDS[text][0] == FLOAT_TAG:
            return float(GO_WORDS[text][1])
        value = go_float(text, _GO_DOT_FLOAT) if text.startswith(".") else go_float(text.replace("_", ""))
        if value is None:
            as_int = go_int(text.replace("_", ""))
            if as_int is None:
                raise ConstructorError(None, None, f"cannot read {text[:40]!r} as a number", node.start_mark)
            value = float(as_int)
        return value

    def construct_untagged(self, node: Node) -> Any:
        """An unknown tag is ignored, as go-yaml does when decoding into an untyped value."""
        if isinstance(node, ScalarNode):
            return node.value
        if isinstance(node, SequenceNode):
            return [self.construct_object(child, deep=True) for child in node.value]
        if isinstance(node, MappingNode):
            return self.construct_mapping(node, deep=True)
        raise ConstructorError(None, None, f"cannot read a {type(node).__name__}", node.start_mark)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # Most nodes of a manifest are plain strings: their value is the node's text, so PyYAML's bookkeeping
        # (the constructed-objects cache, recursion guard, constructor lookup) is skipped for them.
        if node.tag == STR_TAG and type(node) is ScalarNode:
            return node.value
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, f"expected a mapping node, but found {node.id}", node.start_mark)
        own = {id(k) for k, _ in node.value if k.tag != MERGE_TAG}
        self.flatten_mapping(node)
        mapping: dict[Hashable, Any] = {}
        first: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = self.mapping_key(key_node)
            if key in first and id(first[key]) in own and id(key_node) in own:
                self.duplicates.append((node, key, first[key], key_node))
            elif key not in first or id(key_node) in own:
                first[key] = key_node
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def mapping_key(self, key_node: Node) -> str:
        """The key as sigs.k8s.io/yaml turns it into a JSON object key."""
        if key_node.tag == STR_TAG and type(key_node) is ScalarNode:
            return str(key_node.value)
        key = self.construct_object(key_node, deep=True)
        if isinstance(key, str):
            return key
        if isinstance(key, bool):
            return "true" if key else "false"
        if isinstance(key, int) and _INT64[0] <= key <= _INT64[1]:
            return str(key)
        if isinstance(key, float):
            return go_float32_text(key)
        what = "null" if key is None else type(key).__name__ if isinstance(key, Hashable) else "a collection"
        raise ConstructorError(
            None, None, f"a mapping key is {what}; Kubernetes keys are strings: quote it", key_node.start_mark
        )


for _tag, _method in (
    (BOOL_TAG, _KubectlReading.construct_go_bool),
    (INT_TAG, _KubectlReading.construct_go_int),
    (FLOAT_TAG, _KubectlReading.construct_go_float),
    ("tag:yaml.org,2002:binary", _KubectlReading.construct_go_binary),
    ("tag:yaml.org,2002:timestamp", _KubectlReading.construct_as_written),
    ("tag:yaml.org,2002:set", _KubectlReading.construct_untagged),
    ("tag:yaml.org,2002:omap", _KubectlReading.construct_untagged),
    ("tag:yaml.org,2002:pairs", _KubectlReading.construct_untagged),
    ("tag:yaml.org,2002:value", _KubectlReading.construct_untagged),
    (None, _KubectlReading.construct_untagged),
):
    _KubectlReading.add_constructor(_tag, _method)  # type: ignore[type-var]


class PythonManifestLoader(_KubectlReading, yaml.SafeLoader):
    """The pure-Python reader (PyYAML's SafeLoader), guarded the same way. Its composer can also count alias
    references as they are read, so a file of millions of aliases stops at the node budget, not at its end."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            self.nodes += 1
            if self.nodes > self.limits.max_nodes:
                raise YamlLimit(
                    f"more than {self.limits.max_nodes:,} YAML nodes in one file (refused); split it", nodes=self.nodes
                )
        return super().compose_node(parent, index)


class CManifestLoader(_KubectlReading, BASE_LOADER):  # type: ignore[valid-type,misc]
    """libyaml's CSafeLoader when PyYAML was built with it (else the same as PythonManifestLoader)."""


ManifestLoader: type[yaml.SafeLoader] = CManifestLoader


def expanded_size(root: Node, budget: int) -> int:
    """Nodes in `root` with every alias counted as a full copy of its target, stopping once past `budget`.

    Memoized, so it costs one visit per distinct node however large the expansion (the loops over a node's
    children run in C: a list of millions of aliases is counted in a fraction of a second); raises YamlLimit
    on an alias that refers to a node containing it (a cycle kubectl refuses and every consumer would loop on).
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            sizes[key] = min(1 + sum(map(sizes.__getitem__, map(id, _children(node)))), budget + 1)
            active.discard(key)
            continue
        if key in sizes:
            continue
        active.add(key)
        stack.append((node, True))
        children = _children(node)
        if not children:
            continue
        by_id = dict(zip(map(id, children), children, strict=True))
        if not active.isdisjoint(by_id):
            inner = by_id[next(iter(active.intersection(by_id)))]
            raise YamlLimit(
                f"an alias near line {inner.start_mark.line + 1} refers to a node that contains it (refused)"
            )
        stack.extend((by_id[k], False) for k in by_id.keys() - sizes.keys())
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def node_paths(root: Node) -> dict[int, str]:
    """The field path (as validation errors print it) of every mapping node, for naming duplicate keys."""
    paths: dict[int, str] = {}
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in paths:
            continue
        if isinstance(node, MappingNode):
            paths[id(node)] = path
            for k, v in node.value:
                if isinstance(k, ScalarNode):
                    stack.append((v, join_path(path, k.value)))
        elif isinstance(node, SequenceNode):
            paths[id(node)] = path
            for i, item in enumerate(node.value):
                stack.append((item, f"{path}[{i}]"))
    return paths


_FREE_FORM = ("spec.tags", "metadata.labels", "metadata.annotations")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def join_path(parent: str, key: str) -> str:
    """`parent.key`, or `parent['key']` for free-form maps (tags, labels) and keys that are not identifiers:
    the paths validation errors use, so a duplicate key is named like any other field."""
    if parent.endswith(_FREE_FORM) or not _IDENTIFIER.fullmatch(key) or len(key) > PATH_PART_MAX:
        return parent + path_key(key)
    return f"{parent}.{key}" if parent else key


def limits_for(loader_class: type[yaml.SafeLoader]) -> Limits:
    """libyaml's limits for a loader built on its CParser, the pure-Python reader's otherwise."""
    c_parser: type | None = getattr(getattr(yaml, "cyaml", None), "CParser", None)
    return LIBYAML_LIMITS if c_parser is not None and issubclass(loader_class, c_parser) else PYTHON_LIMITS


def read_documents(text: str, loader_class: type[yaml.SafeLoader] = ManifestLoader) -> Iterator[ParsedDocument]:
    """Every document of a YAML stream, read like kubectl, under the limits above."""
    limits = limits_for(loader_class)
    if len(text) > limits.max_bytes or len(text.encode("utf-8")) > limits.max_bytes:
        raise YamlLimit(f"larger than {limits.max_bytes // (1024 * 1024)} MB, the limit of {limits.reader} (refused)")
    loader = loader_class(text)
    assert isinstance(loader, _KubectlReading)
    loader.limits = limits
    loader.duplicates = []
    may_alias = "*" in text  # without an alias each node counts once, as composing already counted it
    try:
        index = 0
        while loader.check_node():
            if index >= limits.max_documents:
                raise YamlLimit(f"more than {limits.max_documents:,} documents in one file (refused); split it")
            composed = loader.nodes
            node = loader.get_node()
            index += 1
            if node is None:
                break
            if may_alias:
                loader.expanded += expanded_size(node, limits.max_nodes - loader.expanded)
            else:
                loader.expanded += loader.nodes - composed
            if loader.expanded > limits.max_nodes:
                raise YamlLimit(
                    f"document {index} expands to more than {limits.max_nodes:,} nodes through aliases (a 'billion "
                    "laughs' pattern; refused): write the values out or use fewer aliases",
                    nodes=loader.nodes,
                )
            loader.duplicates = []
            data = loader.construct_document(node)
            duplicates = []
            if loader.duplicates:
                paths = node_paths(node)
                duplicates = [
                    Duplicate(join_path(paths.get(id(m), ""), key), key, a.start_mark.line + 1, b.start_mark.line + 1)
                    for m, key, a, b in loader.duplicates
                ]
            yield ParsedDocument(index, data, duplicates)
    finally:
        loader.dispose()
