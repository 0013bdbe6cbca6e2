"""Per-replica overrides and multi-Region strong consistency (pure): the ReplicaUpdates and
GlobalTableWitnessUpdates requests the planner (`plan.py`) sends, and how live overrides compare with the spec.

Rules (docs/reference/dynamodb-rules.md):
- a replica's overrides travel on its Create, or on one Update action per call; a table class override goes in
  a call of its own (A3.6, A13);
- an override the spec leaves out means the source table's setting: a live override that differs from it is
  set back to the source's value, since AWS has no action that removes an override (A13);
- STRONG: every replica Create, the witness Create and `MultiRegionConsistency` go in one call, the exception to
  one replica action per call; the consistency of a global table never changes once its replicas exist (A13.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynamotable.api import spec as s
from dynamotable.engine.model import PROVISIONED, UNCAPPED, ObservedReplica, ObservedTable

STRONG = s.MultiRegionConsistency.STRONG.value
EVENTUAL = s.MultiRegionConsistency.EVENTUAL.value


@dataclass
class OverrideChange:
    """What one replica Update would change: `request` is the Update action without RegionName."""

    request: dict[str, Any] = field(default_factory=dict)
    drift: list[tuple[str, object, object]] = field(default_factory=list)  # (field, desired, live)


def _index_overrides(want: s.Replica) -> list[dict[str, Any]]:
    out = []
    for index in want.global_secondary_indexes:
        entry: dict[str, Any] = {"IndexName": index.name}
        if index.read_capacity_override is not None:
            entry["ProvisionedThroughputOverride"] = {"ReadCapacityUnits": index.read_capacity_override}
        if index.max_read_request_units_override is not None:
            entry["OnDemandThroughputOverride"] = {"MaxReadRequestUnits": index.max_read_request_units_override}
        if len(entry) > 1:
            out.append(entry)
    return out


def create_action(want: s.Replica) -> dict[str, Any]:
    """A replica Create carries its key and every override the spec sets (CreateReplicationGroupMemberAction)."""
    create: dict[str, Any] = {"RegionName": want.region}
    if want.kms_key_arn:
        create["KMSMasterKeyId"] = want.kms_key_arn
    if want.read_capacity_override is not None:
        create["ProvisionedThroughputOverride"] = {"ReadCapacityUnits": want.read_capacity_override}
    if want.max_read_request_units_override is not None:
        create["OnDemandThroughputOverride"] = {"MaxReadRequestUnits": want.max_read_request_units_override}
    indexes = _index_overrides(want)
    if indexes:
        create["GlobalSecondaryIndexes"] = indexes
    if want.table_class is not None:
        create["TableClassOverride"] = want.table_class.value
    return create


def strong_request(spec: s.DynamoTableSpec) -> dict[str, Any]:
    """[A13.2] The one UpdateTable that makes a table a STRONG global table: every replica and the witness."""
    request: dict[str, Any] = {
        "ReplicaUpdates": [{"Create": create_action(r)} for r in spec.replicas or []],
        "MultiRegionConsistency": STRONG,
    }
    if spec.witness_region is not None:
        request["GlobalTableWitnessUpdates"] = [{"Create": {"RegionName": spec.witness_region}}]
    return request


def witness_delete(live: ObservedTable, *, first: bool) -> dict[str, Any]:
    """[A13.2] A witness is deleted only together with a replica: with the first replica Delete of a deletion."""
    if not first or not live.witnesses:
        return {}
    return {"GlobalTableWitnessUpdates": [{"Delete": {"RegionName": w.region}} for w in live.witnesses]}


def live_consistency(live: ObservedTable) -> str | None:
    """EVENTUAL or STRONG once the table has replicas or a witness (AWS's default is EVENTUAL); None before."""
    if not live.replicas and not live.witnesses:
        return None
    return live.multi_region_consistency or EVENTUAL


def table_class_change(want: s.Replica, have: ObservedReplica, table_class: str) -> OverrideChange | None:
    """The replica's class against the spec's override, or else the table's class (`table_class`)."""
    desired = want.table_class.value if want.table_class is not None else table_class
    current = have.table_class or table_class
    if desired == current:
        return None
    return OverrideChange({"TableClassOverride": desired}, [(f"replicas[{want.region}].tableClass", desired, current)])


def _read_target(override: int | None, table_value: int | None) -> int | None:
    return override if override is not None else table_value


def throughput_change(want: s.Replica, have: ObservedReplica, live: ObservedTable) -> OverrideChange | None:
    """Read capacity (PROVISIONED) or read maximum (on-demand) of the replica and of each index in it, against
    the spec's overrides or else the source's values; every difference goes in one Update action."""
    change = OverrideChange()
    region = want.region
    provisioned = live.billing_mode == PROVISIONED
    if provisioned:
        _compare(
            change,
            f"replicas[{region}].readCapacityOverride",
            desired_override=want.read_capacity_override,
            live_override=have.read_capacity_override,
            table_value=live.read_capacity,
            request=lambda v: {"ProvisionedThroughputOverride": {"ReadCapacityUnits": v}},
        )
    else:
        _compare(
            change,
            f"replicas[{region}].maxReadRequestUnitsOverride",
            desired_override=want.max_read_request_units_override,
            live_override=have.max_read_override,
            table_value=live.on_demand.max_read,
            request=lambda v: {"OnDemandThroughputOverride": {"MaxReadRequestUnits": v}},
        )
    wanted = {g.name: g for g in want.global_secondary_indexes}
    indexes: list[dict[str, Any]] = []
    for gsi in live.gsis:
        spec_index = wanted.get(gsi.name)
        live_index = have.gsi_override(gsi.name)
        index_change = OverrideChange()
        path = f"replicas[{region}].globalSecondaryIndexes[{gsi.name}]"
        if provisioned:
            _compare(
                index_change,
                f"{path}.readCapacityOverride",
                desired_override=spec_index.read_capacity_override if spec_index else None,
                live_override=live_index.read_capacity_override if live_index else None,
                table_value=gsi.read_capacity,
                request=lambda v: {"ProvisionedThroughputOverride": {"ReadCapacityUnits": v}},
            )
        else:
            _compare(
                index_change,
                f"{path}.maxReadRequestUnitsOverride",
                desired_override=spec_index.max_read_request_units_override if spec_index else None,
                live_override=live_index.max_read_override if live_index else None,
                table_value=gsi.on_demand.max_read,
                request=lambda v: {"OnDemandThroughputOverride": {"MaxReadRequestUnits": v}},
            )
        if index_change.request:
            indexes.append({"IndexName": gsi.name, **index_change.request})
            change.drift += index_change.drift
    if indexes:
        change.request["GlobalSecondaryIndexes"] = indexes
    return change if change.request else None


def _compare(
    change: OverrideChange,
    path: str,
    *,
    desired_override: int | None,
    live_override: int | None,
    table_value: int | None,
    request: Any,
) -> None:
    """An override is compared as the value in effect: absent means the source's `table_value`."""
    if desired_override is None and live_override is None:
        return
    desired = _read_target(desired_override, table_value)
    current = _read_target(live_override, table_value)
    if desired is None or desired == current:
        return
    change.request.update(request(desired))
    shown_desired: object = desired if desired_override is not None else f"the table's ({_units(desired)})"
    change.drift.append((path, shown_desired, current))


def _units(value: int) -> str:
    return "uncapped" if value == UNCAPPED else str(value)


def override_text(request: dict[str, Any]) -> str:
    """What an Update action changes, for the step's description."""
    parts = []
    if "TableClassOverride" in request:
        parts.append(f"table class {request['TableClassOverride']}")
    if "ProvisionedThroughputOverride" in request:
        parts.append(f"read capacity {request['ProvisionedThroughputOverride']['ReadCapacityUnits']}")
    if "OnDemandThroughputOverride" in request:
        parts.append(f"max read request units {_units(request['OnDemandThroughputOverride']['MaxReadRequestUnits'])}")
    for index in request.get("GlobalSecondaryIndexes") or []:
        if "ProvisionedThroughputOverride" in index:
            value = str(index["ProvisionedThroughputOverride"]["ReadCapacityUnits"])
            parts.append(f"read capacity {value} on GSI {index['IndexName']}")
        if "OnDemandThroughputOverride" in index:
            value = _units(index["OnDemandThroughputOverride"]["MaxReadRequestUnits"])
            parts.append(f"max read request units {value} on GSI {index['IndexName']}")
    return ", ".join(parts)
