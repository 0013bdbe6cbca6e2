"""Rate limits of the control plane.

Per table [A5]: the daily capacity-decrease budget and switches to on-demand, both kept (the decrease budget
also per GSI) in wall-clock time (config.WallClock), so a test that moves the endpoint's clock by an hour or a
day sees the limit lift exactly as on AWS. Per account and region [A18]: the cap on tables in a table
operation (`check_table_operation`) and on control-plane requests per second (`RequestRate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import messages
from .config import Rules
from .timestamps import DAY, utc_day


def check_table_operation(
    busy: set[str], creating_indexed: set[str], name: str, rules: Rules, *, indexed_create: bool = False
) -> None:
    """[A18] Refuse a table operation on `name` while the account and region already have the most tables in
    one (a table already in an operation is not counted twice), or a create with indexes while the most of
    those run."""
    if rules.table_operations and name not in busy and len(busy) >= rules.table_operations:
        raise messages.limit_exceeded(
            f"Subscriber limit exceeded: Only {rules.table_operations} tables can be created, updated, or deleted "
            "simultaneously"
        )
    if indexed_create and rules.indexed_creates and len(creating_indexed) >= rules.indexed_creates:
        raise messages.limit_exceeded(
            f"Subscriber limit exceeded: Only {rules.indexed_creates} tables with secondary indexes can be "
            "created simultaneously"
        )


@dataclass
class RequestRate:
    """[A18] Control-plane requests per account and region: at most `control_plane_rps` in any second
    (a token bucket holding one second's worth), on the endpoint's clock."""

    tokens: dict[tuple[str, ...], tuple[float, float]] = field(default_factory=dict)  # place -> (tokens, at)

    def allow(self, place: tuple[str, ...], now: float, rules: Rules) -> bool:
        return self.take(place, now, rules.control_plane_rps)

    def take(self, place: tuple[str, ...], now: float, rate: float) -> bool:
        """One request at `place` at `now`, at most `rate` a second (0: no limit)."""
        if not rate:
            return True
        tokens, at = self.tokens.get(place, (rate, now))
        tokens = min(rate, tokens + max(0.0, now - at) * rate)
        if tokens < 1.0:
            self.tokens[place] = (tokens, now)
            return False
        self.tokens[place] = (tokens - 1.0, now)
        return True


@dataclass
class DecreaseBudget:
    """[DG-Q, A5] decreases of one table's (or one GSI's) provisioned capacity in the current UTC day.

    AWS's own error text states the rule enforced here: "After the first 4 decreases, each subsequent decrease
    in the same UTC day can be performed at most once every 3600 seconds", and the count starts again at
    00:00 UTC. (The Developer Guide's current wording, "4 available ... 1 additional decrease becomes available
    each hour, up to the maximum of 4", gives the same 27 a day; the probes on record match the error text:
    one more exactly 3600 s after the last accepted decrease, not at the top of the hour.)
    """

    day: int | None = None  # UTC day number of `count`
    count: int = 0
    last: float | None = None  # wall time of the last decrease (kept across days, like LastDecreaseDateTime)

    def today(self, wall: float) -> int:
        return self.count if self.day == utc_day(wall) else 0

    def refused_until(self, wall: float, rules: Rules) -> float | None:
        """When a decrease is possible again, if it is not possible at `wall`; None when it is."""
        if rules.decreases_free_per_day < 0 or self.last is None:
            return None
        if self.today(wall) < rules.decreases_free_per_day:
            return None
        allowed = min(self.last + rules.decrease_interval, (utc_day(wall) + 1) * DAY)
        return allowed if wall < allowed else None

    def record(self, wall: float) -> None:
        day = utc_day(wall)
        self.count = self.count + 1 if self.day == day else 1
        self.day = day
        self.last = wall


@dataclass
class OnDemandSwitches:
    """[DG-SW, A5] switches from PROVISIONED to PAY_PER_REQUEST: at most N in a rolling window (AWS: 4 in 24 h).

    Switching from on-demand back to provisioned is allowed at any time and not counted.
    """

    times: list[float] = field(default_factory=list)  # wall times of the switches, oldest first

    def refused_until(self, wall: float, rules: Rules) -> float | None:
        limit, window = rules.on_demand_switches, rules.on_demand_switch_window
        if limit <= 0:
            return None
        recent = [t for t in self.times if wall - t < window]
        if len(recent) < limit:
            return None
        # one more is possible once all but limit - 1 of the recent switches are out of the window
        return recent[len(recent) - limit] + window

    def last(self) -> float | None:
        return self.times[-1] if self.times else None

    def record(self, wall: float) -> None:
        self.times.append(wall)
