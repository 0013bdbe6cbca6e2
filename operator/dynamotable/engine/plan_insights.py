"""Planning contributor insights (table and GSIs), and normalizing what DescribeContributorInsights answers.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.engine.model import ACTIVE, Drift, ObservedInsights, ObservedTable, Step, SurfacePlan

ENABLED, DISABLED, FAILED = "ENABLED", "DISABLED", "FAILED"
IN_TRANSITION = ("ENABLING", "DISABLING")
DEFAULT_MODE = s.ContributorInsightsMode.ACCESSED_AND_THROTTLED_KEYS.value  # [A20] when ENABLE names none


def insights_entry(index: str | None) -> str:
    """The status.attached entry of the table's (None) or a GSI's contributor insights."""
    return "contributorInsights:table" if index is None else f"contributorInsights:index/{index}"


def insights_wanted(manifest: s.DynamoTable) -> dict[str | None, s.ContributorInsights]:
    """The contributor insights the spec manages: the table's (key None) and each GSI's that sets it."""
    spec = manifest.spec
    wanted: dict[str | None, s.ContributorInsights] = {}
    if spec.contributor_insights is not None:
        wanted[None] = spec.contributor_insights
    for gsi in spec.global_secondary_indexes:
        if gsi.contributor_insights is not None:
            wanted[gsi.name] = gsi.contributor_insights
    return wanted


def normalize_insights(raw: Mapping[str, Any], index: str | None) -> ObservedInsights:
    status = str(raw.get("ContributorInsightsStatus") or DISABLED)
    failure = raw.get("FailureException") or {}
    reason = None
    if status == FAILED and failure:
        reason = f"{failure.get('ExceptionName', 'failure')}: {failure.get('ExceptionDescription', '')}".rstrip(": ")
    mode = raw.get("ContributorInsightsMode")
    if status in (ENABLED, "ENABLING") and mode is None:
        mode = DEFAULT_MODE
    return ObservedInsights(index=index, status=status, mode=mode if status != DISABLED else None, failure=reason)


def _path(index: str | None) -> str:
    return "contributorInsights" if index is None else f"globalSecondaryIndexes[{index}].contributorInsights"


def _subject(table: str, index: str | None) -> str:
    return f"table {table}" if index is None else f"GSI {index} of table {table}"


def plan_insights(manifest: s.DynamoTable, live: ObservedTable, previous: frozenset[str]) -> SurfacePlan:
    """The steps that take the live insights to the spec; `previous`: status.attached of the last pass."""
    out = SurfacePlan()
    wanted = insights_wanted(manifest)
    targets: list[str | None] = [None, *(g.name for g in live.gsis)]
    targets += [name for name in wanted if name is not None and name not in targets]
    for index in targets:
        entry = insights_entry(index)
        want = wanted.get(index)
        if want is None and entry not in previous:
            continue  # never managed by this resource: never touched
        gsi = live.gsi(index) if index is not None else None
        if index is not None and gsi is None:
            if want is not None:
                out.attached.add(entry)  # the GSI is still to be created; its insights come once it is ACTIVE
            continue  # a GSI that is gone took its insights with it
        if live.insights is None or (gsi is not None and gsi.status != ACTIVE):
            out.attached.add(entry)  # not read this pass, or the GSI is not ACTIVE yet [A20]: nothing to decide
            continue
        have = next((i for i in live.insights if i.index == index), None)
        status = have.status if have is not None else DISABLED  # no entry: read as DISABLED, or just created
        if want is not None or status != DISABLED:
            out.attached.add(entry)
        subject = _subject(live.name, index)
        if status in IN_TRANSITION:
            out.waiting.append(f"contributor insights of {subject} is {status}")
            continue
        request: dict[str, Any] = {"TableName": live.name}
        if index is not None:
            request["IndexName"] = index
        if want is not None and want.enabled:
            mode = want.mode.value if want.mode is not None else None
            live_mode = have.mode if have is not None else None
            if status == ENABLED and (mode is None or mode == live_mode):
                continue
            request["ContributorInsightsAction"] = "ENABLE"
            if mode is not None:
                request["ContributorInsightsMode"] = mode
            if status == ENABLED:
                out.drift.append(Drift(f"{_path(index)}.mode", str(mode), str(live_mode)))
                description = f"change the contributor insights mode of {subject} from {live_mode} to {mode}"
            else:
                out.drift.append(Drift(f"{_path(index)}.enabled", "True", status.lower()))
                description = f"enable contributor insights of {subject} ({mode or DEFAULT_MODE})"
                if status == FAILED:
                    # [A20] FAILED is final until the next UpdateContributorInsights: enabling again retries
                    description += f"; it FAILED before: {have.failure if have and have.failure else 'no reason given'}"
        else:
            if status == DISABLED:
                continue
            if want is not None:
                out.drift.append(Drift(f"{_path(index)}.enabled", "False", status.lower()))
            request["ContributorInsightsAction"] = "DISABLE"
            description = f"disable contributor insights of {subject}" + (
                "" if want is not None else " (no longer in the spec)"
            )
        out.steps.append(Step("UpdateContributorInsights", live.region, request, description, transitions=True))
    return out
