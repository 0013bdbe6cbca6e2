"""What GitOps tools must read from every status the operator writes, checked on every status the tests see.

Collected, not hand-written: tests/conftest.py hands this module every status the engine builds in any test
(each `Outcome`), and tests/operator/conftest.py every version of a DynamoTable the Kubernetes emulator stored
(what the operator actually wrote, with the object's generation at that moment). Each is judged with kstatus's
rules (kstatus_rules.py, a port of cli-utils) and with the Argo CD health check (health.lua, run by lupa), and
must map to the state its Ready reason stands for, below: written here from docs/status.md, independently of
dynamotable.api.health. With DYNAMOTABLE_RECORD_STATUSES=1 the session writes one recorded object per distinct
(reason, kstatus, Argo CD) state into the health check's testdata/ and health_test.yaml (see docs/gitops.md).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from argocd_health import HEALTH_DIR, health
from kstatus_rules import CURRENT, FAILED, IN_PROGRESS, TERMINATING, compute

RECORD_ENV = "DYNAMOTABLE_RECORD_STATUSES"
NO_STATUS = "(no status)"
NOT_OBSERVED = "(generation not observed)"

_RECONCILING = {"Creating", "Updating", "Waiting", "RateLimited"}
_STALLED = {
    "InvalidSpec",
    "ReplacementRequired",
    "OwnershipConflict",
    "AdoptionRequired",
    "DeletionBlocked",
    "AwsError",
    "SourceMismatch",
}
# (kstatus, Argo CD) a status with that Ready reason may read as.
ALLOWED: dict[str, set[tuple[str, str]]] = {
    "Synced": {(CURRENT, "Healthy")},
    "PlanOnly": {(CURRENT, "Suspended")},
    **{reason: {(IN_PROGRESS, "Progressing")} for reason in _RECONCILING},
    **{reason: {(FAILED, "Degraded")} for reason in _STALLED},
    # a deletion step under way, or done (the table left in place: the finalizer goes next)
    "Deleting": {(IN_PROGRESS, "Progressing"), (CURRENT, "Progressing")},
    # created again (empty), or refused because the spec now names another place
    "TableMissing": {(IN_PROGRESS, "Progressing"), (FAILED, "Degraded")},
    # before the operator's first status, and while a new generation waits for its first pass
    NO_STATUS: {(CURRENT, "Progressing")},
    NOT_OBSERVED: {(IN_PROGRESS, "Progressing")},
}


@dataclass(frozen=True)
class Judged:
    reason: str
    kstatus: str
    argocd: str
    argocd_message: str


def _conditions(obj: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}


def state_of(obj: Mapping[str, Any]) -> str:
    """The Ready reason, or what stands for it when the status does not describe the object's generation."""
    status = obj.get("status") or {}
    ready = _conditions(obj).get("Ready")
    if ready is None:
        return NO_STATUS
    generation = (obj.get("metadata") or {}).get("generation")
    if generation is not None and status.get("observedGeneration") != generation:
        return NOT_OBSERVED
    return str(ready.get("reason"))


def expected_argocd_message(obj: Mapping[str, Any], argocd: str) -> str:
    """The message health.lua must give, worked out from the conditions in Python."""
    conds = _conditions(obj)
    ready, stalled = conds.get("Ready"), conds.get("Stalled")
    if ready is None:
        return "Waiting for the operator to look at the table"
    if state_of(obj) == NOT_OBSERVED:
        return f"Waiting for the operator to handle generation {obj['metadata']['generation']}"
    if argocd == "Healthy":
        return str(ready.get("message", ""))
    said = stalled if argocd == "Degraded" and stalled is not None else ready
    message = said.get("message") or ""
    return f"{said['reason']}: {message}" if message else str(said["reason"])


def judge(obj: Mapping[str, Any], where: str) -> Judged:
    """Judge one object; AssertionError (naming `where`) when a GitOps tool would read it wrong."""
    reason = state_of(obj)
    kstatus, _ = compute(obj)
    argocd, message = health(obj)
    shown = json.dumps(obj.get("status"), sort_keys=True)[:600]
    assert reason in ALLOWED, f"{where}: Ready reason {reason} has no expected kstatus/Argo CD state here"
    deleting = bool((obj.get("metadata") or {}).get("deletionTimestamp"))
    if deleting:
        assert kstatus == TERMINATING, f"{where}: kstatus {kstatus} for a deleted object: {shown}"
        assert any(argocd == a for _, a in ALLOWED[reason]), f"{where}: Argo CD {argocd} for {reason}: {shown}"
    else:
        assert (kstatus, argocd) in ALLOWED[reason], f"{where}: {reason} reads {kstatus}/{argocd}: {shown}"
    assert message == expected_argocd_message(obj, argocd), f"{where}: health.lua message {message!r}: {shown}"
    conds = _conditions(obj)
    if reason != NO_STATUS:
        _check_conditions(obj, conds, where, shown)
    return Judged(reason, kstatus, argocd, message)


