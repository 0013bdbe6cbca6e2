"""Auto scaling [A19] through the engine against the embedded endpoint: add, change, remove and drift converge,
clean and with faults injected, and the AWS side is checked with DescribeScalableTargets and
DescribeScalingPolicies. Capacity auto scaling moved within min..max is neither a step nor drift."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from surface_support import Passes, aws_client, endpoint_without_aws_env, fresh_endpoint

from dynamotable.api.spec import DynamoTable
from dynamotable.engine.reconcile import Outcome, Timing
from dynamotable.local import Faults, Latency, LocalEndpoint

TIMING = Timing.fast()
LATENCY = Latency(create=0.1, update=0.05, delete=0.05, gsi_create=0.1, gsi_delete=0.05, replica=0.1)
FAULTS = Faults(
    throttle=0.1, server_error=0.02, drop_connection=0.01, resource_in_use=0.03, limit_exceeded=0.02, seed=11
)
READ = {"minCapacity": 5, "maxCapacity": 100, "targetUtilization": 70}
WRITE = {"minCapacity": 2, "maxCapacity": 20, "targetUtilization": 50, "scaleInCooldown": 60}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with endpoint_without_aws_env(LATENCY) as ep:
        yield ep


def client(endpoint: LocalEndpoint, service: str) -> Any:
    return aws_client(endpoint, service)


@dataclass
class Run(Passes):
    faults: Faults = field(default_factory=Faults)

    def pass_once(self, m: DynamoTable) -> Outcome:
        return self.once(lambda status: m if status is None else m.model_copy(update={"status": status}), TIMING)

    def clean_pass(self, m: DynamoTable) -> Outcome:
        """One pass without injected faults (a faulted pass may stop before it plans, and the next one then
        follows an error instead of Synced); the faults of the run are back afterwards."""
        self.endpoint.set_faults(Faults())
        try:
            return self.pass_once(m)
        finally:
            self.endpoint.set_faults(self.faults)

    def converge(self, m: DynamoTable) -> Outcome:
        return self.until_done(lambda status: m if status is None else m.model_copy(update={"status": status}), TIMING)


@pytest.fixture(params=["clean", "faults"])
def run(request: pytest.FixtureRequest, endpoint: LocalEndpoint) -> Iterator[Run]:
    faults = FAULTS if request.param == "faults" else Faults()
    with fresh_endpoint(endpoint, faults) as factory:
        yield Run(endpoint, factory, faults=faults)


def manifest(
    read: dict[str, Any] | None = None,
    write: dict[str, Any] | None = None,
    *,
    gsi_scaling: dict[str, Any] | None = None,
    **kw: Any,
) -> Any:
    """orders (PROVISIONED, GSI by-cat), with table auto scaling of `read` and `write` and the GSI's."""
    table_scaling = {k: v for k, v in (("read", read), ("write", write)) if v}
    gsi: dict[str, Any] = {"name": "by-cat", "hashKey": "cat", "readCapacity": 5, "writeCapacity": 5}
    if gsi_scaling:
        gsi["autoScaling"] = gsi_scaling
    spec: dict[str, Any] = {
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}, {"name": "cat", "type": "S"}],
        "billingMode": "PROVISIONED",
        "readCapacity": 5,
        "writeCapacity": 5,
        "globalSecondaryIndexes": [gsi],
    }
    if table_scaling:
        spec["autoScaling"] = table_scaling
    spec.update(kw)
    return DynamoTable.model_validate(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": "orders", "namespace": "shop"},
            "spec": {k: v for k, v in spec.items() if v is not None},
        }
    )


def live_scaling(endpoint: LocalEndpoint) -> dict[tuple[str, str], tuple[int, int, list[tuple[str, Any]]]]:
    """(resource id, dimension) -> (min, max, [(policy name, target-tracking configuration)]), as AWS has it."""
    aas = client(endpoint, "application-autoscaling")
    targets = aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    policies = aas.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"]
    out = {}
    for t in targets:
        key = (t["ResourceId"], t["ScalableDimension"])
        mine = [
            (p["PolicyName"], p.get("TargetTrackingScalingPolicyConfiguration"))
            for p in policies
            if (p["ResourceId"], p["ScalableDimension"]) == key
        ]
        out[key] = (t["MinCapacity"], t["MaxCapacity"], sorted(mine, key=lambda x: x[0]))
    return out


