"""UpdateTable: the request rules DynamoDB enforces and moto does not, turned into a checked plan.

`check_request` looks at the request alone; `plan_update` compares it with the live (moto) table. Both raise
AwsError with AWS's code and text; neither changes anything, so a rejected call has no effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import global_tables, keyschemas, messages
from .config import Rules
from .motobackend import key_attributes

PPR = "PAY_PER_REQUEST"
PROVISIONED = "PROVISIONED"
TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")
MAX_GSIS = 20
PPR_WITH_THROUGHPUT = (
    "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
)

CHANGE_MEMBERS = (
    "ProvisionedThroughput",
    "BillingMode",
    "StreamSpecification",
    "GlobalSecondaryIndexUpdates",
    "SSESpecification",
    "ReplicaUpdates",
    "GlobalTableWitnessUpdates",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
    "WarmThroughput",
    "TableClass",
)


@dataclass
class SseChange:
    key_arn: str | None  # None = back to the AWS owned key
    transition: str  # ENABLING | UPDATING | DISABLING


@dataclass
class UpdatePlan:
    gsi_create: dict[str, Any] | None = None
    gsi_delete: str | None = None
    gsi_updates: list[dict[str, Any]] = field(default_factory=list)
    attribute_definitions: list[dict[str, str]] | None = None
    throughput: dict[str, int] | None = None
    billing_mode: str | None = None
    switch_billing: bool = False
    stream: dict[str, Any] | None = None
    deletion_protection: bool | None = None
    warm_throughput: dict[str, Any] | None = None
    sse: SseChange | None = None
    table_class: str | None = None
    on_demand: dict[str, int] | None = None
    replica_updates: list[dict[str, Any]] = field(default_factory=list)

    def replicated(self) -> UpdatePlan:
        """The part a global table applies in every replica region [DG-GT, A13]: indexes, capacity, class."""
        return UpdatePlan(
            gsi_create=self.gsi_create,
            gsi_delete=self.gsi_delete,
            gsi_updates=self.gsi_updates,
            attribute_definitions=self.attribute_definitions,
            throughput=self.throughput,
            billing_mode=self.billing_mode,
            switch_billing=self.switch_billing,
            table_class=self.table_class,
            on_demand=self.on_demand,
        )


def _given(body: dict[str, Any], key: str) -> bool:
    value = body.get(key)
    if key == "GlobalSecondaryIndexUpdates":
        return bool(value)
    return value is not None


def gsi_actions(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    actions: list[tuple[str, dict[str, Any]]] = []
    for entry in body.get("GlobalSecondaryIndexUpdates") or []:
        for kind in ("Create", "Update", "Delete"):
            if isinstance(entry, dict) and entry.get(kind) is not None:
                actions.append((kind, entry[kind]))
    return actions


def check_on_demand(value: dict[str, Any] | None, subject: str) -> None:
    # [API OnDemandThroughput, A14] each cap >= 1, or -1 to remove it.
    for name in ("MaxReadRequestUnits", "MaxWriteRequestUnits"):
        units = (value or {}).get(name)
        if units is not None and units != -1 and units < 1:
            raise messages.invalid(f"Requested {name} for OnDemandThroughput for {subject} is outside of valid range")


def check_request(body: dict[str, Any], region: str, rules: Rules) -> None:
    """Rules that need only the request."""
    members = [key for key in CHANGE_MEMBERS if _given(body, key)]
    if not members:
        # [API, A3.7] an UpdateTable that changes nothing is a ValidationException.
        raise messages.validation(messages.AT_LEAST_ONE)
    if body.get("GlobalSecondaryIndexUpdates") == []:
        raise messages.invalid("List of GlobalSecondaryIndexUpdates is empty")

    names: set[str] = set()
    for entry in body.get("GlobalSecondaryIndexUpdates") or []:
        kinds = [k for k in ("Create", "Update", "Delete") if isinstance(entry, dict) and entry.get(k) is not None]
        if not kinds:
            raise messages.invalid(
                "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                "GlobalSecondaryIndexUpdate.Delete must not be null"
            )
        if len(kinds) > 1:
            raise messages.invalid(
                "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"
            )
        name = str(entry[kinds[0]].get("IndexName", ""))
        if name in names:
            raise messages.invalid(
                f"Only one global secondary index update per index is allowed simultaneously. Index: {name}"
            )
        names.add(name)

    actions = gsi_actions(body)
    structural = [a for a in actions if a[0] in ("Create", "Delete")]
    if len(structural) > 1:
        # [API GlobalSecondaryIndexUpdates, DG-Q, A3.2] one GSI create or delete per call; AWS answers
        # LimitExceededException with this text.
        raise messages.limit_exceeded(messages.ONE_ONLINE_INDEX)

    others = [m for m in members if m != "SSESpecification"]
    if "SSESpecification" in members and others:
        # [TF, A3.4] "Server-Side Encryption modification must be the only operation in the request".
        raise messages.invalid("Server-Side Encryption modification must be the only operation in the request")
    if "ReplicaUpdates" in members and set(members) - {"ReplicaUpdates", "GlobalTableWitnessUpdates"}:
        # [ACK, TF #13523, A3.6] replica actions travel alone (with the witness of a STRONG table, A13.2).
        raise messages.invalid("Replica modification must be the only operation in the request")
    if structural and "ProvisionedThroughput" in members:
        # [API, TF "Cannot create or delete index while updating table ProvisionedThroughput", A3.1-2]
        raise messages.invalid("You cannot create or delete index while updating table IOPS")
    if structural and "StreamSpecification" in members:
        # [API older revisions: streams are one of the exclusive operations, A3.1]
        raise messages.invalid("You cannot create or delete index while changing stream status")
    if "StreamSpecification" in members and "ProvisionedThroughput" in members:
        raise messages.invalid("You cannot modify stream status while updating table IOPS")
    if rules.strict_single_change:
        _check_strict(members, structural)

    _check_stream_shape(body.get("StreamSpecification"))
    if body.get("BillingMode") == PPR and body.get("ProvisionedThroughput") is not None:
        # [API BillingMode, A3.5] PAY_PER_REQUEST with ProvisionedThroughput is a ValidationException.
        raise messages.invalid(PPR_WITH_THROUGHPUT)
    if body.get("TableClass") is not None and body["TableClass"] not in TABLE_CLASSES:
        raise messages.validation(
            "Invalid table-class parameter provided. Please try again with a valid table-class value: "
            "[STANDARD, STANDARD_INFREQUENT_ACCESS]."
        )
    check_on_demand(body.get("OnDemandThroughput"), "table")
    for kind, action in actions:
        if kind != "Delete":
            check_on_demand(action.get("OnDemandThroughput"), f"index : {action.get('IndexName')}")
    check_sse_shape(body.get("SSESpecification"))
    _check_replica_shape(body, region)


def _check_strict(members: list[str], structural: list[tuple[str, dict[str, Any]]]) -> None:
    """Combinations real DynamoDB rejected in probes, beyond what the reference lists."""
    if "TableClass" in members and len(members) > 1:
        raise messages.invalid("TableClass modification must be the only operation in the request")
    if "DeletionProtectionEnabled" in members and len(members) > 1:
        raise messages.invalid("DeletionProtection modification must be the only operation in the request")
    if "WarmThroughput" in members and structural:
        raise messages.invalid("Create global secondary index cannot be specified when updating WarmThroughput")
    if "WarmThroughput" in members and set(members) - {"WarmThroughput", "GlobalSecondaryIndexUpdates"}:
        raise messages.invalid("WarmThroughput must be the only operation in the request")
    if "OnDemandThroughput" in members and set(members) - {"OnDemandThroughput", "BillingMode"}:
        raise messages.invalid("OnDemandThroughput can only be combined with BillingMode in an UpdateTable request")


def _check_stream_shape(spec: dict[str, Any] | None) -> None:
    if spec is None:
        return
    if spec.get("StreamEnabled") and not spec.get("StreamViewType"):
        # [API StreamSpecification] enabling needs a StreamViewType.
        raise messages.invalid("If stream is being enabled then UpdateViewType is required")
    if not spec.get("StreamEnabled") and spec.get("StreamViewType"):
        raise messages.invalid("If stream is being disabled, then UpdateViewType must not be specified")


def check_sse_shape(spec: dict[str, Any] | None) -> None:
    if spec is None:
        return
    if sse_enabled(spec):
        if spec.get("SSEType") == "AES256":
            raise messages.invalid("SSEType AES256 is not supported")
        if spec.get("KMSMasterKeyId") and spec.get("SSEType") != "KMS":
            raise messages.invalid("SSEType KMS is required if KMSMasterKeyId is specified")
        return
    if spec.get("SSEType"):
        raise messages.invalid("SSEType can not be specified if Enabled is false")
    if spec.get("KMSMasterKeyId"):
        raise messages.invalid("KMSMasterKeyId can not be specified if Enabled is false")


def sse_enabled(spec: dict[str, Any]) -> bool:
    enabled = spec.get("Enabled")
    if enabled is None:
        return spec.get("SSEType") == "KMS" or bool(spec.get("KMSMasterKeyId"))
    return bool(enabled)


def replica_actions(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    actions: list[tuple[str, dict[str, Any]]] = []
    for entry in body.get("ReplicaUpdates") or []:
        for kind in ("Create", "Update", "Delete"):
            if isinstance(entry, dict) and entry.get(kind) is not None:
                actions.append((kind, entry[kind]))
    return actions


def _check_replica_shape(body: dict[str, Any], region: str) -> None:
    if body.get("MultiRegionConsistency") is not None and not any(
        kind == "Create" for kind, _ in replica_actions(body)
    ):
        raise messages.invalid(
            "Only Replica Create actions are supported when MultiRegionConsistency parameter is provided."
        )
    if body.get("GlobalTableWitnessUpdates") is not None and body.get("ReplicaUpdates") is None:
        # [A13.2] a witness is created with the replicas of a STRONG table, and deleted with a replica
        raise messages.validation("GlobalTableWitnessUpdates must be sent together with ReplicaUpdates.")
    entries = body.get("ReplicaUpdates")
    if entries is None:
        return
    actions = replica_actions(body)
    if len(actions) < len(entries) or not actions:
        raise messages.validation("There are no actions specified in the Replica Update Action of the request.")
    global_tables.check_shape(body, [kind for kind, _ in actions])
    structural = [a for a in actions if a[0] in ("Create", "Delete")]
    if len(structural) > 1 and not global_tables.strong_creates_allowed(body, len(structural)):
        # [ACK newUpdateTableReplicaUpdatesOneAtATimePayload, TF PR #13523, A3.6] one replica action per call.
        raise messages.validation(
            "Update table operation with more than one create or delete replica actions not allowed"
        )
    if len({kind for kind, _ in actions}) > 1:
        raise messages.validation("Update table operation with more than one type of replica actions not allowed.")
    for _kind, action in actions:
        if action.get("RegionName") == region:
            # [A13, aws-cli #4906] the local region cannot be named in ReplicaUpdates.
            raise messages.validation(
                "Cannot add or delete the local region through ReplicaUpdates. "
                "Use CreateTable, DeleteTable, or UpdateTable as required."
            )


def billing_of(table: Any) -> str:
    return PPR if table.billing_mode == PPR else PROVISIONED


def stream_enabled(table: Any) -> bool:
    spec = table.stream_specification or {}
    return bool(spec.get("StreamEnabled"))


def current_sse_key(table: Any) -> str | None:
    spec = table.sse_specification or {}
    return str(spec["KMSMasterKeyId"]) if spec.get("Enabled") and spec.get("KMSMasterKeyId") else None


def _throughput(value: dict[str, Any] | None) -> tuple[int, int] | None:
    if not value:
        return None
    return int(value.get("ReadCapacityUnits", 0)), int(value.get("WriteCapacityUnits", 0))


def plan_update(
    body: dict[str, Any],
    table: Any,
    has_replicas: bool,
    resolve_key: Callable[[str | None], str],
) -> UpdatePlan:
    """Rules that compare the request with the live table; returns what to apply."""
    name = table.name
    current_billing = billing_of(table)
    billing = body.get("BillingMode") or current_billing
    switching = billing != current_billing
    plan = UpdatePlan(billing_mode=body.get("BillingMode"), switch_billing=switching)
    gsis = {g.name: g for g in table.global_indexes}
    lsis = {i.name for i in table.indexes}
    actions = gsi_actions(body)

    throughput = body.get("ProvisionedThroughput")
    if throughput is not None and billing == PPR:
        # [API BillingMode, A3.5] capacity cannot be set on an on-demand table.
        raise messages.invalid(PPR_WITH_THROUGHPUT)
    if body.get("BillingMode") == PROVISIONED and throughput is None:
        # [API BillingMode, A3.5] switching to PROVISIONED needs ProvisionedThroughput (also when re-sent).
        raise messages.invalid("ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
    if throughput is not None and not switching and _throughput(throughput) == _throughput(table.throughput):
        # [API, A3.7] same-value throughput is refused.
        read, write = _throughput(throughput) or (0, 0)
        raise messages.throughput_unchanged("the table", "the table", read, write)
    plan.throughput = throughput

    updated = {str(a.get("IndexName")): a for kind, a in actions if kind == "Update"}
    if switching and billing == PROVISIONED:
        deleted = {str(a.get("IndexName")) for kind, a in actions if kind == "Delete"}
        for gsi_name in gsis:
            if gsi_name not in deleted and (updated.get(gsi_name) or {}).get("ProvisionedThroughput") is None:
                # [API BillingMode, TF "Must update all indexes when switching ... to PROVISIONED", A3.5]
                raise messages.invalid(f"ProvisionedThroughput must be specified for index: {gsi_name}")

    for kind, action in actions:
        index = str(action.get("IndexName", ""))
        if kind == "Update":
            _plan_gsi_update(action, gsis=gsis, lsis=lsis, billing=billing, switching=switching, table=name)
            plan.gsi_updates.append(action)
        elif kind == "Delete":
            if index not in gsis:
                # [B1] moto answers an unknown index with a 500; AWS with a 4xx naming the index.
                if index in lsis:
                    raise messages.validation(f"Cannot delete an index that is not a GlobalSecondaryIndex: {index}")
                raise messages.index_not_found(index, name)
            plan.gsi_delete = index
        else:
            plan.gsi_create = action
            plan.attribute_definitions = _plan_gsi_create(body, action, table, lsis=lsis, billing=billing)

    on_demand = body.get("OnDemandThroughput")
    if on_demand is not None and billing == PROVISIONED:
        raise messages.invalid(
            "MaxReadRequestUnits for OnDemandThroughput cannot be specified when the table BillingMode is PROVISIONED"
        )
    plan.on_demand = on_demand

    plan.stream = _plan_stream(body.get("StreamSpecification"), table, has_replicas)
    if body.get("SSESpecification") is not None:
        plan.sse = _plan_sse(body["SSESpecification"], table, resolve_key)
    plan.deletion_protection = body.get("DeletionProtectionEnabled")
    plan.warm_throughput = body.get("WarmThroughput")
    plan.table_class = body.get("TableClass")
    plan.replica_updates = list(body.get("ReplicaUpdates") or [])
    return plan


def _plan_gsi_update(
    action: dict[str, Any], *, gsis: dict[str, Any], lsis: set[str], billing: str, switching: bool, table: str
) -> None:
    index = str(action.get("IndexName", ""))
    if index not in gsis:
        if index in lsis:
            raise messages.validation(f"Cannot update an index that is not a GlobalSecondaryIndex: {index}")
        raise messages.index_not_found(index, table)
    wanted = _throughput(action.get("ProvisionedThroughput"))
    if wanted is not None and billing == PPR:
        raise messages.invalid(
            f"The only Updates for index: {index} when TableThroughputMode is PAY_PER_REQUEST can be to "
            "OnDemandThroughput, WarmThroughput"
        )
    if wanted is not None and not switching and wanted == _throughput(gsis[index].throughput):
        raise messages.throughput_unchanged(f"the index {index}", f"index {index}", *wanted)
    if action.get("OnDemandThroughput") is not None and billing == PROVISIONED:
        raise messages.invalid(
            f"MaxReadRequestUnits for OnDemandThroughput for index : {index} cannot be specified when the table "
            "BillingMode is PROVISIONED"
        )


def _plan_gsi_create(
    body: dict[str, Any], action: dict[str, Any], table: Any, *, lsis: set[str], billing: str
) -> list[dict[str, str]]:
    gsis = {g.name: g for g in table.global_indexes}
    index = str(action.get("IndexName", ""))
    if index in gsis or index in lsis:
        raise messages.validation("Attempting to create an index which already exists")
    if len(gsis) >= MAX_GSIS:
        # [DG-Q] default quota of 20 GSIs; via UpdateTable the excess is a LimitExceededException.
        raise messages.limit_exceeded(
            f"Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of {MAX_GSIS}"
        )
    for member in ("KeySchema", "Projection"):
        if not action.get(member):
            raise messages.validation(
                f"1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.create."
                f"{member[0].lower() + member[1:]}' failed to satisfy constraint: Member must not be null"
            )
    keyschemas.check_index_key(action["KeySchema"])
    requested = body.get("AttributeDefinitions")
    if not requested:
        # [API AttributeDefinitions, A3.3] a new index's key attributes must be defined in the same call.
        raise messages.invalid(f"AttributeDefinitions is not specified for index: {index}")
    defined = {str(a["AttributeName"]): str(a["AttributeType"]) for a in requested}
    existing = {str(a["AttributeName"]): str(a["AttributeType"]) for a in table.attr}
    keys = [str(k["AttributeName"]) for k in action["KeySchema"]]
    missing = [k for k in keys if k not in defined and k not in existing]
    if missing:
        raise messages.invalid(
            f"Some index key attributes are not defined in AttributeDefinitions. Keys: [{', '.join(missing)}], "
            f"AttributeDefinitions: [{', '.join(defined)}]"
        )
    pt = action.get("ProvisionedThroughput")
    if billing == PROVISIONED and pt is None:
        # [API CreateGlobalSecondaryIndexAction, A14] a PROVISIONED table's new GSI needs its throughput.
        raise messages.invalid(f"Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: {index}")
    if billing == PPR and pt is not None:
        raise messages.invalid(
            f"Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: {index} "
            "when BillingMode is PAY_PER_REQUEST"
        )
    if action.get("OnDemandThroughput") is not None and billing == PROVISIONED:
        raise messages.invalid(
            f"MaxReadRequestUnits for OnDemandThroughput for index : {index} cannot be specified when the table "
            "BillingMode is PROVISIONED"
        )
    # [API, A3.3, A6] AttributeDefinitions are merged, never replaced: the keys in use plus the new index's keys.
    used = key_attributes(table)
    merged = {n: t for n, t in existing.items() if n in used}
    for key in keys:
        merged.setdefault(key, existing.get(key) or defined[key])
    return [{"AttributeName": n, "AttributeType": merged[n]} for n in sorted(merged)]


def _plan_stream(spec: dict[str, Any] | None, table: Any, has_replicas: bool) -> dict[str, Any] | None:
    if spec is None:
        return None
    enabled = stream_enabled(table)
    if spec.get("StreamEnabled"):
        if enabled:
            # [API StreamSpecification, DG-STR, A7] a stream that exists cannot be enabled again or retyped.
            raise messages.validation(f"Table already has an enabled stream: TableName: {table.name}")
        return {"StreamEnabled": True, "StreamViewType": spec["StreamViewType"]}
    if not enabled:
        # [API, A7] disabling when there is no stream is a ValidationException.
        raise messages.validation(f"Table has no stream to disable: TableName: {table.name}")
    if has_replicas:
        # [A7, TF #19342, #34450 (AWS's text)] a global table's stream cannot be disabled, so neither can its
        # view type change (disable, then enable: the enable above is refused while the stream exists).
        raise messages.invalid("Disabling Stream is not allowed for a Global Table replica.")
    return {"StreamEnabled": False}


def _plan_sse(spec: dict[str, Any], table: Any, resolve_key: Callable[[str | None], str]) -> SseChange:
    current = current_sse_key(table)
    target = resolve_key(spec.get("KMSMasterKeyId")) if sse_enabled(spec) else None
    if target is None and current is None:
        # [A10] the AWS owned key is the default; asking for it again is refused.
        raise messages.invalid("Table is already encrypted by default")
    if target == current:
        raise messages.invalid(
            "Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to "
            "change Master Key"
        )
    if current is None:
        return SseChange(target, "ENABLING")
    return SseChange(target, "DISABLING" if target is None else "UPDATING")