def _check_conditions(obj: Mapping[str, Any], conds: dict[str, Mapping[str, Any]], where: str, shown: str) -> None:
    status = obj.get("status") or {}
    for ctype in ("Ready", "Progressing", "Reconciling", "Stalled"):
        assert ctype in conds, f"{where}: no {ctype} condition: {shown}"
        got = conds[ctype].get("observedGeneration")
        assert got == status.get("observedGeneration"), f"{where}: {ctype} observedGeneration {got}: {shown}"
    # `kubectl wait --for=condition=Ready` returns exactly when the table matches the spec
    assert (conds["Ready"]["status"] == "True") == (conds["Ready"]["reason"] == "Synced"), shown
    assert conds["Progressing"]["status"] == conds["Reconciling"]["status"], f"{where}: {shown}"
    assert not (conds["Reconciling"]["status"] == "True" and conds["Stalled"]["status"] == "True"), shown


# Every distinct state seen in this session: state key -> the objects seen in it, with where they were seen.
SEEN: dict[tuple[str, str, str], list[tuple[str, dict[str, Any]]]] = {}
_seen_lock = threading.Lock()
_judged: dict[str, Judged] = {}


def check(obj: Mapping[str, Any], where: str) -> Judged:
    """judge() once per distinct object (the engine builds the same status many times), and remember it."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k in ("generation", "deletionTimestamp")}
    key = json.dumps({"metadata": meta, "status": obj.get("status")}, sort_keys=True, default=str)
    with _seen_lock:
        known = _judged.get(key)
    if known is not None:
        return known
    judged = judge(obj, where)
    with _seen_lock:
        _judged[key] = judged
        seen = SEEN.setdefault((judged.reason, judged.kstatus, judged.argocd), [])
        if len(seen) < 50:
            seen.append((where, json.loads(json.dumps(obj, default=str))))
    return judged


def as_stored(manifest: Any, status: Any) -> dict[str, Any]:
    """A DynamoTable (dynamotable.api.spec.DynamoTable) with `status` (DynamoTableStatus) as it would be stored."""
    obj: dict[str, Any] = manifest.model_dump(by_alias=True, mode="json", exclude_none=True)
    obj["status"] = status.model_dump(by_alias=True, mode="json", exclude_none=True)
    return obj


def _example(seen: list[tuple[str, dict[str, Any]]]) -> tuple[str, dict[str, Any]]:
    """What the operator wrote (stored by the emulator: it has a uid) before what the engine built."""
    return min(seen, key=lambda item: ("uid" not in item[1].get("metadata", {}), item[0]))


def file_name_for(judged: tuple[str, str, str]) -> str:
    reason, kstatus, argocd = judged
    slug = "".join(ch for ch in reason.lower() if ch.isalnum())
    return f"{argocd.lower()}_{slug}_{kstatus.lower()}.yaml"


_VOLATILE_METADATA = ("uid", "resourceVersion", "creationTimestamp", "managedFields")
_TIMES = ("lastTransitionTime", "lastSyncTime", "firstReadyTime", "at")
RECORDED_AT = "2026-01-01T00:00:00Z"


def _steady(value: Any) -> Any:
    """The recorded object without what changes from run to run (times, uid, resourceVersion): the diff after
    recording again shows what changed in the statuses."""
    if isinstance(value, dict):
        return {k: RECORDED_AT if k in _TIMES and isinstance(v, str) else _steady(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


def write_testdata() -> None:
    """Replace the health check's testdata/ and health_test.yaml with one recorded object per state seen."""
    testdata = HEALTH_DIR / "testdata"
    for old in testdata.glob("*.yaml"):
        old.unlink()
    tests = []
    for judged in sorted(SEEN):
        where, obj = _example(SEEN[judged])
        obj = _steady(obj)
        for key in _VOLATILE_METADATA:
            obj.get("metadata", {}).pop(key, None)
        name = file_name_for(judged)
        header = f"# Recorded by the test suite (tests/status_checks.py) from {where}\n"
        (testdata / name).write_text(header + yaml.safe_dump(obj, sort_keys=False, width=120))
        status = judged[2]
        tests.append(
            {
                "healthStatus": {"status": status, "message": expected_argocd_message(obj, status)},
                "inputPath": f"testdata/{name}",
            }
        )
    (HEALTH_DIR / "health_test.yaml").write_text(yaml.safe_dump({"tests": tests}, sort_keys=False, width=120))
