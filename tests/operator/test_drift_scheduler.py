"""The drift scheduler on its own: due times on the loop clock (looptime), stale entries, slots, stopping."""

from __future__ import annotations

import asyncio

import pytest

from dynamotable.operator.drift import DriftScheduler
from dynamotable.operator.latest import stored
from dynamotable.operator.state import Key

pytestmark = pytest.mark.looptime


class Objects:
    """What the reconciler is to the scheduler: each key's wanted due time, and a log of the checks run."""

    def __init__(self, hold: float = 0.0) -> None:
        self.wanted: dict[Key, float | None] = {}
        self.ran: list[tuple[Key, float, float]] = []  # (key, due, loop time it started)
        self.hold = hold  # loop seconds each check takes
        self.in_flight = 0
        self.most_in_flight = 0

    async def check(self, key: Key, due: float) -> None:
        self.ran.append((key, due, asyncio.get_running_loop().time()))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.hold)
        finally:
            self.in_flight -= 1


def scheduler(objects: Objects, *, slots: int = 5, tick: float = 30.0) -> DriftScheduler:
    return DriftScheduler(objects.check, objects.wanted.get, slots=slots, tick=tick)


def place(drift: DriftScheduler, objects: Objects, key: Key, at: float) -> None:
    objects.wanted[key] = at
    drift.due(key, at)


async def test_checks_run_at_their_due_times_in_order() -> None:
    objects = Objects()
    drift = scheduler(objects)
    drift.start()
    now = asyncio.get_running_loop().time()
    for i, delay in enumerate([300.0, 10.0, 120.0]):
        place(drift, objects, ("ns", f"t{i}"), now + delay)
    await asyncio.sleep(400)
    assert [key[1] for key, _, _ in objects.ran] == ["t1", "t2", "t0"]
    for _, due, started in objects.ran:
        assert started == pytest.approx(due, abs=0.01)
    await drift.stop(timeout=1)


async def test_an_earlier_check_wakes_the_sleeping_scheduler() -> None:
    objects = Objects()
    drift = scheduler(objects, tick=3600.0)
    drift.start()
    now = asyncio.get_running_loop().time()
    place(drift, objects, ("ns", "late"), now + 3000)
    await asyncio.sleep(1)  # asleep until the late check
    place(drift, objects, ("ns", "soon"), now + 5)
    await asyncio.sleep(10)
    assert [(key[1], started) for key, _, started in objects.ran] == [("soon", pytest.approx(now + 5, abs=0.01))]
    await drift.stop(timeout=1)


async def test_a_rescheduled_or_forgotten_object_skips_its_stale_entry() -> None:
    objects = Objects()
    drift = scheduler(objects)
    drift.start()
    now = asyncio.get_running_loop().time()
    place(drift, objects, ("ns", "moved"), now + 10)
    place(drift, objects, ("ns", "moved"), now + 50)  # the interval changed: the entry at 10 s is stale
    place(drift, objects, ("ns", "gone"), now + 20)
    del objects.wanted[("ns", "gone")]  # deleted: nothing wanted
    await asyncio.sleep(100)
    assert [(key[1], due) for key, due, _ in objects.ran] == [("moved", now + 50)]
    await drift.stop(timeout=1)


async def test_at_most_slots_checks_run_at_once_and_the_rest_wait_in_order() -> None:
    objects = Objects(hold=10.0)
    drift = scheduler(objects, slots=2)
    drift.start()
    now = asyncio.get_running_loop().time()
    for i in range(5):
        place(drift, objects, ("ns", f"t{i}"), now + 1)
    await asyncio.sleep(100)
    assert objects.most_in_flight == 2
    assert [key[1] for key, _, _ in objects.ran] == ["t0", "t1", "t2", "t3", "t4"]
    starts = [round(started - now) for _, _, started in objects.ran]
    assert starts == [1, 1, 11, 11, 21], "a check that waited for a slot starts late (the lag the metric shows)"
    await drift.stop(timeout=1)


async def test_an_idle_scheduler_still_looks_once_a_tick() -> None:
    objects = Objects()
    drift = scheduler(objects, tick=5.0)
    drift.start()
    await asyncio.sleep(0)
    before = drift.ticks
    await asyncio.sleep(50.5)
    assert drift.ticks - before == 10
    assert objects.ran == []
    await drift.stop(timeout=1)


async def test_stopping_lets_a_check_in_flight_finish() -> None:
    objects = Objects(hold=3.0)
    drift = scheduler(objects)
    drift.start()
    now = asyncio.get_running_loop().time()
    place(drift, objects, ("ns", "busy"), now + 1)
    place(drift, objects, ("ns", "later"), now + 100)
    await asyncio.sleep(2)
    assert objects.in_flight == 1
    await drift.stop(timeout=10)
    assert objects.in_flight == 0 and asyncio.get_running_loop().time() == pytest.approx(now + 4, abs=0.01)
    await asyncio.sleep(200)
    assert [key[1] for key, _, _ in objects.ran] == ["busy"], "nothing is started after stop()"


