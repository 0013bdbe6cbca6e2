"""The kstatus port (tests/kstatus_rules.py) gives what cli-utils' Compute gives a custom resource."""

from __future__ import annotations

from typing import Any

from kstatus_rules import CURRENT, FAILED, IN_PROGRESS, TERMINATING, compute


def _obj(generation: int | None, observed: int | None, *conditions: tuple[str, str], deleting: bool = False) -> Any:
    meta: dict[str, Any] = {"name": "t"}
    if generation is not None:
        meta["generation"] = generation
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status: dict[str, Any] = {"conditions": [{"type": t, "status": v, "message": t} for t, v in conditions]}
    if observed is not None:
        status["observedGeneration"] = observed
    return {"kind": "DynamoTable", "metadata": meta, "status": status}


def test_a_deletion_timestamp_is_terminating_whatever_the_conditions() -> None:
    assert compute(_obj(1, 1, ("Stalled", "True"), deleting=True))[0] == TERMINATING


def test_an_unobserved_generation_is_in_progress_even_when_ready() -> None:
    status, message = compute(_obj(2, 1, ("Ready", "True")))
    assert status == IN_PROGRESS
    assert message == "DynamoTable generation is 2, but latest observed generation is 1"


def test_an_absent_observed_generation_skips_the_generation_check() -> None:
    assert compute(_obj(2, None))[0] == CURRENT


def test_reconciling_true_is_in_progress_and_stalled_true_is_failed() -> None:
    assert compute(_obj(1, 1, ("Reconciling", "True"))) == (IN_PROGRESS, "Reconciling")
    assert compute(_obj(1, 1, ("Stalled", "True"))) == (FAILED, "Stalled")


def test_the_first_abnormal_condition_in_list_order_decides() -> None:
    assert compute(_obj(1, 1, ("Stalled", "True"), ("Reconciling", "True")))[0] == FAILED
    assert compute(_obj(1, 1, ("Reconciling", "True"), ("Stalled", "True")))[0] == IN_PROGRESS


def test_ready_false_alone_is_current() -> None:
    """Why the operator writes Reconciling and Stalled: kstatus never reads Ready."""
    assert compute(_obj(1, 1, ("Ready", "False"), ("Reconciling", "False"), ("Stalled", "False")))[0] == CURRENT
