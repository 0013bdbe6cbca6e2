"""`dynamotable plan | apply`: the reconcile engine without a cluster (delete: deletion.py; saved plans:
saved_apply.py).

Every command has one wall-clock deadline (--timeout) for all it does: planning, applying and verifying (time
spent on the confirmation prompt is not counted). `apply` plans every table first, reads only, and asks before
a plan with destructive steps (confirm.py); what was approved is then enforced on every call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console

from dynamotable.api.spec import DynamoTable
from dynamotable.commands.confirm import approved_only, ask, destructive_steps, read_only
from dynamotable.commands.options import LOCAL_LATENCY, PROGRESS_INTERVAL
from dynamotable.commands.passes import (
    Final,
    Key,
    Passes,
    Retry,
    finish,
    key_of,
    plan_only,
    run_passes,
    stop_on_interrupt,
    unfinished,
)
from dynamotable.commands.progress import Progress, waits_for
from dynamotable.commands.report import TablePlan, plan_summary, plan_table_json, print_plans, report
from dynamotable.commands.saved_plan import saved_json
from dynamotable.commands.target import LOCAL_TIMING, Deadline, Target, connect
from dynamotable.engine.errors import AwsCallFailed, Retryable
from dynamotable.engine.model import fingerprint
from dynamotable.engine.observe import observe
from dynamotable.engine.reconcile import reconcile
from dynamotable.engine.runner import RunState, TableRun

__all__ = ["LOCAL_LATENCY", "LOCAL_TIMING", "Deadline", "Passes", "Target", "connect"]


def make_plans(
    targets: Sequence[tuple[DynamoTable, str]],
    target: Target,
    *,
    deadline: Deadline,
    parallelism: int = 10,
    cluster_id: str | None = None,
    owner: Callable[[DynamoTable], str] | None = None,
    fingerprints: bool = False,
) -> list[TablePlan]:
    """A plan-only pass per table (reads only: the guard refuses any mutating call). `fingerprints`: also
    fingerprint each live table, for a saved plan."""
    passes = Passes(target, reconcile, cluster_id=cluster_id, owner=owner, policy=lambda m, r: read_only)
    finals: dict[Key, TablePlan] = {}
    lock = threading.Lock()

    def one(manifest: DynamoTable, region: str) -> Any:
        owner = passes.owner(manifest)
        print_of: str | None = None
        if fingerprints:
            try:
                print_of = fingerprint(observe(target.factory, manifest, region=region))
            except AwsCallFailed as exc:
                if isinstance(exc.classified, Retryable):
                    return Retry(max(0.05, exc.classified.delay * target.timing.retry_scale))
                with lock:
                    finals[key_of(manifest, region)] = TablePlan(manifest, region, owner, failure=f"AwsError: {exc}")
                return Final()
        outcome = passes(plan_only(manifest), region)
        if isinstance(outcome.error, Retryable) and outcome.requeue_after is not None:
            return outcome  # no answer yet (the endpoint did not answer, throttling): ask again
        with lock:
            finals[key_of(manifest, region)] = TablePlan(manifest, region, owner, outcome, fingerprint=print_of)
        return Final(status=outcome.status)

    runs = run_passes(targets, one, target, deadline=deadline, parallelism=parallelism)
    plans: list[TablePlan] = []
    for run in runs:
        found = finals.get(key_of(run.manifest, run.region))
        if found is None:
            why = f"no plan by the {deadline.seconds:g}s deadline: waits for {waits_for(run)}"
            if run.state not in (RunState.TIMED_OUT, RunState.DONE):
                why = f"no plan: {run.message}"
            found = TablePlan(run.manifest, run.region, passes.owner(run.manifest), failure=why)
        plans.append(found)
    return plans


def plan_exit_code(plans: Sequence[TablePlan]) -> int:
    if any(p.error for p in plans):
        return 1
    return 2 if any(p.changes for p in plans) else 0


def plan_report(plans: Sequence[TablePlan], target: Target, seconds: float, *, saved: bool) -> dict[str, Any]:
    tables = []
    for p in plans:
        table = plan_table_json(p)
        if saved:
            table["saved"] = saved_json(p)
        tables.append(table)
    return report("plan", target.name if saved else target.label, tables, **plan_summary(plans, seconds))


def apply_verdict(run: TableRun) -> str:
    if run.state == RunState.DONE:
        return f"converged ({len(run.steps_done)} step(s))" if run.steps_done else "converged (no changes)"
    return unfinished(run)


def verify(
    targets: Sequence[tuple[DynamoTable, str]],
    target: Target,
    runs: Sequence[TableRun],
    *,
    deadline: Deadline,
    parallelism: int,
    cluster_id: str | None,
    owner: Callable[[DynamoTable], str] | None = None,
) -> bool | None:
    """Prove it: a fresh plan against the same endpoint finds nothing to do (and, read-only, sends nothing)."""
    if not all(r.state == RunState.DONE for r in runs) or deadline.remaining() <= 0:
        return None
    plans = make_plans(targets, target, deadline=deadline, parallelism=parallelism, cluster_id=cluster_id, owner=owner)
    return not any(p.changes or p.error for p in plans)


def verified_line(verified: bool | None) -> None:
    if verified is not None:
        note = "a fresh plan shows no changes" if verified else "a fresh plan still shows changes"
        Console().print(f"verified: {note}")


def apply_tables(
    targets: Sequence[tuple[DynamoTable, str]],
    target: Target,
    *,
    deadline: Deadline,
    parallelism: int,
    output: str,
    auto_approve: bool = False,
    cluster_id: str | None = None,
    progress_interval: float = PROGRESS_INTERVAL,
) -> int:
    started = time.monotonic()
    err = Console(stderr=True, soft_wrap=True)
    # Every table's plan, before anything is sent: destructive steps need a yes first.
    initial = make_plans(targets, target, deadline=deadline, parallelism=parallelism, cluster_id=cluster_id)
    approved = {key_of(p.manifest, p.region): destructive_steps(p.plan.steps) for p in initial}
    count = sum(len(steps) for steps in approved.values())
    if count:
        print_plans(initial, err)
        asked = time.monotonic()
        ask(
            f"Do you want to perform these actions? The plan has {count} destructive step(s), marked '-' above.",
            auto_approve=auto_approve,
            refusal=f"the plan has {count} destructive step(s) (marked '-' above); nothing was sent. Confirm on a "
            "terminal, or give --auto-approve",
            cancelled="apply cancelled; nothing was changed",
        )
        deadline.extend(time.monotonic() - asked)
    passes = Passes(
        target,
        reconcile,
        cluster_id=cluster_id,
        policy=lambda m, r: approved_only(approved.get(key_of(m, r), [])),
        deadline=deadline,
    )
    progress = Progress(err, verb="apply", interval=progress_interval, verdict=apply_verdict)
    with stop_on_interrupt() as stop:
        runs = run_passes(
            targets, passes, target, deadline=deadline, parallelism=parallelism, stop=stop, progress=progress
        )
    verified = verify(targets, target, runs, deadline=deadline, parallelism=parallelism, cluster_id=cluster_id)
    code = finish(
        "apply",
        runs,
        target,
        owner=passes.owner,
        verdict=apply_verdict,
        output=output,
        started=started,
        deadline=deadline,
        verified=verified,
    )
    if output == "text":
        verified_line(verified)
    return code
