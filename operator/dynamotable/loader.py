"""Reading DynamoTable manifests from files, directories and stdin for the CLI.

`-f` takes files, directories (recursively, `*.yaml` / `*.yml`), multi-document YAML and `-` for stdin.
Documents of other kinds are skipped with a note; problems with the input itself (a missing file,
unreadable YAML, nothing to read) raise `LoadError` with a one-line message.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dynamotable.api import spec as s
from dynamotable.api.validation import SpecError, validate_manifest


class LoadError(Exception):
    """The input could not be read at all; the message is one line meant for the user."""


@dataclass(frozen=True, slots=True)
class Document:
    source: str  # file path or "<stdin>"
    index: int  # 1-based position in a multi-document file
    body: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.source}:{self.index}"


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


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"{source}: cannot read: {exc}") from exc


def load(paths: Iterable[str]) -> Loaded:
    """All DynamoTable documents under `paths`, in order; other kinds become notes."""
    out = Loaded()
    sources = list(_expand(paths))
    if not sources:
        raise LoadError("no input: give -f with a file, a directory of *.yaml files, or - for stdin")
    for source in sources:
        name = "<stdin>" if source == "-" else source
        try:
            docs = list(yaml.safe_load_all(_read(source)))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise LoadError(f"{name}: not valid YAML{at}: {problem}") from exc
        for i, doc in enumerate(docs, start=1):
            if doc is None:
                continue
            if not isinstance(doc, dict):
                out.notes.append(f"{name}:{i}: skipped: not a YAML mapping")
            elif doc.get("kind") != s.KIND:
                out.notes.append(f"{name}:{i}: skipped {doc.get('kind') or 'a document without kind'}")
            else:
                out.documents.append(Document(name, i, doc))
    if not out.documents:
        raise LoadError(f"no {s.KIND} documents found in {', '.join(sources)}")
    return out


@dataclass(slots=True)
class Checked:
    manifests: list[tuple[Document, s.DynamoTable]] = field(default_factory=list)
    errors: list[tuple[Document, SpecError]] = field(default_factory=list)

    def error_lines(self) -> list[str]:
        return [f"{doc.where}: {err}" for doc, err in self.errors]


def check(loaded: Loaded, *, default_region: str | None = None) -> Checked:
    """Validate every document; duplicate targets (same table in the same region) are errors too."""
    out = Checked()
    targets: dict[tuple[str, str | None], Document] = {}
    for doc in loaded.documents:
        manifest, errors = validate_manifest(doc.body, default_region=default_region)
        out.errors.extend((doc, e) for e in errors)
        if manifest is None:
            continue
        key = (manifest.table_name, manifest.spec.region or default_region)
        if key in targets:
            out.errors.append(
                (
                    doc,
                    SpecError(
                        "spec.tableName",
                        f"table {key[0]!r} is already declared by {targets[key].where}; one manifest per table",
                    ),
                )
            )
            continue
        targets[key] = doc
        out.manifests.append((doc, manifest))
    return out
