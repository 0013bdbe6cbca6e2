"""What kstatus (Flux, `kubectl wait`) and Argo CD read from the statuses the operator writes, over a table's life:
a new object, creating, Synced, a spec edit not yet observed, an edit the operator refuses, the edit reverted.
(Every status of every operator test is judged too: tests/operator/conftest.py.)"""

from __future__ import annotations

from typing import Any

from operator_harness import Harness, eventually, table_spec

from argocd_health import health
from kstatus_rules import CURRENT, FAILED, IN_PROGRESS, compute
from status_checks import NOT_OBSERVED, state_of


def _seen(h: Harness, name: str) -> list[tuple[str, str, str]]:
    """(state, kstatus, Argo CD health) of every stored version of the object, in order, repeats dropped."""
    out: list[tuple[str, str, str]] = []
    for obj in h.k.written:
        if obj["metadata"]["name"] != name or obj["metadata"]["namespace"] != h.namespace:
            continue
        seen = (state_of(obj), compute(obj)[0], health(obj)[0])
        if not out or out[-1] != seen:
            out.append(seen)
    return out


def _read(h: Harness, name: str) -> tuple[str, str]:
    obj: dict[str, Any] = h.obj(name).raw
    return compute(obj)[0], health(obj)[0]


async def test_a_table_reads_in_progress_then_current_then_failed_then_current_again(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.create("orders", table_spec(tableName=f"{h.namespace}-orders"))
    await eventually(lambda: h.ready("orders"))
    assert _read(h, "orders") == (CURRENT, "Healthy")
    created = _seen(h, "orders")
    assert created[0] == ("(no status)", CURRENT, "Progressing")  # kstatus reads no status as Current
    assert ("Creating", IN_PROGRESS, "Progressing") in created
    assert created[-1] == ("Synced", CURRENT, "Healthy")

    # hashKey cannot change in place: refused, Stalled; Ready=False alone would have read Current in kstatus
    await h.patch("orders", {"spec": {"hashKey": "pk", "attributes": [{"name": "pk", "type": "S"}]}})
    await eventually(lambda: h.reason("orders") == "ReplacementRequired")
    assert _read(h, "orders") == (FAILED, "Degraded")
    edited = _seen(h, "orders")[len(created) :]
    assert edited[0] == (NOT_OBSERVED, IN_PROGRESS, "Progressing")  # before the operator's first pass on it
    assert edited[-1] == ("ReplacementRequired", FAILED, "Degraded")

    await h.patch("orders", {"spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}})
    await eventually(lambda: h.ready("orders"))
    assert _read(h, "orders") == (CURRENT, "Healthy")
    assert h.condition("orders", "Stalled")["status"] == "False"
    assert h.condition("orders", "Reconciling")["status"] == "False"
