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

import boto3
import pytest
from botocore.config import Config

from dynamotable.api.spec import DynamoTable
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.model import Step
from dynamotable.engine.reconcile import Outcome, Timing, delete, reconcile
from dynamotable.local import Faults, Latency, LocalEndpoint

REGION = "us-east-1"
OWNER = "shop/orders"
TIMING = Timing.fast()
LATENCY = Latency(create=0.1, update=0.05, delete=0.05, gsi_create=0.1, gsi_delete=0.05, replica=0.1)
# the faults of tests/aws/test_engine_auto_scaling.py (they reach Application Auto Scaling calls too)
FAULTS = Faults(
    throttle=0.1, server_error=0.02, drop_connection=0.01, resource_in_use=0.03, limit_exceeded=0.02, seed=11
)
CONVERGE_LIMIT = 20.0
TEST_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})
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
    mp = pytest.MonkeyPatch()
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        mp.delenv(var, raising=False)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with LocalEndpoint(latency=LATENCY) as ep:
        yield ep
    mp.undo()


@dataclass
class Run:
    endpoint: LocalEndpoint
    factory: ClientFactory
    faults: Faults = field(default_factory=Faults)
    status: dict[str, Any] | None = None
    executed: list[Step] = field(default_factory=list)

    def _loop(self, m: DynamoTable, one_pass: Any) -> Outcome:
        deadline = time.monotonic() + CONVERGE_LIMIT
        while True:
            if self.status is not None:
                m = m.model_copy(update={"status": self.status})
            out: Outcome = one_pass(m)
            self.status = out.status.model_dump(by_alias=True, exclude_none=True)
            if out.executed is not None:
                self.executed.append(out.executed)
            if out.done:
                return out
            assert out.requeue_after is not None, f"stopped: {out.status.conditions}"
            assert time.monotonic() < deadline, f"not done: {out.status.conditions}"
            time.sleep(min(out.requeue_after, 0.05))

    def converge(self, m: DynamoTable) -> Outcome:
        return self._loop(m, lambda x: reconcile(x, self.factory, region=REGION, owner=OWNER, timing=TIMING))

    def delete(self, m: DynamoTable) -> Outcome:
        return self._loop(m, lambda x: delete(x, self.factory, region=REGION, owner=OWNER, timing=TIMING))

    @contextmanager
    def unfaulted(self) -> Iterator[None]:
        """The test's own calls (setting up, checking) without injected faults; the run's faults after."""
        self.endpoint.set_faults(Faults())
        try:
            yield
        finally:
            self.endpoint.set_faults(self.faults)

    def boto(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=TEST_CONFIG,
        )

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
    endpoint.set_faults(Faults())
    endpoint.reset()
    endpoint.clear_requests()
    faults = FAULTS if request.param == "faults" else Faults()
    endpoint.set_faults(faults)
    yield Run(endpoint, ClientFactory(endpoint_url=endpoint.url, max_attempts=0), faults)
    endpoint.set_faults(Faults())


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
