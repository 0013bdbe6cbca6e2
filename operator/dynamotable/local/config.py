"""Settings of the local endpoint: transition latencies, injected faults, rule switches, and their CLI syntax."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

Clock = Callable[[], float]
"""Seconds on a monotonic scale; injectable so tests can move time by hand."""


@dataclass(frozen=True)
class Latency:
    """How long each control-plane transition lasts, in seconds (0 = over by the next request)."""

    create: float = 0.0
    update: float = 0.0
    delete: float = 0.0
    gsi_create: float = 0.0
    gsi_delete: float = 0.0
    replica: float = 0.0
    insights: float = 0.0  # contributor insights ENABLING / DISABLING [A20]
    kinesis: float = 0.0  # a Kinesis streaming destination ENABLING / UPDATING / DISABLING [A21]
    backup: float = 0.0  # an on-demand backup CREATING before it is AVAILABLE [A25]
    restore: float = 0.0  # a restored table CREATING [A24]
    table_import: float = 0.0  # an imported table CREATING and its import IN_PROGRESS [A24]

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value < 0:
                raise ValueError(f"latency {f.name} must be >= 0, got {value}")


@dataclass(frozen=True)
class Faults:
    """Per-request probabilities (0..1, summing to at most 1) of an injected control-plane failure."""

    throttle: float = 0.0
    server_error: float = 0.0
    drop_connection: float = 0.0
    resource_in_use: float = 0.0
    limit_exceeded: float = 0.0
    backup_unavailable: float = 0.0  # CreateBackup only: ContinuousBackupsUnavailableException [A25]
    seed: int | None = None

    def __post_init__(self) -> None:
        total = 0.0
        for name in FAULT_KINDS:
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {name} must be within 0..1, got {rate}")
            total += rate
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {total:g}; at most 1 is possible")

    @property
    def any(self) -> bool:
        return any(getattr(self, name) > 0 for name in FAULT_KINDS)


FAULT_KINDS = ("throttle", "server_error", "drop_connection", "resource_in_use", "limit_exceeded", "backup_unavailable")


@dataclass(frozen=True)
class WallClock:
    """Wall-clock time (Unix seconds) on the endpoint's clock: `epoch` at the clock reading `origin`.

    Every date the endpoint reports or limits by (CreationDateTime, stream labels, LastDecreaseDateTime, the UTC
    day of the decrease budget...) is taken from here, so a test that moves the clock moves the calendar too.
    """

    origin: float
    epoch: float

    def at(self, now: float) -> float:
        return self.epoch + (now - self.origin)


@dataclass(frozen=True)
class Rules:
    """AWS's rules that some callers want relaxed or shortened; the defaults are AWS's values.

    ttl_change_window: seconds during which a second effective UpdateTimeToLive on a table is refused
        (AWS: one change per hour). 0 disables the gate, e.g. for `dynamotable apply --local`.
    strict_single_change: also refuse the combinations AWS was observed to reject beyond the reference:
        TableClass, DeletionProtectionEnabled and WarmThroughput must each be alone, OnDemandThroughput
        only with BillingMode.
    decreases_free_per_day, decrease_interval: provisioned-capacity decreases of a table (and, separately, of
        each GSI) per UTC day [DG-Q, A5]: the first `decreases_free_per_day` at any time, then one at most every
        `decrease_interval` seconds after the last; the budget is whole again at 00:00 UTC (at most 27 a day
        with AWS's 4 and 3600 s). decreases_free_per_day < 0 disables the budget.
    on_demand_switches, on_demand_switch_window: switches from PROVISIONED to PAY_PER_REQUEST per table within
        a rolling window of that many seconds (AWS: 4 in 24 h [DG-SW]); switching back is never limited.
        on_demand_switches <= 0 disables the limit.
    table_operations, indexed_creates: tables of an account and region that may be in a table operation at
        once (CreateTable, UpdateTable, DeleteTable, UpdateTimeToLive until the table settles), and creates of
        tables with secondary indexes among them (AWS: 500 and 250 [A18]); another one is LimitExceeded
        "...simultaneously". 0 disables the cap.
    control_plane_rps: control-plane requests per second per account and region (AWS: 2,500 [A18]); more
        within one second are ThrottlingException. 0 disables the limit.
    insights_rps: requests per second of each contributor insights API (Describe, List, Update) per account and
        region (AWS: 5 [A20]). 0 disables the limit.
    make_missing_streams: a sandbox convenience, not AWS: EnableKinesisStreamingDestination naming a Kinesis data
        stream that does not exist in the table's account and region makes it first (one shard, ACTIVE), as
        `dynamotable apply --local` needs: its endpoint starts empty and the operator makes no streams. Off by
        default: AWS refuses a missing stream [A21].

    Replica streams are not switchable: like AWS, the endpoint takes a replica on a table with a stream of
    any view type, or without one (and then enables NEW_AND_OLD_IMAGES) [A7]; NEW_AND_OLD_IMAGES as a
    requirement is ACK's and the CDK's own rule.
    """

    ttl_change_window: float = 3600.0
    strict_single_change: bool = False
    decreases_free_per_day: int = 4
    decrease_interval: float = 3600.0
    on_demand_switches: int = 4
    on_demand_switch_window: float = 86400.0
    table_operations: int = 500
    indexed_creates: int = 250
    control_plane_rps: float = 2500.0
    insights_rps: float = 5.0
    make_missing_streams: bool = False

    def __post_init__(self) -> None:
        for name in (
            "ttl_change_window",
            "decrease_interval",
            "on_demand_switch_window",
            "table_operations",
            "indexed_creates",
            "control_plane_rps",
            "insights_rps",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"rule {name} must be >= 0, got {getattr(self, name)}")


def _parse_pairs(text: str, what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"bad {what} setting {item!r}: expected name=value")
        pairs[key.strip().replace("-", "_")] = value.strip()
    return pairs


def _number(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def parse_latency(text: str) -> Latency:
    """Parse `--latency`: a single number for every transition, or `create=2,update=1,gsi_create=3`."""
    text = text.strip()
    names = [f.name for f in fields(Latency)]
    if not text:
        return Latency()
    if "=" not in text:
        seconds = _number(text, "latency")
        return Latency(**dict.fromkeys(names, seconds))
    values: dict[str, Any] = {}
    for key, value in _parse_pairs(text, "latency").items():
        if key not in names:
            raise ValueError(f"unknown latency {key!r}; known: {', '.join(names)}")
        values[key] = _number(value, key)
    return Latency(**values)


def parse_faults(text: str) -> Faults:
    """Parse `--faults`, e.g. `throttle=0.1,server_error=0.02,drop_connection=0.01,seed=7`."""
    text = text.strip()
    if not text:
        return Faults()
    names = [*FAULT_KINDS, "seed"]
    values: dict[str, Any] = {}
    for key, value in _parse_pairs(text, "fault").items():
        if key not in names:
            raise ValueError(f"unknown fault {key!r}; known: {', '.join(names)}")
        if key == "seed":
            try:
                values[key] = int(value)
            except ValueError:
                raise ValueError(f"seed must be an integer, got {value!r}") from None
        else:
            values[key] = _number(value, key)
    return Faults(**values)
