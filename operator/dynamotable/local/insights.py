"""[A20] Contributor insights of tables and GSIs (moto has none of its APIs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import messages
from .state import ACTIVE, Insights, TableState
from .timestamps import epoch_millis
from .wire import AwsError, DynamoRequest, Reply, json_reply, table_name_of

if TYPE_CHECKING:
    from .controlplane import ControlPlane

ACTIONS = ("ENABLE", "DISABLE")
MODES = ("ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS")
DEFAULT_MODE = "ACCESSED_AND_THROTTLED_KEYS"  # [A20] AWS's default when ENABLE names none


def _throttle(control: ControlPlane, request: DynamoRequest, now: float) -> None:
    # [A20] each contributor insights API: 5 requests per second per account (and region).
    place = (request.account, request.region, request.operation)
    if not control.rate.take(place, now, control.rules.insights_rps):
        raise AwsError("ThrottlingException", "Rate of requests exceeds the allowed throughput.")


def _target(control: ControlPlane, request: DynamoRequest) -> tuple[str, str | None, TableState]:
    """(table, index, record) named by the request; the index must be one of the table's GSIs."""
    name = table_name_of(request.payload.get("TableName"))
    index = request.payload.get("IndexName") or None
    table, state = control.lookup(request, name)
    if index is not None and index not in {g.name for g in table.global_indexes}:
        raise messages.index_not_found(str(index), name)
    return name, index, state


def _rules(name: str, index: str | None, mode: str) -> list[str]:
    # The rule names CloudWatch shows for the table or index (their exact wording is AWS's and not part of any
    # documented contract: callers only count and display them).
    subject = f"{name}-{index}" if index else name
    keys = ["PKC", "SKC"] if mode == DEFAULT_MODE else ["PKT", "SKT"]
    return [f"DynamoDBContributorInsights-{key}-{subject}" for key in keys]


def _describe(name: str, index: str | None, record: Insights | None, now: float) -> dict[str, Any]:
    reply: dict[str, Any] = {"TableName": name}
    if index is not None:
        reply["IndexName"] = index
    if record is None:
        reply["ContributorInsightsStatus"] = "DISABLED"
        return reply
    status = record.status(now)
    reply["ContributorInsightsStatus"] = status
    reply["LastUpdateDateTime"] = epoch_millis(
        record.changed if now < record.until else record.changed + record.latency
    )
    if status in ("ENABLING", "ENABLED"):
        reply["ContributorInsightsRuleList"] = _rules(name, index, record.mode)
        reply["ContributorInsightsMode"] = record.mode
    return reply


def update_insights(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    _throttle(control, request, now)
    action = request.payload.get("ContributorInsightsAction")
    mode = request.payload.get("ContributorInsightsMode")
    if action not in ACTIONS:
        raise messages.validation(
            f"1 validation error detected: Value '{action}' at 'contributorInsightsAction' failed to satisfy "
            "constraint: Member must satisfy enum value set: [ENABLE, DISABLE]"
        )
    if mode is not None and mode not in MODES:
        raise messages.validation(
            f"1 validation error detected: Value '{mode}' at 'contributorInsightsMode' failed to satisfy "
            "constraint: Member must satisfy enum value set: [ACCESSED_AND_THROTTLED_KEYS, THROTTLED_KEYS]"
        )
    name, index, state = _target(control, request)
    if state.status != ACTIVE:
        # [A4] like the other per-table APIs: nothing changes while the table is CREATING or DELETING.
        raise messages.table_busy(state.status, name)
    if index is not None and index in state.indexes:
        raise messages.in_use(f"Index is not ACTIVE. Table: {name} Index: {index}")
    enable = action == "ENABLE"
    current = state.insights.get(index)
    kept = current.mode if current is not None else DEFAULT_MODE
    record = Insights(
        enabled=enable,
        mode=str(mode or DEFAULT_MODE) if enable else kept,
        until=now + control.latency.insights,
        changed=control.wall.at(now),
        latency=control.latency.insights,
    )
    state.insights[index] = record
    reply: dict[str, Any] = {"TableName": name, "ContributorInsightsStatus": record.status(now)}
    if index is not None:
        reply["IndexName"] = index
    return json_reply(reply)


def describe_insights(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    _throttle(control, request, now)
    name, index, state = _target(control, request)
    return json_reply(_describe(name, index, state.insights.get(index), now))


def list_insights(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    """ListContributorInsights of one table (the engine never lists every table's)."""
    _throttle(control, request, now)
    name = table_name_of(request.payload.get("TableName"))
    if not name:
        raise messages.validation("ListContributorInsights of the whole account is not served by this endpoint")
    _table, state = control.lookup(request, name)
    summaries = []
    for index, record in state.insights.items():
        summary: dict[str, Any] = {"TableName": name, "ContributorInsightsStatus": record.status(now)}
        if index is not None:
            summary["IndexName"] = index
        if record.enabled:
            summary["ContributorInsightsMode"] = record.mode
        summaries.append(summary)
    return json_reply({"ContributorInsightsSummaries": summaries})
