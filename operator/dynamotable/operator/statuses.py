"""Status as stored in the cluster: which keys are ours, when a patch is needed, and the InvalidSpec status.

A status is patched only when something a reader cares about changed: timestamps that move on every pass
(lastSyncTime, a condition's lastTransitionTime when nothing else changed, a drift entry's `at`) do not
by themselves cause a write. Pure: no kopf, no I/O.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from dynamotable.api.health import with_progress
from dynamotable.api.status import (
    Condition,
    ConditionStatus,
    ConditionType,
    DynamoTableStatus,
    Reason,
    set_condition,
)

STATUS_KEYS: frozenset[str] = frozenset((f.alias or name) for name, f in DynamoTableStatus.model_fields.items())
# Ready reasons after which the change handler is finished and only drift checks look again:
# converged, plan published (Plan mode), or waiting on a human (adopt, ownership).
STEADY_REASONS: frozenset[str] = frozenset(
    {Reason.SYNCED, Reason.PLAN_ONLY, Reason.ADOPTION_REQUIRED, Reason.OWNERSHIP_CONFLICT}
)


def ours(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The part of a stored status this operator owns (kopf or others may keep more keys there)."""
    return {k: v for k, v in (raw or {}).items() if k in STATUS_KEYS}


def parse(raw: Mapping[str, Any] | None) -> DynamoTableStatus:
    try:
        return DynamoTableStatus.model_validate(ours(raw))
    except ValidationError:
        return DynamoTableStatus()


def dump(status: DynamoTableStatus) -> dict[str, Any]:
    return status.model_dump(by_alias=True, mode="json", exclude_none=True)


def normalized(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    out = ours(raw)
    out.pop("lastSyncTime", None)
    if isinstance(out.get("conditions"), list):
        out["conditions"] = [
            {k: v for k, v in c.items() if k != "lastTransitionTime"} if isinstance(c, dict) else c
            for c in out["conditions"]
        ]
    if isinstance(out.get("drift"), list):
        out["drift"] = [{k: v for k, v in d.items() if k != "at"} if isinstance(d, dict) else d for d in out["drift"]]
    # An absent list and an empty one read the same.
    return {k: v for k, v in out.items() if v not in (None, [], {})}


def fingerprint(normalized_status: Mapping[str, Any]) -> bytes:
    """A 16-byte digest of a normalized status: what the operator keeps of its last write per object (the
    status itself is about 0.7 KB of Python objects per table, held for as long as the table exists)."""
    text = json.dumps(normalized_status, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def merge_patch(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON merge patch of `.status` turning our part of `old` into `new` (None removes a key)."""
    return _merge_patch(ours(old), new)


def _merge_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    patch: dict[str, Any] = {k: None for k in old if k not in new}
    for key, value in new.items():
        before = old.get(key)
        if before == value:
            continue
        # RFC 7386 merges nested objects: a key gone from a nested object needs its own null
        patch[key] = (
            _merge_patch(before, value) if isinstance(before, Mapping) and isinstance(value, Mapping) else value
        )
    return patch


def applied(old: Mapping[str, Any] | None, patch: Mapping[str, Any]) -> dict[str, Any]:
    """`.status` after the JSON merge patch `patch` (RFC 7386) is applied to `old`."""
    out = dict(old or {})
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping):  # merged into what is there, or into nothing (its nulls then dropped)
            before = out.get(key)
            out[key] = applied(before if isinstance(before, Mapping) else None, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def ready(raw: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    for cond in (raw or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == ConditionType.READY:
            return cond
    return None


def steady_at(raw: Mapping[str, Any] | None, generation: int | None) -> bool:
    """Whether the stored status says the change handler already finished this generation in a steady state
    (so a resume or a metadata-only update needs no AWS call: a drift check re-observes it in due time)."""
    cond = ready(raw)
    return (
        cond is not None
        and (raw or {}).get("observedGeneration") == generation
        and cond.get("reason") in STEADY_REASONS
    )


def invalid(
    raw: Mapping[str, Any] | None, *, generation: int | None, message: str, reason: Reason = Reason.INVALID_SPEC
) -> DynamoTableStatus:
    """Ready=False/InvalidSpec (or `reason`) for this generation; what was observed of the table before is kept."""
    prev = parse(raw)
    conditions = set_condition(
        list(prev.conditions),
        Condition(
            type=ConditionType.READY,
            status=ConditionStatus.FALSE,
            reason=reason,
            message=message,
            observed_generation=generation,
        ),
    )
    conditions = with_progress(conditions, reason, message, progressing=False, generation=generation)
    return prev.model_copy(update={"observed_generation": generation, "plan": [], "conditions": conditions})
