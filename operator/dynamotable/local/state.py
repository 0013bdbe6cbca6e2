"""What the realism layer remembers about tables beyond moto's own model.

Keyed by (account, region, table name), like moto's backends. Each record holds a reference to the moto
Table object it describes: when moto's table is gone or replaced (moto-api reset, a re-create), the record
is stale and dropped.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from .limits import DecreaseBudget, OnDemandSwitches

ACTIVE = "ACTIVE"
CREATING = "CREATING"
UPDATING = "UPDATING"
DELETING = "DELETING"

TableKey = tuple[str, str, str]  # account, region, table name
GroupKey = tuple[str, str]  # account, table name


@dataclass
class IndexJob:
    """A GSI transition: CREATING (by UpdateTable or CreateTable), UPDATING or DELETING until `until`."""

    status: str
    started: float
    until: float
    backfills: bool = False  # only GSIs added by UpdateTable report Backfilling [API, DG-GSI]

    def backfilling(self, now: float) -> bool:
        # [DG-GSI] resource allocation first (Backfilling=false), then backfilling (true): half each.
        return now >= self.started + (self.until - self.started) / 2


@dataclass
class Insights:
    """[A20] Contributor insights of a table or GSI: `enabled` is where it goes; ENABLING/DISABLING until `until`."""

    enabled: bool
    mode: str
    until: float
    changed: float  # wall clock of the request that started the transition
    latency: float = 0.0  # how long the transition lasts (LastUpdateDateTime = changed + latency once over)

    def status(self, now: float) -> str:
        if now < self.until:
            return "ENABLING" if self.enabled else "DISABLING"
        return "ENABLED" if self.enabled else "DISABLED"


@dataclass
class Destination:
    """[A21] A Kinesis streaming destination: `active` is where it goes; `moving` (ENABLING, UPDATING,
    DISABLING) until `until`."""

    stream_arn: str
    precision: str
    active: bool
    moving: str
    until: float

    def status(self, now: float) -> str:
        if now < self.until:
            return self.moving
        return "ACTIVE" if self.active else "DISABLED"


@dataclass
class TableState:
    table: Any  # the moto Table this record describes
    table_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    phase: str | None = None  # CREATING | UPDATING | DELETING; None = ACTIVE
    phase_until: float = 0.0
    indexes: dict[str, IndexJob] = field(default_factory=dict)
    sse_status: str | None = None  # ENABLING | UPDATING | DISABLING while an SSE change runs
    sse_until: float = 0.0
    table_class: str | None = None
    table_class_updated: float | None = None  # wall clock
    on_demand: dict[str, int] | None = None
    index_on_demand: dict[str, dict[str, int]] = field(default_factory=dict)
    billing_explicit: bool = False  # BillingModeSummary is absent for tables never given a BillingMode [API]
    ppr_switched_at: float | None = None  # wall clock of the last switch to PAY_PER_REQUEST
    ttl_changed_at: float | None = None  # endpoint clock of the last effective UpdateTimeToLive
    pitr_since: float | None = None  # wall clock since when point-in-time recovery is on
    decreases: DecreaseBudget = field(default_factory=DecreaseBudget)  # the table's capacity decreases [A5]
    index_decreases: dict[str, DecreaseBudget] = field(default_factory=dict)  # each GSI's, separately [DG-Q]
    on_demand_switches: OnDemandSwitches = field(default_factory=OnDemandSwitches)  # to PAY_PER_REQUEST [A5]
    # [A20] contributor insights of the table (key None) and of its GSIs; [A21] Kinesis destinations by stream ARN.
    # Both settle by time when read (no queue entry): they never make the table busy.
    insights: dict[str | None, Insights] = field(default_factory=dict)
    destinations: dict[str, Destination] = field(default_factory=dict)
    # [A13] a replica's overrides (ProvisionedThroughputOverride, OnDemandThroughputOverride), and per index
    replica_overrides: dict[str, Any] = field(default_factory=dict)
    replica_index_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    queued: float | None = field(default=None, compare=False)  # the earliest due time it has in Registry.pending

    @property
    def status(self) -> str:
        return self.phase or ACTIVE

    def next_due(self) -> float | None:
        """When the earliest of its running transitions is up; None when nothing is running."""
        due = [job.until for job in self.indexes.values()]
        if self.phase is not None:
            due.append(self.phase_until)
        if self.sse_status is not None:
            due.append(self.sse_until)
        return min(due, default=None)

    def start_phase(self, status: str, until: float) -> None:
        if self.phase == status:
            self.phase_until = max(self.phase_until, until)
        else:
            self.phase = status
            self.phase_until = until


PendingEntry = tuple[float, int, TableKey, TableState]  # due time, tie-breaker, the record's key, the record


@dataclass
class Registry:
    """The records, by key, and the records with a running transition, by when it is due.

    A transition is settled by the first request at or after its due time; only records in `pending` are
    visited then, so a request costs the same whatever the number of tables.
    """

    tables: dict[TableKey, TableState] = field(default_factory=dict)
    groups: dict[GroupKey, set[str]] = field(default_factory=dict)  # global table -> member regions
    strong: dict[GroupKey, Any] = field(default_factory=dict)  # [A13.2] STRONG global tables (global_tables.Strong)
    pending: list[PendingEntry] = field(default_factory=list)  # a heap on the endpoint clock
    # [A18] per (account, region): the tables in a table operation, and those of them in a create with indexes
    busy: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    creating_indexed: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def clear(self) -> None:
        self.tables.clear()
        self.groups.clear()
        self.strong.clear()
        self.pending.clear()
        self.busy.clear()
        self.creating_indexed.clear()

    def forget(self, key: TableKey) -> None:
        """The table is gone: it is in no table operation any more."""
        account, region, name = key
        self.busy.get((account, region), set()).discard(name)
        self.creating_indexed.get((account, region), set()).discard(name)

    def schedule(self, key: TableKey, state: TableState) -> None:
        """Queue the record for its next due transition, unless it is already queued for that time or earlier."""
        due = state.next_due()
        account, region, name = key
        if due is None:
            self.forget(key)
        else:
            self.busy.setdefault((account, region), set()).add(name)
            indexed = self.creating_indexed.setdefault((account, region), set())
            if state.phase == CREATING and (state.table.global_indexes or state.table.indexes):
                indexed.add(name)
            else:
                indexed.discard(name)
        if due is None or (state.queued is not None and state.queued <= due):
            return
        state.queued = due
        heapq.heappush(self.pending, (due, next(self._order), key, state))

    def pop_due(self, now: float) -> list[tuple[TableKey, TableState]]:
        """The records with a transition due at `now`, each once, taken off the queue."""
        due: dict[int, tuple[TableKey, TableState]] = {}
        while self.pending and self.pending[0][0] <= now:
            _, _, key, state = heapq.heappop(self.pending)
            state.queued = None
            due[id(state)] = (key, state)
        return list(due.values())

    def members(self, account: str, name: str) -> set[str]:
        return self.groups.get((account, name), set())

    def join(self, account: str, name: str, *regions: str) -> None:
        self.groups.setdefault((account, name), set()).update(regions)

    def leave(self, account: str, name: str, region: str) -> None:
        members = self.groups.get((account, name))
        if members is None:
            return
        members.discard(region)
        if len(members) <= 1:
            del self.groups[(account, name)]
