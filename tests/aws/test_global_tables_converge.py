"""Global tables complete, engine x local endpoint over HTTP (A13, A13.2): each per-replica override converges
and its drift is set back; a STRONG table with a witness converges in one call; when the replica set changes
the new replica is added before the old one is removed (in the recorded request order).

Passes run as the reconciler runs them (observe, plan, execute the first step); while AWS is busy the test
moves the endpoint's own clock past the transition instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dynamotable.api.validation import parse_manifest
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.execute import execute
from dynamotable.engine.model import ObservedTable, is_mutating
from dynamotable.engine.observe import observe
from dynamotable.engine.plan import plan
from dynamotable.engine.plan_delete import plan_delete
from dynamotable.local import Latency, LocalEndpoint

REGION = "us-east-1"
WEST = "us-west-2"
OWNER = "shop/orders"
LATENCY = Latency(create=1.0, update=1.0, delete=1.0, gsi_create=1.0, gsi_delete=1.0, replica=2.0)
MAX_PASSES = 60
NAOI = {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"}


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def endpoint(clock: Clock) -> Iterator[LocalEndpoint]:
    with LocalEndpoint(latency=LATENCY, clock=clock) as ep:
        yield ep


@pytest.fixture
def factory(endpoint: LocalEndpoint) -> ClientFactory:
    endpoint.reset()
    endpoint.clear_requests()
    return ClientFactory(endpoint_url=endpoint.url, max_attempts=1, credentials=Credentials("testing", "testing"))


def manifest(**spec: Any) -> Any:
    base: dict[str, Any] = {
        "tableName": "orders",
        "region": REGION,
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}, {"name": "cat", "type": "S"}],
        "globalSecondaryIndexes": [{"name": "ByCategory", "hashKey": "cat"}],
        "stream": NAOI,
    }
    base.update(spec)
    doc = {"apiVersion": "dynamotable.io/v1alpha1", "kind": "DynamoTable", "metadata": {"name": "orders"}, "spec": base}
    return parse_manifest(doc, default_region=REGION)


def converge(factory: ClientFactory, clock: Clock, m: Any) -> tuple[ObservedTable, set[str]]:
    """Passes until nothing is left to do; returns the live table and every drift field seen on the way."""
    drift: set[str] = set()
    for _ in range(MAX_PASSES):
        live = observe(factory, m, region=REGION)
        the_plan = plan(m, live, region=REGION, owner=OWNER)
        assert the_plan.blocked == [], the_plan.blocked
        if live is not None:
            drift |= {d.field for d in the_plan.drift}
        if the_plan.waiting:
            clock.now += 1.0
            continue
        if not the_plan.steps:
            assert live is not None and the_plan.drift == [], the_plan.drift
            return live, drift
        execute(factory, the_plan.steps[0])
    raise AssertionError("not converged")


def replica_calls(endpoint: LocalEndpoint, start: int = 0) -> list[dict[str, Any]]:
    calls = [r for r in endpoint.requests()[start:] if is_mutating(r.operation)]
    assert all(r.ok for r in calls), [(r.operation, r.error_code) for r in calls if not r.ok]
    return [dict(r.payload) for r in calls if r.operation == "UpdateTable" and "ReplicaUpdates" in r.payload]


def described_replica(factory: ClientFactory, region: str = WEST) -> dict[str, Any]:
    table = factory.dynamodb(REGION).describe_table(TableName="orders")["Table"]
    (entry,) = [r for r in table["Replicas"] if r["RegionName"] == region]
    return dict(entry)


ON_DEMAND_OVERRIDES = {
    "region": WEST,
    "tableClass": "STANDARD_INFREQUENT_ACCESS",
    "maxReadRequestUnitsOverride": 500,
    "globalSecondaryIndexes": [{"name": "ByCategory", "maxReadRequestUnitsOverride": 100}],
}


def test_on_demand_overrides_converge_on_the_create(
    endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory
) -> None:
    live, _ = converge(factory, clock, manifest(replicas=[ON_DEMAND_OVERRIDES]))
    (create,) = replica_calls(endpoint)
    assert create["ReplicaUpdates"][0]["Create"]["TableClassOverride"] == "STANDARD_INFREQUENT_ACCESS"
    entry = described_replica(factory)
    assert entry["ReplicaTableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert entry["OnDemandThroughputOverride"] == {"MaxReadRequestUnits": 500}
    assert entry["GlobalSecondaryIndexes"] == [
        {"IndexName": "ByCategory", "OnDemandThroughputOverride": {"MaxReadRequestUnits": 100}}
    ]
    (rep,) = live.replicas
    assert (rep.table_class, rep.max_read_override) == ("STANDARD_INFREQUENT_ACCESS", 500)


@pytest.mark.parametrize(
    ("out_of_band", "drift_field"),
    [
        (
            {"OnDemandThroughputOverride": {"MaxReadRequestUnits": 900}},
            "replicas[us-west-2].maxReadRequestUnitsOverride",
        ),
        (
            {
                "GlobalSecondaryIndexes": [
                    {"IndexName": "ByCategory", "OnDemandThroughputOverride": {"MaxReadRequestUnits": 7}}
                ]
            },
            "replicas[us-west-2].globalSecondaryIndexes[ByCategory].maxReadRequestUnitsOverride",
        ),
        ({"TableClassOverride": "STANDARD"}, "replicas[us-west-2].tableClass"),
    ],
    ids=["max read", "index max read", "table class"],
)
def test_override_drift_is_set_back(
    endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory, out_of_band: dict[str, Any], drift_field: str
) -> None:
    m = manifest(replicas=[ON_DEMAND_OVERRIDES])
    converge(factory, clock, m)
    factory.dynamodb(REGION).update_table(
        TableName="orders", ReplicaUpdates=[{"Update": {"RegionName": WEST, **out_of_band}}]
    )
    clock.now += 5.0
    start = len(endpoint.requests())
    _, drift = converge(factory, clock, m)
    assert drift == {drift_field}
    (fix,) = replica_calls(endpoint, start)
    assert set(fix["ReplicaUpdates"][0]["Update"]) == {"RegionName", *out_of_band}
    entry = described_replica(factory)
    assert entry["ReplicaTableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert entry["OnDemandThroughputOverride"] == {"MaxReadRequestUnits": 500}
    assert entry["GlobalSecondaryIndexes"][0]["OnDemandThroughputOverride"] == {"MaxReadRequestUnits": 100}


def test_an_override_left_out_of_the_spec_is_set_back_to_the_tables(
    endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory
) -> None:
    converge(factory, clock, manifest(onDemandThroughput={"maxReadRequestUnits": 300}, replicas=[{"region": WEST}]))
    factory.dynamodb(REGION).update_table(
        TableName="orders",
        ReplicaUpdates=[{"Update": {"RegionName": WEST, "OnDemandThroughputOverride": {"MaxReadRequestUnits": 50}}}],
    )
    clock.now += 5.0
    _, drift = converge(
        factory, clock, manifest(onDemandThroughput={"maxReadRequestUnits": 300}, replicas=[{"region": WEST}])
    )
    assert drift == {"replicas[us-west-2].maxReadRequestUnitsOverride"}
    assert described_replica(factory)["OnDemandThroughputOverride"] == {"MaxReadRequestUnits": 300}


def test_strong_with_a_witness_converges_in_one_call(
    endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory
) -> None:
    m = manifest(multiRegionConsistency="STRONG", witnessRegion="us-east-2", replicas=[{"region": WEST}])
    live, _ = converge(factory, clock, m)
    (call,) = replica_calls(endpoint)
    assert call["MultiRegionConsistency"] == "STRONG"
    assert call["GlobalTableWitnessUpdates"] == [{"Create": {"RegionName": "us-east-2"}}]
    assert live.multi_region_consistency == "STRONG"
    assert [(w.region, w.status) for w in live.witnesses] == [("us-east-2", "ACTIVE")]
    west = factory.dynamodb(WEST).describe_table(TableName="orders")["Table"]
    assert west["MultiRegionConsistency"] == "STRONG"
    assert west["GlobalTableWitnesses"] == [{"RegionName": "us-east-2", "WitnessStatus": "ACTIVE"}]


def test_strong_refuses_a_table_with_items(endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory) -> None:
    converge(factory, clock, manifest())
    client = factory.dynamodb(REGION)
    client.put_item(TableName="orders", Item={"id": {"S": "a"}})
    with pytest.raises(client.exceptions.ClientError, match="must be empty"):
        client.update_table(
            TableName="orders",
            ReplicaUpdates=[{"Create": {"RegionName": WEST}}],
            GlobalTableWitnessUpdates=[{"Create": {"RegionName": "us-east-2"}}],
            MultiRegionConsistency="STRONG",
        )


def test_strong_refuses_regions_of_two_sets(endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory) -> None:
    converge(factory, clock, manifest())
    client = factory.dynamodb(REGION)
    with pytest.raises(client.exceptions.ClientError, match="one Region set"):
        client.update_table(
            TableName="orders",
            ReplicaUpdates=[{"Create": {"RegionName": WEST}}],
            GlobalTableWitnessUpdates=[{"Create": {"RegionName": "eu-west-1"}}],
            MultiRegionConsistency="STRONG",
        )


def test_a_replica_moved_to_another_region_is_added_before_the_old_one_is_removed(
    endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory
) -> None:
    converge(factory, clock, manifest(replicas=[{"region": WEST}]))
    start = len(endpoint.requests())
    live, _ = converge(factory, clock, manifest(replicas=[{"region": "eu-west-1"}]))
    order = [next(iter(c["ReplicaUpdates"][0].items())) for c in replica_calls(endpoint, start)]
    assert [(kind, body["RegionName"]) for kind, body in order] == [("Create", "eu-west-1"), ("Delete", WEST)]
    assert [r.region for r in live.replicas] == ["eu-west-1"]


def test_a_strong_table_with_a_witness_is_deleted(
    endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory
) -> None:
    m = manifest(
        deletionPolicy="Delete", multiRegionConsistency="STRONG", witnessRegion="us-east-2", replicas=[{"region": WEST}]
    )
    converge(factory, clock, m)
    start = len(endpoint.requests())
    for _ in range(MAX_PASSES):
        observed = observe(factory, m, region=REGION)
        the_plan = plan_delete(m, observed, region=REGION, owner=OWNER)
        assert the_plan.blocked == [], the_plan.blocked
        if the_plan.waiting:
            clock.now += 1.0
            continue
        if not the_plan.steps:
            break
        execute(factory, the_plan.steps[0])
    (call,) = replica_calls(endpoint, start)
    assert call["GlobalTableWitnessUpdates"] == [{"Delete": {"RegionName": "us-east-2"}}]
    assert observe(factory, m, region=REGION) is None


def provisioned(**spec: Any) -> Any:
    scaling = {"write": {"minCapacity": 5, "maxCapacity": 50, "targetUtilization": 70}}
    gsi = {"name": "ByCategory", "hashKey": "cat", "readCapacity": 5, "writeCapacity": 5, "autoScaling": scaling}
    return manifest(
        billingMode="PROVISIONED",
        readCapacity=5,
        writeCapacity=5,
        autoScaling=scaling,
        globalSecondaryIndexes=[gsi],
        **spec,
    )


def test_provisioned_read_capacity_overrides_converge_and_their_drift_is_set_back(
    endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory
) -> None:
    m = provisioned(
        replicas=[
            {
                "region": WEST,
                "readCapacityOverride": 20,
                "globalSecondaryIndexes": [{"name": "ByCategory", "readCapacityOverride": 10}],
            }
        ]
    )
    live, _ = converge(factory, clock, m)
    entry = described_replica(factory)
    assert entry["ProvisionedThroughputOverride"] == {"ReadCapacityUnits": 20}
    assert entry["GlobalSecondaryIndexes"] == [
        {"IndexName": "ByCategory", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 10}}
    ]
    assert live.replicas[0].read_capacity_override == 20
    factory.dynamodb(REGION).update_table(
        TableName="orders",
        ReplicaUpdates=[
            {
                "Update": {
                    "RegionName": WEST,
                    "ProvisionedThroughputOverride": {"ReadCapacityUnits": 12},
                    "GlobalSecondaryIndexes": [
                        {"IndexName": "ByCategory", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 3}}
                    ],
                }
            }
        ],
    )
    clock.now += 5.0
    _, drift = converge(factory, clock, m)
    assert drift == {
        "replicas[us-west-2].readCapacityOverride",
        "replicas[us-west-2].globalSecondaryIndexes[ByCategory].readCapacityOverride",
    }
    entry = described_replica(factory)
    assert entry["ProvisionedThroughputOverride"] == {"ReadCapacityUnits": 20}
    assert entry["GlobalSecondaryIndexes"][0]["ProvisionedThroughputOverride"] == {"ReadCapacityUnits": 10}


def test_strong_with_two_replicas_converges_in_one_call(
    endpoint: LocalEndpoint, clock: Clock, factory: ClientFactory
) -> None:
    m = manifest(multiRegionConsistency="STRONG", replicas=[{"region": WEST}, {"region": "us-east-2"}])
    live, _ = converge(factory, clock, m)
    (call,) = replica_calls(endpoint)
    assert [u["Create"]["RegionName"] for u in call["ReplicaUpdates"]] == [WEST, "us-east-2"]
    assert "GlobalTableWitnessUpdates" not in call
    assert (live.multi_region_consistency, live.witnesses) == ("STRONG", ())
    assert sorted(r.region for r in live.replicas) == ["us-east-2", WEST]
