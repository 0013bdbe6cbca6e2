"""Progress of `apply` and `delete` on stderr, with or without a terminal.

Every step gets a line when it starts (its AWS call went out) and one when it ends (the table no longer
waits on it), a table that waits on AWS gets a `still waiting: <table>: <what>, <elapsed>` line at least
every `interval` seconds, and a finished table gets a line with its verdict. Without a terminal that is all
(CI logs). On a terminal the same lines scroll above a live view of every table (rich Live): they are printed
through the Live's console, so the view stays at the bottom.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from dynamotable.api.status import ConditionStatus, ConditionType, Reason
from dynamotable.commands.options import PROGRESS_INTERVAL
from dynamotable.engine.runner import DEADLINE_PREFIX, FINAL_STATES, RunState, TableRun


def progressing(run: TableRun) -> bool:
    if run.status is None:
        return False
    return any(c.type == ConditionType.PROGRESSING and c.status == ConditionStatus.TRUE for c in run.status.conditions)


def rate_limited(run: TableRun) -> bool:
    if run.status is None:
        return False
    return any(c.type == ConditionType.READY and c.reason == Reason.RATE_LIMITED for c in run.status.conditions)


def waits_for(run: TableRun) -> str:
    """What an unfinished table is waiting for, in words (names the AWS state, e.g. `table is CREATING`)."""
    plan = getattr(run.last, "plan", None)
    waiting = list(getattr(plan, "waiting", None) or [])
    source = source_progress(run)
    if waiting:
        return (f"{source}; " if source else "") + "AWS: " + "; ".join(waiting)
    if source and run.status is not None and run.status.table_status in (None, "CREATING"):
        return source
    if rate_limited(run):  # by AWS, or waiting for one of this command's table-operation slots [A18]
        return run.message.removeprefix(DEADLINE_PREFIX)
    if run.executed and progressing(run):
        status = run.status.table_status if run.status is not None else None
        state = f" (table {status})" if status else ""
        return f"AWS to carry out '{run.executed[-1].description}'{state}"
    if run.passes == 0:
        return "a first answer from AWS" if run.in_flight else "its turn (not started)"
    return run.message.removeprefix(DEADLINE_PREFIX) or "AWS"


def source_progress(run: TableRun) -> str | None:
    """[A24] Where a table being created from spec.source is: the import's status and item counts, or the
    restore; None once it is over (or without a source)."""
    source = run.status.source if run.status is not None else None
    if source is None:
        return None
    if source.kind == "s3Import":
        if source.status not in ("IN_PROGRESS", "CANCELLING"):
            return None
        counts = f", {source.processed_item_count} items processed" if source.processed_item_count else ""
        return f"import {source.status}{counts}"
    return "restoring from the source" if source.status == "RESTORING" else None


def _seconds(value: float) -> str:
    return f"{value:.0f}s" if value >= 10 else f"{value:.1f}s"


@dataclass
class _Track:
    seen: int  # executed steps already reported
    wait_since: float  # when the current wait began (table start, or the last step start or end)
    last_line: float  # when a line about the table was last printed
    open_step: str | None = None  # the step whose end is awaited
    open_since: float = 0.0


def _style(state: RunState) -> str:
    return {RunState.DONE: "green", RunState.WAITING: "yellow", RunState.WORKING: "yellow"}.get(state, "red")


def live_table(runs: Sequence[TableRun], title: str, detail: Callable[[TableRun], str]) -> Table:
    table = Table(title=title)
    table.add_column("table", no_wrap=True)
    table.add_column("region", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("steps", justify="right")
    table.add_column("time", justify="right")
    table.add_column("detail", overflow="fold")
    for run in runs:
        # Text, not markup: the live view is also drawn by prints made with markup off (the progress lines)
        table.add_row(
            Text(run.table),
            Text(run.region),
            Text(run.state.value, style=_style(run.state)),
            Text(str(len(run.steps_done))),
            Text(f"{run.elapsed:.1f}s"),
            Text(detail(run)),
        )
    return table


class Progress:
    def __init__(
        self,
        console: Console,
        *,
        verb: str,
        interval: float = PROGRESS_INTERVAL,
        live: bool | None = None,
        verdict: Callable[[TableRun], str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.verb = verb
        self.interval = max(0.05, interval)
        self.live = console.is_terminal if live is None else live
        self._verdict = verdict or (lambda run: run.state.value)
        self._clock = clock
        self._lock = threading.RLock()
        self._tracks: dict[int, _Track] = {}
        self._runs: Callable[[], Sequence[TableRun]] = list
        self._view: Live | None = None

    def line(self, text: str) -> None:
        with self._lock:
            target = self._view.console if self._view is not None else self.console
            target.print(text, markup=False, highlight=False, soft_wrap=True)

    def _track(self, run: TableRun, now: float) -> _Track:
        track = self._tracks.get(id(run))
        if track is None:
            track = _Track(seen=0, wait_since=run.started or now, last_line=run.started or now)
            self._tracks[id(run)] = track
        return track

    def on_change(self, run: TableRun) -> None:
        """After each pass of a table (runner callback, on a worker thread)."""
        with self._lock:
            now = self._clock()
            track = self._track(run, now)
            new = run.executed[track.seen :]
            track.seen = len(run.executed)
            final = run.state in FINAL_STATES
            still_waiting = not new and not final and progressing(run)
            if track.open_step is not None and not still_waiting:
                if run.state != RunState.FAILED or new:  # a pass that raised tells nothing about the step
                    self.line(f"{run.table}: finished: {track.open_step} ({_seconds(now - track.open_since)})")
                track.open_step = None
                track.wait_since = now
            for step in new:
                self.line(f"{run.table}: started: {step.description}")
                track.wait_since = now
                if getattr(step, "transitions", True) and not final:
                    track.open_step, track.open_since = step.description, now
                else:
                    self.line(f"{run.table}: finished: {step.description}")
            if final:
                self.line(f"{run.table}: {self._verdict(run)} ({_seconds(run.elapsed)})")
            track.last_line = now if (new or final) else track.last_line

    def tick(self) -> None:
        """From the runner's loop (about every quarter second): still-waiting lines and the live view."""
        with self._lock:
            now = self._clock()
            runs = self._runs()
            for run in runs:
                if run.state not in (RunState.WAITING, RunState.WORKING) or run.started is None:
                    continue
                track = self._track(run, now)
                if now - track.last_line >= self.interval:
                    self.line(f"still waiting: {run.table}: {waits_for(run)}, {_seconds(now - track.wait_since)}")
                    track.last_line = now
            if self._view is not None:
                self._view.update(live_table(runs, f"{self.verb} in progress", self._detail))

    def _detail(self, run: TableRun) -> str:
        return self._verdict(run) if run.state in FINAL_STATES else waits_for(run)

    @contextmanager
    def showing(self, runs: Callable[[], Sequence[TableRun]]) -> Iterator[Progress]:
        """Report on `runs()` (the runner's current runs) while the block runs; with the live view on a terminal."""
        self._runs = runs
        if not self.live:
            yield self
            return
        with Live(console=self.console, refresh_per_second=4, transient=True) as view:
            with self._lock:
                self._view = view
            try:
                yield self
            finally:
                with self._lock:
                    self._view = None
