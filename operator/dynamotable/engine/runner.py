"""Drive many tables to convergence at once, for `dynamotable plan`, `apply` and `delete`.

Each table is advanced one reconcile pass at a time (one AWS mutation at most per pass) and requeued after
the delay its outcome asks for, like the operator does. Passes run on worker threads, and at most
`max_in_flight` passes per (account, region) run at the same time, so a large apply never floods one
region's control plane (500 concurrent table operations per account and region is AWS's quota).

Time: `timeout` (or an absolute `deadline` on the runner's clock) bounds the WHOLE run. The waits between
passes are slices of at most POLL_SLICE seconds, so a deadline, a stop or an abort is noticed within that
time even while every table waits on AWS. At the deadline every unfinished table is TIMED_OUT; passes still
in flight get `grace` seconds to end and are then abandoned: workers are daemon threads, so an AWS call that
hangs cannot keep the command alive.

A stop request (Ctrl-C) is honoured between passes: no new pass starts, the passes in flight finish, no pass
is cut in half. An abort (e.g. AWS unreachable for too long) ends the run like a deadline, at once.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from dynamotable.api.spec import DynamoTable
from dynamotable.api.status import ConditionType, DynamoTableStatus

POLL_SLICE = 0.25  # longest uninterrupted wait of the run loop, in seconds
DEADLINE_PREFIX = "not converged by the deadline: "  # message of a TIMED_OUT run, before its last message


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


class TableStopped(Exception):
    """Raised by a pass to stop its table (state STOPPED) with a message for people, e.g. a step it refused."""


class RunState(StrEnum):
    PENDING = "pending"
    WORKING = "working"
    WAITING = "waiting"
    DONE = "done"
    STOPPED = "stopped"  # terminal outcome: invalid, blocked, AWS error, a refused step...
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
    executed: list[StepLike] = field(default_factory=list)  # the steps behind steps_done
    message: str = ""
    reason: str = ""
    status: DynamoTableStatus | None = None
    started: float | None = None
    finished: float | None = None
    passes: int = 0
    last: OutcomeLike | None = None  # the outcome of the latest pass
    in_flight: bool = False  # a pass of this table is running now

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
        deadline: float | None = None,
        stop: threading.Event | None = None,
        abort: threading.Event | None = None,
        on_change: Callable[[TableRun], None] | None = None,
        on_tick: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        grace: float = 1.0,
    ) -> None:
        """timeout: seconds for the whole run; deadline: the same as a point on `clock` (wins over timeout).
        on_change: called after each pass of a table; on_tick: called by the run loop about every POLL_SLICE."""
        self._pass_fn = pass_fn
        self._max_in_flight = max(1, max_in_flight)
        self._timeout = timeout
        self._deadline = deadline
        self._stop = stop or threading.Event()
        self._abort = abort or threading.Event()
        self._on_change = on_change
        self._on_tick = on_tick
        self._clock = clock
        self._grace = grace
        self._wake = threading.Condition()
        self.current: list[TableRun] = []  # the runs of the call in progress, for progress displays

    def run(self, targets: Sequence[tuple[DynamoTable, str]]) -> list[TableRun]:
        """Converge every (manifest, region); returns one TableRun per target, in input order."""
        runs = [TableRun(manifest=m, region=r) for m, r in targets]
        self.current = runs
        if not runs:
            return runs
        start = self._clock()
        end = self._deadline if self._deadline is not None else start + self._timeout
        seq = itertools.count()
        due: list[tuple[float, int, TableRun]] = [(start, next(seq), run) for run in runs]
        heapq.heapify(due)
        in_flight: dict[str, int] = {}
        closed = threading.Event()  # set when run() returns: later results of abandoned passes are dropped
        work: queue.SimpleQueue[TableRun | None] = queue.SimpleQueue()
        workers = min(len(runs), self._max_in_flight * max(1, len({r.region for r in runs})))
        active = 0

        def finish_pass(run: TableRun, outcome: OutcomeLike | None, error: BaseException | None) -> None:
            nonlocal active
            with self._wake:
                active -= 1
                in_flight[run.region] -= 1
                run.in_flight = False
                if closed.is_set():
                    return
                now = self._clock()
                run.passes += 1
                if isinstance(error, TableStopped):
                    run.state, run.message, run.finished = RunState.STOPPED, str(error), now
                elif error is not None:
                    run.state, run.message, run.finished = RunState.FAILED, f"{type(error).__name__}: {error}", now
                else:
                    assert outcome is not None
                    run.last = outcome
                    run.status = outcome.status
                    run.reason, run.message = _ready_condition(outcome.status)
                    if outcome.executed is not None:
                        run.executed.append(outcome.executed)
                        run.steps_done.append(outcome.executed.description)
                    if outcome.done:
                        run.state, run.finished = RunState.DONE, now
                    elif outcome.requeue_after is None:
                        run.state, run.finished = RunState.STOPPED, now
                    else:
                        run.state = RunState.WAITING
                        heapq.heappush(due, (now + outcome.requeue_after, next(seq), run))
                self._wake.notify_all()
            self._notify(run)

        def worker() -> None:
            while True:
                run = work.get()
                if run is None:
                    return
                try:
                    outcome = self._pass_fn(run.manifest, run.region)
                except Exception as exc:  # a bug or an unclassified error: report it for this table, keep the others
                    finish_pass(run, None, exc)
                else:
                    finish_pass(run, outcome, None)

        threads = [threading.Thread(target=worker, name=f"dynamotable-pass-{i}", daemon=True) for i in range(workers)]
        for thread in threads:
            thread.start()
        ending = RunState.DONE
        try:
            while True:
                if self._on_tick is not None:
                    self._on_tick()
                with self._wake:
                    now = self._clock()
                    if self._abort.is_set():
                        ending = RunState.INTERRUPTED
                        break
                    if now >= end:
                        ending = RunState.TIMED_OUT
                        break
                    if self._stop.is_set():
                        if active == 0:
                            ending = RunState.INTERRUPTED
                            break
                        self._wake.wait(timeout=POLL_SLICE)
                        continue
                    if not due and active == 0:
                        break
                    deferred: list[tuple[float, int, TableRun]] = []
                    while due and due[0][0] <= now:
                        item = heapq.heappop(due)
                        run = item[2]
                        if in_flight.get(run.region, 0) >= self._max_in_flight:
                            deferred.append(item)
                            continue
                        in_flight[run.region] = in_flight.get(run.region, 0) + 1
                        active += 1
                        if run.started is None:
                            run.started = now
                        run.state = RunState.WORKING
                        run.in_flight = True
                        work.put(run)
                    for item in deferred:
                        heapq.heappush(due, item)
                    wait = (due[0][0] - now) if due and not deferred else POLL_SLICE
                    self._wake.wait(timeout=max(0.001, min(wait, POLL_SLICE, end - now)))
            if ending != RunState.DONE:
                # give the passes in flight a moment to end, then abandon them
                with self._wake:
                    limit = self._clock() + self._grace
                    while active and self._clock() < limit:
                        self._wake.wait(timeout=min(POLL_SLICE, max(0.001, limit - self._clock())))
        finally:
            with self._wake:
                closed.set()
                now = self._clock()
                for run in runs:
                    if run.state in FINAL_STATES:
                        continue
                    run.finished = now
                    if ending == RunState.TIMED_OUT:
                        run.state = RunState.TIMED_OUT
                        what = run.message or ("its first pass is still in flight" if run.in_flight else "not started")
                        run.message = DEADLINE_PREFIX + what
                    else:
                        run.state = RunState.INTERRUPTED
                        run.message = run.message or "stopped before it converged"
            for _ in threads:
                work.put(None)
        return runs

    def _notify(self, run: TableRun) -> None:
        if self._on_change is not None:
            self._on_change(run)
