"""Who holds the cluster-wide claim on a table (operator/claims.py): first Ready, else the oldest."""

from __future__ import annotations

from typing import Any

from dynamotable.operator.claims import Candidate, candidate, claim_key, holder, resolve_region, rival


def _body(name: str, created: str, *, status: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "creationTimestamp": created},
        "spec": spec,
        "status": status or {},
    }


def test_the_first_object_that_reached_ready_holds_the_claim_even_when_younger() -> None:
    old = candidate(_body("old", "2026-01-01T00:00:00Z"))
    young_ready = candidate(_body("young", "2026-06-01T00:00:00Z", status={"firstReadyTime": "2026-06-01T00:01:00Z"}))
    assert holder([old, young_ready]) == young_ready


def test_without_a_ready_object_the_oldest_holds_the_claim() -> None:
    a = candidate(_body("a", "2026-02-01T00:00:00Z"))
    b = candidate(_body("b", "2026-01-01T00:00:00Z"))
    assert holder([a, b]) == b
    assert rival([a, b], "uid-a", "ns", "a") == b
    assert rival([a, b], "uid-b", "ns", "b") is None


def test_ties_are_broken_the_same_way_by_every_process() -> None:
    a = candidate(_body("a", "2026-01-01T00:00:00Z"))
    b = candidate(_body("b", "2026-01-01T00:00:00Z"))
    assert holder([a, b]) == holder([b, a]) == a


def test_an_object_ready_before_first_ready_time_existed_counts_from_its_ready_condition() -> None:
    cond = {"type": "Ready", "status": "True", "lastTransitionTime": "2026-03-01T00:00:00Z"}
    legacy = candidate(_body("legacy", "2026-02-01T00:00:00Z", status={"conditions": [cond]}))
    assert legacy.first_ready == "2026-03-01T00:00:00Z"
    older = candidate(_body("older", "2026-01-01T00:00:00Z"))
    assert holder([older, legacy]) == legacy


def test_the_claim_key_uses_the_recorded_region_and_the_defaulted_table_name() -> None:
    recorded = _body("orders", "2026-01-01T00:00:00Z", status={"region": "eu-west-1"})
    assert claim_key(recorded, "us-east-1") == ("default", "eu-west-1", "orders")
    explicit = _body("orders", "2026-01-01T00:00:00Z", region="us-west-2", tableName="shop-orders")
    assert claim_key(explicit, "us-east-1") == ("default", "us-west-2", "shop-orders")
    assert resolve_region(_body("x", ""), "ap-south-1") == "ap-south-1"


def test_no_candidates_no_holder() -> None:
    assert holder([]) is None
    assert rival([], "u", "ns", "n") is None
    assert Candidate("ns", "n", "u", None, "").ref == "ns/n"
