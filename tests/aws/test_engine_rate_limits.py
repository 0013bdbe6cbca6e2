"""The engine against AWS's per-day limits on the local endpoint, end to end: reconcile hits the limit, reports
RateLimited with a requeue delay that ends when the window opens, and converges once the (fake) clock is
there. The endpoint's dates follow its clock from a fixed epoch, and the engine is given the same "now"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dynamotable.api.spec import DynamoTable
from dynamotable.api.status import ConditionType, Reason
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.errors import RateLimited
from dynamotable.engine.reconcile import Outcome, Timing, reconcile
from dynamotable.local import LocalEndpoint

REGION = "us-east-1"
OWNER = "shop/orders"
START = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)
TIMING = Timing.fast()
PASSES = 40


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def endpoint(clock: Clock) -> Iterator[LocalEndpoint]:
    # AWS's rules (Rules() defaults) and no latency: a transition is over by the next request
    with LocalEndpoint(clock=clock, epoch=START.timestamp()) as ep:
        yield ep


@pytest.fixture
def engine(endpoint: LocalEndpoint, clock: Clock) -> Engine:
    endpoint.reset()
    clock.now = 0.0
    return Engine(endpoint, clock)


def manifest(**spec: Any) -> DynamoTable:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    base.update(spec)
    return DynamoTable.model_validate(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": "orders", "namespace": "shop"},
            "spec": base,
        }
    )


def provisioned(read: int, write: int = 10) -> DynamoTable:
    return manifest(billingMode="PROVISIONED", readCapacity=read, writeCapacity=write)


class Engine:
    def __init__(self, endpoint: LocalEndpoint, clock: Clock) -> None:
        self.endpoint = endpoint
        self.clock = clock
        self.factory = ClientFactory(endpoint_url=endpoint.url, max_attempts=0, credentials=Credentials("t", "t"))

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.endpoint.wall_time(), UTC)

    def run(self, m: DynamoTable) -> Outcome:
        """Pass after pass until the table matches the spec or the engine stops on a rate limit."""
        for _ in range(PASSES):
            out = reconcile(m, self.factory, region=REGION, owner=OWNER, timing=TIMING, now=self.now)
            if out.done or isinstance(out.error, RateLimited):
                return out
            assert out.requeue_after is not None, out.status.conditions
        raise AssertionError(f"no verdict after {PASSES} passes: {out.status.conditions}")

    def converge(self, m: DynamoTable) -> Outcome:
        out = self.run(m)
        assert out.done, out.status.conditions
        return out

    def live_read_capacity(self) -> int:
        table = self.factory.dynamodb(REGION).describe_table(TableName="orders")["Table"]
        return int(table["ProvisionedThroughput"]["ReadCapacityUnits"])


def ready(out: Outcome) -> tuple[str, str]:
    condition = next(c for c in out.status.conditions if c.type == ConditionType.READY)
    return condition.reason, condition.message


def test_a_fifth_decrease_waits_an_hour_then_converges(engine: Engine, clock: Clock) -> None:
    engine.converge(provisioned(10))
    for minute, read in enumerate((9, 8, 7, 6), start=1):
        clock.now = minute * 60.0  # 08:01 ... 08:04
        engine.converge(provisioned(read))
    clock.now = 10 * 60.0  # 08:10
    limited = engine.run(provisioned(5))
    assert isinstance(limited.error, RateLimited)
    assert limited.error.until == datetime(2026, 12, 1, 9, 4, tzinfo=UTC)  # the 4th decrease + 3600 s
    assert limited.requeue_after == pytest.approx(54 * 60.0)
    reason, message = ready(limited)
    assert reason == Reason.RATE_LIMITED
    assert message.startswith("UpdateTable (us-east-1) is rate-limited by AWS and can go on at 2026-12-01T09:04:00Z")
    assert "Next decrease can be made at Tuesday, December 1, 2026 at 9:04:00 AM" in message
    assert engine.live_read_capacity() == 6

    clock.now += 30 * 60.0  # half-way: still limited, and the delay has shrunk by as much
    again = engine.run(provisioned(5))
    assert isinstance(again.error, RateLimited)
    assert again.requeue_after == pytest.approx(24 * 60.0)

    assert again.requeue_after is not None
    clock.now += again.requeue_after
    engine.converge(provisioned(5))
    assert engine.live_read_capacity() == 5


def test_an_exhausted_budget_late_in_the_day_opens_at_midnight_utc(engine: Engine, clock: Clock) -> None:
    clock.now = 15.5 * 3600  # 23:30 UTC
    engine.converge(provisioned(10))
    for read in (9, 8, 7, 6):
        engine.converge(provisioned(read))
    limited = engine.run(provisioned(5))
    assert isinstance(limited.error, RateLimited)
    assert limited.error.until == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert limited.requeue_after == pytest.approx(30 * 60.0)
    clock.now += 24 * 3600  # a day later the whole budget is back
    for read in (5, 4, 3, 2):
        engine.converge(provisioned(read))
    assert engine.live_read_capacity() == 2


def test_a_fifth_switch_to_on_demand_in_a_day_waits_for_the_window(engine: Engine, clock: Clock) -> None:
    on_demand = manifest(billingMode="PAY_PER_REQUEST")
    engine.converge(provisioned(5))
    for hour in range(4):
        clock.now = hour * 3600.0
        engine.converge(on_demand)
        engine.converge(provisioned(5))
    clock.now = 5 * 3600.0
    limited = engine.run(on_demand)
    assert isinstance(limited.error, RateLimited)
    assert limited.error.until == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 24 h after the first switch
    assert limited.requeue_after == pytest.approx(19 * 3600.0)
    clock.now += 19 * 3600.0
    engine.converge(on_demand)
