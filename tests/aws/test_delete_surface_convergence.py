"""Deleting a table (deletionPolicy Delete) through the engine on the embedded endpoint removes what this resource
attached outside DynamoDB [A19, A23]: its scalable targets (and their scaling policies) and its alarms go before
the table; an alarm someone else made under the same prefix stays. Clean and with faults, the status carried from
pass to pass as the operator stores it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from surface_support import CONVERGE_LIMIT, Passes, aws_client, endpoint_without_aws_env, fresh_endpoint

from dynamotable.api.spec import DynamoTable
from dynamotable.engine.reconcile import Outcome, Timing
from dynamotable.local import Faults, Latency, LocalEndpoint

TIMING = Timing.fast()
LATENCY = Latency(create=0.1, update=0.05, delete=0.05, gsi_create=0.1, gsi_delete=0.05, replica=0.1)
# the faults of tests/aws/test_engine_auto_scaling.py (they reach Application Auto Scaling calls too)
FAULTS = Faults(
    throttle=0.1, server_error=0.02, drop_connection=0.01, resource_in_use=0.03, limit_exceeded=0.02, seed=11
)
READ = {"minCapacity": 5, "maxCapacity": 100, "targetUtilization": 70}
WRITE = {"minCapacity": 2, "maxCapacity": 20, "targetUtilization": 50}
ALARM = {
    "name": "read-throttles",
    "metric": "ReadThrottleEvents",
    "statistic": "Sum",
    "period": 60,
    "evaluationPeriods": 5,
    "comparisonOperator": "GreaterThanThreshold",
    "threshold": 0,
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with endpoint_without_aws_env(LATENCY) as ep:
        yield ep


def _with_status(m: DynamoTable) -> Any:
    return lambda status: m if status is None else m.model_copy(update={"status": status})


@dataclass
class Run(Passes):
    faults: Faults = field(default_factory=Faults)

    def converge(self, m: DynamoTable) -> Outcome:
        return self.until_done(_with_status(m), TIMING)

    def delete(self, m: DynamoTable) -> Outcome:
        return self.until_done(_with_status(m), TIMING, deleting=True)

    @contextmanager
    def unfaulted(self) -> Iterator[None]:
        """The test's own calls (setting up, checking) without injected faults; the run's faults after."""
        self.endpoint.set_faults(Faults())
        try:
            yield
        finally:
            self.endpoint.set_faults(self.faults)

    def boto(self, service: str) -> Any:
        return aws_client(self.endpoint, service)

    def targets(self) -> list[tuple[str, str]]:
        found = self.boto("application-autoscaling").describe_scalable_targets(ServiceNamespace="dynamodb")
        return sorted((t["ResourceId"], t["ScalableDimension"]) for t in found["ScalableTargets"])

    def policies(self) -> list[tuple[str, str]]:
        found = self.boto("application-autoscaling").describe_scaling_policies(ServiceNamespace="dynamodb")
        return sorted((p["ResourceId"], p["PolicyName"]) for p in found["ScalingPolicies"])

    def alarms(self) -> list[str]:
        found = self.boto("cloudwatch").describe_alarms(AlarmNamePrefix="orders-", AlarmTypes=["MetricAlarm"])
        return sorted(a["AlarmName"] for a in found["MetricAlarms"])

    def tables(self) -> list[str]:
        return list(self.boto("dynamodb").list_tables()["TableNames"])


@pytest.fixture(params=["clean", "faults"])
def run(request: pytest.FixtureRequest, endpoint: LocalEndpoint) -> Iterator[Run]:
    faults = FAULTS if request.param == "faults" else Faults()
    with fresh_endpoint(endpoint, faults) as factory:
        yield Run(endpoint, factory, faults=faults)


def manifest() -> DynamoTable:
    return DynamoTable.model_validate(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": "orders", "namespace": "shop", "generation": 1},
            "spec": {
                "hashKey": "id",
                "attributes": [{"name": "id", "type": "S"}],
                "billingMode": "PROVISIONED",
                "readCapacity": 5,
                "writeCapacity": 5,
                "autoScaling": {"read": READ, "write": WRITE},
                "alarms": [ALARM],
                "deletionPolicy": "Delete",
            },
        }
    )


def test_a19_a23_delete_removes_our_targets_policies_and_alarms_and_leaves_the_others(run: Run) -> None:
    m = manifest()
    assert run.converge(m).done
    with run.unfaulted():
        created(run)
    run.executed.clear()
    done = run.delete(m)
    assert done.done
    operations = [s.operation for s in run.executed]
    # the table last; before it only the removals (with faults, one whose answer was lost is seen done after)
    assert operations[-1] == "DeleteTable" and "DeleteTable" not in operations[:-1]
    removals = ["DeleteAlarms", "DeregisterScalableTarget", "DeregisterScalableTarget"]
    if run.faults == Faults():
        assert sorted(operations[:-1]) == removals
    else:
        assert set(operations[:-1]) <= set(removals)
    with run.unfaulted():
        assert "orders" not in run.tables()
        assert run.targets() == []
        assert run.policies() == []
        assert run.alarms() == ["orders-someone"]


def created(run: Run) -> None:
    """The table's targets, policies and alarm are in place, and someone else's alarm is put next to it."""
    out_attached = (run.status or {}).get("attached")
    assert out_attached == ["alarm:orders-read-throttles", "autoScaling:table:read", "autoScaling:table:write"]
    assert run.targets() == [
        ("table/orders", "dynamodb:table:ReadCapacityUnits"),
        ("table/orders", "dynamodb:table:WriteCapacityUnits"),
    ]
    assert run.policies() == [
        ("table/orders", "dynamotable-read-target-tracking"),
        ("table/orders", "dynamotable-write-target-tracking"),
    ]
    # someone else's alarm under the same prefix: no ownership tag, not in the spec
    run.boto("cloudwatch").put_metric_alarm(
        AlarmName="orders-someone",
        Namespace="AWS/DynamoDB",
        MetricName="WriteThrottleEvents",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=0.0,
        Dimensions=[{"Name": "TableName", "Value": "orders"}],
    )
    assert run.alarms() == ["orders-read-throttles", "orders-someone"]


def test_a19_a23_a_table_deleted_behind_the_operator_still_has_its_targets_and_alarms_removed(run: Run) -> None:
    """Targets and alarms outlive a table someone else deleted: the deletion finds them by status.attached."""
    m = manifest()
    assert run.converge(m).done
    with run.unfaulted():
        created(run)
        run.boto("dynamodb").delete_table(TableName="orders")
        deadline = time.monotonic() + CONVERGE_LIMIT
        while "orders" in run.tables():
            assert time.monotonic() < deadline
            time.sleep(0.05)
    run.executed.clear()
    assert run.delete(m).done
    removals = ["DeleteAlarms", "DeregisterScalableTarget", "DeregisterScalableTarget"]
    if run.faults == Faults():
        assert sorted(s.operation for s in run.executed) == removals
    else:
        assert {s.operation for s in run.executed} <= set(removals)
    with run.unfaulted():
        assert run.targets() == []
        assert run.policies() == []
        assert run.alarms() == ["orders-someone"]
