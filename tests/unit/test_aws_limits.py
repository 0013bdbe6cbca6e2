"""The client-side pacing of DynamoDB's control plane [A18]: the token bucket and the table-operation slots."""

from __future__ import annotations

import threading

import pytest

from dynamotable.aws.limits import ControlPlaneLimits, RequestBucket, TableOperations


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:  # the bucket's waits move this clock: the test owns the time
        self.slept.append(seconds)
        self.now += seconds


def test_a18_bucket_serves_the_burst_at_once_then_paces_to_the_rate() -> None:
    clock = Clock()
    bucket = RequestBucket(50.0, burst=5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        bucket.take()
    assert clock.slept == []
    start = clock.now
    for _ in range(100):
        bucket.take()
    assert clock.now - start == pytest.approx(100 / 50.0)  # exactly the rate after the burst
    assert all(s == pytest.approx(1 / 50.0) for s in clock.slept)


def test_a18_bucket_refills_while_idle_but_never_beyond_its_burst() -> None:
    clock = Clock()
    bucket = RequestBucket(10.0, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        bucket.take()
    clock.now += 3600  # an idle hour saves up 3 tokens, not 36,000
    for _ in range(3):
        bucket.take()
    assert clock.slept == []
    bucket.take()
    assert clock.slept == [pytest.approx(0.1)]


def test_a18_bucket_is_shared_fairly_by_threads() -> None:
    """Reservations are made under the lock: N threads taking M tokens each wait N*M/rate in all, no more."""
    clock = Clock()  # never moves: every reservation after the first saved token queues behind the others
    bucket = RequestBucket(100.0, burst=1, clock=clock, sleep=lambda s: None)

    def worker() -> None:
        for _ in range(50):
            bucket.take()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bucket.taken == 200
    # 1 saved token, then 199 at 100/s, reserved back to back on a clock that did not move
    assert bucket.waited == pytest.approx(sum(i / 100.0 for i in range(1, 200)))


def test_a18_bucket_rejects_a_rate_of_zero() -> None:
    with pytest.raises(ValueError, match="rate must be > 0"):
        RequestBucket(0)


def test_a18_table_operation_slots_cap_tables_not_calls() -> None:
    slots = TableOperations(2, indexed_limit=1)
    assert slots.admit("a") and slots.admit("b")
    assert slots.admit("a"), "a table already in an operation keeps its slot for its next step"
    assert not slots.admit("c")
    assert slots.refused == 1
    slots.settled("a")
    assert slots.admit("c")
    assert slots.in_flight() == 2 and slots.peak == 2


def test_a18_creates_with_indexes_have_their_own_lower_cap() -> None:
    slots = TableOperations(10, indexed_limit=1)
    assert slots.admit("indexed-1", indexed_create=True)
    assert not slots.admit("indexed-2", indexed_create=True)
    assert slots.admit("plain"), "a create without indexes is not held back by the index cap"
    slots.settled("indexed-1")
    assert slots.admit("indexed-2", indexed_create=True)


def test_a18_a_slot_nobody_renews_is_given_back() -> None:
    clock = Clock()
    slots = TableOperations(1, stale_after=600, clock=clock)
    assert slots.admit("lost")
    clock.now += 599
    slots.busy("lost")  # seen still busy: renewed
    clock.now += 599
    assert not slots.admit("other")
    clock.now += 2
    assert slots.admit("other"), "the lost table's slot expired 600 s after it was last seen busy"


def test_a18_limits_are_kept_per_account_and_region() -> None:
    limits = ControlPlaneLimits(requests_per_second=10, table_operations=1)
    assert limits.bucket("us-east-1") is limits.bucket("us-east-1")
    assert limits.bucket("us-east-1") is not limits.bucket("us-west-2")
    assert limits.operations("us-east-1", "account-a") is not limits.operations("us-east-1", "account-b")
    assert limits.operations("us-east-1").admit("t")
    assert limits.operations("us-west-2").admit("t2"), "another region has its own slots"
