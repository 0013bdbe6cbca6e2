"""Sharding: each shard reconciles only its objects, the claims index still spans all of them, and no object is
ever acted on by two shards, also while the shard count changes (old and new processes running together).

Every operator runs on its own event loop in its own thread: kopf cancels every task of its loop when it stops,
which would take down the other operators of a shared loop. Each operator's AWS calls are tagged by a botocore
`before-parameter-build` hook on its own client factory, so the test knows which process called AWS about which table.
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import kmock
import kopf
import pytest
from operator_harness import TEST_HEADERS, Harness, describe_loop, eventually, fast_settings, table_spec
from prometheus_client import CollectorRegistry

from dynamotable.local import Latency
from dynamotable.operator.rbac import rules_for
from dynamotable.operator.runtime import Login, Operator, ShardingNeedsPeering
from dynamotable.operator.settings import OperatorSettings
from dynamotable.operator.shards import ShardGate, ShardMetrics, decide, peering_name, shard_of

BASE = "dynamotable"
PEERINGS = "/apis/kopf.dev/v1/clusterkopfpeerings"


@dataclass
class Call:
    operator: str
    operation: str
    table: str | None
    at: float


@dataclass
class Running:
    """One operator process: its own thread and event loop."""

    label: str
    operator: Operator
    calls: list[Call]
    priority: int = 10  # kopf's peering priority
    thread: threading.Thread | None = None
    loop: asyncio.AbstractEventLoop | None = None
    stop_flag: asyncio.Event | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._main, name=self.label, daemon=True)
        self.thread.start()

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # reported by the test
            self.error = exc
            self.ready.set()

    async def _run(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop_flag = asyncio.Event()
        ready = asyncio.Event()
        ignored = set(asyncio.all_tasks())
        tasks = await self.operator.spawn(stop_flag=self.stop_flag, ready_flag=ready, priority=self.priority)
        runner = asyncio.create_task(kopf.run_tasks(tasks, ignored=ignored))
        await ready.wait()
        self.ready.set()
        await runner

    def stop(self) -> None:
        if self.loop is not None and self.stop_flag is not None and self.thread is not None:
            self.loop.call_soon_threadsafe(self.stop_flag.set)
            self.thread.join(20)
            assert not self.thread.is_alive(), f"{self.label} did not stop:\n{describe_loop(self.loop)}"

    @property
    def gate_open(self) -> bool:
        assert self.operator.shard is not None
        return self.operator.shard.gate.verdict.open


def _table_of(params: dict[str, Any]) -> str | None:
    if "TableName" in params:
        return str(params["TableName"])
    arn = params.get("ResourceArn")
    if isinstance(arn, str) and ":table/" in arn:
        return arn.split(":table/", 1)[1].split("/", 1)[0]
    return None


@dataclass
class Cluster:
    h: Harness
    calls: list[Call] = field(default_factory=list)
    running: list[Running] = field(default_factory=list)

    async def peering(self, name: str) -> None:
        body = {"apiVersion": "kopf.dev/v1", "kind": "ClusterKopfPeering", "metadata": {"name": name}}
        async with self.h.k.post(PEERINGS, json=body, headers=TEST_HEADERS) as rsp:
            assert rsp.status < 300, await rsp.text()

    async def start(self, index: int, count: int, *, priority: int = 10, pod: str = "", **overrides: Any) -> Running:
        settings = fast_settings(
            self.h.endpoint, shard_count=count, shard_index=index, shard_census_interval=0.1, **overrides
        )
        label = f"{index}/{count}{pod}"
        op = Operator(settings, login=Login(server=str(self.h.k.url)), peering=BASE)

        def record(params: dict[str, Any] | None = None, model: Any = None, **_: Any) -> None:
            self.calls.append(Call(label, str(getattr(model, "name", "")), _table_of(params or {}), time.monotonic()))

        op.factory.add_hook("before-parameter-build.dynamodb", record)
        run = Running(label, op, self.calls, priority=priority)
        run.start()
        await asyncio.get_running_loop().run_in_executor(None, run.ready.wait, 15)
        assert run.error is None, run.error
        self.running.append(run)
        return run

    async def stop(self, run: Running) -> None:
        await asyncio.get_running_loop().run_in_executor(None, run.stop)
        self.running.remove(run)

    def by_table(self, table: str, since: float = 0.0) -> set[str]:
        return {c.operator for c in self.calls if c.table == table and c.at >= since}


@pytest.fixture
async def cluster(harness: Harness) -> Any:
    harness.k.resources["kopf.dev/v1/clusterkopfpeerings"] = kmock.ResourceInfo(
        kind="ClusterKopfPeering", namespaced=False, verbs={"list", "watch", "patch", "get"}
    )
    c = Cluster(harness)
    try:
        yield c
    finally:
        for run in list(c.running):
            await c.stop(run)


async def test_a_change_of_shard_count_never_lets_two_shards_act_on_one_table(cluster: Cluster) -> None:
    h = cluster.h
    for count in (2, 3):
        for index in range(count):
            await cluster.peering(peering_name(BASE, index, count))
    # Drift checks every half second keep every shard calling AWS about its tables all the time.
    old = [await cluster.start(i, 2, drift_interval=0.5) for i in range(2)]
    await eventually(lambda: all(r.gate_open for r in old), timeout=10)
    names = [f"t{i:02d}" for i in range(12)]
    for n in names:
        await h.create(n, table_spec(tableName=f"{h.namespace}-{n}"))
    await eventually(lambda: all(h.ready(n) for n in names), timeout=30)
    owners2 = {n: f"{shard_of(h.namespace, n, 2)}/2" for n in names}
    assert len(set(owners2.values())) == 2, "the objects all hash to one shard: pick other names"
    for n in names:
        assert cluster.by_table(f"{h.namespace}-{n}") == {owners2[n]}

    # The rollout to 3 shards: the new processes start while the old ones still run. Everybody pauses.
    new = [await cluster.start(i, 3, drift_interval=0.5) for i in range(3)]
    await eventually(lambda: not any(r.gate_open for r in old + new), timeout=10)
    paused_at = time.monotonic()
    registry = new[1].operator.metrics.registry
    assert registry.get_sample_value("dynamotable_shard_info", {"index": "1", "count": "3"}) == 1.0
    assert registry.get_sample_value("dynamotable_shard_paused") == 1.0
    gates = [r.operator.shard.gate for r in old + new if r.operator.shard is not None]
    censuses = [g.censuses for g in gates]
    refusals = sum(g.refusals for g in gates)
    await h.patch(names[0], {"spec": {"tags": {"During": "rollout"}}})
    # The window watched something: every shard took ten more censuses (five drift intervals at 0.1 s each,
    # all still paused), and the patched object's owner turned its change handler away several times.
    await eventually(lambda: all(g.censuses >= c + 10 for g, c in zip(gates, censuses, strict=True)), timeout=20)
    await eventually(lambda: sum(g.refusals for g in gates) >= refusals + 3, timeout=20)
    assert not any(r.gate_open for r in old + new)
    # Passes in flight when the gates closed may finish; nothing starts afterwards.
    late = [c for c in cluster.calls if c.at > paused_at + 1.0]
    assert late == [], "a paused shard called AWS"
    assert "During" not in h.tags(f"{h.namespace}-{names[0]}")

    # The old processes go away (their peering records with them): the new shard count takes over.
    for run in old:
        await cluster.stop(run)
    handover = time.monotonic()
    await eventually(lambda: all(r.gate_open for r in new), timeout=10)
    await eventually(lambda: h.tags(f"{h.namespace}-{names[0]}").get("During") == "rollout", timeout=20)
    await eventually(lambda: all(h.ready(n) for n in names), timeout=20)
    # a drift check (or more) of every table since the handover, whichever shard made it: the asserts say whose
    await eventually(lambda: all(cluster.by_table(f"{h.namespace}-{n}", since=handover) for n in names), timeout=20)
    owners3 = {n: f"{shard_of(h.namespace, n, 3)}/3" for n in names}
    for n in names:
        table = f"{h.namespace}-{n}"
        assert cluster.by_table(table, since=handover) == {owners3[n]}
        old_calls = [c.at for c in cluster.calls if c.table == table and c.operator.endswith("/2")]
        new_calls = [c.at for c in cluster.calls if c.table == table and c.operator.endswith("/3")]
        assert new_calls and max(old_calls) < min(new_calls), f"{n}: calls of both shard counts interleave"
    await eventually(lambda: registry.get_sample_value("dynamotable_shard_paused") == 0.0, timeout=5)


async def test_a_hot_standby_and_the_pod_it_stands_in_for_never_both_act(cluster: Cluster) -> None:
    """A pod of a higher priority joins the peering object of a running one (a rollout, a restarted pod-1):
    kopf pauses the running one's event handling, and its gate pauses what runs outside kopf's handlers, the
    drift checks and the tables waiting for a table-operation slot, until the other is gone."""
    h = cluster.h
    await cluster.peering(BASE)
    # Drift checks every half second keep the acting pod calling AWS about its tables all the time; one slot,
    # so most tables of the second batch are waiting for it when the other pod arrives.
    settings = {"drift_interval": 0.5, "max_table_operations": 1}
    first = await cluster.start(0, 1, priority=0, pod="-a", **settings)
    await eventually(lambda: first.gate_open, timeout=10)
    names = [f"s{i:02d}" for i in range(3)]
    for n in names:
        await h.create(n, table_spec(tableName=f"{h.namespace}-{n}"))
    await eventually(lambda: all(h.ready(n) for n in names), timeout=30)
    h.endpoint.set_latency(Latency(create=1.0))
    queued = [f"q{i:02d}" for i in range(4)]
    for n in queued:
        await h.create(n, table_spec(tableName=f"{h.namespace}-{n}"))
    await eventually(lambda: sum(h.reason(n) == "RateLimited" for n in queued) >= 2, timeout=30)
    assert first.operator.reconciler.slot_waits, "no table waited for a slot: the case was not exercised"

    second = await cluster.start(0, 1, priority=1, pod="-b", **settings)
    await eventually(lambda: not first.gate_open, timeout=10)
    paused_at = time.monotonic()
    assert first.operator.shard is not None
    gate = first.operator.shard.gate
    censuses = gate.censuses
    assert "standing by" in gate.verdict.reason
    await eventually(lambda: gate.censuses >= censuses + 10, timeout=20)  # the window watched the gate
    await eventually(lambda: all(h.ready(n) for n in names + queued), timeout=40)
    await eventually(lambda: all(cluster.by_table(f"{h.namespace}-{n}", since=paused_at + 1.0) for n in names))
    # Passes in flight when the gate closed may finish; nothing starts afterwards.
    late = [c for c in cluster.calls if c.operator == first.label and c.at > paused_at + 1.0]
    assert late == [], "the paused pod called AWS"
    assert {c.operator for c in cluster.calls if c.at > paused_at + 1.0} == {second.label}
    creates = [c.table for c in cluster.calls if c.operation == "CreateTable"]
    assert sorted(creates) == sorted(f"{h.namespace}-{n}" for n in names + queued), "a table was created twice"


async def test_the_claims_index_spans_all_shards(cluster: Cluster) -> None:
    h = cluster.h
    for index in range(2):
        await cluster.peering(peering_name(BASE, index, 2))
    # Two objects in different shards naming the same table: the older one holds the claim.
    first, second = "claim-a", next(f"claim-{i}" for i in range(100) if shard_of(h.namespace, f"claim-{i}", 2) == 1)
    if shard_of(h.namespace, first, 2) == 1:
        first, second = second, next(f"claim-{i}" for i in range(100) if shard_of(h.namespace, f"claim-{i}", 2) == 0)
    assert shard_of(h.namespace, first, 2) != shard_of(h.namespace, second, 2)
    runs = [await cluster.start(i, 2) for i in range(2)]
    await eventually(lambda: all(r.gate_open for r in runs), timeout=10)
    table = f"{h.namespace}-shared"
    await h.create(first, table_spec(tableName=table))
    await eventually(lambda: h.ready(first), timeout=20)
    await h.create(second, table_spec(tableName=table, adopt=True))
    await eventually(lambda: h.reason(second) == "OwnershipConflict", timeout=20)
    assert cluster.by_table(table) == {f"{shard_of(h.namespace, first, 2)}/2"}
    used = h.assert_rbac_covers(rules_for(all_namespaces=True, peering=True))
    assert ("kopf.dev", "clusterkopfpeerings", "list") in used  # the census


def test_sharding_needs_peering_and_exact_namespaces() -> None:
    settings = OperatorSettings(shard_count=2, shard_index=1)
    with pytest.raises(ShardingNeedsPeering):
        Operator(settings, login=Login(server="http://127.0.0.1:1"))
    with pytest.raises(ShardingNeedsPeering):
        Operator(settings, login=Login(server="http://127.0.0.1:1"), peering=BASE, namespaces=["team-*"])
    op = Operator(settings, login=Login(server="http://127.0.0.1:1"), peering=BASE)
    assert op.kopf_peering(BASE) == "dynamotable-shard-1-of-2"
    with pytest.raises(ValueError, match="shard_index"):
        OperatorSettings(shard_count=2, shard_index=2)
    with pytest.raises(ValueError, match="shard_count"):
        OperatorSettings(shard_index=1)


def test_run_command_refuses_sharding_without_peering_and_a_shard_out_of_range() -> None:
    from click.testing import CliRunner

    from dynamotable.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["run", "--shard-count", "2", "--kubeconfig", "/nonexistent"])
    assert result.exit_code == 1 and "needs peering" in result.output
    result = runner.invoke(main, ["run", "--shard-count", "2", "--shard-index", "2", "--peering", BASE])
    assert result.exit_code == 1 and "shard_index 2 is not below shard_count 2" in result.output


# ----------------------------------------------------------------------------------------------- pure parts

NOW = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)


def _peering(name: str, **records: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "status": records}


def _alive(seconds_ago: float = 1, lifetime: int = 60, priority: int = 0) -> dict[str, Any]:
    seen = NOW - datetime.timedelta(seconds=seconds_ago)
    return {"priority": priority, "lifetime": lifetime, "lastseen": seen.isoformat()}


def _decide(*peerings: dict[str, Any], count: int = 3, identity: str = "me") -> bool:
    own = peering_name(BASE, 0, count)
    return decide(peerings, base=BASE, own_peering=own, identity=identity, count=count, now=NOW).open


def test_shard_of_is_stable_and_spreads_objects() -> None:
    # Pinned: a shard assignment must never change between versions (it would move objects between shards).
    assert [shard_of("shop", "orders", n) for n in (2, 3, 7)] == [0, 2, 3]
    spread = [shard_of("ns", f"table-{i}", 4) for i in range(4000)]
    assert all(900 < spread.count(s) < 1100 for s in range(4))


def test_the_gate_opens_only_with_own_record_and_no_other_count() -> None:
    me = peering_name(BASE, 0, 3)
    assert _decide(_peering(me, me=_alive()))
    assert not _decide(), "no census record of this process yet"
    assert not _decide(_peering(me, me=_alive(seconds_ago=61))), "own record expired"
    # A live process of another shard count, in the sharded and in the unsharded hot-standby peering object.
    assert not _decide(_peering(me, me=_alive()), _peering(peering_name(BASE, 1, 2), old=_alive()))
    assert not _decide(_peering(me, me=_alive()), _peering(BASE, old=_alive()))
    # ...but not a dead one, a removed one (kopf nulls its record on exit), nor another release's objects.
    assert _decide(_peering(me, me=_alive()), _peering(peering_name(BASE, 1, 2), old=_alive(seconds_ago=120)))
    assert _decide(_peering(me, me=_alive()), _peering(peering_name(BASE, 1, 2), old=None))
    assert _decide(_peering(me, me=_alive()), _peering(peering_name("other", 1, 2), x=_alive()))
    assert _decide(_peering(me, me=_alive()), _peering(peering_name(BASE, 2, 3), sibling=_alive()))
    # An unreadable record counts as alive: closed.
    assert not _decide(_peering(me, me=_alive()), _peering(peering_name(BASE, 0, 2), old="garbage"))


def test_the_gate_stands_by_while_a_peer_of_a_higher_or_the_same_priority_is_alive() -> None:
    """kopf pauses a process's event handling then; the gate pauses what runs outside kopf's handlers (drift
    checks, tables waiting for a slot) with it, so a hot standby and the pod it stands in for never both act."""
    me = peering_name(BASE, 0, 3)
    assert _decide(_peering(me, me=_alive(priority=1), standby=_alive(priority=0)))
    assert not _decide(_peering(me, me=_alive(priority=0), active=_alive(priority=1))), "a higher priority leads"
    assert not _decide(_peering(me, me=_alive(priority=1), twin=_alive(priority=1))), "kopf pauses both on a tie"
    # a dead or removed peer of a higher priority no longer counts; an unreadable record does
    assert _decide(_peering(me, me=_alive(priority=0), gone=_alive(seconds_ago=120, priority=5), left=None))
    assert not _decide(_peering(me, me=_alive(priority=1), odd={"priority": "x", "lifetime": 60, "lastseen": "?"}))
    odd_me = {"priority": "x", "lifetime": 60, "lastseen": NOW.isoformat()}
    assert not _decide(_peering(me, me=odd_me, low=_alive(priority=-5))), "own priority unreadable, with a peer"
    assert _decide(_peering(me, me=odd_me)), "alone, priorities do not matter"


def test_two_processes_of_different_counts_never_both_open() -> None:
    """Each writes its record before it reads: in every interleaving at least one sees the other."""
    a, b = peering_name(BASE, 0, 2), peering_name(BASE, 0, 3)
    # b registered after a's census (a saw nothing of b) -> b's census sees a.
    a_sees = _decide(_peering(a, A=_alive()), _peering(b), count=2, identity="A")
    b_sees = _decide(_peering(a, A=_alive()), _peering(b, B=_alive()), count=3, identity="B")
    assert a_sees and not b_sees
    both = (_peering(a, A=_alive()), _peering(b, B=_alive()))
    assert not _decide(*both, count=2, identity="A") and not _decide(*both, count=3, identity="B")


async def test_the_gate_closes_when_the_census_fails() -> None:
    class Broken:
        async def request(self, method: str, path: str, **_: Any) -> Any:
            raise OSError("connection refused")

    gate = ShardGate(Broken(), base=BASE, index=0, count=2, identity="me", interval=0.05)  # type: ignore[arg-type]
    registry = CollectorRegistry()
    ShardMetrics(registry, gate)
    verdict = await gate.census()
    assert not verdict.open and "cannot list" in verdict.reason
    assert not gate.is_open
    assert registry.get_sample_value("dynamotable_shard_paused") == 1.0