def config(target: float, metric: str, cin: int = 0, cout: int = 0) -> dict[str, Any]:
    return {
        "TargetValue": target,
        "PredefinedMetricSpecification": {"PredefinedMetricType": metric},
        "ScaleInCooldown": cin,
        "ScaleOutCooldown": cout,
    }


RM, WM = "DynamoDBReadCapacityUtilization", "DynamoDBWriteCapacityUtilization"
T_READ = ("table/orders", "dynamodb:table:ReadCapacityUnits")
T_WRITE = ("table/orders", "dynamodb:table:WriteCapacityUnits")
G_READ = ("table/orders/index/by-cat", "dynamodb:index:ReadCapacityUnits")
G_WRITE = ("table/orders/index/by-cat", "dynamodb:index:WriteCapacityUnits")


def test_a19_add_change_remove_and_switch_to_on_demand(run: Run) -> None:
    first = run.converge(manifest(READ, WRITE, gsi_scaling={"read": READ, "write": WRITE}))
    assert first.plan is not None and first.plan.converged
    assert live_scaling(run.endpoint) == {
        T_READ: (5, 100, [("dynamotable-read-target-tracking", config(70.0, RM))]),
        T_WRITE: (2, 20, [("dynamotable-write-target-tracking", config(50.0, WM, 60))]),
        G_READ: (5, 100, [("dynamotable-read-target-tracking", config(70.0, RM))]),
        G_WRITE: (2, 20, [("dynamotable-write-target-tracking", config(50.0, WM, 60))]),
    }
    assert run.attached == [
        "autoScaling:index/by-cat:read",
        "autoScaling:index/by-cat:write",
        "autoScaling:table:read",
        "autoScaling:table:write",
    ]

    changed_read = {"minCapacity": 10, "maxCapacity": 200, "targetUtilization": 40, "scaleOutCooldown": 5}
    run.executed.clear()
    run.converge(manifest(changed_read, WRITE, gsi_scaling={"read": READ, "write": WRITE}))
    assert [s.operation for s in run.executed] == ["RegisterScalableTarget", "PutScalingPolicy"]
    assert live_scaling(run.endpoint)[T_READ] == (
        10,
        200,
        [("dynamotable-read-target-tracking", config(40.0, RM, 0, 5))],
    )

    run.executed.clear()
    run.converge(manifest(changed_read, gsi_scaling={"write": WRITE}))
    assert sorted((s.operation, s.request["ScalableDimension"]) for s in run.executed) == [
        ("DeregisterScalableTarget", G_READ[1]),
        ("DeregisterScalableTarget", T_WRITE[1]),
    ]
    assert set(live_scaling(run.endpoint)) == {T_READ, G_WRITE}
    assert run.attached == ["autoScaling:index/by-cat:write", "autoScaling:table:read"]

    run.executed.clear()
    on_demand = manifest(
        billingMode="PAY_PER_REQUEST",
        readCapacity=None,
        writeCapacity=None,
        globalSecondaryIndexes=[{"name": "by-cat", "hashKey": "cat"}],
    )
    run.converge(on_demand)
    assert [s.operation for s in run.executed] == [
        "DeregisterScalableTarget",
        "DeregisterScalableTarget",
        "UpdateTable",
    ]
    assert run.executed[-1].request["BillingMode"] == "PAY_PER_REQUEST"
    assert live_scaling(run.endpoint) == {}
    assert run.attached == []
    run.executed.clear()
    again = run.converge(on_demand)
    assert again.plan is not None and again.plan.converged and run.executed == []


