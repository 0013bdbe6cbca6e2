"""The drift scheduler: one task that runs every object's drift check when it is due.

A heap of (due time, object) replaces a timer per object: with 10,000 objects, 10,000 sleeping tasks (kopf
daemons) cost memory and wake-ups whether or not anything is due, while this costs one heap entry per object and
wakes only for the earliest due check (and once a tick, which tests and the idle metric watch). Checks run at most
`slots` at a time; a check that has to wait for a slot runs late, and how late is the drift-check lag metric.

Entries are never removed from the heap: a reschedule pushes a new entry and the old one is skipped when it comes
up, because it no longer matches the object's `next_drift` (or the object is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable

from dynamotable.operator.state import Key

log = logging.getLogger(__name__)

# (key, due) -> the check itself; returns when the check is over (the scheduler then frees its slot).
Check = Callable[[Key, float], Awaitable[None]]
# key -> the due time the object currently wants (None: no check wanted); stale heap entries are skipped.
Wanted = Callable[[Key], float | None]


class DriftScheduler:
    def __init__(
        self,
        check: Check,
        wanted: Wanted,
        *,
        slots: int,
        tick: float,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._check = check
        self._wanted = wanted
        self._slots = asyncio.Semaphore(slots)
        self._tick = tick
        self._clock = clock
        self._heap: list[tuple[float, int, Key]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False
        # What happened, for metrics and tests ("the scheduler looked N more times and nothing was sent"):
        self.ticks = 0  # times the scheduler woke and looked for due checks
        self.started = 0  # checks started

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def due(self, key: Key, at: float) -> None:
        """Schedule `key`'s check at `at` (the object's `next_drift` must say the same by then)."""
        heapq.heappush(self._heap, (at, next(self._order), key))
        if self._heap[0][2] == key and self._heap[0][0] == at:
            self._wake.set()  # earlier than what the scheduler sleeps for

    def start(self, context: contextvars.Context | None = None) -> None:
        """Start the scheduler's task (idempotent). `context`: the context the checks run in (kopf's handler
        context, so kopf.event() reaches kopf's event poster)."""
        if self._task is None or self._task.done():
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), name="dynamotable drift scheduler", context=context)
            self._task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if self._stopping:
            return
        if task.cancelled():
            log.error("the drift scheduler was cancelled from outside; drift checks resume with the next change")
        elif task.exception() is not None:
            log.error("the drift scheduler failed", exc_info=task.exception())

    @property
    def pending(self) -> int:
        """Heap entries (stale ones included)."""
        return len(self._heap)

    @property
    def in_flight(self) -> int:
        return len(self._running)

    async def stop(self, timeout: float) -> None:
        """Stop scheduling; let the checks in flight finish within `timeout` seconds, then cancel them."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            self.ticks += 1
            await self._start_due()
            delay = self._tick
            if self._heap:
                delay = min(delay, max(0.0, self._heap[0][0] - self._now()))
            self._wake.clear()
            if delay > 0:
                # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that arrives as
                # the wake-up does (due() sets it often), and stop() would then wait for this loop forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()

    async def _start_due(self) -> None:
        while self._heap and self._heap[0][0] <= self._now():
            at, _, key = self._heap[0]
            if self._wanted(key) != at:
                heapq.heappop(self._heap)  # rescheduled since, or gone
                continue
            await self._slots.acquire()  # wait here, not in the heap: a late check is measured as lag
            # While we waited, entries may have been pushed (an earlier one is now on top): take the top anew.
            if not self._heap or self._heap[0][0] > self._now():
                self._slots.release()
                break
            at, _, key = heapq.heappop(self._heap)
            if self._wanted(key) != at:  # rescheduled or gone while we waited for the slot
                self._slots.release()
                continue
            self.started += 1
            task = asyncio.create_task(self._guarded(key, at), name=f"drift check {key[0]}/{key[1]}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _guarded(self, key: Key, at: float) -> None:
        try:
            await self._check(key, at)
        except asyncio.CancelledError:
            raise
        except Exception:  # the check handles its own errors; this keeps the scheduler alive if it did not
            log.exception("drift check of %s/%s failed", *key)
        finally:
            self._slots.release()
