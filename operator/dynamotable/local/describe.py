"""Reshape moto's TableDescription into what DynamoDB reports for the same table."""

from __future__ import annotations

import copy
from typing import Any

from .state import ACTIVE, CREATING, DELETING, TableState
from .timestamps import round_times

GLOBAL_TABLE_VERSION = "2019.11.21"


def shape_table(
    description: dict[str, Any],
    state: TableState | None,
    now: float,
    wall: float,
    replicas: list[dict[str, Any]],
) -> dict[str, Any]:
    """Return a copy of moto's description with statuses, optional keys and recorded settings as AWS has them.

    `now` is the endpoint clock (transitions), `wall` the same moment as Unix time (the UTC day of the decrease
    counts). Timestamps come out in milliseconds, as AWS's JSON has them.
    """
    out = copy.deepcopy(description)
    status = state.status if state else ACTIVE
    out["TableStatus"] = status
    if state is not None:
        out["TableId"] = state.table_id
    arn = out.get("TableArn", "")

    gsis = out.get("GlobalSecondaryIndexes") or []
    for gsi in gsis:
        _shape_gsi(gsi, state, status, now, arn)
    for lsi in out.get("LocalSecondaryIndexes") or []:
        lsi.setdefault("IndexArn", f"{arn}/index/{lsi['IndexName']}")

    # [API, A1] optional keys are absent when empty; index info is not returned while DELETING.
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if not out.get(key) or status == DELETING:
            out.pop(key, None)

    restore = out.get("RestoreSummary")
    if isinstance(restore, dict):
        restore["RestoreInProgress"] = status == CREATING  # [A24.1] until the restored table is ACTIVE

    warm = out.get("WarmThroughput")
    if isinstance(warm, dict) and status == CREATING:
        warm["Status"] = CREATING  # [API] table WarmThroughput.Status follows the TableStatus enum

    if state is not None:
        _shape_settings(out, state, now)
        _shape_decreases(out, state, wall)
    if replicas:
        # [DG-GT, A13] a global table lists its other replicas and reports the version.
        out["Replicas"] = replicas
        out["GlobalTableVersion"] = GLOBAL_TABLE_VERSION
    round_times(out)
    return out


def _shape_decreases(out: dict[str, Any], state: TableState, wall: float) -> None:
    """[API ProvisionedThroughputDescription, DG-Q] NumberOfDecreasesToday counts this UTC day's decreases of the
    table, and of each GSI on its own; LastDecreaseDateTime stays after midnight."""
    throughput = out.get("ProvisionedThroughput")
    if isinstance(throughput, dict):
        throughput["NumberOfDecreasesToday"] = state.decreases.today(wall)
    for gsi in out.get("GlobalSecondaryIndexes") or []:
        index_throughput = gsi.get("ProvisionedThroughput")
        if not isinstance(index_throughput, dict):
            continue
        budget = state.index_decreases.get(gsi["IndexName"])
        index_throughput["NumberOfDecreasesToday"] = budget.today(wall) if budget else 0
        if budget is not None and budget.last is not None:
            index_throughput["LastDecreaseDateTime"] = budget.last


def _shape_gsi(gsi: dict[str, Any], state: TableState | None, status: str, now: float, arn: str) -> None:
    name = gsi["IndexName"]
    gsi.setdefault("IndexArn", f"{arn}/index/{name}")
    gsi.setdefault("IndexSizeBytes", 0)
    gsi.setdefault("ItemCount", 0)
    job = state.indexes.get(name) if state else None
    if status == CREATING:
        gsi["IndexStatus"] = CREATING  # [API CreateTable, A2] indexes of a new table turn ACTIVE with the table
    elif job is not None:
        gsi["IndexStatus"] = job.status
        if job.status == CREATING and job.backfills:
            # [API GlobalSecondaryIndexDescription.Backfilling, DG-GSI] only for GSIs added by UpdateTable.
            gsi["Backfilling"] = job.backfilling(now)
    warm = gsi.get("WarmThroughput")
    if isinstance(warm, dict) and gsi.get("IndexStatus") == CREATING:
        warm["Status"] = "UPDATING"  # [API] GSI warm throughput Status is UPDATING or ACTIVE
    if state is not None and name in state.index_on_demand:
        gsi["OnDemandThroughput"] = dict(state.index_on_demand[name])


def _shape_settings(out: dict[str, Any], state: TableState, now: float) -> None:
    summary = out.get("BillingModeSummary")
    if isinstance(summary, dict):
        if summary.get("BillingMode") == "PROVISIONED" and not state.billing_explicit:
            out.pop("BillingModeSummary")  # [API] may be absent on tables never given a billing mode
        elif state.ppr_switched_at is not None:
            summary["LastUpdateToPayPerRequestDateTime"] = state.ppr_switched_at
    if state.table_class is not None:
        class_summary: dict[str, Any] = {"TableClass": state.table_class}
        if state.table_class_updated is not None:
            class_summary["LastUpdateDateTime"] = state.table_class_updated
        out["TableClassSummary"] = class_summary  # [API TableClassSummary, DG-TC]
    if state.on_demand:
        out["OnDemandThroughput"] = dict(state.on_demand)  # [API OnDemandThroughput, DG-ODMAX]
    if state.sse_status and now < state.sse_until:
        # [DG-SSE, A1] a key switch reports UPDATING (ENABLING/DISABLING from/to the AWS owned key) until done.
        sse = out.setdefault("SSEDescription", {})
        sse["Status"] = state.sse_status
