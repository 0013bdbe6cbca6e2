"""Tables waiting for a table-operation slot [A18], per region, in arrival order.

Without this a table refused a slot goes back to kopf with a short retry delay, and every retry costs a kopf
cycle: a progress patch, a watch event and a pass. At 10,000 tables created at once, 1,700 of them retrying
every poll while 200 held slots kept the operator saturated, so the tables holding slots were seen ACTIVE (and
gave their slots back) later and later. Here a refused table waits in-process (the reconciler's slot waits);
each slot given back wakes the one that waited longest, so a queued table costs nothing until its turn.
"""

from __future__ import annotations

import asyncio
from collections import deque


class SlotQueue:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def freed(self, region: str) -> None:
        """A slot of `region` was given back. Called from any thread (the engine's pool frees slots)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake_one, region)

    def pass_turn(self, region: str) -> None:
        """A woken waiter that no longer needs its slot (its object was edited, deleted or re-created meanwhile)
        wakes the next one in its place. Called on the loop."""
        self._wake_one(region)

    def _wake_one(self, region: str) -> None:
        queue = self._waiting.get(region)
        while queue:
            waiter = queue.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def wait(self, region: str, timeout: float | None = None) -> bool:
        """Wait for a slot of `region` to be given back: True when woken, False after `timeout` seconds (None:
        no time limit)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiting.setdefault(region, deque())
        queue.append(waiter)
        try:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that arrives as the
            # awaited future completes, and a cancelled handler (the operator stopping) would go on.
            async with asyncio.timeout(timeout):
                await asyncio.shield(waiter)
            return True
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # woken as it was cancelled: the turn goes on
                self._wake_one(region)
            raise
        except TimeoutError:
            # woken just as the time ran out: take the turn rather than lose it (else `finally` cancels it)
            return waiter.done()
        finally:
            if not waiter.done():
                waiter.cancel()
            if waiter in queue:
                queue.remove(waiter)

    def waiting(self, region: str) -> int:
        return sum(1 for waiter in self._waiting.get(region, ()) if not waiter.done())
