"""Global tables and their stream, engine x local endpoint over HTTP (reference A7, A13).

A replica goes onto a table with a stream of any view type, or none (AWS then enables NEW_AND_OLD_IMAGES by
itself, which is never drift); a managed stream is enabled before the first replica; while replicas exist
the stream is neither disabled nor retyped, and on the way out it changes only once they are gone.

The tables are driven pass by pass as the reconciler drives them (observe, plan, execute the first step,
wait while AWS is busy) through the engine's own observe/plan/execute, so these tests are about the planner
and the endpoint; spec validation is tested in tests/unit/test_validation.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from dynamotable.api.spec import DynamoTable
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.execute import execute
from dynamotable.engine.model import Blocked, ObservedTable, Plan, is_mutating
from dynamotable.engine.observe import observe
from dynamotable.engine.plan import plan
from dynamotable.local import Latency, LocalEndpoint, RecordedRequest

REGION = "us-east-1"
WEST = "us-west-2"
OWNER = "shop/orders"
LATENCY = Latency(create=0.05, update=0.05, delete=0.05, gsi_create=0.05, gsi_delete=0.05, replica=0.1)
CONVERGE_LIMIT = 20.0
KEYS_ONLY = {"enabled": True, "viewType": "KEYS_ONLY"}
NEW_IMAGE = {"enabled": True, "viewType": "NEW_IMAGE"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(latency=LATENCY) as ep:
        yield ep


@pytest.fixture
def factory(endpoint: LocalEndpoint) -> ClientFactory:
    endpoint.reset()
    endpoint.clear_requests()
    return ClientFactory(endpoint_url=endpoint.url, max_attempts=1, credentials=Credentials("testing", "testing"))


def manifest(**spec: Any) -> DynamoTable:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    base.update(spec)
    return DynamoTable.model_validate(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": "orders", "namespace": "shop"},
            "spec": base,
        },
        by_alias=True,
        by_name=False,
    )


@dataclass
class Run:
    live: ObservedTable
    final: Plan
    drift_fields: set[str] = field(default_factory=set)  # every drift field any pass reported
    blocked: list[Blocked] = field(default_factory=list)  # every blocked entry any pass reported


def converge(factory: ClientFactory, m: DynamoTable) -> Run:
    """Pass after pass until nothing is left to do or wait for (blocked entries may remain)."""
    drift: set[str] = set()
    blocked: list[Blocked] = []
    deadline = time.monotonic() + CONVERGE_LIMIT
    while True:
        assert time.monotonic() < deadline, "not converged"
        live = observe(factory, m, region=REGION)
        the_plan = plan(m, live, region=REGION, owner=OWNER)
        assert not any(b.stops_all for b in the_plan.blocked), the_plan.blocked
        if live is not None:
            drift |= {d.field for d in the_plan.drift}
        blocked += [b for b in the_plan.blocked if b not in blocked]
        if the_plan.waiting:
            time.sleep(0.03)
            continue
        if not the_plan.steps:
            assert live is not None
            return Run(live, the_plan, drift, blocked)
        execute(factory, the_plan.steps[0])


def sig(r: RecordedRequest) -> str:
    p = r.payload
    if r.operation != "UpdateTable":
        return r.operation
    parts = []
    for u in p.get("ReplicaUpdates", []):
        action, body = next(iter(u.items()))
        parts.append({"Create": "replica+", "Delete": "replica-"}.get(action, "replica~") + body["RegionName"])
    if "StreamSpecification" in p:
        st = p["StreamSpecification"]
        parts.append("stream " + (st["StreamViewType"] if st["StreamEnabled"] else "off"))
    if "DeletionProtectionEnabled" in p:
        parts.append(f"DeletionProtectionEnabled={p['DeletionProtectionEnabled']}")
    return "UpdateTable " + " ".join(parts)


def calls_since(endpoint: LocalEndpoint, start: int) -> list[str]:
    mutations = [r for r in endpoint.requests()[start:] if is_mutating(r.operation)]
    assert all(r.ok for r in mutations), [(sig(r), r.error_code) for r in mutations if not r.ok]
    return [sig(r) for r in mutations]


def west_stream(factory: ClientFactory) -> dict[str, Any]:
    table = factory.dynamodb(WEST).describe_table(TableName="orders")["Table"]
    stream: dict[str, Any] = table.get("StreamSpecification", {})
    return stream


def assert_settled(run: Run) -> None:
    assert (run.final.steps, run.final.waiting, run.final.blocked, run.final.drift) == ([], [], [], [])
    assert not {f for f in run.drift_fields if f.startswith("stream")}, run.drift_fields


def test_keys_only_stream_and_a_replica_converge(endpoint: LocalEndpoint, factory: ClientFactory) -> None:
    run = converge(factory, manifest(stream=KEYS_ONLY, replicas=[{"region": WEST}]))
    assert calls_since(endpoint, 0) == ["CreateTable", f"UpdateTable replica+{WEST}"]
    assert_settled(run)
    assert (run.live.stream_enabled, run.live.stream_view_type) == (True, "KEYS_ONLY")
    assert [(r.region, r.status) for r in run.live.replicas] == [(WEST, "ACTIVE")]
    assert west_stream(factory) == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}


def test_managed_stream_is_enabled_before_the_first_replica(endpoint: LocalEndpoint, factory: ClientFactory) -> None:
    converge(factory, manifest())
    start = len(endpoint.requests())
    run = converge(factory, manifest(stream=KEYS_ONLY, replicas=[{"region": WEST}]))
    # the other order would leave AWS's NEW_AND_OLD_IMAGES stream, which could then not be retyped
    assert calls_since(endpoint, start) == ["UpdateTable stream KEYS_ONLY", f"UpdateTable replica+{WEST}"]
    assert run.final.steps == [] and run.final.blocked == []
    assert run.live.stream_view_type == "KEYS_ONLY"


def test_no_stream_in_the_spec_and_a_replica_converge(endpoint: LocalEndpoint, factory: ClientFactory) -> None:
    run = converge(factory, manifest(replicas=[{"region": WEST}]))
    assert calls_since(endpoint, 0) == ["CreateTable", f"UpdateTable replica+{WEST}"]
    # AWS enabled NEW_AND_OLD_IMAGES with the replica: expected, so never drift and never "corrected"
    assert (run.live.stream_enabled, run.live.stream_view_type) == (True, "NEW_AND_OLD_IMAGES")
    assert run.live.stream_arn
    assert_settled(run)
    assert west_stream(factory) == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    again = converge(factory, manifest(replicas=[{"region": WEST}]))
    assert_settled(again)
    assert again.live.stream_arn == run.live.stream_arn


def test_view_type_change_with_a_replica_is_blocked_and_sends_nothing_for_the_stream(
    endpoint: LocalEndpoint, factory: ClientFactory
) -> None:
    first = converge(factory, manifest(stream=KEYS_ONLY, replicas=[{"region": WEST}]))
    start = len(endpoint.requests())
    run = converge(factory, manifest(stream=NEW_IMAGE, replicas=[{"region": WEST}], deletionProtection=True))
    # the other change goes ahead; the stream is left alone
    assert calls_since(endpoint, start) == ["UpdateTable DeletionProtectionEnabled=True"]
    assert not [r for r in endpoint.requests()[start:] if "StreamSpecification" in r.payload]
    assert run.final.steps == []
    assert [(b.reason, b.field) for b in run.final.blocked] == [("ReplacementRequired", "stream")]
    message = run.final.blocked[0].message
    assert "KEYS_ONLY to NEW_IMAGE" in message and WEST in message and "Remove the replicas first" in message
    assert run.live.stream_view_type == "KEYS_ONLY" and run.live.stream_arn == first.live.stream_arn


def test_stream_changes_only_once_the_replicas_are_gone(endpoint: LocalEndpoint, factory: ClientFactory) -> None:
    converge(factory, manifest(stream=KEYS_ONLY, replicas=[{"region": WEST}]))
    start = len(endpoint.requests())
    run = converge(factory, manifest(stream=NEW_IMAGE, replicas=[]))
    # AWS refuses a stream change while the replica is DELETING too: every call here succeeded
    assert calls_since(endpoint, start) == [
        f"UpdateTable replica-{WEST}",
        "UpdateTable stream off",
        "UpdateTable stream NEW_IMAGE",
    ]
    assert run.final.steps == [] and run.final.blocked == [] and run.live.replicas == ()
    assert run.live.stream_view_type == "NEW_IMAGE"
    assert run.blocked == []
