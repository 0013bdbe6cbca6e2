"""Saved plans: `plan --out FILE` writes one, `apply --plan FILE` carries it out exactly.

The file is the plan's JSON report (plan.schema.json) where each table also has `saved`: the manifest it was
planned from, its sha256, and the fingerprint (sha256 of the normalized ObservedTable, engine.model.fingerprint)
of the live table the plan was made against (the fingerprint of "no table" for a table to create).

Decision on steps that need AWS to finish an earlier one first (create, wait for ACTIVE, then TTL...): the
saved plan holds EVERY step, in order. `apply --plan` first observes every table again and refuses the whole
plan when any fingerprint differs (exit 1, nothing sent). It then drives the tables as `apply` does, one step
per pass, observing again and planning again between steps, but every mutating call must be exactly the
table's next saved step (same operation, region and request; the account in table ARNs is not compared, since
the steps after a CreateTable name the table by an ARN whose account is not known yet). A call that differs
means the table moved while the plan ran: that table stops as stale, with nothing more sent for it. After its
last saved step a table only waits for AWS; it is done when a fresh plan of it is empty.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import validate_manifest
from dynamotable.commands.common import fail
from dynamotable.commands.report import SCHEMA_VERSION, TablePlan
from dynamotable.engine.model import DYNAMODB, Step


def manifest_json(manifest: DynamoTable) -> dict[str, Any]:
    data: dict[str, Any] = manifest.model_dump(by_alias=True, mode="json", exclude_none=True, exclude={"status"})
    return data


def sha256_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def saved_json(tp: TablePlan) -> dict[str, Any]:
    manifest = manifest_json(tp.manifest)
    return {"observedSha256": tp.fingerprint, "manifestSha256": sha256_json(manifest), "manifest": manifest}


@dataclass(frozen=True)
class SavedTable:
    manifest: DynamoTable
    region: str
    owner: str
    steps: list[Step]
    observed: str  # fingerprint of the live table at plan time


@dataclass(frozen=True)
class SavedPlan:
    path: Path
    target: str
    tables: list[SavedTable]


def write(path: Path, document: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"{path}: cannot write the plan: {exc}")


def read(path: Path) -> SavedPlan:
    """Load a plan written by `plan --out`; anything else (or a damaged one) is a one-line error."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"{path}: cannot read the plan: {exc}")
    except ValueError as exc:
        fail(f"{path}: not a plan written by `dynamotable plan --out` (not JSON: {exc})")
    if not isinstance(document, dict) or document.get("command") != "plan":
        fail(f"{path}: not a plan written by `dynamotable plan --out`")
    if document.get("schemaVersion") != SCHEMA_VERSION:
        fail(f"{path}: plan schemaVersion {document.get('schemaVersion')!r}; this dynamotable reads {SCHEMA_VERSION}")
    tables: list[SavedTable] = []
    for i, raw in enumerate(document.get("tables") or []):
        where = f"{path}: tables[{i}]"
        try:
            saved = raw["saved"]
            body = saved["manifest"]
            if sha256_json(body) != saved["manifestSha256"]:
                fail(f"{where}: the manifest does not match its manifestSha256; the file was edited or damaged")
            region = str(raw["region"])
            manifest, errors = validate_manifest(body, default_region=region)
            if manifest is None or errors:
                fail(f"{where}: the saved manifest is not valid: {'; '.join(str(e) for e in errors)}")
            steps = [
                Step(
                    str(s["operation"]),
                    str(s["region"]),
                    dict(s["request"]),
                    str(s["description"]),
                    service=str(s.get("service") or DYNAMODB),
                )
                for s in raw["steps"]
            ]
            tables.append(SavedTable(manifest, region, str(raw["owner"]), steps, str(saved["observedSha256"])))
        except (KeyError, TypeError) as exc:
            fail(f"{where}: not a saved plan table (missing {exc}); write it with `dynamotable plan --out`")
    if not tables:
        fail(f"{path}: the plan holds no table")
    return SavedPlan(path, str(document.get("target") or ""), tables)


class SavedSteps:
    """The steps of one saved table, and which of them comes next (one pass of a table at a time)."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.done = 0

    @property
    def next(self) -> Step | None:
        return self.steps[self.done] if self.done < len(self.steps) else None
