"""The operator keeps below AWS's cap on tables in a table operation [A18]: with the endpoint enforcing a cap
of 2, six tables created at once wait for slots (RateLimited), are never refused, and all become Ready."""

from __future__ import annotations

from operator_harness import Harness, eventually, fast_settings, table_spec

from dynamotable.local import Latency, Rules
from dynamotable.operator.rbac import rules_for


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


async def test_a18_a_create_waiting_for_a_slot_waits_in_process_not_in_kopf_retries(harness: Harness) -> None:
    """Tables queued for a slot wait in-process until one is given back (slots.py): their status says why at
    once, and the wait costs no kopf retry cycles (each a progress patch, a watch event and a pass; at 10,000
    tables those retries saturated the operator)."""
    h = harness
    h.endpoint.set_latency(Latency(create=0.5))
    await h.start(fast_settings(h.endpoint, max_table_operations=1))
    names = [f"queued{i}" for i in range(4)]
    for n in names:
        await h.create(n, table_spec(tableName=f"{h.namespace}-{n}"))
    await eventually(lambda: sum(h.reason(n) == "RateLimited" for n in names) >= 2, timeout=30)
    await eventually(lambda: all(h.ready(n) for n in names), timeout=60)
    assert h.operator is not None
    assert h.operator.factory.table_operations("us-east-1").peak == 1
    refused = h.operator.metrics.registry.get_sample_value(
        "dynamotable_reconciles_total", {"trigger": "create", "result": "RateLimited"}
    )
    # each of the 3 queued tables is refused about once and then waits; retrying, each would be refused on
    # every retry until its turn (dozens of kopf cycles over the 1.5 s the queue takes)
    assert refused is not None and refused <= 2 * (len(names) - 1), refused
    h.assert_rbac_covers(rules_for(all_namespaces=True, peering=False))
    # the wait is outside kopf's handler: kopf handled each creation once, and nothing read an object back
    assert [r for r in h.kube_requests() if r[1:] == ("dynamotables", "get")] == []


async def _one_waiting_behind_first(h: Harness, name: str) -> None:
    """One slot: `first` is being created (2 s) and holds it, `name` waits for it."""
    h.endpoint.set_latency(Latency(create=2.0))
    await h.start(fast_settings(h.endpoint, max_table_operations=1))
    await h.create("first", table_spec(tableName=f"{h.namespace}-first"))
    await eventually(lambda: h.reason("first") == "Creating", timeout=30)
    await h.create(name, table_spec(tableName=f"{h.namespace}-{name}"))
    await eventually(lambda: h.reason(name) == "RateLimited", timeout=30)


async def test_a18_a_table_deleted_while_waiting_for_a_slot_is_never_created(harness: Harness) -> None:
    h = harness
    await _one_waiting_behind_first(h, "second")
    await h.delete("second")
    await eventually(lambda: not h.exists("second"), timeout=30)
    await eventually(lambda: h.ready("first"), timeout=30)
    created = [r.payload.get("TableName") for r in h.endpoint.requests() if r.operation == "CreateTable"]
    assert created == [f"{h.namespace}-first"]


