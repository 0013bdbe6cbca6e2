"""A small faithful port of kstatus's generic rules, to test the statuses the operator writes against.

Source: kubernetes-sigs/cli-utils, pkg/kstatus/status/status.go (`Compute`) and generic.go
(`checkGenericProperties`, `checkGeneration`). For a custom resource (no built-in legacy rules):
1. metadata.deletionTimestamp set -> Terminating;
2. metadata.generation present, status.observedGeneration present and different -> InProgress
   (LatestGenerationNotObserved); an absent observedGeneration skips this check;
3. the first condition, in list order, that is Reconciling=True -> InProgress, or Stalled=True -> Failed;
4. otherwise Current ("the absence of any known conditions means the resource is current").
kstatus never reads Ready, nor a condition's own observedGeneration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

IN_PROGRESS = "InProgress"
FAILED = "Failed"
CURRENT = "Current"
TERMINATING = "Terminating"


def compute(obj: Mapping[str, Any]) -> tuple[str, str]:
    """(kstatus status, message) of one object."""
    meta = obj.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return TERMINATING, "Resource scheduled for deletion"
    status = obj.get("status") or {}
    generation = meta.get("generation")
    observed = status.get("observedGeneration")
    if generation is not None and observed is not None and observed != generation:
        kind = obj.get("kind", "")
        return IN_PROGRESS, f"{kind} generation is {generation}, but latest observed generation is {observed}"
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Reconciling" and cond.get("status") == "True":
            return IN_PROGRESS, str(cond.get("message", ""))
        if cond.get("type") == "Stalled" and cond.get("status") == "True":
            return FAILED, str(cond.get("message", ""))
    return CURRENT, "Resource is current"
