"""Drive many tables to convergence at once, for `dynamotable apply` and `delete`.

Each table is advanced one reconcile pass at a time (one AWS mutation at most per pass) and requeued after
the delay its outcome asks for, like the operator does. Passes run on a thread pool, and at most
`max_in_flight` passes per (account, region) run at the same time, so a large apply never floods one
region's control plane (500 concurrent table operations per account and region is AWS's quota).
A stop request (Ctrl-C) is honoured between passes: no pass is cut in half.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from dynamotable.api.spec import DynamoTable
from dynamotable.api.status import ConditionType, DynamoTableStatus


class StepLike(Protocol):
    @property
    def description(self) -> str: ...


class OutcomeLike(Protocol):
    @property
    def requeue_after(self) -> float | None: ...
    @property
    def done(self) -> bool: ...
    @property
    def status(self) -> DynamoTableStatus: ...
    @property
    def executed(self) -> StepLike | None: ...


class RunState(StrEnum):
    PENDING = "pending"
    WORKING = "working"
    WAITING = "waiting"
    DONE = "done"
    STOPPED = "stopped"  # terminal outcome: invalid, blocked, AWS error, ...
    TIMED_OUT = "timed out"
    INTERRUPTED = "interrupted"
    FAILED = "failed"  # the pass itself raised


FINAL_STATES = frozenset({RunState.DONE, RunState.STOPPED, RunState.TIMED_OUT, RunState.INTERRUPTED, RunState.FAILED})


@dataclass
class TableRun:
    manifest: DynamoTable
    region: str
    state: RunState = RunState.PENDING
    steps_done: list[str] = field(default_factory=list)
    message: str = ""
    reason: str = ""
    status: DynamoTableStatus | None = None
    started: float | None = None
    finished: float | None = None
    passes: int = 0

    @property
    def table(self) -> str:
        return self.manifest.table_name

    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started


def _ready_condition(status: DynamoTableStatus) -> tuple[str, str]:
    for cond in status.conditions:
        if cond.type == ConditionType.READY:
            return cond.reason.value, cond.message
    return "", ""


PassFn = Callable[[DynamoTable, str], OutcomeLike]


class Runner:
    def __init__(
        self,
        pass_fn: PassFn,
        *,
        max_in_flight: int = 10,
        timeout: float = 1800.0,
        stop: threading.Event | None = None,
        on_change: Callable[[TableRun], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pass_fn = pass_fn
        self._max_in_flight = max(1, max_in_flight)
        self._timeout = timeout
        self._stop = stop or threading.Event()
        self._on_change = on_change
        self._clock = clock
        self._wake = threading.Condition()
        self.current: list[TableRun] = []  # the runs of the call in progress, for progress displays

    def run(self, targets: Sequence[tuple[DynamoTable, str]]) -> list[TableRun]:
        """Converge every (manifest, region); returns one TableRun per target, in input order."""
        runs = [TableRun(manifest=m, region=r) for m, r in targets]
        self.current = runs
        if not runs:
            return runs
        seq = itertools.count()
        due: list[tuple[float, int, TableRun]] = [(self._clock(), next(seq), run) for run in runs]
        heapq.heapify(due)
        in_flight: dict[str, int] = {}
        running: set[Future[None]] = set()
        workers = min(len(runs), self._max_in_flight * max(1, len({r.region for r in runs})))

        def finish_pass(run: TableRun, outcome: OutcomeLike | None, error: BaseException | None) -> None:
            now = self._clock()
            run.passes += 1
            if error is not None:
                run.state, run.message, run.finished = RunState.FAILED, f"{type(error).__name__}: {error}", now
            else:
                assert outcome is not None
                run.status = outcome.status
                run.reason, run.message = _ready_condition(outcome.status)
                if outcome.executed is not None:
                    run.steps_done.append(outcome.executed.description)
                if outcome.done:
                    run.state, run.finished = RunState.DONE, now
                elif outcome.requeue_after is None:
                    run.state, run.finished = RunState.STOPPED, now
                elif run.started is not None and now - run.started > self._timeout:
                    run.state, run.finished = RunState.TIMED_OUT, now
                    run.message = f"not converged after {self._timeout:.0f}s: {run.message}"
                else:
                    run.state = RunState.WAITING
            with self._wake:
                in_flight[run.region] -= 1
                if run.state == RunState.WAITING:
                    assert outcome is not None and outcome.requeue_after is not None
                    heapq.heappush(due, (now + outcome.requeue_after, next(seq), run))
                self._wake.notify_all()
            self._notify(run)

        def one_pass(run: TableRun) -> None:
            try:
                outcome = self._pass_fn(run.manifest, run.region)
            except Exception as exc:  # a bug or an unclassified error: report it for this table, keep the others
                finish_pass(run, None, exc)
            else:
                finish_pass(run, outcome, None)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynamotable-apply") as pool:
            while True:
                with self._wake:
                    running = {f for f in running if not f.done()}
                    if self._stop.is_set():
                        break
                    if not due and not running:
                        break
                    now = self._clock()
                    launched = False
                    deferred: list[tuple[float, int, TableRun]] = []
                    while due and due[0][0] <= now:
                        item = heapq.heappop(due)
                        run = item[2]
                        if in_flight.get(run.region, 0) >= self._max_in_flight:
                            deferred.append(item)
                            continue
                        in_flight[run.region] = in_flight.get(run.region, 0) + 1
                        if run.started is None:
                            run.started = now
                        run.state = RunState.WORKING
                        running.add(pool.submit(one_pass, run))
                        launched = True
                    for item in deferred:
                        heapq.heappush(due, item)
                    if not launched:
                        wait = (due[0][0] - now) if due and not deferred else 0.5
                        self._wake.wait(timeout=max(0.001, min(wait, 0.5)))
            for fut in running:
                fut.result()
        for run in runs:
            if run.state not in FINAL_STATES:
                run.state, run.finished = RunState.INTERRUPTED, self._clock()
                run.message = run.message or "stopped before it converged"
        return runs

    def _notify(self, run: TableRun) -> None:
        if self._on_change is not None:
            self._on_change(run)