async def test_a18_a_table_that_waited_for_a_slot_keeps_a_clean_status_and_costs_its_drift_checks_nothing(
    harness: Harness,
) -> None:
    """The RateLimited status written during the wait is replaced whole: a key it had (terraform.reason) and the
    converged status has not is removed, not left behind to be "corrected" by the first drift check (one status
    patch per queued table, 10% of a 10,000-table fleet)."""
    h = harness
    h.endpoint.set_latency(Latency(create=0.0))  # ACTIVE at once: the handler sees it Synced in the same call
    await h.start(fast_settings(h.endpoint, max_table_operations=1, drift_interval=1.0))
    names = [f"clean{i}" for i in range(3)]
    for n in names:
        await h.create(n, table_spec(tableName=f"{h.namespace}-{n}"))
    await eventually(lambda: sum(h.reason(n) == "RateLimited" for n in names) >= 1, timeout=30)
    await eventually(lambda: all(h.ready(n) for n in names), timeout=60)
    waited = [
        n
        for n in names
        if any(
            c.get("reason") == "RateLimited"
            for v in h.history(n)
            for c in (v.get("status") or {}).get("conditions") or []
        )
    ]
    assert waited, "no table waited for a slot: the case was not exercised"
    for n in names:
        assert "reason" not in h.status(n)["terraform"], h.status(n)["terraform"]
    sent = len(h.kube_requests())
    checks = {n: h.state(n).drift_passes for n in names}
    await eventually(lambda: all(h.state(n).drift_passes >= checks[n] + 2 for n in names), timeout=30)
    assert [r for r in h.kube_requests()[sent:] if r[1] == "dynamotables/status"] == []


async def test_a18_a_table_edited_while_waiting_for_a_slot_is_created_as_edited(harness: Harness) -> None:
    """The wait does not hold the object's events: an edit made meanwhile is handled at once (kopf's update
    handler), and the table is created once, from the edited spec."""
    h = harness
    await _one_waiting_behind_first(h, "edited")
    queued = h.state("edited").passes
    await h.patch("edited", {"spec": {"tags": {"team": "payments"}}})
    await eventually(lambda: h.obj("edited")["status"].get("observedGeneration") == 2, timeout=30)
    assert h.state("edited").passes > queued, "the edit was not handled while the table waited"
    await eventually(lambda: h.ready("edited") and h.ready("first"), timeout=30)
    creates = [r.payload for r in h.aws(f"{h.namespace}-edited", mutating=True) if r.operation == "CreateTable"]
    assert len(creates) == 1
    assert {"Key": "team", "Value": "payments"} in creates[0]["Tags"]
    assert h.tags(f"{h.namespace}-edited")["team"] == "payments"


async def test_a18_a_drift_correction_waits_for_a_slot_and_then_corrects(harness: Harness) -> None:
    """A drift correction needs a table-operation slot like a create: refused one, it waits in the queue (no
    pass while the slot is held, no kopf involved) and corrects the table once the slot is given back."""
    h = harness
    h.endpoint.set_latency(Latency())
    await h.start(fast_settings(h.endpoint, max_table_operations=1, drift_interval=0.5, drift_jitter=0.0))
    await h.create("drifted", table_spec(tableName=f"{h.namespace}-drifted"))
    await eventually(lambda: h.ready("drifted"), timeout=30)
    h.endpoint.set_latency(Latency(create=3.0))
    await h.create("holder", table_spec(tableName=f"{h.namespace}-holder"))
    await eventually(lambda: h.reason("holder") == "Creating", timeout=30)
    h.ddb().update_table(
        TableName=f"{h.namespace}-drifted",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    await eventually(lambda: h.reason("drifted") == "RateLimited", timeout=30)
    assert h.reason("holder") == "Creating", "the holder's slot was free already: the case was not exercised"
    assert h.operator is not None
    waits = h.operator.reconciler.slot_waits
    await eventually(lambda: any(key[1] == "drifted" for key in waits), timeout=30)
    passes = h.state("drifted").passes
    ticks = h.operator.reconciler.drift.ticks
    await eventually(lambda: h.operator is not None and h.operator.reconciler.drift.ticks >= ticks + 3)
    if h.reason("holder") == "Creating":  # still held: the queued correction made no pass meanwhile
        assert h.state("drifted").passes == passes
    await eventually(lambda: h.ready("drifted") and h.ready("holder"), timeout=30)
    billing = (h.describe(f"{h.namespace}-drifted") or {}).get("BillingModeSummary", {}).get("BillingMode")
    assert billing == "PAY_PER_REQUEST"
    await eventually(lambda: "DriftCorrected" in h.reasons("drifted"))  # kopf posts Events in the background
