"""Multi-Region strong consistency and per-replica overrides, which moto knows nothing of [A13, A13.2, B1].

A STRONG global table is made by one UpdateTable carrying every replica Create, the witness Create and
`MultiRegionConsistency: STRONG` [DG-MRSC]. The endpoint checks what AWS documents for it (three regions, one
region set, an empty table that is not yet global), keeps the consistency and the witness per global table
(the witness is CREATING, then ACTIVE on the endpoint's clock, like a replica) and describes them in every
member's DescribeTable. Overrides given on a replica's Create or Update are kept with that replica and listed in
`Replicas[]` as AWS lists them. The error texts are the endpoint's own where AWS's could not be found (A13.2).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dynamotable.api.spec import MRSC_REGIONS, mrsc_region_set

from . import messages
from .state import ACTIVE, CREATING, TableState

if TYPE_CHECKING:
    from .controlplane import ControlPlane

STRONG = "STRONG"
OVERRIDE_KEYS = ("ProvisionedThroughputOverride", "OnDemandThroughputOverride")


@dataclass
class Strong:
    """[A13.2] A STRONG global table: its witness (if any), CREATING until `witness_until`."""

    witness: str | None
    witness_until: float = 0.0

    def witness_status(self, now: float) -> str:
        return CREATING if now < self.witness_until else ACTIVE


def witness_actions(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    actions: list[tuple[str, dict[str, Any]]] = []
    for entry in body.get("GlobalTableWitnessUpdates") or []:
        for kind in ("Create", "Delete"):
            if isinstance(entry, dict) and entry.get(kind) is not None:
                actions.append((kind, entry[kind]))
    return actions


def check_shape(body: dict[str, Any], replica_kinds: list[str]) -> None:
    """[A3.6, A13.2] The request rules of MultiRegionConsistency and GlobalTableWitnessUpdates alone."""
    strong = body.get("MultiRegionConsistency") == STRONG
    witnesses = witness_actions(body)
    if body.get("GlobalTableWitnessUpdates") is not None and len(witnesses) != 1:
        # [API UpdateTable GlobalTableWitnessUpdates] one witness created or deleted per call
        raise messages.validation("You can create or delete only one witness per UpdateTable operation.")
    if witnesses and witnesses[0][0] == "Create" and not strong:
        # [API GlobalTableWitnessGroupUpdate] the witness is added when the MRSC global table is created
        raise messages.validation(
            "A witness can only be added when creating a global table with MultiRegionConsistency STRONG."
        )
    if witnesses and witnesses[0][0] == "Delete" and "Delete" not in replica_kinds:
        # [API GlobalTableWitnessGroupUpdate] removing the witness goes with removing a replica
        raise messages.validation("A witness can only be deleted together with a replica.")


def strong_creates_allowed(body: dict[str, Any], creates: int) -> bool:
    """[A13.2, A3.6] The replica Creates of a new STRONG global table go in one call: two, or one with a witness."""
    return body.get("MultiRegionConsistency") == STRONG and creates + len(witness_actions(body)) == MRSC_REGIONS - 1


def check_strong(control: ControlPlane, account: str, region: str, table: Any, body: dict[str, Any]) -> str | None:
    """[A13.2, DG-MRSC] State rules of a request making a STRONG global table; returns its witness region."""
    if body.get("MultiRegionConsistency") != STRONG:
        if control.registry.strong.get((account, table.name)) is not None and _creates(body):
            raise messages.validation(
                "Replicas cannot be added to a global table with MultiRegionConsistency STRONG after it is created."
            )
        return None
    if len(control.members(account, table.name)) > 1:
        raise messages.validation(
            "MultiRegionConsistency can only be set when the global table is created; the table already has replicas."
        )
    witnesses = [a for kind, a in witness_actions(body) if kind == "Create"]
    witness = str(witnesses[0].get("RegionName", "")) if witnesses else None
    regions = [region, *(str(a.get("RegionName", "")) for a in _creates(body)), *([witness] if witness else [])]
    if len(set(regions)) != MRSC_REGIONS:
        raise messages.validation(
            "A global table with MultiRegionConsistency STRONG needs exactly three Regions: "
            "three replicas, or two replicas and one witness."
        )
    sets = {mrsc_region_set(r) for r in regions}
    if None in sets or len(sets) > 1:
        raise messages.validation(
            f"MultiRegionConsistency STRONG is not supported for the Regions {', '.join(regions)}: the replicas and "
            "the witness must be in one Region set (US, EU or AP)."
        )
    if next(iter(table.all_items()), None) is not None:
        # [DG-MRSC] "Table must be empty when enabling MRSC"
        raise messages.validation("The table must be empty to be converted to a MultiRegionConsistency STRONG table.")
    return witness


def _creates(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["Create"] for e in body.get("ReplicaUpdates") or [] if isinstance(e, dict) and e.get("Create")]


def start_strong(control: ControlPlane, account: str, name: str, witness: str | None, now: float) -> None:
    control.registry.strong[(account, name)] = Strong(witness, now + control.latency.replica)


def delete_witness(control: ControlPlane, account: str, name: str, body: dict[str, Any]) -> None:
    record = control.registry.strong.get((account, name))
    if record is not None and any(kind == "Delete" for kind, _ in witness_actions(body)):
        record.witness = None


def keep_overrides(state: TableState, params: dict[str, Any]) -> None:
    """[API CreateReplicationGroupMemberAction, UpdateReplicationGroupMemberAction] the overrides a replica
    action gives are kept with the replica; indexes are merged by name."""
    for key in OVERRIDE_KEYS:
        if params.get(key) is not None:
            state.replica_overrides[key] = copy.deepcopy(params[key])
    for index in params.get("GlobalSecondaryIndexes") or []:
        name = str(index.get("IndexName", ""))
        kept = state.replica_index_overrides.setdefault(name, {})
        for key in OVERRIDE_KEYS:
            if index.get(key) is not None:
                kept[key] = copy.deepcopy(index[key])


def describe_overrides(entry: dict[str, Any], state: TableState) -> None:
    """[API ReplicaDescription] ProvisionedThroughputOverride, OnDemandThroughputOverride, GlobalSecondaryIndexes."""
    entry.update(copy.deepcopy(state.replica_overrides))
    indexes = [{"IndexName": n, **copy.deepcopy(o)} for n, o in sorted(state.replica_index_overrides.items()) if o]
    if indexes:
        entry["GlobalSecondaryIndexes"] = indexes


def describe_group(control: ControlPlane, account: str, name: str, now: float) -> dict[str, Any]:
    """[API TableDescription] MultiRegionConsistency and GlobalTableWitnesses of a STRONG global table."""
    record = control.registry.strong.get((account, name))
    if record is None:
        return {}
    if len(control.members(account, name)) <= 1:
        del control.registry.strong[(account, name)]
        return {}
    out: dict[str, Any] = {"MultiRegionConsistency": STRONG}
    if record.witness is not None:
        out["GlobalTableWitnesses"] = [{"RegionName": record.witness, "WitnessStatus": record.witness_status(now)}]
    return out
