"""The control-plane realism layer: table lifecycle, UpdateTable rules, and the replies AWS would send."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from . import (
    global_tables,
    insights,
    keyschemas,
    kinesis_destination,
    messages,
    motobackend,
    on_demand_backups,
    policies,
    replicas,
    sources,
    subresources,
)
from .config import Clock, Latency, Rules, WallClock
from .describe import shape_table
from .faults import CONTROL_PLANE
from .gateway import MotoGateway
from .limits import DecreaseBudget, RequestRate, check_table_operation
from .state import CREATING, DELETING, UPDATING, IndexJob, Registry, TableKey, TableState
from .updates import PPR, PROVISIONED, UpdatePlan, check_request, gsi_actions, plan_update, sse_enabled
from .wire import AwsError, DynamoRequest, Reply, error_reply, json_reply, table_name_of

log = logging.getLogger(__name__)

Handler = Callable[[DynamoRequest, float], Reply]


class ControlPlane:
    """Handles DynamoDB calls for one endpoint. Not thread-safe: the middleware serialises calls."""

    def __init__(self, gateway: MotoGateway, latency: Latency, rules: Rules, clock: Clock, wall: WallClock) -> None:
        self.gateway = gateway
        self.latency = latency
        self.rules = rules
        self.clock = clock
        self.wall = wall
        self.registry = Registry()
        self.rate = RequestRate()
        self.visits = 0  # table records looked at (settle, lookups): a request's share must not grow with tables
        self._touched: dict[TableKey, TableState] = {}  # records this request may have changed
        self.handlers: dict[str, Handler] = {
            "CreateTable": self.create_table,
            "DescribeTable": self.describe_table,
            "UpdateTable": self.update_table,
            "DeleteTable": self.delete_table,
            "UpdateTimeToLive": lambda req, now: subresources.update_ttl(self, req, now),
            "DescribeTimeToLive": lambda req, now: subresources.describe_ttl(self, req, now),
            "UpdateContinuousBackups": lambda req, now: subresources.update_pitr(self, req, now),
            "DescribeContinuousBackups": lambda req, now: subresources.describe_pitr(self, req, now),
            "TagResource": lambda req, now: subresources.tag_resource(self, req, now),
            "UntagResource": lambda req, now: subresources.untag_resource(self, req, now),
            "ListTagsOfResource": lambda req, now: subresources.list_tags(self, req, now),
            "DeleteResourcePolicy": lambda req, now: policies.delete_policy(self, req, now),
            "UpdateContributorInsights": lambda req, now: insights.update_insights(self, req, now),
            "DescribeContributorInsights": lambda req, now: insights.describe_insights(self, req, now),
            "ListContributorInsights": lambda req, now: insights.list_insights(self, req, now),
            "EnableKinesisStreamingDestination": lambda req, now: kinesis_destination.enable(self, req, now),
            "UpdateKinesisStreamingDestination": lambda req, now: kinesis_destination.update(self, req, now),
            "DisableKinesisStreamingDestination": lambda req, now: kinesis_destination.disable(self, req, now),
            "DescribeKinesisStreamingDestination": lambda req, now: kinesis_destination.describe(self, req, now),
            "CreateBackup": lambda req, now: on_demand_backups.create_backup(self, req, now),
            "DescribeBackup": lambda req, now: on_demand_backups.describe_backup(self, req, now),
            "ListBackups": lambda req, now: on_demand_backups.list_backups(self, req, now),
            "RestoreTableFromBackup": lambda req, now: sources.restore_from_backup(self, req, now),
            "RestoreTableToPointInTime": lambda req, now: sources.restore_to_point_in_time(self, req, now),
            "ImportTable": lambda req, now: sources.import_table(self, req, now),
            "DescribeImport": lambda req, now: sources.describe_import(self, req, now),
        }
        self.imports: dict[str, sources.ImportJob] = {}  # [A24] imports by ImportArn

    # ---- plumbing -------------------------------------------------------------------------------------------

    def handle(self, request: DynamoRequest) -> Reply:
        now = self.clock()
        try:
            self.settle(now)
            if request.operation in CONTROL_PLANE and not self.rate.allow(
                (request.account, request.region), now, self.rules
            ):
                # [A18] AWS's control-plane throttle; botocore retries ThrottlingException with backoff (A15).
                return error_reply(AwsError("ThrottlingException", "Rate of requests exceeds the allowed throughput."))
            handler = self.handlers.get(request.operation)
            if handler is None:
                return self.passthrough(request)
            return handler(request, now)
        except AwsError as error:
            return error_reply(error)
        except Exception as exc:
            log.exception("local DynamoDB endpoint failed on %s", request.operation)
            return error_reply(AwsError("InternalServerError", f"local endpoint error: {exc}", status=500))
        finally:
            for key, state in self._touched.items():
                self.registry.schedule(key, state)
            self._touched.clear()

    def passthrough(self, request: DynamoRequest) -> Reply:
        return self.gateway.send(request.environ, request.body)

    def state_for(self, account: str, region: str, name: str, table: Any) -> TableState:
        key = (account, region, name)
        self.visits += 1
        state = self.registry.tables.get(key)
        if state is None or state.table is not table:
            state = TableState(table)
            self.registry.tables[key] = state
        self._touched[key] = state  # queued for its transitions, if any, when the request is done
        return state

    def lookup(self, request: DynamoRequest, name: str) -> tuple[Any, TableState]:
        table = motobackend.find_table(request.account, request.region, name)
        if table is None:
            raise messages.table_not_found(name)
        return table, self.state_for(request.account, request.region, name, table)

    def settle(self, now: float) -> None:
        """Finish the transitions whose time is up (lazily, at the start of each request): only the records
        queued in registry.pending are visited, not every table."""
        registry = self.registry
        for key, state in registry.pop_due(now):
            self.visits += 1
            account, region, name = key
            live = motobackend.find_table(account, region, name)
            if live is None or live is not state.table:
                if registry.tables.get(key) is state:
                    del registry.tables[key]
                    registry.forget(key)
                continue
            if state.phase is not None and now >= state.phase_until:
                if state.phase == DELETING:
                    motobackend.drop_table(account, region, name)
                    registry.tables.pop(key, None)
                    registry.forget(key)
                    registry.leave(account, name, region)
                    continue
                state.phase = None
            for index, job in list(state.indexes.items()):
                if now >= job.until:
                    if job.status == DELETING:
                        motobackend.remove_index(state.table, index)
                        state.index_on_demand.pop(index, None)
                    del state.indexes[index]
            if state.sse_status is not None and now >= state.sse_until:
                state.sse_status = None
            registry.schedule(key, state)

    def check_table_operation(self, request: DynamoRequest, name: str, *, indexed_create: bool = False) -> None:
        """[A18] LimitExceeded when the account and region have the most tables in a table operation already."""
        place = (request.account, request.region)
        check_table_operation(
            self.registry.busy.get(place, set()),
            self.registry.creating_indexed.get(place, set()),
            name,
            self.rules,
            indexed_create=indexed_create,
        )

    def record(self, account: str, region: str, name: str) -> TableState | None:
        """The record of the live table, if there is one (records of tables moto dropped are ignored)."""
        state = self.registry.tables.get((account, region, name))
        if state is None:
            return None
        self.visits += 1
        if motobackend.find_table(account, region, name) is not state.table:
            return None
        return state

    def members(self, account: str, name: str) -> set[str]:
        """The regions of a global table that still have the table (a region whose table is gone leaves)."""
        registry = self.registry
        for region in sorted(registry.members(account, name)):
            if motobackend.find_table(account, region, name) is None:
                registry.leave(account, name, region)
        return registry.members(account, name)

    def describe(self, request: DynamoRequest, name: str, now: float) -> dict[str, Any]:
        data = self.gateway.call_ok(request.environ, "DescribeTable", {"TableName": name})
        state = self.record(request.account, request.region, name)
        members = replicas.describe(self, request.account, request.region, name)
        shaped = shape_table(data["Table"], state, now, self.wall.at(now), members)
        shaped.update(global_tables.describe_group(self, request.account, name, now))
        return shaped

    # ---- tables ---------------------------------------------------------------------------------------------

    def describe_table(self, request: DynamoRequest, now: float) -> Reply:
        name = table_name_of(request.payload.get("TableName"))
        table = motobackend.find_table(request.account, request.region, name)
        if table is None:
            return self.passthrough(request)
        self.state_for(request.account, request.region, name, table)
        return json_reply({"Table": self.describe(request, name, now)})

    def create_table(self, request: DynamoRequest, now: float) -> Reply:
        body = copy.deepcopy(request.payload)
        subresources.check_create(body)
        keyschemas.check_create(body)
        self.check_table_operation(
            request,
            str(body.get("TableName")),
            indexed_create=bool(body.get("GlobalSecondaryIndexes") or body.get("LocalSecondaryIndexes")),
        )
        sse = body.get("SSESpecification")
        if isinstance(sse, dict) and sse_enabled(sse):
            # [API SSESpecification, A10] DynamoDB reports the key as a key ARN whatever form was given; moto
            # echoes the given id, so the ARN is resolved before moto stores it (and never makes a key itself).
            sse["Enabled"] = True
            key = sse.get("KMSMasterKeyId")
            sse["KMSMasterKeyId"] = motobackend.resolve_kms_key(request.account, request.region, key)
        reply = self.gateway.call(request.environ, "CreateTable", body)
        if reply.status >= 400:
            return reply
        name = str(body["TableName"])
        table = motobackend.find_table(request.account, request.region, name)
        if table is None:
            raise AwsError("InternalServerError", f"moto did not keep table {name}", status=500)
        motobackend.stamp_created(table, self.wall.at(now))
        policies.attach_at_create(request.account, request.region, table.table_arn, body.get("ResourcePolicy"))
        state = self.state_for(request.account, request.region, name, table)
        # [API CreateTable, A2] a new table is CREATING (its indexes too) until it turns ACTIVE.
        state.start_phase(CREATING, now + self.latency.create)
        state.billing_explicit = "BillingMode" in body
        state.table_class = body.get("TableClass")
        if body.get("OnDemandThroughput"):
            state.on_demand = dict(body["OnDemandThroughput"])
        for gsi in body.get("GlobalSecondaryIndexes") or []:
            if gsi.get("OnDemandThroughput"):
                state.index_on_demand[gsi["IndexName"]] = dict(gsi["OnDemandThroughput"])
        description = self.describe(request, name, now)
        return json_reply({"TableDescription": description})

    def delete_table(self, request: DynamoRequest, now: float) -> Reply:
        name = table_name_of(request.payload.get("TableName"))
        table, state = self.lookup(request, name)
        if state.phase != DELETING:
            self.check_table_operation(request, name)
            if state.indexes:
                # [DG-GSI, A4] the table cannot be deleted while any index is being built, updated or deleted.
                raise messages.in_use("Cannot delete table while indexes are being created, updated, or deleted.")
            if state.phase is not None:
                # [API DeleteTable, A4] a CREATING or UPDATING table cannot be deleted.
                raise messages.table_busy(state.phase, name)
            on_demand_backups.check_delete(request, name, now)
            if table.deletion_protection_enabled:
                # [A12] DeletionProtectionEnabled blocks DeleteTable with a ValidationException.
                raise messages.validation(
                    "Resource cannot be deleted as it is currently protected against deletion. "
                    "Disable deletion protection first."
                )
            # [API DeleteTable, A12] DELETING, then gone; on a global table only this region's replica goes.
            state.start_phase(DELETING, now + self.latency.delete)
        # [API] DeleteTable on a table already DELETING is not an error.
        return json_reply({"TableDescription": self.describe(request, name, now)})

    def update_table(self, request: DynamoRequest, now: float) -> Reply:
        body = request.payload
        name = table_name_of(body.get("TableName"))
        check_request(body, request.region, self.rules)
        table, state = self.lookup(request, name)
        self.check_busy(state, body, name, now)
        self.check_table_operation(request, name)
        members = self.members(request.account, name)
        plan = plan_update(
            body,
            table,
            has_replicas=request.region in members and len(members) > 1,
            resolve_key=lambda key: motobackend.resolve_kms_key(request.account, request.region, key),
        )
        self.check_rate_limits(table, state, plan, self.wall.at(now))
        if plan.replica_updates:
            action = replicas.check(self, request, table, state)
            self.apply(table, state, plan, account=request.account, region=request.region, now=now)
            replicas.apply(self, request, state, action, now=now)
        else:
            self.apply(table, state, plan, account=request.account, region=request.region, now=now)
            replicated = plan.replicated()
            for region in sorted(members - {request.region}):
                other = motobackend.find_table(request.account, region, name)
                if other is not None:
                    other_state = self.state_for(request.account, region, name, other)
                    self.apply(other, other_state, replicated, account=request.account, region=region, now=now)
        return json_reply({"TableDescription": self.describe(request, name, now)})

    def check_busy(self, state: TableState, body: dict[str, Any], name: str, now: float) -> None:
        """[API UpdateTable, DG-GSI, A4] what a table or its indexes in transition refuse."""
        if state.phase in (CREATING, DELETING):
            raise messages.table_busy(state.phase, name)
        actions = gsi_actions(body)
        structural = [(kind, str(a.get("IndexName"))) for kind, a in actions if kind in ("Create", "Delete")]
        updates = {str(a.get("IndexName")) for kind, a in actions if kind == "Update"}
        for index, job in state.indexes.items():
            if job.status == CREATING:
                for kind, target in structural:
                    if kind == "Delete" and target == index:
                        if not job.backfilling(now):
                            raise messages.in_use(
                                "Index creation is in resource allocation phase. Retry deletion during backfilling "
                                f"phase or when the index is active. Table: {name} Index: {index}"
                            )
                    else:
                        raise messages.limit_exceeded(messages.ONE_ONLINE_INDEX)
            elif job.status == DELETING:
                if structural:
                    raise messages.limit_exceeded(messages.ONE_ONLINE_INDEX)
                if index in updates:
                    raise messages.in_use(f"Index is being deleted. Table: {name} Index: {index}")
                if body.get("ProvisionedThroughput") is not None or body.get("BillingMode") is not None:
                    raise messages.in_use(
                        f"Can't change table IOPS when an index is being deleted. Table: {name} Indexes: [{index}]"
                    )
            elif index in updates or (("Delete", index) in structural):
                raise messages.in_use(f"Index is being updated. Table: {name} Index: {index}")
        if state.phase == UPDATING:
            # [API UpdateTable, TF] "you can't issue another UpdateTable request" while UPDATING.
            raise messages.table_busy(UPDATING, name)

    def check_rate_limits(self, table: Any, state: TableState, plan: UpdatePlan, wall: float) -> None:
        """[DG-Q, DG-SW, A5] the per-table limits AWS counts: capacity decreases (the table's and each GSI's
        budget; a request fails entirely if either is spent) and switches to on-demand."""
        rules = self.rules
        if plan.switch_billing and plan.billing_mode == PPR:
            switches = state.on_demand_switches
            allowed = switches.refused_until(wall, rules)
            if allowed is not None:
                raise messages.on_demand_switch_limited(rules, switches.last() or wall, allowed)
        if plan.switch_billing:
            return  # a switch to PROVISIONED sets capacity; it is not a decrease
        budgets: list[DecreaseBudget] = []
        if plan.throughput is not None and _decreases(table.throughput, plan.throughput):
            budgets.append(state.decreases)
        gsis = {g.name: g for g in table.global_indexes}
        for action in plan.gsi_updates:
            index = str(action.get("IndexName"))
            wanted = action.get("ProvisionedThroughput")
            if wanted is not None and index in gsis and _decreases(gsis[index].throughput, wanted):
                budgets.append(state.index_decreases.setdefault(index, DecreaseBudget()))
        for budget in budgets:
            allowed = budget.refused_until(wall, rules)
            if allowed is not None and budget.last is not None:
                raise messages.decrease_limited(rules, budget.today(wall), budget.last, allowed)

    # ---- applying an UpdateTable ----------------------------------------------------------------------------

    def apply(self, table: Any, state: TableState, plan: UpdatePlan, *, account: str, region: str, now: float) -> None:
        """Apply a checked plan to moto's table and to the recorded state; starts the transitions."""
        latency = self.latency
        wall = self.wall.at(now)
        existing = {g.name for g in table.global_indexes}
        create = plan.gsi_create if plan.gsi_create and plan.gsi_create["IndexName"] not in existing else None
        delete = plan.gsi_delete if plan.gsi_delete in existing else None
        updates = [u for u in plan.gsi_updates if u.get("IndexName") in existing]
        old_throughput = dict(table.throughput)
        old_index_throughput = {g.name: dict(g.throughput or {}) for g in table.global_indexes}

        # What moto models correctly goes through moto's own update_table; AttributeDefinitions only with a
        # new index ([API, A3.3]: they are consumed by a GSI Create and ignored otherwise).
        # moto treats empty values as "not given".
        index_updates: list[dict[str, Any]] = [{"Update": copy.deepcopy(u)} for u in updates]
        if create is not None:
            index_updates.append({"Create": copy.deepcopy(create)})
        motobackend.backend(account, region).update_table(
            name=table.name,
            attr_definitions=copy.deepcopy(plan.attribute_definitions or []) if create is not None else [],
            global_index=index_updates,
            throughput={},
            billing_mode=plan.billing_mode or "",
            stream_spec={},
            deletion_protection_enabled=plan.deletion_protection,
            warm_throughput=copy.deepcopy(plan.warm_throughput),
        )
        if plan.billing_mode is not None:
            state.billing_explicit = True
        if plan.throughput is not None:
            table.throughput = _new_throughput(old_throughput, plan.throughput, plan.switch_billing, wall)
            if not plan.switch_billing and _decreases(old_throughput, plan.throughput):
                state.decreases.record(wall)
        for action in updates:
            wanted = action.get("ProvisionedThroughput")
            index = str(action["IndexName"])
            if wanted is not None and not plan.switch_billing and _decreases(old_index_throughput[index], wanted):
                state.index_decreases.setdefault(index, DecreaseBudget()).record(wall)
        if plan.switch_billing and plan.billing_mode == PPR:
            # [ACK, A1] on-demand tables and their GSIs report ProvisionedThroughput 0/0 (moto keeps the old one).
            table.throughput = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
            for gsi in table.global_indexes:
                gsi.throughput = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
            state.ppr_switched_at = wall
            state.on_demand_switches.record(wall)
        if plan.switch_billing and plan.billing_mode == PROVISIONED:
            # [API OnDemandThroughput] the on-demand caps only exist under PAY_PER_REQUEST.
            state.on_demand = None
            state.index_on_demand.clear()

        table_until = now + latency.update
        for action in updates:
            index = str(action["IndexName"])
            if action.get("OnDemandThroughput"):
                merged = {**state.index_on_demand.get(index, {}), **action["OnDemandThroughput"]}
                state.index_on_demand[index] = merged
            if index not in state.indexes:
                state.indexes[index] = IndexJob(UPDATING, now, now + latency.update)
        if create is not None:
            index = str(create["IndexName"])
            if create.get("OnDemandThroughput"):
                state.index_on_demand[index] = dict(create["OnDemandThroughput"])
            # [DG-GSI, A1] CREATING with Backfilling false (resource allocation, table UPDATING), then true.
            state.indexes[index] = IndexJob(CREATING, now, now + latency.gsi_create, backfills=True)
            table_until = max(table_until, now + latency.gsi_create / 2)
        if delete is not None:
            # [DG-GSI] a deleted index is DELETING, then gone (and its attributes pruned), the table UPDATING.
            state.indexes[delete] = IndexJob(DELETING, now, now + latency.gsi_delete)
            table_until = max(table_until, now + latency.gsi_delete)

        if plan.stream is not None:
            motobackend.set_stream(table, plan.stream, wall)
        if plan.sse is not None:
            if plan.sse.key_arn is None:
                table.sse_specification = None
            else:
                table.sse_specification = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": plan.sse.key_arn}
            state.sse_status = plan.sse.transition
            state.sse_until = now + latency.update
        if plan.table_class is not None:
            # [API TableClass, DG-TC] recorded and reported in TableClassSummary (moto ignores TableClass).
            state.table_class = plan.table_class
            state.table_class_updated = wall
        if plan.on_demand is not None:
            state.on_demand = {**(state.on_demand or {}), **plan.on_demand}
        state.start_phase(UPDATING, table_until)


def _decreases(old: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """[DG-Q] lowering either RCU or WCU (or both: one decrease) spends a decrease."""
    return int(wanted.get("ReadCapacityUnits", 0)) < int(old.get("ReadCapacityUnits", 0)) or int(
        wanted.get("WriteCapacityUnits", 0)
    ) < int(old.get("WriteCapacityUnits", 0))


def _new_throughput(old: dict[str, Any], wanted: dict[str, Any], switching: bool, wall: float) -> dict[str, Any]:
    """The table's new ProvisionedThroughput; NumberOfDecreasesToday is filled in from the budget when described."""
    read, write = int(wanted["ReadCapacityUnits"]), int(wanted["WriteCapacityUnits"])
    result: dict[str, Any] = {k: v for k, v in old.items() if k.startswith("Last")}
    if not switching and _decreases(old, wanted):
        result["LastDecreaseDateTime"] = wall
    if read > old.get("ReadCapacityUnits", 0) or write > old.get("WriteCapacityUnits", 0):
        result["LastIncreaseDateTime"] = wall
    result.update({"ReadCapacityUnits": read, "WriteCapacityUnits": write})
    return result
