"""DynamoDB's date formats: epoch seconds to the millisecond in JSON, stream labels, and the dates in error texts.

Wall-clock values here are Unix seconds (see config.WallClock); everything is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

DAY = 86400.0
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Timestamp members of a TableDescription, by where they sit ([API TableDescription]).
_TABLE_TIMES = ("CreationDateTime",)
_NESTED_TIMES = {
    "ProvisionedThroughput": ("LastDecreaseDateTime", "LastIncreaseDateTime"),
    "BillingModeSummary": ("LastUpdateToPayPerRequestDateTime",),
    "TableClassSummary": ("LastUpdateDateTime",),
    "SSEDescription": ("InaccessibleEncryptionDateTime",),
    "ArchivalSummary": ("ArchivalDateTime",),
    "RestoreSummary": ("RestoreDateTime",),
}


def utc(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, UTC)


def naive_utc(wall: float) -> datetime:
    """The naive-UTC datetime moto keeps (its JSON encoder turns it into epoch seconds)."""
    return utc(wall).replace(tzinfo=None)


def utc_day(wall: float) -> int:
    return int(wall // DAY)


def epoch_millis(value: float) -> float:
    """AWS's JSON timestamps carry milliseconds, never more (e.g. 1733061342.69)."""
    return round(value, 3)


def stream_label(wall: float) -> str:
    """[API LatestStreamLabel] e.g. `2026-12-01T08:35:42.690`: the stream's creation time, milliseconds, no zone."""
    moment = utc(wall)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}"


def label_time(label: str) -> float:
    """The wall time of a stream label (also moto's own labels, which carry microseconds)."""
    return datetime.strptime(label, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC).timestamp()


def long_date(wall: float) -> str:
    """The date in DynamoDB's capacity-decrease texts, e.g. `Friday, October 9, 2026 at 1:21:34 AM Coordinated
    Universal Time` (Java's FULL style; seconds truncated)."""
    m = utc(wall)
    hour = m.hour % 12 or 12
    noon = "AM" if m.hour < 12 else "PM"
    return (
        f"{_WEEKDAYS[m.weekday()]}, {_MONTHS[m.month - 1]} {m.day}, {m.year} at {hour}:{m:%M:%S} {noon} "
        "Coordinated Universal Time"
    )


def java_date(wall: float) -> str:
    """The date in DynamoDB's billing-mode texts, e.g. `Sat Feb 23 03:07:45 UTC 2019` (Java's Date.toString)."""
    m = utc(wall)
    return f"{_WEEKDAYS[m.weekday()][:3]} {_MONTHS[m.month - 1][:3]} {m:%d %H:%M:%S} UTC {m.year}"


def round_times(description: dict[str, Any]) -> None:
    """Cut every timestamp of a TableDescription (and of its indexes and replicas) to milliseconds, in place."""
    _round_members(description, _TABLE_TIMES)
    for member, names in _NESTED_TIMES.items():
        nested = description.get(member)
        if isinstance(nested, dict):
            _round_members(nested, names)
    for gsi in description.get("GlobalSecondaryIndexes") or []:
        throughput = gsi.get("ProvisionedThroughput")
        if isinstance(throughput, dict):
            _round_members(throughput, _NESTED_TIMES["ProvisionedThroughput"])
    for replica in description.get("Replicas") or []:
        _round_members(replica, ("ReplicaInaccessibleDateTime",))
        summary = replica.get("ReplicaTableClassSummary")
        if isinstance(summary, dict):
            _round_members(summary, ("LastUpdateDateTime",))


def _round_members(data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        value = data.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            data[name] = epoch_millis(float(value))
