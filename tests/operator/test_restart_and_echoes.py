"""Restarts and self-induced events: no repeated step, no stampede, no AWS call for echoes or status edits."""

from __future__ import annotations

import asyncio
from typing import Any

import kmock
import pytest
from operator_harness import TEST_HEADER, Harness, eventually, fast_settings, table_spec

from dynamotable.local import Latency
from dynamotable.operator.reconciler import Reconciler


def _status_patches(h: Harness, name: str) -> int:
    """PATCHes of the object's status by the operator (not by the test)."""
    return len(
        [
            r
            for r in h.k.log
            if r.action == kmock.action.UPDATE
            and r.name == name
            and r.subresource == "status"
            and TEST_HEADER not in r.headers
        ]
    )


def _configmap_writes(h: Harness) -> int:
    return len(
        [
            r
            for r in h.k.log
            if r.resource
            and r.resource.plural == "configmaps"
            and r.action in (kmock.action.CREATE, kmock.action.UPDATE)
            and TEST_HEADER not in r.headers
        ]
    )


async def test_restart_in_the_middle_of_a_plan_repeats_no_step(harness: Harness) -> None:
    h = harness
    h.endpoint.set_latency(Latency(create=0.05, update=0.3, gsi_create=0.6))
    await h.start()
    table = f"{h.namespace}-orders"
    await h.create("orders", table_spec(tableName=table))
    await eventually(lambda: h.ready("orders"))

    spec = table_spec(
        tableName=table,
        attributes=[{"name": "id", "type": "S"}, {"name": "day", "type": "S"}],
        globalSecondaryIndexes=[{"name": "ByDay", "hashKey": "day"}],
        ttl={"enabled": True, "attributeName": "expiresAt"},
        pointInTimeRecovery={"enabled": True},
    )
    await h.patch("orders", {"spec": spec})
    await eventually(lambda: any("GlobalSecondaryIndexUpdates" in r.payload for r in h.aws(table, mutating=True)))
    await h.stop()  # the GSI is being created; TTL and PITR are still to do
    assert len(h.status("orders")["plan"]) == 2

    await h.start()
    await eventually(lambda: h.obj("orders")["metadata"]["generation"] == 2 and h.ready("orders"), timeout=15)
    mutations = h.aws(table, mutating=True)
    assert [r.operation for r in mutations].count("CreateTable") == 1
    assert sum(1 for r in mutations if "GlobalSecondaryIndexUpdates" in r.payload) == 1
    assert [r.operation for r in mutations].count("UpdateTimeToLive") == 1
    assert [r.operation for r in mutations].count("UpdateContinuousBackups") == 1
    assert h.status("orders")["plan"] == []


async def test_resume_of_converged_tables_is_spread_over_the_drift_interval(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    await h.start()
    names = [f"t{i:02d}" for i in range(20)]
    await asyncio.gather(*(h.create(n, table_spec(tableName=f"{h.namespace}-{n}")) for n in names))
    await eventually(lambda: all(h.ready(n) for n in names), timeout=20)
    await h.stop()

    h.endpoint.clear_requests()
    # Where each resume places its object's first check (read later, next_drift may already be the second).
    first_placed: dict[Any, float] = {}
    place = Reconciler._place_check

    def recording(self: Reconciler, key: Any, body: Any, state: Any, now: float) -> None:
        place(self, key, body, state, now)
        if state.next_drift is not None:
            first_placed.setdefault(key, state.next_drift)

    monkeypatch.setattr(Reconciler, "_place_check", recording)
    started = asyncio.get_running_loop().time()
    op = await h.start(fast_settings(h.endpoint, drift_interval=1.0))
    await eventually(
        lambda: (
            op.metrics.registry.get_sample_value(
                "dynamotable_reconciles_total", {"trigger": "resume", "result": "Skipped"}
            )
            == len(names)
        )
    )
    resumed = asyncio.get_running_loop().time()  # every resume handler ran between `started` and now
    # resuming converged objects makes no AWS call at all: every pass since the restart is a drift check
    assert not [r for r in h.aws() if r.operation != "DescribeTable" and not r.operation.startswith("List")]
    # (a pass is counted as it starts and its DescribeTable as it arrives: compare at a moment none is mid-way)
    await eventually(
        lambda: sum(h.state(n).passes for n in names) == len([r for r in h.aws() if r.operation == "DescribeTable"]),
        timeout=5,
    )

    # Their drift checks are placed (requested) over the interval rather than all at once...
    assert len(first_placed) == len(names)
    placed = [at - started for at in first_placed.values()]
    # each within one interval of its own resume, which came after `started` and before `resumed`
    assert all(0.0 <= p <= (resumed - started) + 1.0 for p in placed), (placed, resumed - started)
    assert max(placed) - min(placed) > 0.4, f"first drift checks all requested within {max(placed) - min(placed):.2f}s"
    # ...and each does happen: one DescribeTable per table
    await eventually(
        lambda: (
            {r.payload.get("TableName") for r in h.aws() if r.operation == "DescribeTable"}
            >= {f"{h.namespace}-{n}" for n in names}
        ),
        timeout=5,
    )
    assert all(h.ready(n) for n in names)


async def test_echoes_and_status_or_metadata_changes_make_no_aws_call(harness: Harness) -> None:
    h = harness
    op = await h.start()
    table = f"{h.namespace}-quiet"
    await h.create("quiet", table_spec(tableName=table))
    await eventually(lambda: h.ready("quiet"))
    # kopf's own patches may still echo back after this: they must make no AWS call either
    aws_before, engine_before = len(h.aws()), sum(op.factory.calls.values())
    patches_before = _status_patches(h, "quiet")

    await h.patch("quiet", {"status": {"note": "edited by someone"}}, subresource="status")
    await h.patch("quiet", {"metadata": {"labels": {"app": "shop"}}})
    await h.patch("quiet", {"metadata": {"annotations": {"example.com/owner": "team-a"}}})
    await h.patch("quiet", {"metadata": {"annotations": {"dynamotable.io/drift-interval": "2h"}}})
    samples = op.metrics.registry.get_sample_value
    # the label and annotation edits reached the handler (which skipped AWS), and the drift timer ran meanwhile
    await eventually(
        lambda: (samples("dynamotable_reconciles_total", {"trigger": "update", "result": "Skipped"}) or 0) >= 2
    )
    await h.drift_ticks(2)

    assert len(h.aws()) == aws_before
    assert sum(op.factory.calls.values()) == engine_before
    assert _status_patches(h, "quiet") == patches_before
    skipped = op.metrics.registry.get_sample_value(
        "dynamotable_reconciles_total", {"trigger": "update", "result": "Skipped"}
    )
    assert skipped is not None and skipped >= 2  # label and annotation edits reached the handler, which skipped AWS
    assert h.ready("quiet")


async def test_quiet_drift_checks_write_nothing(harness: Harness) -> None:
    h = harness
    await h.start(fast_settings(h.endpoint, drift_interval=0.1))
    table = f"{h.namespace}-steady"
    await h.create("steady", table_spec(tableName=table))
    await eventually(lambda: h.ready("steady"))
    await h.passes("steady", 1)  # the first drift check
    patches, writes, describes = _status_patches(h, "steady"), _configmap_writes(h), len(h.aws(table))

    await h.passes("steady", 3)
    assert len(h.aws(table)) >= describes + 3  # the timer did re-observe the table several times
    assert h.aws(table, mutating=True) == [h.aws(table, mutating=True)[0]]  # the CreateTable only
    assert _status_patches(h, "steady") == patches  # lastSyncTime alone is not worth a write
    assert _configmap_writes(h) == writes  # read back and found equal
