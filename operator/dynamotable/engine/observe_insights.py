"""Reading contributor insights (table and GSIs) from AWS.

AWS allows each contributor insights API 5 calls per second per account [A20], so the reading is reused: a
pass calls DescribeContributorInsights only when the last reading of this table (kept per ClientFactory, i.e.
per operator process or CLI run) is older than the drift interval, or when that reading does not show the
spec's state in place (something to change, just changed, or in transition). A converged table is thus read at
most once per drift interval, whatever the number of other passes (polls, change handlers) in between; drift
made out of band shows at the first reading after the interval.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dynamotable.api import spec as s
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.model import ACTIVE, ObservedInsights
from dynamotable.engine.observe_calls import call
from dynamotable.engine.plan_insights import DISABLED, insights_entry, insights_wanted, normalize_insights

clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True, slots=True)
class _Reading:
    at: float
    targets: tuple[str | None, ...]
    insights: tuple[ObservedInsights, ...]


@dataclass(slots=True)
class _Readings:
    max_age: float = 0.0  # 0: never reuse (the default outside reconcile)
    by_table: dict[tuple[str, str], _Reading] | None = None


_readings: weakref.WeakKeyDictionary[ClientFactory, _Readings] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def reuse_readings(factory: ClientFactory, max_age: float) -> None:
    """Let passes through `factory` reuse a converged reading for up to `max_age` seconds (the drift interval)."""
    with _lock:
        _readings.setdefault(factory, _Readings()).max_age = max_age


def _targets(manifest: s.DynamoTable, table: Mapping[str, Any], previous: frozenset[str]) -> tuple[str | None, ...]:
    """The table (None) and the ACTIVE GSIs whose insights the spec manages or `previous` records."""
    wanted = insights_wanted(manifest)
    targets: list[str | None] = []
    if None in wanted or insights_entry(None) in previous:
        targets.append(None)
    for gsi in table.get("GlobalSecondaryIndexes") or []:
        index = gsi.get("IndexName")
        if not index or gsi.get("IndexStatus", ACTIVE) != ACTIVE:
            continue  # rule: a GSI's insights only once the GSI is ACTIVE [A20]
        if index in wanted or insights_entry(index) in previous:
            targets.append(index)
    return tuple(targets)


def _settled(reading: _Reading, manifest: s.DynamoTable) -> bool:
    """Whether the reading shows every target as the spec wants it (nothing to change or wait for)."""
    wanted = insights_wanted(manifest)
    found = {i.index: i for i in reading.insights}
    for index in reading.targets:
        have = found.get(index)
        status, mode = (have.status, have.mode) if have is not None else (DISABLED, None)
        want = wanted.get(index)
        if want is not None and want.enabled:
            if status != "ENABLED" or (want.mode is not None and mode != want.mode.value):
                return False
        elif status != DISABLED:
            return False
    return True


def observe_insights(
    factory: ClientFactory, manifest: s.DynamoTable, table: Mapping[str, Any], region: str, previous: frozenset[str]
) -> dict[str, Any]:
    """ObservedTable fields of the insights (none when the spec does not manage it and `previous` records none)."""
    targets = _targets(manifest, table, previous)
    if not targets:
        return {}
    key = (region, str(table.get("TableId") or table.get("TableArn") or manifest.table_name))
    now = clock()
    with _lock:
        readings = _readings.setdefault(factory, _Readings())
        cached = (readings.by_table or {}).get(key)
        max_age = readings.max_age
    if cached is not None and cached.targets == targets and now - cached.at < max_age and _settled(cached, manifest):
        return {"insights": cached.insights}
    client = factory.dynamodb(region)
    found: list[ObservedInsights] = []
    for index in targets:
        request: dict[str, Any] = {"TableName": manifest.table_name}
        if index is not None:
            request["IndexName"] = index
        reading = normalize_insights(call(client, "DescribeContributorInsights", region, request), index)
        if reading.status != DISABLED:  # DISABLED is what no entry means (as for a table just created)
            found.append(reading)
    insights = tuple(found)
    with _lock:
        readings = _readings.setdefault(factory, _Readings())
        if readings.by_table is None:
            readings.by_table = {}
        readings.by_table[key] = _Reading(now, targets, insights)
    return {"insights": insights}
