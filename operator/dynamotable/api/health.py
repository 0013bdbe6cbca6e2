"""The kstatus conditions: Reconciling and Stalled, derived in this one place from the Ready verdict.

kstatus (sigs.k8s.io/cli-utils pkg/kstatus, what Flux's health checks and `kubectl wait` tooling build on) reads
two "abnormal-true" conditions: Reconciling=True is InProgress, Stalled=True is Failed, and neither True (with
status.observedGeneration equal to metadata.generation) is Current. It never reads Ready, so Ready=False alone
would read as healthy there. Both are always written, False when they do not hold, with the Ready reason: a
present False says "the operator looked and it does not hold" (an absent one reads the same to kstatus, but
`kubectl wait --for=condition=Stalled=false` and humans need it there). Progressing is kept, with the same
status as Reconciling, for those who already wait on it (docs/status.md).
"""

from __future__ import annotations

from enum import StrEnum

from dynamotable.api.status import Condition, ConditionStatus, ConditionType, Reason, set_condition


class Verdict(StrEnum):
    """What a Ready verdict means to kstatus."""

    CURRENT = "Current"  # neither condition True: converged, or nothing more to do by design
    RECONCILING = "Reconciling"  # the operator is getting there (or AWS is): wait
    STALLED = "Stalled"  # will not converge without a change by someone: look


# Work under way: the next passes move on by themselves.
RECONCILING_REASONS: frozenset[Reason] = frozenset(
    {Reason.CREATING, Reason.UPDATING, Reason.WAITING, Reason.RATE_LIMITED}
)
# Nothing more happens until the spec, the table or an IAM policy changes.
STALLED_REASONS: frozenset[Reason] = frozenset(
    {
        Reason.INVALID_SPEC,
        Reason.REPLACEMENT_REQUIRED,
        Reason.OWNERSHIP_CONFLICT,
        Reason.ADOPTION_REQUIRED,
        Reason.DELETION_BLOCKED,
        Reason.AWS_ERROR,
        Reason.SOURCE_MISMATCH,
    }
)
# Done: the table matches, or managementPolicy Plan published the plan and applies nothing on purpose.
CURRENT_REASONS: frozenset[Reason] = frozenset({Reason.SYNCED, Reason.PLAN_ONLY})


def verdict(reason: Reason, *, progressing: bool) -> Verdict:
    """The kstatus verdict of a Ready reason. `progressing` decides only for the reasons that can go either way:
    Deleting (a deletion step under way, or done: the table was left in place) and TableMissing (created again,
    or refused because the spec now names another place)."""
    if reason in STALLED_REASONS:
        return Verdict.STALLED
    if reason in RECONCILING_REASONS:
        return Verdict.RECONCILING
    if reason in CURRENT_REASONS:
        return Verdict.CURRENT
    if progressing:
        return Verdict.RECONCILING
    return Verdict.STALLED if reason == Reason.TABLE_MISSING else Verdict.CURRENT


def with_progress(
    conditions: list[Condition],
    reason: Reason,
    message: str,
    *,
    progressing: bool,
    generation: int | None,
    at: str | None = None,
) -> list[Condition]:
    """`conditions` with Progressing, Reconciling and Stalled set for a Ready verdict of `reason`."""
    judged = verdict(reason, progressing=progressing)
    states = {
        ConditionType.PROGRESSING: judged == Verdict.RECONCILING,
        ConditionType.RECONCILING: judged == Verdict.RECONCILING,
        ConditionType.STALLED: judged == Verdict.STALLED,
    }
    out = list(conditions)
    for ctype, holds in states.items():
        cond = Condition(
            type=ctype,
            status=ConditionStatus.TRUE if holds else ConditionStatus.FALSE,
            reason=reason,
            message=message,
            observed_generation=generation,
        )
        out = set_condition(out, cond if at is None else cond.model_copy(update={"last_transition_time": at}))
    return out