def test_a19_capacity_moved_by_auto_scaling_is_not_drift(run: Run) -> None:
    m = manifest(READ, WRITE, gsi_scaling={"write": WRITE})
    run.converge(m)
    ddb = client(run.endpoint, "dynamodb")
    # what auto scaling would do: the table to 40/9 and the GSI's writes to 17, all within min..max (the test's
    # own calls, and the passes that look at them, without injected faults)
    run.endpoint.set_faults(Faults())
    ddb.update_table(
        TableName="orders",
        ProvisionedThroughput={"ReadCapacityUnits": 40, "WriteCapacityUnits": 9},
        GlobalSecondaryIndexUpdates=[
            {
                "Update": {
                    "IndexName": "by-cat",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 17},
                }
            }
        ],
    )
    ddb.get_waiter("table_exists").wait(TableName="orders", WaiterConfig={"Delay": 0.05, "MaxAttempts": 200})
    run.endpoint.clear_requests()
    out = run.pass_once(m)
    described = [r for r in run.endpoint.requests() if r.operation == "DescribeTable" and r.ok]
    assert described, "the pass did not look at the table"
    assert out.done and out.plan is not None and out.plan.steps == [] and out.plan.drift == []
    assert not [e for e in out.events if e.reason == "DriftDetected"]
    # the control: the GSI's reads are not auto scaled, so the same kind of change there is the spec's to undo
    ddb.update_table(
        TableName="orders",
        GlobalSecondaryIndexUpdates=[
            {
                "Update": {
                    "IndexName": "by-cat",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 8, "WriteCapacityUnits": 17},
                }
            }
        ],
    )
    ddb.get_waiter("table_exists").wait(TableName="orders", WaiterConfig={"Delay": 0.05, "MaxAttempts": 200})
    out = run.pass_once(m)
    assert out.plan is not None
    assert [d.field for d in out.plan.drift] == ["globalSecondaryIndexes[by-cat].readCapacity"]


def test_a19_drift_of_range_and_policy_is_corrected(run: Run) -> None:
    m = manifest(READ, WRITE)
    run.converge(m)
    aas = client(run.endpoint, "application-autoscaling")
    aas.register_scalable_target(
        ServiceNamespace="dynamodb", ResourceId=T_READ[0], ScalableDimension=T_READ[1], MinCapacity=1, MaxCapacity=3
    )
    aas.delete_scaling_policy(
        PolicyName="dynamotable-write-target-tracking",
        ServiceNamespace="dynamodb",
        ResourceId=T_WRITE[0],
        ScalableDimension=T_WRITE[1],
    )
    run.executed.clear()
    out = run.clean_pass(m)
    assert out.plan is not None
    assert sorted(d.field for d in out.plan.drift) == [
        "autoScaling.read.minCapacity..maxCapacity",
        "autoScaling.write.policy",
    ]
    assert any(e.reason == "DriftDetected" for e in out.events)
    run.converge(m)
    assert sorted(s.operation for s in run.executed) == ["PutScalingPolicy", "RegisterScalableTarget"]
    assert live_scaling(run.endpoint) == {
        T_READ: (5, 100, [("dynamotable-read-target-tracking", config(70.0, RM))]),
        T_WRITE: (2, 20, [("dynamotable-write-target-tracking", config(50.0, WM, 60))]),
    }


def test_a19_policies_of_others_are_left_alone(run: Run) -> None:
    m = manifest(READ)
    run.converge(m)
    aas = client(run.endpoint, "application-autoscaling")
    aas.put_scaling_policy(
        PolicyName="theirs",
        ServiceNamespace="dynamodb",
        ResourceId=T_READ[0],
        ScalableDimension=T_READ[1],
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=config(60.0, RM),
    )
    out = run.clean_pass(m)
    assert out.done and out.plan is not None
    assert [(d.field, d.live) for d in out.plan.drift] == [("autoScaling.read.otherPolicies", "theirs")]
    run.executed.clear()
    run.converge(manifest())
    assert [s.operation for s in run.executed] == ["DeleteScalingPolicy"]
    assert live_scaling(run.endpoint) == {T_READ: (5, 100, [("theirs", config(60.0, RM))])}
    assert run.attached == []


def test_a19_replicas_of_a_provisioned_table_get_write_scaling_first_a13(run: Run) -> None:
    m = manifest(
        write=WRITE,
        gsi_scaling={"write": WRITE},
        replicas=[{"region": "us-west-2"}],
    )
    run.converge(m)
    operations = [(s.operation, s.request.get("ReplicaUpdates") is not None) for s in run.executed]
    replica_at = operations.index(("UpdateTable", True))
    before = {s.request.get("ScalableDimension") for s in run.executed[:replica_at]}
    assert {T_WRITE[1], G_WRITE[1]} <= before
    west = aws_client(run.endpoint, "dynamodb", "us-west-2")
    assert west.describe_table(TableName="orders")["Table"]["TableStatus"] == "ACTIVE"
