"""Engine passes for the CLI: the status carried between passes, the runner with the command's deadline, and
the end of a run (deadline lines, results table or JSON).

AWS that does not answer at all (connection refused, DNS, connect timeout, proxy down) is retried for
UNREACHABLE_BUDGET seconds, or until the deadline if it is nearer; then the command ends with one line that
says what to check.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import Any

import click
from rich.console import Console

from dynamotable.api.spec import DynamoTable, ManagementPolicy
from dynamotable.api.status import DynamoTableStatus
from dynamotable.aws.clients import unreachable_message
from dynamotable.commands.common import fail
from dynamotable.commands.confirm import Policy, allow_all
from dynamotable.commands.progress import Progress, live_table, waits_for
from dynamotable.commands.report import report, run_summary, run_table_json
from dynamotable.commands.target import Deadline, Target
from dynamotable.engine.errors import RateLimited
from dynamotable.engine.reconcile import Outcome
from dynamotable.engine.runner import Runner, RunState, StepLike, TableRun

Key = tuple[str, str]  # (region, table name)
UNREACHABLE_BUDGET = 60.0  # seconds of no answer at all before giving up


def key_of(manifest: DynamoTable, region: str) -> Key:
    return (region, manifest.table_name)


PolicyFor = Callable[[DynamoTable, str], Policy]


class Passes:
    """Runs engine passes and carries each table's status from one pass to the next, as the cluster would.

    policy: what the table's pass may send (confirm.CallGuard enforces it); owner: the ownership tag value."""

    def __init__(
        self,
        target: Target,
        fn: Callable[..., Outcome],
        *,
        cluster_id: str | None = None,
        policy: PolicyFor | None = None,
        owner: Callable[[DynamoTable], str] | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self._target = target
        self._fn = fn
        self._cluster_id = cluster_id
        self._policy = policy
        self._owner = owner
        self._deadline = deadline
        self._status: dict[Key, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def owner(self, manifest: DynamoTable) -> str:
        return self._owner(manifest) if self._owner is not None else manifest.owner_for(self._cluster_id)

    def __call__(self, manifest: DynamoTable, region: str) -> Outcome:
        key = key_of(manifest, region)
        with self._lock:
            status = self._status.get(key)
        if status is not None:
            manifest = manifest.model_copy(update={"status": status})
        guard = self._target.guard
        policy = self._policy(manifest, region) if self._policy is not None else allow_all
        with guard.policy(policy) if guard is not None else nullcontext():
            outcome = self._fn(
                manifest, self._target.factory, region=region, timing=self._target.timing, owner=self.owner(manifest)
            )
        with self._lock:
            self._status[key] = outcome.status.model_dump(by_alias=True, mode="json", exclude_none=True)
        return self._settle(outcome)

    def _settle(self, outcome: Outcome) -> Outcome:
        """Stop instead of waiting when waiting cannot help: the engine asks to look again only at its drift
        interval (blocked, e.g. deletion protection), or a rate limit lifts after the deadline."""
        wait = outcome.requeue_after
        if outcome.done or wait is None:
            return outcome
        past_deadline = self._deadline is not None and wait > self._deadline.remaining()
        if wait >= self._target.timing.drift or (past_deadline and isinstance(outcome.error, RateLimited)):
            return replace(outcome, requeue_after=None)
        return outcome


def plan_only(manifest: DynamoTable) -> DynamoTable:
    spec = manifest.spec.model_copy(update={"management_policy": ManagementPolicy.PLAN})
    return manifest.model_copy(update={"spec": spec})


@dataclass(frozen=True)
class Retry:
    """The outcome of a read-only pass that must be tried again (the endpoint did not answer, throttling...)."""

    requeue_after: float
    done: bool = False
    status: DynamoTableStatus = field(default_factory=DynamoTableStatus)
    executed: StepLike | None = None


@dataclass(frozen=True)
class Final:
    """The outcome of a read-only pass that has its answer."""

    status: DynamoTableStatus = field(default_factory=DynamoTableStatus)
    requeue_after: float | None = None
    done: bool = True
    executed: StepLike | None = None


@contextmanager
def stop_on_interrupt() -> Iterator[threading.Event]:
    """Ctrl-C sets the event: the runner finishes the passes in flight and stops; a second Ctrl-C aborts."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo("\nstopping after the AWS calls in flight (Ctrl-C again to abort)", err=True)

    previous = signal.signal(signal.SIGINT, handler) if threading.current_thread() is threading.main_thread() else None
    try:
        yield stop
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def run_passes(
    targets: Sequence[tuple[DynamoTable, str]],
    pass_fn: Callable[[DynamoTable, str], Any],
    target: Target,
    *,
    deadline: Deadline,
    parallelism: int,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> list[TableRun]:
    """Run passes until every table is final, the deadline, a stop, or AWS unreachable for too long (then one
    line and exit 1)."""
    abort = threading.Event()
    err = Console(stderr=True, soft_wrap=True)

    def tick() -> None:
        reach = target.reach
        if reach is not None:
            down = reach.unreachable_for()
            if down > 0 and "unreachable" not in target.noted:
                target.noted.add("unreachable")
                budget = min(UNREACHABLE_BUDGET, deadline.remaining())
                err.print(
                    f"note: no answer from {reach.url or target.label}; retrying for up to {budget:.0f}s",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            if down >= UNREACHABLE_BUDGET:
                abort.set()
        if progress is not None:
            progress.tick()

    runner = Runner(
        pass_fn,
        max_in_flight=parallelism,
        deadline=deadline.end,
        stop=stop,
        abort=abort,
        on_change=progress.on_change if progress is not None else None,
        on_tick=tick,
    )
    with progress.showing(lambda: runner.current) if progress is not None else nullcontext():
        runs = runner.run(targets)
    reach = target.reach
    if reach is not None and reach.error is not None:
        down = reach.unreachable_for()
        timed_out = any(r.state == RunState.TIMED_OUT for r in runs)
        if abort.is_set() or (down > 0 and timed_out and not reach.answered):
            fail(unreachable_message(reach.error, reach.url or target.label, down))
    return runs


def deadline_lines(runs: Sequence[TableRun], deadline: Deadline) -> None:
    for run in runs:
        if run.state == RunState.TIMED_OUT:
            click.echo(
                f"error: deadline of {deadline.seconds:g}s reached: {run.table} ({run.region}) waits for "
                f"{waits_for(run)}",
                err=True,
            )


def unfinished(run: TableRun) -> str:
    if run.state == RunState.TIMED_OUT:
        return f"timed out: waits for {waits_for(run)}"
    text = f"{run.state.value}: {run.message}" if run.message else run.state.value
    return text + _failed_step(run)


def _failed_step(run: TableRun) -> str:
    """The step an AWS error came from, when it is about a replica the message does not name (the engine's
    message names the region of the call, which for a replica action is the table's)."""
    outcome = run.last
    if not isinstance(outcome, Outcome) or outcome.error is None or outcome.plan is None or not outcome.plan.steps:
        return ""
    step = outcome.plan.steps[0]
    where = step.replica_region or (step.region if step.region != run.region else None)
    if where is None or f"replica in {where}" in run.message:
        return ""
    return f" (step: {step.description})"


def finish(
    command: str,
    runs: Sequence[TableRun],
    target: Target,
    *,
    owner: Callable[[DynamoTable], str],
    verdict: Callable[[TableRun], str],
    output: str,
    started: float,
    deadline: Deadline,
    verified: bool | None,
) -> int:
    deadline_lines(runs, deadline)
    seconds = time.monotonic() - started
    if output == "json":
        tables = [run_table_json(r, owner(r.manifest), verdict(r)) for r in runs]
        document = report(command, target.label, tables, **run_summary(runs, seconds, verified))
        click.echo(dumps(document))
    else:
        done = sum(1 for r in runs if r.state == RunState.DONE)
        title = f"{command}: {done} of {len(runs)} done"
        quiet_when_done = command == "apply"  # apply listed its steps as they ran; delete says what it did
        Console().print(
            live_table(runs, title, lambda r: "" if quiet_when_done and r.state == RunState.DONE else verdict(r))
        )
    converged = all(r.state == RunState.DONE for r in runs)
    return 0 if converged and verified is not False else 1


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2)
