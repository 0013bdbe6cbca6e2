"""Sharding: which DynamoTables this process owns, and the gate that keeps two shard counts from acting at once.

An object belongs to shard `sha256("namespace/name") mod count` (stable across processes, Python versions and
restarts, unlike `hash()`). Every shard runs kopf peering under its own peering object `<base>-shard-<i>-of-<n>`
(`<base>` for one shard; hot standby inside the shard), so the peering objects of a release name the shard count
of every live process.

The gate (docs/scaling.md): a shard acts only while (1) kopf's keep-alive record of this very process is present
and alive in its own peering object, (2) no other live record there has a priority as high as its own (kopf then
pauses this process's event handling: the gate pauses what runs outside kopf's handlers too, the drift checks and
the tables waiting for a slot, so a hot standby and the pod it stands in for never both act), and (3) no live record
exists in a peering object of the same base with a different shard count. Each process writes its record before
it reads the others' (condition 1), so of two processes with different counts started at any moment at least one
sees the other and stays closed; a process that sees a foreign count closes too, and both stay closed until the
processes of one count are gone (their records removed on exit, or expired after kopf's peering lifetime). A
process that cannot read the census closes (fail-closed), so one cut off from the API server stops acting before
its record expires for the others.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import kopf
from prometheus_client import CollectorRegistry, Gauge

from dynamotable.operator.kube import KubeApi, KubeApiError

log = logging.getLogger(__name__)

PEERING_GROUP = "kopf.dev/v1"


def shard_of(namespace: str, name: str, count: int) -> int:
    digest = hashlib.sha256(f"{namespace}/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def peering_name(base: str, index: int, count: int) -> str:
    """One shard is the unsharded hot-standby install: its peering object keeps the plain name."""
    return base if count == 1 else f"{base}-shard-{index}-of-{count}"


def _shard_count_of(object_name: str, base: str) -> int | None:
    """The shard count a peering object of `base` stands for: `<base>-shard-<i>-of-<n>` -> n; `<base>` itself (an
    unsharded hot-standby install) -> 1; another object -> None."""
    if object_name == base:
        return 1
    match = re.fullmatch(re.escape(base) + r"-shard-(\d+)-of-(\d+)", object_name)
    return int(match.group(2)) if match else None


def _alive(record: Any, now: datetime.datetime) -> bool:
    """A kopf peer record ({priority, lifetime, lastseen}) that has not expired. kopf removes its record on exit
    with a null (a merge patch); anything unreadable counts as alive, so the gate errs on the closed side."""
    if record is None:
        return False
    if not isinstance(record, Mapping):
        return True
    try:
        seen = datetime.datetime.fromisoformat(str(record["lastseen"]))
        lifetime = datetime.timedelta(seconds=int(record["lifetime"]))
    except (KeyError, TypeError, ValueError):
        return True
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=datetime.UTC)
    return bool(seen + lifetime > now)


@dataclass(frozen=True, slots=True)
class Verdict:
    open: bool
    reason: str


def decide(
    peerings: Iterable[Mapping[str, Any]],
    *,
    base: str,
    own_peering: str,
    identity: str,
    count: int,
    now: datetime.datetime,
) -> Verdict:
    """Pure: whether a process (kopf `identity` in `own_peering`, shard count `count`) may act, given the peering
    objects it listed."""
    own: Any = None
    peers: dict[str, Any] = {}  # the other live records of this process's own peering object
    foreign: list[str] = []
    for obj in peerings:
        name = str((obj.get("metadata") or {}).get("name") or "")
        status = obj.get("status") or {}
        if not isinstance(status, Mapping):
            continue
        if name == own_peering:
            own = status.get(identity) if _alive(status.get(identity), now) else None
            peers = {peer: record for peer, record in status.items() if peer != identity and _alive(record, now)}
        other_count = _shard_count_of(name, base)
        if other_count is not None and other_count != count:
            foreign += [f"{name}:{peer}" for peer, record in status.items() if _alive(record, now)]
    if foreign:
        return Verdict(False, f"processes with another shard count are alive: {', '.join(sorted(foreign))}")
    if own is None:
        return Verdict(False, f"own peering record not (yet) in {own_peering}")
    mine = _priority(own)
    # kopf's rule: a live peer of a higher priority takes over, one of the same priority pauses both
    ahead = sorted(p for p, r in peers.items() if mine is None or (theirs := _priority(r)) is None or theirs >= mine)
    if ahead:
        return Verdict(
            False, f"standing by: peers of the same or a higher priority are alive in {own_peering}: {', '.join(ahead)}"
        )
    return Verdict(True, f"shard count {count} alone")


def _priority(record: Any) -> int | None:
    """A kopf peer record's priority; None when unreadable (the gate then errs on the closed side)."""
    try:
        return int(record["priority"])
    except (KeyError, TypeError, ValueError):
        return None


