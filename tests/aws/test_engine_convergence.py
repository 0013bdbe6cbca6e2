"""The engine against the embedded local endpoint over HTTP: each change converges from a converged table,
the recorded request payloads obey the control-plane rules, and the final plan is empty.

Every scenario runs twice: on a clean endpoint, and with faults injected (throttling, HTTP 500, dropped
connections, ResourceInUse, LimitExceeded "simultaneously"; fixed seed). With faults the same successful
calls must be made, no table is created twice, and every mutating call is one the plan contained.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dynamotable.api.spec import DynamoTable
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.model import is_mutating
from dynamotable.engine.observe import observe
from dynamotable.engine.plan import plan
from dynamotable.engine.reconcile import Outcome, Timing, delete, reconcile
from dynamotable.local import Faults, Latency, LocalEndpoint, RecordedRequest, Rules

REGION = "us-east-1"
OWNER = "shop/orders"
TIMING = Timing.fast()
LATENCY = Latency(create=0.1, update=0.05, delete=0.05, gsi_create=0.1, gsi_delete=0.05, replica=0.1)
FAULTS = Faults(
    throttle=0.1, server_error=0.02, drop_connection=0.01, resource_in_use=0.03, limit_exceeded=0.02, seed=7
)
CONVERGE_LIMIT = 20.0


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    mp = pytest.MonkeyPatch()
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        mp.delenv(var, raising=False)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # the hourly TTL gate shortened so the TTL rename runs in a test (it still answers AWS's error)
    with LocalEndpoint(latency=LATENCY, rules=Rules(ttl_change_window=0.3)) as ep:
        yield ep
    mp.undo()


@dataclass
class Run:
    endpoint: LocalEndpoint
    factory: ClientFactory
    faults: bool
    planned: list[tuple[str, str, str]]  # (operation, region, canonical request) of every step ever planned

    def converge(self, m: DynamoTable) -> Outcome:
        deadline = time.monotonic() + CONVERGE_LIMIT
        while True:
            out = reconcile(m, self.factory, region=REGION, owner=OWNER, timing=TIMING)
            self.remember(out)
            if out.done:
                return out
            assert out.requeue_after is not None, f"stopped: {out.status.conditions}"
            assert time.monotonic() < deadline, f"not converged: {out.status.conditions}"
            time.sleep(min(out.requeue_after, 0.05))

    def delete(self, m: DynamoTable) -> Outcome:
        deadline = time.monotonic() + CONVERGE_LIMIT
        while True:
            out = delete(m, self.factory, region=REGION, owner=OWNER, timing=TIMING)
            if out.executed is not None:
                self.planned.append(_canon(out.executed.operation, out.executed.region, out.executed.request))
            if out.done:
                return out
            assert out.requeue_after is not None, f"stopped: {out.status.conditions}"
            assert time.monotonic() < deadline, f"not deleted: {out.status.conditions}"
            time.sleep(min(out.requeue_after, 0.05))

    def remember(self, out: Outcome) -> None:
        if out.plan is not None:
            self.planned.extend(_canon(s.operation, s.region, s.request) for s in out.plan.steps)

    def mutations(self) -> list[RecordedRequest]:
        return [r for r in self.endpoint.requests() if is_mutating(r.operation)]


def _canon(operation: str, region: str, request: Any) -> tuple[str, str, str]:
    return operation, region, json.dumps(request, sort_keys=True)


@pytest.fixture(params=["clean", "faults"])
def run(request: pytest.FixtureRequest, endpoint: LocalEndpoint) -> Iterator[Run]:
    endpoint.set_faults(Faults())
    endpoint.reset()
    endpoint.clear_requests()
    faults = request.param == "faults"
    if faults:
        endpoint.set_faults(FAULTS)
    # max_attempts=0 (no botocore retry at all, stricter than the usual 1): every injected fault reaches the
    # engine's own classification and requeue, which is what these tests are about
    yield Run(endpoint, ClientFactory(endpoint_url=endpoint.url, max_attempts=0), faults, [])
    endpoint.set_faults(Faults())


def manifest(**spec: Any) -> DynamoTable:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    base.update(spec)
    return DynamoTable.model_validate(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": "orders", "namespace": "shop"},
            "spec": base,
        }
    )


def sig(r: RecordedRequest) -> str:
    """A short readable signature of a mutating request, for comparing call sequences."""
    p = r.payload
    where = "" if r.region == REGION else f"@{r.region}"
    if r.operation == "UpdateTable":
        parts = []
        for u in p.get("GlobalSecondaryIndexUpdates", []):
            action, body = next(iter(u.items()))
            parts.append({"Create": "+", "Delete": "-", "Update": "~"}[action] + body["IndexName"])
        for u in p.get("ReplicaUpdates", []):
            action, body = next(iter(u.items()))
            parts.append(
                {"Create": "replica+", "Delete": "replica-", "Update": "replica~"}[action] + body["RegionName"]
            )
        if "BillingMode" in p:
            parts.append(p["BillingMode"])
        if "ProvisionedThroughput" in p:
            pt = p["ProvisionedThroughput"]
            parts.append(f"PT {pt['ReadCapacityUnits']}/{pt['WriteCapacityUnits']}")
        if "SSESpecification" in p:
            sse = p["SSESpecification"]
            parts.append("SSE " + ("cmk" if "KMSMasterKeyId" in sse else "managed" if sse["Enabled"] else "owned"))
        if "StreamSpecification" in p:
            st = p["StreamSpecification"]
            parts.append("stream " + (st.get("StreamViewType", "") if st["StreamEnabled"] else "off"))
        for k in ("TableClass", "DeletionProtectionEnabled"):
            if k in p:
                parts.append(f"{k}={p[k]}")
        if "OnDemandThroughput" in p:
            parts.append("ODT")
        if "WarmThroughput" in p:
            parts.append("warm")
        return f"UpdateTable{where} " + " ".join(parts)
    if r.operation == "UpdateTimeToLive":
        t = p["TimeToLiveSpecification"]
        return f"TTL {'on' if t['Enabled'] else 'off'} {t['AttributeName']}"
    if r.operation == "UpdateContinuousBackups":
        s = p["PointInTimeRecoverySpecification"]
        days = s.get("RecoveryPeriodInDays", "")
        return f"PITR{where} {'on' if s['PointInTimeRecoveryEnabled'] else 'off'} {days}".rstrip()
    if r.operation == "TagResource":
        return f"Tag{where} " + ",".join(f"{t['Key']}={t['Value']}" for t in p["Tags"])
    if r.operation == "UntagResource":
        return f"Untag{where} " + ",".join(p["TagKeys"])
    return f"{r.operation}{where}"


def check_rules(requests: list[RecordedRequest], gsi_count: Callable[[], int]) -> None:
    """The A3 rules, on every mutating request sent (failed ones included)."""
    for r in requests:
        p = r.payload
        if r.operation != "UpdateTable":
            continue
        structural = [u for u in p.get("GlobalSecondaryIndexUpdates", []) if "Create" in u or "Delete" in u]
        assert len(structural) <= 1, p  # one GSI create or delete per call
        if structural:
            assert not {"ProvisionedThroughput", "BillingMode", "StreamSpecification", "SSESpecification"} & set(p), p
            create = structural[0].get("Create")
            if create:  # full AttributeDefinitions: the new keys and the table key at least
                defined = {d["AttributeName"] for d in p["AttributeDefinitions"]}
                assert {k["AttributeName"] for k in create["KeySchema"]} | {"id"} <= defined, p
        if "SSESpecification" in p:
            assert set(p) == {"TableName", "SSESpecification"}, p  # SSE alone
        assert len(p.get("ReplicaUpdates", [])) <= 1, p  # one replica action per call
        if p.get("BillingMode") == "PROVISIONED":
            updates = [u for u in p.get("GlobalSecondaryIndexUpdates", []) if "Update" in u]
            assert "ProvisionedThroughput" in p and len(updates) == gsi_count(), p
            assert all("ProvisionedThroughput" in u["Update"] for u in updates), p
        if p.get("BillingMode") == "PAY_PER_REQUEST":
            assert "ProvisionedThroughput" not in p and "GlobalSecondaryIndexUpdates" not in p, p


GSI_ATTRS = [{"name": "id", "type": "S"}, {"name": "cat", "type": "S"}, {"name": "ts", "type": "N"}]


def gsi(name: str, hash_key: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "hashKey": hash_key, **kw}


@dataclass
class Scenario:
    id: str
    phases: list[dict[str, Any]]  # phases[0] is the converged starting point
    calls: list[str]  # signatures of the successful mutating calls after phases[0], in order
    allowed_errors: frozenset[str] = frozenset()  # error codes that may occur without injected faults


NAOI = {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"}
SCENARIOS = [
    Scenario(
        "add_gsi",
        [{}, {"attributes": GSI_ATTRS[:2], "globalSecondaryIndexes": [gsi("ByCat", "cat")]}],
        ["UpdateTable +ByCat"],
    ),
    Scenario(
        "remove_gsi",
        [{"attributes": GSI_ATTRS[:2], "globalSecondaryIndexes": [gsi("ByCat", "cat")]}, {}],
        ["UpdateTable -ByCat"],
    ),
    Scenario(
        "change_gsi_projection",
        [
            {"attributes": GSI_ATTRS[:2], "globalSecondaryIndexes": [gsi("ByCat", "cat")]},
            {
                "attributes": GSI_ATTRS[:2],
                "globalSecondaryIndexes": [gsi("ByCat", "cat", projectionType="INCLUDE", nonKeyAttributes=["p"])],
            },
        ],
        ["UpdateTable -ByCat", "UpdateTable +ByCat"],
    ),
    Scenario(
        "add_two_gsis",
        [{}, {"attributes": GSI_ATTRS, "globalSecondaryIndexes": [gsi("ByCat", "cat"), gsi("ByTs", "ts")]}],
        ["UpdateTable +ByCat", "UpdateTable +ByTs"],
    ),
    Scenario(
        "billing_to_provisioned_with_gsis_and_back",
        [
            {"attributes": GSI_ATTRS, "globalSecondaryIndexes": [gsi("ByCat", "cat"), gsi("ByTs", "ts")]},
            {
                "attributes": GSI_ATTRS,
                "billingMode": "PROVISIONED",
                "readCapacity": 5,
                "writeCapacity": 5,
                "globalSecondaryIndexes": [
                    gsi("ByCat", "cat", readCapacity=2, writeCapacity=2),
                    gsi("ByTs", "ts", readCapacity=3, writeCapacity=3),
                ],
            },
            {"attributes": GSI_ATTRS, "globalSecondaryIndexes": [gsi("ByCat", "cat"), gsi("ByTs", "ts")]},
        ],
        ["UpdateTable ~ByCat ~ByTs PROVISIONED PT 5/5", "UpdateTable PAY_PER_REQUEST"],
    ),
    Scenario(
        "change_capacity",
        [
            {
                "attributes": GSI_ATTRS[:2],
                "billingMode": "PROVISIONED",
                "readCapacity": 5,
                "writeCapacity": 5,
                "globalSecondaryIndexes": [gsi("ByCat", "cat", readCapacity=1, writeCapacity=1)],
            },
            {
                "attributes": GSI_ATTRS[:2],
                "billingMode": "PROVISIONED",
                "readCapacity": 10,
                "writeCapacity": 4,
                "globalSecondaryIndexes": [gsi("ByCat", "cat", readCapacity=2, writeCapacity=1)],
            },
        ],
        ["UpdateTable ~ByCat PT 10/4"],
    ),
    Scenario(
        "stream_enable_change_view_type_disable",
        [
            {},
            {"stream": {"enabled": True, "viewType": "KEYS_ONLY"}},
            {"stream": {"enabled": True, "viewType": "NEW_IMAGE"}},
            {"stream": {"enabled": False}},
        ],
        [
            "UpdateTable stream KEYS_ONLY",
            "UpdateTable stream off",
            "UpdateTable stream NEW_IMAGE",
            "UpdateTable stream off",
        ],
    ),
    Scenario(
        "sse_owned_managed_customer_key_owned",
        [
            {},
            {"serverSideEncryption": {"enabled": True}},
            {"serverSideEncryption": {"enabled": True, "kmsKeyArn": "<cmk>"}},
            {"serverSideEncryption": {"enabled": False}},
        ],
        ["UpdateTable SSE managed", "UpdateTable SSE cmk", "UpdateTable SSE owned"],
    ),
    Scenario(
        "ttl_enable_and_rename",
        [
            {},
            {"ttl": {"enabled": True, "attributeName": "exp"}},
            {"ttl": {"enabled": True, "attributeName": "expiresAt"}},
        ],
        ["TTL on exp", "TTL off exp", "TTL on expiresAt"],
        allowed_errors=frozenset({"ValidationException"}),  # the TTL change window (rate limit) answers this
    ),
    Scenario(
        "pitr_enable_and_change_period",
        [
            {},
            {"pointInTimeRecovery": {"enabled": True}},
            {"pointInTimeRecovery": {"enabled": True, "recoveryPeriodInDays": 7}},
        ],
        ["PITR on", "PITR on 7"],
    ),
    Scenario(
        "tags_add_change_remove",
        [
            {"tags": {"Env": "dev", "Old": "x"}},
            {"tags": {"Env": "prod", "Team": "a"}},
            {"tags": {}},
        ],
        ["Tag Env=prod,Team=a", "Untag Old", "Untag Env,Team"],
    ),
    Scenario(
        "table_class",
        [{}, {"tableClass": "STANDARD_INFREQUENT_ACCESS"}],
        ["UpdateTable TableClass=STANDARD_INFREQUENT_ACCESS"],
    ),
    Scenario(
        "deletion_protection_toggle",
        [{}, {"deletionProtection": True}, {"deletionProtection": False}],
        ["UpdateTable DeletionProtectionEnabled=True", "UpdateTable DeletionProtectionEnabled=False"],
    ),
    Scenario(
        "replica_add_and_remove",
        [
            {"stream": NAOI},
            {"stream": NAOI, "replicas": [{"region": "us-west-2", "pointInTimeRecovery": True}]},
            {"stream": NAOI, "replicas": []},
        ],
        ["UpdateTable replica+us-west-2", "PITR@us-west-2 on", "UpdateTable replica-us-west-2"],
    ),
    Scenario(
        "on_demand_and_warm_throughput",
        [
            {"attributes": GSI_ATTRS[:2], "globalSecondaryIndexes": [gsi("ByCat", "cat")]},
            {
                "attributes": GSI_ATTRS[:2],
                "onDemandThroughput": {"maxReadRequestUnits": 100, "maxWriteRequestUnits": 50},
                "warmThroughput": {"readUnitsPerSecond": 15000, "writeUnitsPerSecond": 5000},
                "globalSecondaryIndexes": [gsi("ByCat", "cat", onDemandThroughput={"maxReadRequestUnits": 40})],
            },
            {
                "attributes": GSI_ATTRS[:2],
                "onDemandThroughput": {"maxReadRequestUnits": -1, "maxWriteRequestUnits": 50},
                "warmThroughput": {"readUnitsPerSecond": 15000, "writeUnitsPerSecond": 5000},
                "globalSecondaryIndexes": [gsi("ByCat", "cat", onDemandThroughput={"maxReadRequestUnits": 40})],
            },
        ],
        ["UpdateTable ~ByCat ODT", "UpdateTable warm", "UpdateTable ODT"],
    ),
]


def _with_key(spec: dict[str, Any], cmk: str) -> dict[str, Any]:
    sse = spec.get("serverSideEncryption")
    if sse and sse.get("kmsKeyArn") == "<cmk>":
        return {**spec, "serverSideEncryption": {**sse, "kmsKeyArn": cmk}}
    return spec


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_converges(run: Run, scenario: Scenario) -> None:
    cmk = ""
    if any("<cmk>" in json.dumps(p) for p in scenario.phases):
        cmk = run.factory.kms(REGION).create_key(Description="test cmk")["KeyMetadata"]["Arn"]
    first = run.converge(manifest(**scenario.phases[0]))
    assert first.status.table_arn
    start = len(run.endpoint.requests())
    current: dict[str, Any] = scenario.phases[0]
    for phase in scenario.phases[1:]:
        current = _with_key(phase, cmk)
        run.converge(manifest(**current))
    later = [r for r in run.endpoint.requests()[start:] if is_mutating(r.operation)]

    assert [sig(r) for r in later if r.ok] == scenario.calls
    check_rules(later, lambda: len(manifest(**current).spec.global_secondary_indexes))
    all_mutations = run.mutations()
    # no table created twice; every mutating call is one that a plan contained
    assert [r.ok for r in all_mutations if r.operation == "CreateTable"].count(True) == 1
    planned = set(run.planned)
    for r in all_mutations:
        assert _canon(r.operation, r.region, r.payload) in planned, sig(r)
    if not run.faults:
        unexpected = [
            (sig(r), r.error_code) for r in all_mutations if not r.ok and r.error_code not in scenario.allowed_errors
        ]
        assert unexpected == []
    else:
        assert any(r.fault for r in run.endpoint.requests()), "faults were injected"

    run.endpoint.set_faults(Faults())
    final = manifest(**current)
    live = observe(run.factory, final, region=REGION)
    assert live is not None
    leftover = plan(final, live, region=REGION, owner=OWNER)
    assert (leftover.steps, leftover.waiting, leftover.blocked) == ([], [], [])


def test_view_type_change_gives_a_new_stream_arn(run: Run) -> None:
    first = run.converge(manifest(stream={"enabled": True, "viewType": "KEYS_ONLY"}))
    after = run.converge(manifest(stream={"enabled": True, "viewType": "NEW_IMAGE"}))
    assert first.status.stream_arn and after.status.stream_arn
    assert first.status.stream_arn != after.status.stream_arn


def test_delete_removes_replicas_then_the_table(run: Run) -> None:
    m = manifest(stream=NAOI, replicas=[{"region": "us-west-2"}], deletionPolicy="Delete")
    run.converge(m)
    start = len(run.endpoint.requests())
    out = run.delete(m)
    assert out.done
    calls = [sig(r) for r in run.endpoint.requests()[start:] if is_mutating(r.operation) and r.ok]
    assert calls == ["UpdateTable replica-us-west-2", "DeleteTable"]
    run.endpoint.set_faults(Faults())
    assert observe(run.factory, m, region=REGION) is None


def test_create_with_everything_converges_in_order(run: Run) -> None:
    spec = {
        "attributes": GSI_ATTRS,
        "rangeKey": "ts",
        "globalSecondaryIndexes": [gsi("ByCat", "cat")],
        "localSecondaryIndexes": [{"name": "ByCatLocal", "rangeKey": "cat", "projectionType": "KEYS_ONLY"}],
        "stream": NAOI,
        "serverSideEncryption": {"enabled": True},
        "ttl": {"enabled": True, "attributeName": "exp"},
        "pointInTimeRecovery": {"enabled": True, "recoveryPeriodInDays": 14},
        "tags": {"Env": "prod"},
        "tableClass": "STANDARD_INFREQUENT_ACCESS",
        "deletionProtection": True,
        "replicas": [{"region": "us-west-2", "deletionProtection": True}],
    }
    out = run.converge(manifest(**spec))
    calls = [sig(r) for r in run.mutations() if r.ok]
    assert calls == [
        "CreateTable",
        "UpdateTable replica+us-west-2",
        "UpdateTable@us-west-2 DeletionProtectionEnabled=True",
        "TTL on exp",
        "PITR on 14",
    ]
    assert out.status.replicas[0].region == "us-west-2" and out.status.replicas[0].status == "ACTIVE"
    doomed = manifest(**{**spec, "deletionPolicy": "Delete"})
    for _ in range(20):  # injected faults may answer first; deletion protection then blocks, for good
        blocked = delete(doomed, run.factory, region=REGION, owner=OWNER, timing=TIMING)
        if blocked.status.conditions[0].reason.value != "Waiting":
            break
    assert blocked.status.conditions[0].reason.value == "DeletionBlocked" and not blocked.done
    assert "DeleteTable" not in [r.operation for r in run.mutations()]


def test_every_fault_kind_is_survived(endpoint: LocalEndpoint) -> None:
    """Most control-plane requests fail, every kind of fault represented: still one CreateTable, only
    planned calls, and the table converges."""
    endpoint.set_faults(Faults())
    endpoint.reset()
    endpoint.clear_requests()
    endpoint.set_faults(
        Faults(throttle=0.1, server_error=0.1, drop_connection=0.1, resource_in_use=0.25, limit_exceeded=0.25, seed=3)
    )
    run = Run(endpoint, ClientFactory(endpoint_url=endpoint.url, max_attempts=0), True, [])
    try:
        run.converge(manifest(attributes=GSI_ATTRS[:2], globalSecondaryIndexes=[gsi("ByCat", "cat")], tags={"a": "b"}))
        run.converge(
            manifest(
                attributes=GSI_ATTRS,
                globalSecondaryIndexes=[gsi("ByCat", "cat"), gsi("ByTs", "ts")],
                tags={"a": "c"},
                ttl={"enabled": True, "attributeName": "exp"},
                pointInTimeRecovery={"enabled": True},
            )
        )
    finally:
        endpoint.set_faults(Faults())
    kinds = {r.fault for r in endpoint.requests() if r.fault}
    assert kinds == {"throttle", "server_error", "drop_connection", "resource_in_use", "limit_exceeded"}
    mutations = run.mutations()
    assert [r.ok for r in mutations if r.operation == "CreateTable"].count(True) == 1
    planned = set(run.planned)
    assert all(_canon(r.operation, r.region, r.payload) in planned for r in mutations)
    assert [sig(r) for r in mutations if r.ok] == [
        "CreateTable",
        "Tag a=c",
        "UpdateTable +ByTs",
        "TTL on exp",
        "PITR on",
    ]
