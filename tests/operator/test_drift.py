"""Drift: changes made behind the operator's back are found by the timer, recorded, announced and corrected;
under managementPolicy Plan only reported."""

from __future__ import annotations

import threading

import pytest
from operator_harness import Harness, eventually, fast_settings, table_spec

from dynamotable.engine.model import is_mutating

# The operator's clock is the event loop's; looptime makes it the test's (waits and intervals run in loop
# time: a drift interval or a retry delay is asserted as requested, not waited for on the wall clock).
pytestmark = pytest.mark.looptime


def _pitr(h: Harness, table: str) -> str:
    desc = h.ddb().describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    return str(desc["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"])


def _break(h: Harness, table: str) -> None:
    """Someone turns PITR off and retags the table in the console."""
    arn = h.describe(table)["TableArn"]  # type: ignore[index]
    h.ddb().update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    h.ddb().tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "someone-else"}])


def _drift_fields(h: Harness, name: str) -> set[str]:
    return {d["field"] for v in h.history(name) for d in (v.get("status") or {}).get("drift") or []}


async def test_drift_is_detected_recorded_and_corrected(harness: Harness) -> None:
    h = harness
    op = await h.start(fast_settings(h.endpoint, drift_interval=0.3))
    table = f"{h.namespace}-ledger"
    await h.create("ledger", table_spec(tableName=table, pointInTimeRecovery={"enabled": True}, tags={"team": "shop"}))
    await eventually(lambda: h.ready("ledger"))
    assert _pitr(h, table) == "ENABLED"

    _break(h, table)
    await eventually(lambda: "DriftCorrected" in h.reasons("ledger"), timeout=10)
    await eventually(lambda: h.ready("ledger"))
    assert _pitr(h, table) == "ENABLED"
    assert h.tags(table)["team"] == "shop"

    assert {"pointInTimeRecovery.enabled", "tags.team"} <= _drift_fields(h, "ledger")
    detected = [m for t, r, m in h.events("ledger") if r == "DriftDetected"]
    assert len(detected) == 1 and "pointInTimeRecovery.enabled" in detected[0] and detected[0]
    assert [t for t, r, _ in h.events("ledger") if r == "DriftDetected"] == ["Warning"]
    corrected = [m for _, r, m in h.events("ledger") if r == "DriftCorrected"]
    assert "pointInTimeRecovery.enabled" in corrected[0]
    assert h.status("ledger").get("drift", []) == []
    registry = op.metrics.registry
    assert registry.get_sample_value("dynamotable_drift_detected_total") == 1
    assert registry.get_sample_value("dynamotable_drift_corrections_total") == len(_drift_fields(h, "ledger"))


async def test_plan_mode_reports_drift_and_never_mutates(harness: Harness) -> None:
    h = harness
    await h.start(fast_settings(h.endpoint, drift_interval=0.2))
    table = f"{h.namespace}-audit"
    spec = table_spec(tableName=table, pointInTimeRecovery={"enabled": True}, tags={"team": "shop"})
    await h.create("audit", spec)
    await eventually(lambda: h.ready("audit"))
    await h.patch("audit", {"spec": {"managementPolicy": "Plan"}})
    await eventually(lambda: h.obj("audit")["metadata"]["generation"] == 2 and h.ready("audit"))
    mutations_before = len(h.aws(table, mutating=True))

    _break(h, table)
    # a drift check may land between the test's two changes: wait until both are reported
    await eventually(
        lambda: (
            h.reason("audit") == "PlanOnly"
            and {d["field"] for d in h.status("audit").get("drift", [])} >= {"pointInTimeRecovery.enabled", "tags.team"}
        ),
        timeout=10,
    )
    status = h.status("audit")
    assert any("point-in-time recovery" in step for step in status["plan"])
    assert h.condition("audit")["status"] == "False"
    # Events are posted by kopf's background poster: they may land just after the status patch
    await eventually(lambda: "DriftDetected" in h.reasons("audit"))

    await h.passes("audit", 3)  # several more drift checks: still only reported
    assert h.reason("audit") == "PlanOnly"
    assert _pitr(h, table) == "DISABLED"
    assert h.tags(table)["team"] == "someone-else"
    assert len(h.aws(table, mutating=True)) == mutations_before + 2  # the two changes made by the test
    assert "DriftCorrected" not in h.reasons("audit")


