"""Invalid specs: Ready=False/InvalidSpec naming the field, no AWS call, no retry until the spec changes."""

from __future__ import annotations

import pytest
from operator_harness import Harness, eventually, table_spec

# The operator's clock is the event loop's; looptime makes it the test's (waits and intervals run in loop
# time: a drift interval or a retry delay is asserted as requested, not waited for on the wall clock).
pytestmark = pytest.mark.looptime


async def test_invalid_spec_is_reported_without_any_aws_call(harness: Harness) -> None:
    h = harness
    op = await h.start()
    table = f"{h.namespace}-broken"
    bad = table_spec(tableName=table, attributes=[{"name": "pk", "type": "S"}])  # hashKey id is not defined
    await h.create("broken", bad)
    await eventually(lambda: h.reason("broken") == "InvalidSpec")
    cond = h.condition("broken")
    assert cond["status"] == "False" and cond["observedGeneration"] == 1
    assert "spec.hashKey" in cond["message"] and "spec.attributes[0]" in cond["message"]
    assert h.condition("broken", "Progressing")["reason"] == "InvalidSpec"
    await eventually(lambda: ("Warning", "InvalidSpec") in [(t, r) for t, r, _ in h.events("broken")])

    # terminal: not retried. The drift timer wakes several times and the change handler asked for nothing more
    assert h.state("broken").requested_delay is None
    await h.drift_ticks(3)
    assert h.state("broken").passes == 1
    assert h.aws() == [] and sum(op.factory.calls.values()) == 0
    samples = op.metrics.registry.get_sample_value
    assert samples("dynamotable_reconciles_total", {"trigger": "create", "result": "InvalidSpec"}) == 1
    assert h.configmap("broken") is None

    await h.patch("broken", {"spec": {"attributes": [{"name": "id", "type": "S"}]}})
    await eventually(lambda: h.ready("broken"))
    assert h.describe(table) is not None


async def test_shape_errors_name_the_field(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.create("shape", table_spec(billingMode="CHEAP"))
    await eventually(lambda: h.reason("shape") == "InvalidSpec")
    assert h.condition("shape")["message"].startswith("spec.billingMode: 'CHEAP' is not allowed")
    assert h.aws() == []

    await h.delete("shape")  # nothing was created; the finalizer goes without an AWS call
    await eventually(lambda: not h.exists("shape"))
    assert h.aws() == []


async def test_key_change_is_blocked_not_retried(harness: Harness) -> None:
    h = harness
    op = await h.start()
    table = f"{h.namespace}-keyed"
    await h.create("keyed", table_spec(tableName=table))
    await eventually(lambda: h.ready("keyed"))
    # The CRD's CEL rules reject this at admission; kmock has none, so the operator's own guard is exercised.
    await h.patch("keyed", {"spec": {"hashKey": "pk", "attributes": [{"name": "pk", "type": "S"}]}})
    await eventually(lambda: h.reason("keyed") == "ReplacementRequired")
    await eventually(lambda: ("Warning", "ReplacementRequired") in [(t, r) for t, r, _ in h.events("keyed")])
    assert h.state("keyed").requested_delay is None  # terminal until the spec changes
    passes = h.state("keyed").passes
    await h.drift_ticks(3)
    assert h.state("keyed").passes == passes
    samples = op.metrics.registry.get_sample_value
    assert samples("dynamotable_reconciles_total", {"trigger": "update", "result": "ReplacementRequired"}) == 1
    assert [r.operation for r in h.aws(table, mutating=True)] == ["CreateTable"]


async def test_rate_limited_change_waits_for_its_time(harness: Harness) -> None:
    h = harness
    op = await h.start()
    table = f"{h.namespace}-ttl"
    await h.create("ttl", table_spec(tableName=table, ttl={"enabled": True, "attributeName": "exp"}))
    await eventually(lambda: h.ready("ttl"))
    # DynamoDB allows one TTL change per table per hour: turning it off right away is refused.
    await h.patch("ttl", {"spec": {"ttl": {"enabled": False}}})
    await eventually(lambda: h.reason("ttl") == "RateLimited")
    assert "can go on at" in h.condition("ttl")["message"]
    await eventually(lambda: any(r == "RateLimited" and "can go on at" in m for _, r, m in h.events("ttl")))
    # no hot loop: the engine asked for a requeue at that time (DynamoDB allows one TTL change an hour)
    assert (h.state("ttl").requested_delay or 0) > 3000
    passes = h.state("ttl").passes
    await h.drift_ticks(3)
    assert h.state("ttl").passes == passes
    assert [r.operation for r in h.aws(table, mutating=True)].count("UpdateTimeToLive") == 2
    samples = op.metrics.registry.get_sample_value
    assert samples("dynamotable_reconciles_total", {"trigger": "update", "result": "RateLimited"}) == 1
