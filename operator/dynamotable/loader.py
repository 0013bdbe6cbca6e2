"""Reading DynamoTable manifests from files, directories and stdin for the CLI.

`-f` takes files, directories (recursively, `*.yaml` / `*.yml`), multi-document YAML and `-` for stdin.
YAML is read as kubectl reads it, under limits that stop hostile input early (`manifest_yaml`). A `kind: List`
(or `DynamoTableList`) is expanded into its items like kubectl does. Documents of other kinds are skipped with
a note; a document that was evidently meant as a DynamoTable (`kind: dynamotable`, this API group with another
kind, a top-level YAML list of DynamoTables) is kept and fails validation naming the fix, as kubectl would
refuse it. Problems with the input itself (a missing file, unreadable or hostile YAML, nothing to read) raise
`LoadError` with a one-line message.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from dynamotable import fanout, manifest_yaml
from dynamotable.api import spec as s
from dynamotable.api.validation import SpecError, metadata_errors, shown, validate_manifest

_DOCUMENT = "(document)"
_KIND_ALIASES = frozenset({s.KIND.lower(), s.PLURAL, s.SINGULAR, *s.SHORT_NAMES})
_PROBLEM_MAX = 200


class LoadError(Exception):
    """The input could not be read at all; the message is one line meant for the user."""


@dataclass(frozen=True, slots=True)
class Document:
    source: str  # file path or "<stdin>"
    index: int  # 1-based position in a multi-document file
    body: Mapping[str, Any]
    prefix: str = ""  # "items[2]." for an item of a kind: List document
    problems: tuple[SpecError, ...] = ()  # found while reading (duplicate keys, a list instead of a mapping)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.index}"

    @property
    def label(self) -> str:
        """`where`, naming the item of a List document too."""
        return f"{self.where} {self.prefix.rstrip('.')}" if self.prefix else self.where


@dataclass(slots=True)
class Loaded:
    documents: list[Document] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _expand(paths: Iterable[str]) -> Iterator[str]:
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            yield from (str(p) for p in found)
        elif path.exists():
            yield raw
        else:
            raise LoadError(f"{raw}: no such file or directory")


def _too_big(name: str, size: int | None) -> LoadError:
    limit = manifest_yaml.MAX_BYTES
    what = f"{size:,} bytes is" if size is not None else "the input is"
    return LoadError(
        f"{name}: {what} more than the {limit // (1024 * 1024)} MB ({limit:,} bytes) a manifest file may hold"
    )


def _read(source: str) -> str:
    name = "<stdin>" if source == "-" else source
    limit = manifest_yaml.MAX_BYTES
    try:
        if source == "-":
            data = sys.stdin.buffer.read(limit + 1)  # never more: stdin may be endless
            if len(data) > limit:
                raise _too_big(name, None)
        else:
            size = Path(source).stat().st_size
            if size > limit:
                raise _too_big(name, size)
            data = Path(source).read_bytes()
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc
    except OSError as exc:
        raise LoadError(f"{name}: cannot read: {exc}") from exc


def _yaml_problem(name: str, exc: yaml.YAMLError) -> LoadError:
    if isinstance(exc, manifest_yaml.YamlLimit):
        return LoadError(f"{name}: {exc}")
    mark = getattr(exc, "problem_mark", None)
    at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    problem = " ".join(str(problem).split())
    if len(problem) > _PROBLEM_MAX:
        problem = problem[: _PROBLEM_MAX - 1] + "…"
    return LoadError(f"{name}: not valid YAML{at}: {problem}")


def _close(text: str, target: str) -> bool:
    return difflib.SequenceMatcher(None, text.lower(), target.lower()).ratio() >= 0.85


def meant_as_dynamotable(doc: Mapping[str, Any]) -> bool:
    """A DynamoTable, or a document that is evidently meant as one: validating it names the fix."""
    kind, api_version = doc.get("kind"), doc.get("apiVersion")
    group = api_version.split("/", 1)[0] if isinstance(api_version, str) else None
    if kind == s.KIND or (group is not None and group.lower() == s.GROUP):
        return True
    if isinstance(kind, str):
        if kind.lower() in _KIND_ALIASES:
            return True
        return _close(kind, s.KIND) and (group is None or _close(group, s.GROUP))
    spec = doc.get("spec")
    return kind is None and isinstance(spec, Mapping) and "hashKey" in spec


def _skipped(doc: Mapping[str, Any]) -> str:
    kind = doc.get("kind")
    if kind is None:
        return "skipped a document without kind"
    return f"skipped {kind if isinstance(kind, str) and len(kind) <= 60 and kind.isprintable() else shown(kind)}"


def _list_problem(items: list[Any]) -> SpecError:
    return SpecError(
        _DOCUMENT,
        f"is a YAML list of {len(items)} item(s), not a Kubernetes object (a line starts with '- apiVersion'?); "
        "remove the leading '- ' and separate manifests with ---, or wrap them in kind: List with items:",
    )


def _problems(duplicates: list[manifest_yaml.Duplicate], prefix: str = "") -> tuple[SpecError, ...]:
    return tuple(
        SpecError(
            d.path[len(prefix) :] if prefix else d.path,
            f"key {shown(d.key)} is given twice (lines {d.first_line} and {d.line}); kubectl refuses duplicate "
            "keys and YAML readers would silently keep one: keep one of them",
        )
        for d in duplicates
        if d.path.startswith(prefix)
    )


def _add(out: Loaded, name: str, parsed: manifest_yaml.ParsedDocument) -> None:
    doc, i = parsed.data, parsed.index
    if doc is None:
        return
    if isinstance(doc, list):
        if any(isinstance(d, Mapping) and meant_as_dynamotable(d) for d in doc):
            out.documents.append(Document(name, i, {}, problems=(_list_problem(doc),)))
        else:
            out.notes.append(f"{name}:{i}: skipped a YAML list (not a Kubernetes object)")
        return
    if not isinstance(doc, Mapping):
        out.notes.append(f"{name}:{i}: skipped {shown(doc, 40)} (a plain value, not a Kubernetes object)")
        return
    kind, items = doc.get("kind"), doc.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        for n, item in enumerate(items):
            prefix = f"items[{n}]."
            if isinstance(item, Mapping) and meant_as_dynamotable(item):
                out.documents.append(Document(name, i, item, prefix, _problems(parsed.duplicates, prefix)))
            elif isinstance(item, Mapping):
                out.notes.append(f"{name}:{i}: items[{n}]: {_skipped(item)}")
            else:
                out.notes.append(f"{name}:{i}: items[{n}]: skipped {shown(item, 40)} (not a Kubernetes object)")
        return
    if meant_as_dynamotable(doc):
        out.documents.append(Document(name, i, doc, problems=_problems(parsed.duplicates)))
    else:
        out.notes.append(f"{name}:{i}: {_skipped(doc)}")


def _parse_source(source: str) -> tuple[str, list[manifest_yaml.ParsedDocument]]:
    """(the name errors use, every document) of one file or stdin; LoadError when it cannot be read."""
    name = "<stdin>" if source == "-" else source
    text = _read(source)
    try:
        return name, list(manifest_yaml.read_documents(text))
    except yaml.YAMLError as exc:
        raise _yaml_problem(name, exc) from exc


def sources(paths: Iterable[str]) -> list[str]:
    """Every file (or `-`) that `paths` names, in order; LoadError when there is none or one is missing."""
    found = list(_expand(paths))
    if not found:
        raise LoadError("no input: give -f with a file, a directory of *.yaml files, or - for stdin")
    return found


def read_source(source: str) -> Loaded:
    """The documents and notes of one file (or stdin)."""
    out = Loaded()
    name, documents = _parse_source(source)
    for parsed in documents:
        _add(out, name, parsed)
    return out


def nothing_found(found: list[str], notes: list[str]) -> LoadError:
    why = f" ({'; '.join(notes[:3])}{'; …' if len(notes) > 3 else ''})" if notes else ""
    where = ", ".join(found[:3]) + (f" and {len(found) - 3} more files" if len(found) > 3 else "")
    return LoadError(f"no {s.KIND} documents found in {where}{why}")


def load(paths: Iterable[str]) -> Loaded:
    """All DynamoTable documents under `paths`, in order; other kinds become notes."""
    return load_sources(sources(paths))


def load_sources(found: list[str]) -> Loaded:
    """`load` of the files `sources` found."""
    out = Loaded()
    # stdin is read here, never by a worker process
    min_items = len(found) + 1 if "-" in found else fanout.MIN_ITEMS
    for name, documents in fanout.map_in_chunks(_parse_source, found, min_items=min_items):
        for parsed in documents:
            _add(out, name, parsed)
    if not out.documents:
        raise nothing_found(found, out.notes)
    return out


M = TypeVar("M")
Target = tuple[str, str | None]  # (table name, region): one manifest per table


@dataclass(slots=True)
class Checked:
    manifests: list[tuple[Document, s.DynamoTable]] = field(default_factory=list)
    errors: list[tuple[Document, SpecError]] = field(default_factory=list)

    def error_lines(self) -> list[str]:
        return [f"{doc.where}: {err}" for doc, err in self.errors]


def _prefixed(doc: Document, err: SpecError) -> SpecError:
    if not doc.prefix:
        return err
    path = doc.prefix.rstrip(".") if err.path == _DOCUMENT else doc.prefix + err.path
    return SpecError(path, err.message)


def _validate_body(doc: Document, *, default_region: str | None) -> tuple[s.DynamoTable | None, list[SpecError]]:
    if not doc.body:
        return None, []
    return validate_manifest(doc.body, default_region=default_region)


def verdict(doc: Document, *, default_region: str | None) -> tuple[s.DynamoTable | None, list[SpecError]]:
    """The model of a document without any error (else None), and its errors as the user sees them."""
    manifest, invalid = _validate_body(doc, default_region=default_region)
    errors = metadata_errors(manifest) if manifest is not None else invalid
    shown_errors = [_prefixed(doc, e) for e in (*doc.problems, *errors)]
    return (manifest if manifest is not None and not shown_errors else None), shown_errors


def target_of(manifest: s.DynamoTable, default_region: str | None) -> Target:
    return manifest.table_name, manifest.spec.region or default_region


def sort_out(
    judged: Iterable[tuple[Document, M | None, Sequence[SpecError]]], target: Callable[[M], Target]
) -> tuple[list[tuple[Document, M]], list[tuple[Document, SpecError]]]:
    """(the accepted manifests, every error) of documents judged by `verdict`, in order: a second manifest of
    the same target is an error too. `M` is a model, or what a worker process sent back of one."""
    accepted: list[tuple[Document, M]] = []
    errors: list[tuple[Document, SpecError]] = []
    targets: dict[Target, Document] = {}
    for doc, manifest, doc_errors in judged:
        errors.extend((doc, e) for e in doc_errors)
        if manifest is None:
            continue
        key = target(manifest)
        if key in targets:
            message = f"table {shown(key[0])} is already declared by {targets[key].label}; one manifest per table"
            errors.append((doc, _prefixed(doc, SpecError("spec.tableName", message))))
            continue
        targets[key] = doc
        accepted.append((doc, manifest))
    return accepted, errors


def check(loaded: Loaded, *, default_region: str | None = None) -> Checked:
    """Validate every document; duplicate targets (same table in the same region) are errors too."""
    # Serial on purpose: a validated model costs about as much to send back from a worker process (pickling) as
    # to validate here (docs/performance.md); `render` spreads validation with rendering (commands/render.py).
    judged = ((doc, *verdict(doc, default_region=default_region)) for doc in loaded.documents)
    manifests, errors = sort_out(judged, lambda m: target_of(m, default_region))
    return Checked(manifests, errors)