async def test_ignored_paths_are_not_drift(harness: Harness) -> None:
    h = harness
    await h.start(fast_settings(h.endpoint, drift_interval=0.2))
    table = f"{h.namespace}-scaled"
    spec = table_spec(
        tableName=table, pointInTimeRecovery={"enabled": True}, tags={"team": "shop"}, ignoreChanges=["tags"]
    )
    await h.create("scaled", spec)
    await eventually(lambda: h.ready("scaled"))
    _break(h, table)  # PITR off (managed) and tag team changed (ignored)
    await eventually(lambda: "DriftCorrected" in h.reasons("scaled"), timeout=10)
    await eventually(lambda: h.ready("scaled"))
    assert _pitr(h, table) == "ENABLED"
    assert h.tags(table)["team"] == "someone-else"
    assert _drift_fields(h, "scaled") == {"pointInTimeRecovery.enabled"}


async def test_drift_checks_run_at_their_interval_on_the_loop_clock(harness: Harness) -> None:
    """The drift interval is a delay requested on the event loop's clock, and the test owns that clock
    (looptime): a 10-minute interval is checked 10 minutes +/- jitter of loop time later, without waiting 10
    minutes. In between, the drift scheduler looked for due checks every drift tick (so it could have acted) and
    sent nothing."""
    h = harness
    interval, tick, jitter = 600.0, 5.0, 0.1
    await h.start(fast_settings(h.endpoint, drift_interval=interval, drift_tick=tick, drift_jitter=jitter))
    await h.create("clock", table_spec(tableName=f"{h.namespace}-clock"))
    await eventually(lambda: h.ready("clock"), timeout=60)
    state = h.state("clock")
    checks = []
    for _ in range(2):
        since, passes, ticks = state.last_drift_check, state.drift_passes, h.operator.reconciler.drift.ticks
        sent = len(h.endpoint.requests())
        # drift_passes counts a check as it starts; last_drift_check moves when it is over
        await eventually(
            lambda p=passes, t=since: state.drift_passes > p and state.last_drift_check != t,
            timeout=2 * interval,
            interval=1.0,
        )
        assert state.drift_passes == passes + 1
        checks.append(state.last_drift_check - since)
        looked = h.operator.reconciler.drift.ticks - ticks
        assert looked >= interval * (1 - jitter) / tick - 1, "the scheduler did not keep watch"
        window = h.endpoint.requests()[sent:]
        assert window and not any(is_mutating(r.operation) for r in window), "a quiet drift check only reads"
        assert state.requested_delay is not None
    for elapsed in checks:
        assert interval * (1 - jitter) <= elapsed <= interval * (1 + jitter) + tick, checks


async def test_a_drift_check_runs_while_every_change_handler_thread_is_busy(harness: Harness) -> None:
    """Drift checks have threads of their own: one that comes due while a burst of creates holds every thread of
    the reconcile pool runs then, not after the burst."""
    h = harness
    op = await h.start(fast_settings(h.endpoint, drift_interval=0.3))
    table = f"{h.namespace}-busy"
    await h.create("busy", table_spec(tableName=table))
    await eventually(lambda: h.ready("busy"))
    reconciler = op.reconciler
    release, holding = threading.Event(), threading.Semaphore(0)

    def hold_a_thread() -> None:
        holding.release()
        release.wait(30)

    blockers = [reconciler.pool.submit(hold_a_thread) for _ in range(op.settings.max_concurrent_reconciles)]
    try:
        for _ in blockers:
            assert holding.acquire(timeout=10)  # every thread of the change handlers' pool is taken
        checks = h.state("busy").drift_passes
        await eventually(lambda: h.state("busy").drift_passes >= checks + 2, timeout=10)
        assert not any(b.done() for b in blockers)
    finally:
        release.set()
