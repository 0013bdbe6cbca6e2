"""Global tables version 2019.11.21: ReplicaUpdates really create and delete the table in the other region.

Streams [A7, A13]: a replica can be added to a table with a stream of any view type, which the replica gets
too, or without a stream, and then DynamoDB enables a NEW_AND_OLD_IMAGES stream on the table by itself [TF
acceptance test TestAccDynamoDBTable_Replica_singleStreamSpecification, TF #43625]. While replicas exist the
stream can be neither disabled nor retyped (updates._plan_stream).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import global_tables, messages, motobackend
from .state import ACTIVE, CREATING, DELETING, UPDATING, TableState
from .updates import PROVISIONED, billing_of, current_sse_key, replica_actions, stream_enabled
from .wire import DynamoRequest

if TYPE_CHECKING:
    from .controlplane import ControlPlane

NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"


@dataclass
class ReplicaAction:
    kind: str  # Create | Update | Delete
    region: str
    params: dict[str, Any]
    key_arn: str | None = None  # the replica's KMS key, resolved in its region
    more: list[ReplicaAction] = field(default_factory=list)  # [A13.2] the other Creates of a STRONG table
    strong: bool = False
    witness: str | None = None


def describe(control: ControlPlane, account: str, region: str, name: str) -> list[dict[str, Any]]:
    """[DG-GT, A13] Replicas[] as seen from `region`: every other member with its status."""
    members = control.members(account, name)
    if region not in members:
        return []
    described = []
    for other in sorted(members - {region}):
        state = control.record(account, other, name)
        status = state.status if state else ACTIVE
        entry: dict[str, Any] = {"RegionName": other, "ReplicaStatus": status}
        if state is not None and state.table_class:
            entry["ReplicaTableClassSummary"] = {"TableClass": state.table_class}
        if state is not None:
            global_tables.describe_overrides(entry, state)
        described.append(entry)
    return described


def check(control: ControlPlane, request: DynamoRequest, table: Any, state: TableState) -> ReplicaAction:
    """State-dependent ReplicaUpdates rules; the request shape was checked by updates.check_request."""
    witness = global_tables.check_strong(control, request.account, request.region, table, request.payload)
    actions = [_check_one(control, request, table, kind, params) for kind, params in replica_actions(request.payload)]
    first = actions[0]
    first.more = actions[1:]
    first.strong = request.payload.get("MultiRegionConsistency") == global_tables.STRONG
    first.witness = witness
    return first


def _check_one(
    control: ControlPlane, request: DynamoRequest, table: Any, kind: str, params: dict[str, Any]
) -> ReplicaAction:
    account, name = request.account, table.name
    target = str(params.get("RegionName", ""))
    if not motobackend.known_region(account, target):
        raise messages.validation(
            f"Region {target} is not supported. The latest version of global tables are only supported in the "
            f"following regions: [{', '.join(motobackend.supported_regions(account))}]."
        )
    members = control.members(account, name)
    if kind != "Create":
        if target not in members:
            raise messages.validation(
                "Update global table operation failed because one or more replicas were not part of the global "
                f"table. Please retry the request without these replicas: [{target}]."
            )
        replica = motobackend.find_table(account, target, name)
        if kind == "Delete" and replica is not None and replica.deletion_protection_enabled:
            raise messages.validation(
                f"Cannot delete table {name} in region {target} because it has deletion protection enabled. "
                "Disable deletion protection first."
            )
        return ReplicaAction(kind, target, params)

    if target in members or motobackend.find_table(account, target, name) is not None:
        raise messages.validation(
            f"Failed to create a the new replica of table with name: \u2018{name}\u2019 because one or more "
            "replicas already existed as tables."
        )
    if billing_of(table) == PROVISIONED:
        _check_write_autoscaling(account, request.region, table)
    key_arn = None
    current = current_sse_key(table)
    if current is not None and current != motobackend.resolve_kms_key(account, request.region, None):
        # [A10, TF PR #29102] a customer-managed-key table needs a key for each replica, in its region.
        if not params.get("KMSMasterKeyId"):
            raise messages.invalid("KMSMasterKeyId must be specified for each replica.")
        key_arn = motobackend.resolve_kms_key(account, target, str(params["KMSMasterKeyId"]))
    elif current is not None:
        key_arn = motobackend.resolve_kms_key(account, target, None)
    return ReplicaAction(kind, target, params, key_arn)


def _check_write_autoscaling(account: str, region: str, table: Any) -> None:
    # [A13, TF #13097, DG-GT] provisioned global tables need write auto scaling on the table and every GSI.
    resource = f"table/{table.name}"
    if not motobackend.write_autoscaled(account, region, resource, "dynamodb:table:WriteCapacityUnits"):
        raise messages.validation("Table write capacity should either be Pay-Per-Request or AutoScaled.")
    for gsi in table.global_indexes:
        if not motobackend.write_autoscaled(
            account, region, f"{resource}/index/{gsi.name}", "dynamodb:index:WriteCapacityUnits"
        ):
            raise messages.validation("GSI write capacity should either be Pay-Per-Request or AutoScaled.")


def apply(
    control: ControlPlane, request: DynamoRequest, state: TableState, action: ReplicaAction, *, now: float
) -> None:
    for one in [action, *action.more]:
        _apply_one(control, request, state, one, now=now)
    if action.strong:
        # [A13.2] the consistency and the witness belong to the global table: every member describes them
        global_tables.start_strong(control, request.account, state.table.name, action.witness, now)
    global_tables.delete_witness(control, request.account, state.table.name, request.payload)


def _apply_one(
    control: ControlPlane, request: DynamoRequest, state: TableState, action: ReplicaAction, *, now: float
) -> None:
    table = state.table
    account, name = request.account, table.name
    until = now + control.latency.replica
    wall = control.wall.at(now)
    if action.kind == "Create":
        if not stream_enabled(table):
            # [A7, TF #43625] the first replica of a table without a stream makes DynamoDB enable one with
            # NEW_AND_OLD_IMAGES (a new stream: new LatestStreamArn/Label); the replica gets the same.
            motobackend.set_stream(table, {"StreamEnabled": True, "StreamViewType": NEW_AND_OLD_IMAGES}, wall)
        replica = _create_replica_table(account, action, table, wall)
        replica_state = control.state_for(account, action.region, name, replica)
        # [API ReplicaStatus, A13] the new replica is CREATING, then ACTIVE; the source is UPDATING meanwhile.
        replica_state.start_phase(CREATING, until)
        replica_state.billing_explicit = state.billing_explicit
        replica_state.table_class = action.params.get("TableClassOverride") or state.table_class
        replica_state.on_demand = copy.deepcopy(state.on_demand)
        replica_state.index_on_demand = copy.deepcopy(state.index_on_demand)
        replica_state.ttl_changed_at = state.ttl_changed_at
        global_tables.keep_overrides(replica_state, action.params)
        control.registry.join(account, name, request.region, action.region)
    elif action.kind == "Delete":
        replica = motobackend.find_table(account, action.region, name)
        if replica is not None:
            # [API, A12] ReplicaUpdates Delete removes that region's table: DELETING, then gone.
            control.state_for(account, action.region, name, replica).start_phase(DELETING, until)
    else:
        replica = motobackend.find_table(account, action.region, name)
        if replica is not None:
            replica_state = control.state_for(account, action.region, name, replica)
            if action.params.get("TableClassOverride"):
                replica_state.table_class = action.params["TableClassOverride"]
            global_tables.keep_overrides(replica_state, action.params)
        until = now + control.latency.update
    state.start_phase(UPDATING, max(until, now + control.latency.update))


def _create_replica_table(account: str, action: ReplicaAction, source: Any, wall: float) -> Any:
    provisioned = billing_of(source) == PROVISIONED

    def capacity(throughput: dict[str, Any]) -> dict[str, int]:
        return {
            "ReadCapacityUnits": int(throughput.get("ReadCapacityUnits", 0)),
            "WriteCapacityUnits": int(throughput.get("WriteCapacityUnits", 0)),
        }

    global_indexes = []
    for gsi in source.global_indexes:
        index: dict[str, Any] = {
            "IndexName": gsi.name,
            "KeySchema": copy.deepcopy(gsi.schema),
            "Projection": copy.deepcopy(gsi.projection),
        }
        if provisioned:
            index["ProvisionedThroughput"] = capacity(gsi.throughput)
        global_indexes.append(index)
    local_indexes = [
        {"IndexName": i.name, "KeySchema": copy.deepcopy(i.schema), "Projection": copy.deepcopy(i.projection)}
        for i in source.indexes
    ]
    stream = source.stream_specification or {}
    replica = motobackend.create_table(
        account,
        action.region,
        wall,
        name=source.name,
        schema=copy.deepcopy(source.schema),
        throughput=capacity(source.throughput) if provisioned else None,
        attr=copy.deepcopy(source.attr),
        global_indexes=global_indexes,
        indexes=local_indexes,
        streams=dict(stream) if stream.get("StreamEnabled") else None,
        billing_mode=billing_of(source),
        sse_specification=(
            {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": action.key_arn} if action.key_arn else None
        ),
        tags=[],  # [DG-GT, A11] tags do not propagate to replicas
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    replica.ttl = copy.deepcopy(source.ttl)  # [DG-GT] TTL is replicated across the group
    return replica
