"""The operator keeps below AWS's cap on tables in a table operation [A18]: with the endpoint enforcing a cap
of 2, six tables created at once wait for slots (RateLimited), are never refused, and all become Ready."""

from __future__ import annotations

from operator_harness import Harness, eventually, fast_settings, table_spec

from dynamotable.local import Latency, Rules


async def test_a18_creates_wait_for_a_table_operation_slot_and_are_never_refused(harness: Harness) -> None:
    h = harness
    h.endpoint.set_rules(Rules(table_operations=2))
    h.endpoint.set_latency(Latency(create=0.3))
    await h.start(fast_settings(h.endpoint, max_table_operations=2, max_indexed_creates=2))
    names = [f"slot{i}" for i in range(6)]
    for n in names:
        await h.create(n, table_spec(tableName=f"{h.namespace}-{n}"))
    await eventually(lambda: all(h.ready(n) for n in names), timeout=30)
    refused = [r for r in h.endpoint.requests() if r.error_code == "LimitExceededException"]
    assert refused == []
    assert sum(r.operation == "CreateTable" and r.ok for r in h.endpoint.requests()) == 6
    assert h.operator is not None
    # the operator's own pacing is not a problem a person must look at: no Warning for it
    assert not [e for n in names for e in h.events(n) if e[0] == "Warning"]
    slots = h.operator.factory.table_operations("us-east-1")
    assert slots.peak == 2
    assert slots.refused > 0, "no create ever waited for a slot: the cap was not exercised"
    assert slots.in_flight() == 0, "every slot is given back once its table is ACTIVE"
    sample = h.operator.metrics.registry.get_sample_value
    assert sample("dynamotable_aws_table_operation_waits_total", {"region": "us-east-1"}) == slots.refused
    assert sample("dynamotable_aws_table_operations_in_flight", {"region": "us-east-1"}) == 0
    assert sample("dynamotable_aws_pacing_wait_seconds_total", {"region": "us-east-1"}) is not None
