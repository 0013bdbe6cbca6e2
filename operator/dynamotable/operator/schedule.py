"""When each object's next drift check is due: per-object interval, jitter, and spreading after a restart.

Pure: times are whatever clock the caller uses (kopf handlers use the event loop's monotonic clock).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dynamotable.operator.settings import DRIFT_INTERVAL_ANNOTATION

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(text: str) -> float | None:
    """Seconds in `text`: a plain number of seconds ("300") or Go-style units ("90s", "10m", "1h30m").

    None when it is not a duration or not positive.
    """
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        pos, value = 0, 0.0
        for match in _PART.finditer(text):
            if match.start() != pos:
                return None
            value += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if pos != len(text):
            return None
    return value if value > 0 else None


@dataclass(frozen=True, slots=True)
class Interval:
    seconds: float
    invalid_annotation: str | None = None  # the unusable annotation value, to report once


def drift_interval(annotations: Mapping[str, str], *, default: float, minimum: float) -> Interval:
    """The object's drift interval: its annotation when valid, else the operator default; never below `minimum`
    (the timer tick, the finest resolution the schedule has)."""
    raw = annotations.get(DRIFT_INTERVAL_ANNOTATION)
    if raw is None:
        return Interval(max(default, minimum))
    parsed = parse_duration(raw)
    if parsed is None:
        return Interval(max(default, minimum), invalid_annotation=raw)
    return Interval(max(parsed, minimum))


def next_check(now: float, interval: float, jitter: float, rng: random.Random) -> float:
    """The check after one that just ran: interval x (1 +/- jitter), so objects drift apart over time."""
    return now + interval * (1.0 + rng.uniform(-jitter, jitter))


def first_check(now: float, interval: float, rng: random.Random) -> float:
    """The first check after the operator (re)starts or takes over a converged object: anywhere in the next
    interval, so N converged objects are re-observed at N/interval per second, not all at once."""
    return now + rng.uniform(0.0, interval)
