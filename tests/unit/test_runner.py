"""engine/runner.py: many tables, bounded in-flight passes per region, requeue delays, stop and timeout."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from dynamotable.api.status import Condition, ConditionStatus, ConditionType, DynamoTableStatus, Reason
from dynamotable.api.validation import parse_manifest
from dynamotable.engine.runner import Runner, RunState


@dataclass(frozen=True)
class FakeStep:
    description: str


@dataclass(frozen=True)
class FakeOutcome:
    requeue_after: float | None
    done: bool
    executed: FakeStep | None = None
    status: DynamoTableStatus = field(default_factory=DynamoTableStatus)


def manifest(name: str, region: str | None = None):  # type: ignore[no-untyped-def]
    spec = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    if region:
        spec["region"] = region
    return parse_manifest(
        {"apiVersion": "dynamotable.io/v1alpha1", "kind": "DynamoTable", "metadata": {"name": name}, "spec": spec}
    )


def test_each_table_runs_its_steps_then_converges() -> None:
    remaining = {f"t{i:03d}": [f"step {j}" for j in range(3)] for i in range(20)}
    lock = threading.Lock()

    def one_pass(m, region):  # type: ignore[no-untyped-def]
        with lock:
            steps = remaining[m.table_name]
            step = steps.pop(0) if steps else None
        return FakeOutcome(requeue_after=0.0 if step else None, done=step is None, executed=step and FakeStep(step))

    runs = Runner(one_pass, max_in_flight=4).run([(manifest(n), "us-east-1") for n in remaining])
    assert [r.table for r in runs] == sorted(remaining)
    assert all(r.state == RunState.DONE for r in runs)
    assert all(r.steps_done == ["step 0", "step 1", "step 2"] for r in runs)


def test_in_flight_passes_per_region_are_bounded() -> None:
    current: dict[str, int] = {}
    peak: dict[str, int] = {}
    lock = threading.Lock()

    def one_pass(m, region):  # type: ignore[no-untyped-def]
        with lock:
            current[region] = current.get(region, 0) + 1
            peak[region] = max(peak.get(region, 0), current[region])
        time.sleep(0.01)
        with lock:
            current[region] -= 1
        return FakeOutcome(requeue_after=None, done=True)

    targets = [(manifest(f"a{i:02d}"), "us-east-1") for i in range(30)]
    targets += [(manifest(f"b{i:02d}"), "eu-west-1") for i in range(30)]
    runs = Runner(one_pass, max_in_flight=3).run(targets)
    assert all(r.state == RunState.DONE for r in runs)
    assert peak == {"us-east-1": 3, "eu-west-1": 3}


def test_requeue_delay_is_respected() -> None:
    calls: list[float] = []

    def one_pass(m, region):  # type: ignore[no-untyped-def]
        calls.append(time.monotonic())
        return FakeOutcome(requeue_after=0.2, done=len(calls) >= 2)

    runs = Runner(one_pass).run([(manifest("slow"), "us-east-1")])
    assert runs[0].state == RunState.DONE
    assert calls[1] - calls[0] >= 0.19


def test_terminal_outcome_stops_with_the_ready_reason() -> None:
    status = DynamoTableStatus(
        conditions=[
            Condition(
                type=ConditionType.READY,
                status=ConditionStatus.FALSE,
                reason=Reason.REPLACEMENT_REQUIRED,
                message="hashKey changed",
            )
        ]
    )

    def one_pass(m, region):  # type: ignore[no-untyped-def]
        return FakeOutcome(requeue_after=None, done=False, status=status)

    (run,) = Runner(one_pass).run([(manifest("blocked"), "us-east-1")])
    assert run.state == RunState.STOPPED
    assert (run.reason, run.message) == ("ReplacementRequired", "hashKey changed")


def test_a_pass_that_raises_fails_only_its_table() -> None:
    def one_pass(m, region):  # type: ignore[no-untyped-def]
        if m.table_name == "bad":
            raise RuntimeError("boom")
        return FakeOutcome(requeue_after=None, done=True)

    runs = Runner(one_pass).run([(manifest("bad"), "us-east-1"), (manifest("good"), "us-east-1")])
    assert [(r.state, r.message) for r in runs] == [(RunState.FAILED, "RuntimeError: boom"), (RunState.DONE, "")]


def test_stop_finishes_running_passes_and_marks_the_rest_interrupted() -> None:
    stop = threading.Event()

    def one_pass(m, region):  # type: ignore[no-untyped-def]
        stop.set()  # Ctrl-C arrives while the first pass runs
        time.sleep(0.05)
        return FakeOutcome(requeue_after=0.0, done=False, executed=FakeStep("did one thing"))

    runs = Runner(one_pass, max_in_flight=1, stop=stop).run([(manifest("one"), "us-east-1")])
    assert runs[0].state == RunState.INTERRUPTED
    assert runs[0].steps_done == ["did one thing"]  # the pass in flight completed, nothing was cut in half


def test_timeout() -> None:
    def one_pass(m, region):  # type: ignore[no-untyped-def]
        return FakeOutcome(requeue_after=0.05, done=False)

    (run,) = Runner(one_pass, timeout=0.2).run([(manifest("never"), "us-east-1")])
    assert run.state == RunState.TIMED_OUT
    assert run.passes >= 2  # requeued at least once before giving up
