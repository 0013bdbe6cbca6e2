"""api/health.py: Reconciling and Stalled from the Ready verdict, one test per rule (docs/status.md)."""

from __future__ import annotations

import pytest

from dynamotable.api.health import (
    CURRENT_REASONS,
    RECONCILING_REASONS,
    STALLED_REASONS,
    Verdict,
    verdict,
    with_progress,
)
from dynamotable.api.status import Condition, ConditionStatus, ConditionType, Reason

WORK_UNDER_WAY = ["Creating", "Updating", "Waiting", "RateLimited"]
NEEDS_A_CHANGE = [
    "InvalidSpec",
    "ReplacementRequired",
    "OwnershipConflict",
    "AdoptionRequired",
    "DeletionBlocked",
    "AwsError",
]


@pytest.mark.parametrize("reason", WORK_UNDER_WAY)
@pytest.mark.parametrize("progressing", [True, False])
def test_work_under_way_is_reconciling(reason: str, progressing: bool) -> None:
    assert verdict(Reason(reason), progressing=progressing) == Verdict.RECONCILING


@pytest.mark.parametrize("reason", NEEDS_A_CHANGE)
@pytest.mark.parametrize("progressing", [True, False])
def test_what_needs_a_change_is_stalled(reason: str, progressing: bool) -> None:
    assert verdict(Reason(reason), progressing=progressing) == Verdict.STALLED


@pytest.mark.parametrize("progressing", [True, False])
def test_synced_is_current(progressing: bool) -> None:
    assert verdict(Reason.SYNCED, progressing=progressing) == Verdict.CURRENT


@pytest.mark.parametrize("progressing", [True, False])
def test_plan_only_is_current_not_stalled(progressing: bool) -> None:
    """managementPolicy Plan applies nothing on purpose: Flux and kubectl may go on (Argo CD shows Suspended)."""
    assert verdict(Reason.PLAN_ONLY, progressing=progressing) == Verdict.CURRENT


def test_deleting_is_reconciling_while_a_deletion_step_runs_and_current_once_done() -> None:
    assert verdict(Reason.DELETING, progressing=True) == Verdict.RECONCILING
    assert verdict(Reason.DELETING, progressing=False) == Verdict.CURRENT


def test_table_missing_is_reconciling_when_created_again_and_stalled_when_refused() -> None:
    assert verdict(Reason.TABLE_MISSING, progressing=True) == Verdict.RECONCILING
    assert verdict(Reason.TABLE_MISSING, progressing=False) == Verdict.STALLED


def test_the_reason_sets_do_not_overlap_and_the_rest_is_decided_by_progressing() -> None:
    assert not (RECONCILING_REASONS & STALLED_REASONS or RECONCILING_REASONS & CURRENT_REASONS)
    assert not STALLED_REASONS & CURRENT_REASONS
    assert set(Reason) - RECONCILING_REASONS - STALLED_REASONS - CURRENT_REASONS == {
        Reason.DELETING,
        Reason.TABLE_MISSING,
    }


def _by_type(conditions: list[Condition]) -> dict[ConditionType, Condition]:
    return {c.type: c for c in conditions}


def test_with_progress_writes_progressing_reconciling_and_stalled_with_the_generation() -> None:
    out = _by_type(with_progress([], Reason.ADOPTION_REQUIRED, "set adopt", progressing=False, generation=3))
    assert set(out) == {ConditionType.PROGRESSING, ConditionType.RECONCILING, ConditionType.STALLED}
    assert out[ConditionType.STALLED].status == ConditionStatus.TRUE
    assert out[ConditionType.RECONCILING].status == out[ConditionType.PROGRESSING].status == ConditionStatus.FALSE
    assert {c.reason for c in out.values()} == {Reason.ADOPTION_REQUIRED}
    assert {c.message for c in out.values()} == {"set adopt"}
    assert {c.observed_generation for c in out.values()} == {3}


def test_with_progress_keeps_the_transition_time_while_a_condition_keeps_its_status() -> None:
    first = with_progress([], Reason.CREATING, "a", progressing=True, generation=1, at="2026-01-01T00:00:00Z")
    second = _by_type(
        with_progress(first, Reason.UPDATING, "b", progressing=True, generation=1, at="2026-01-01T00:05:00Z")
    )
    assert second[ConditionType.RECONCILING].last_transition_time == "2026-01-01T00:00:00Z"
    third = _by_type(
        with_progress(first, Reason.SYNCED, "c", progressing=False, generation=1, at="2026-01-01T00:09:00Z")
    )
    assert third[ConditionType.RECONCILING].last_transition_time == "2026-01-01T00:09:00Z"
    assert third[ConditionType.STALLED].last_transition_time == "2026-01-01T00:00:00Z"  # False all along
