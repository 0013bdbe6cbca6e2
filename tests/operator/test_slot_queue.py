"""Handlers waiting for a table-operation slot (slots.py), on the loop clock: first come, first woken."""

from __future__ import annotations

import asyncio
import threading

import pytest

from dynamotable.operator.slots import SlotQueue

pytestmark = pytest.mark.looptime


async def test_each_freed_slot_wakes_the_longest_waiting_one() -> None:
    queue = SlotQueue()
    queue.bind(asyncio.get_running_loop())
    woken: list[str] = []

    async def waiter(name: str) -> None:
        if await queue.wait("us-east-1", timeout=100):
            woken.append(name)

    tasks = [asyncio.create_task(waiter(n)) for n in ("a", "b", "c")]
    await asyncio.sleep(1)
    assert queue.waiting("us-east-1") == 3
    queue.freed("us-east-1")
    await asyncio.sleep(1)
    assert woken == ["a"]
    queue.freed("eu-west-1")  # another region's slot wakes nobody here
    await asyncio.sleep(1)
    assert woken == ["a"]
    queue.freed("us-east-1")
    queue.freed("us-east-1")
    await asyncio.gather(*tasks)
    assert woken == ["a", "b", "c"] and queue.waiting("us-east-1") == 0


async def test_a_wait_ends_after_its_timeout_and_leaves_the_queue() -> None:
    queue = SlotQueue()
    queue.bind(asyncio.get_running_loop())
    started = asyncio.get_running_loop().time()
    assert await queue.wait("us-east-1", timeout=30) is False
    assert asyncio.get_running_loop().time() - started == pytest.approx(30, abs=0.01)
    assert queue.waiting("us-east-1") == 0
    queue.freed("us-east-1")  # nobody waits: the next waiter is not woken by an old slot
    await asyncio.sleep(0)
    assert await queue.wait("us-east-1", timeout=5) is False


async def test_slots_freed_in_another_thread_wake_waiters_on_the_loop() -> None:
    queue = SlotQueue()
    queue.bind(asyncio.get_running_loop())
    waiting = asyncio.create_task(queue.wait("us-east-1", timeout=100))
    await asyncio.sleep(1)
    thread = threading.Thread(target=queue.freed, args=("us-east-1",))
    thread.start()
    thread.join()
    assert await waiting is True


@pytest.mark.parametrize("cycles", range(6))
async def test_a_waiter_cancelled_as_it_is_woken_is_cancelled_and_passes_its_turn_on(cycles: int) -> None:
    """The operator stopping cancels a handler waiting for a slot. If the slot came back in the same loop cycle,
    the cancellation must still win (Python 3.11's wait_for returned the wake-up and dropped it: the stopping
    handler went on), and the turn it was given goes to the next waiter."""
    queue = SlotQueue()
    queue.bind(asyncio.get_running_loop())
    first = asyncio.create_task(queue.wait("us-east-1", timeout=100))
    await asyncio.sleep(1)
    second = asyncio.create_task(queue.wait("us-east-1", timeout=100))
    await asyncio.sleep(1)
    queue.freed("us-east-1")
    for _ in range(cycles):  # the cancellation lands somewhere along the wake-up's way
        await asyncio.sleep(0)
    if first.cancel():  # still waiting when cancelled
        with pytest.raises(asyncio.CancelledError):
            await first
        assert await second is True, "the turn of the cancelled waiter was lost"
    else:
        assert first.result() is True
        second.cancel()