async def test_a_check_that_fails_does_not_stop_the_scheduler() -> None:
    objects = Objects()
    failing = {"n": 0}

    async def check(key: Key, due: float) -> None:
        if key[1] == "bad":
            failing["n"] += 1
            raise RuntimeError("boom")
        await objects.check(key, due)

    drift = DriftScheduler(check, objects.wanted.get, slots=1, tick=30.0)
    drift.start()
    now = asyncio.get_running_loop().time()
    place(drift, objects, ("ns", "bad"), now + 1)
    place(drift, objects, ("ns", "good"), now + 2)
    await asyncio.sleep(10)
    assert failing["n"] == 1 and [key[1] for key, _, _ in objects.ran] == ["good"]
    await drift.stop(timeout=1)


async def test_a_check_due_while_the_scheduler_waits_for_a_slot_is_not_lost() -> None:
    """The scheduler waits for a slot with one entry on top; an earlier entry pushed meanwhile becomes the top.
    Both checks must run once the slot frees (the bug: the wait ended by popping the new top and running the old
    one, so the new object was never checked again)."""
    objects = Objects(hold=10.0)
    drift = scheduler(objects, slots=1)
    drift.start()
    now = asyncio.get_running_loop().time()
    place(drift, objects, ("ns", "holder"), now + 1)  # takes the only slot for 10 s
    place(drift, objects, ("ns", "waiting"), now + 2)  # due while the slot is taken: the scheduler waits on it
    await asyncio.sleep(3)
    place(drift, objects, ("ns", "pushed"), now + 1.5)  # earlier than "waiting": the new top of the heap
    await asyncio.sleep(60)
    assert sorted(key[1] for key, _, _ in objects.ran) == ["holder", "pushed", "waiting"]
    await drift.stop(timeout=1)


async def test_stop_that_arrives_with_a_wake_up_stops_the_scheduler() -> None:
    """The operator stopped while a check was being scheduled: the cancellation arrived in the same loop cycle as
    the scheduler's wake-up. Python 3.11's asyncio.wait_for swallowed such a cancellation and the scheduler ran
    on, so stop() (the operator's cleanup) waited for it forever: operators that did not stop under load."""
    objects = Objects()
    drift = scheduler(objects, tick=3600.0)
    drift.start()
    await asyncio.sleep(1)  # asleep until the next tick
    place(drift, objects, ("ns", "next"), asyncio.get_running_loop().time() + 600)  # earliest: wakes it
    await asyncio.sleep(0)  # the wake-up has completed the scheduler's wait; the scheduler has not resumed yet
    ticks = drift.ticks
    async with asyncio.timeout(10):
        await drift.stop(timeout=1)
    assert drift.ticks == ticks, "the scheduler looked for due checks again after it was stopped"
    assert objects.ran == []


def _body(generation: int) -> dict[str, object]:
    return {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "t", "namespace": "ns", "generation": generation, "uid": "u"},
        "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
    }


async def test_a_drift_check_that_waited_for_a_change_handler_never_passes_on_the_stale_body() -> None:
    """A due check finds the object settled and the lock free, but a change handler (an edit) takes the lock
    before the check's pass starts. The check must not then pass on the body it started with: that spec is no
    longer the object's (a stale managementPolicy or capacity would be applied). The handler has scheduled what
    follows."""
    from dynamotable.aws.clients import ClientFactory
    from dynamotable.operator.kube import KubeApi
    from dynamotable.operator.metrics import Metrics
    from dynamotable.operator.reconciler import PassResult, Reconciler
    from dynamotable.operator.settings import OperatorSettings

    rec = Reconciler(OperatorSettings(region="us-east-1"), ClientFactory(), Metrics(), KubeApi(lambda: None))
    passed: list[tuple[str, int]] = []

    async def fake_pass(
        trigger: object, body: dict[str, object], patch: object, logger: object, state: object
    ) -> PassResult:
        rec_state.passes += 1
        passed.append((str(getattr(trigger, "value", trigger)), int(body["metadata"]["generation"])))  # type: ignore[index]
        return PassResult("Synced", "", 3600.0, steady=True)

    try:
        rec._pass = fake_pass  # type: ignore[method-assign,assignment]
        key = ("ns", "t")
        rec_state = rec.states.get(key)
        rec_state.settle(1, drift_checks=True)
        rec_state.drift_interval = rec._interval(_body(1), rec_state)  # type: ignore[arg-type]
        due = asyncio.get_running_loop().time()
        rec_state.next_drift = due
        rec.latest = {key: [stored(_body(1))]}  # kopf index: a store of (compact) bodies per key

        check = asyncio.create_task(rec._drift_check(key, due))
        await asyncio.sleep(0)  # the check got past its own tests and queued its pass: the lock was free then
        assert not check.done() and not passed
        async with rec_state.lock:  # the edit's change handler takes the lock first
            rec_state.unsettle()
            rec.latest = {key: [stored(_body(2))]}
            await fake_pass("update", _body(2), None, None, rec_state)
            rec_state.settle(2, drift_checks=True)
        await check
        assert passed == [("update", 2)], "the drift check passed on the generation it started with"
    finally:
        rec.pool.shutdown()