class ShardGate:
    """The census loop and its last verdict. `is_open` is False until a census has found this process alone."""

    def __init__(
        self,
        kube: KubeApi,
        *,
        base: str,
        index: int,
        count: int,
        identity: str,
        namespaces: Iterable[str] = (),
        interval: float = 5.0,
    ) -> None:
        self.kube = kube
        self.base = base
        self.index = index
        self.count = count
        self.identity = identity
        self.namespaces = tuple(namespaces)
        self.interval = interval
        self.own_peering = peering_name(base, index, count)
        self.verdict = Verdict(False, "no census yet")
        self._decided_at: float | None = None
        self.censuses = 0  # censuses taken; with `refusals`, what a test watches to know a pause held
        self.refusals = 0  # handler calls turned away while the gate was closed

    @property
    def is_open(self) -> bool:
        # A verdict older than a few intervals is not trusted: no census for that long means no API server.
        # time.monotonic, not the loop's clock: the metrics thread reads this too.
        fresh = self._decided_at is not None and time.monotonic() - self._decided_at < 3 * self.interval
        return self.verdict.open and fresh

    async def _list(self) -> list[Mapping[str, Any]]:
        if not self.namespaces:
            paths = [f"/apis/{PEERING_GROUP}/clusterkopfpeerings"]
        else:
            paths = [f"/apis/{PEERING_GROUP}/namespaces/{ns}/kopfpeerings" for ns in self.namespaces]
        items: list[Mapping[str, Any]] = []
        for path in paths:
            listing = await self.kube.request("GET", path)
            items += cast(list[Mapping[str, Any]], listing.get("items") or [])
        return items

    async def census(self) -> Verdict:
        try:
            async with asyncio.timeout(max(2 * self.interval, 1.0)):  # not wait_for: see drift.py
                peerings = await self._list()
        except (KubeApiError, OSError, TimeoutError, ValueError) as exc:
            verdict = Verdict(False, f"cannot list peering objects: {exc}")
        else:
            verdict = decide(
                peerings,
                base=self.base,
                own_peering=self.own_peering,
                identity=self.identity,
                count=self.count,
                now=datetime.datetime.now(datetime.UTC),
            )
        was_open = self.is_open
        self.verdict = verdict
        self._decided_at = time.monotonic()
        self.censuses += 1
        if verdict.open != was_open:
            log.info(
                "shard %d/%d %s: %s", self.index, self.count, "acting" if verdict.open else "paused", verdict.reason
            )
        return verdict

    async def loop(self) -> None:
        while True:
            await self.census()
            await asyncio.sleep(self.interval)


class ShardMetrics:
    """`dynamotable_shard_info{index,count}` = 1 and `dynamotable_shard_paused` (1 while the gate is closed)."""

    def __init__(self, registry: CollectorRegistry, gate: ShardGate) -> None:
        info = Gauge("dynamotable_shard_info", "This process's shard.", ["index", "count"], registry=registry)
        info.labels(index=str(gate.index), count=str(gate.count)).set(1)
        paused = Gauge(
            "dynamotable_shard_paused",
            "1 while this shard acts on nothing: another shard count is alive, or no census succeeded lately.",
            registry=registry,
        )
        paused.set_function(lambda: 0.0 if gate.is_open else 1.0)


@dataclass(frozen=True, slots=True)
class Shard:
    """This process's shard and its gate; `owns` is the kopf `when=` filter of the handlers."""

    index: int
    count: int
    gate: ShardGate

    def owns(self, body: kopf.Body, **_: Any) -> bool:
        return shard_of(body.metadata.namespace or "", body.metadata.name or "", self.count) == self.index


def register(registry: kopf.OperatorRegistry, gate: ShardGate) -> None:
    """The census runs from kopf's startup to its cleanup."""
    tasks: list[asyncio.Task[None]] = []

    @kopf.on.startup(registry=registry)
    async def start_census(**_: Any) -> None:
        tasks.append(asyncio.create_task(gate.loop(), name="dynamotable shard census"))

    # Registered before the handlers' cleanup (which closes the Kubernetes client): the census is over by then.
    @kopf.on.cleanup(registry=registry)
    async def stop_census(**_: Any) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
