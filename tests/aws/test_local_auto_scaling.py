"""The embedded endpoint's Application Auto Scaling on DynamoDB resources behaves as AWS does [A19, B1]."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from dynamotable.local import Faults, LocalEndpoint

READ = "dynamodb:table:ReadCapacityUnits"
INDEX_WRITE = "dynamodb:index:WriteCapacityUnits"
LOCAL_TEST_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


@pytest.fixture
def aas(local_fresh: LocalEndpoint) -> Any:
    return boto3.client(
        "application-autoscaling",
        endpoint_url=local_fresh.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=LOCAL_TEST_CONFIG,
    )


@pytest.fixture
def cloudwatch(local_fresh: LocalEndpoint) -> Any:
    return boto3.client(
        "cloudwatch",
        endpoint_url=local_fresh.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=LOCAL_TEST_CONFIG,
    )


def register(aas: Any, resource_id: str = "table/t", dimension: str = READ) -> None:
    aas.register_scalable_target(
        ServiceNamespace="dynamodb", ResourceId=resource_id, ScalableDimension=dimension, MinCapacity=1, MaxCapacity=9
    )


def put_policy(aas: Any, name: str = "p", resource_id: str = "table/t", dimension: str = READ) -> dict[str, Any]:
    reply: dict[str, Any] = aas.put_scaling_policy(
        PolicyName=name,
        ServiceNamespace="dynamodb",
        ResourceId=resource_id,
        ScalableDimension=dimension,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBReadCapacityUtilization"},
        },
    )
    return reply


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_a19_register_refuses_a_missing_table_and_index(aas: Any, local_table: Callable[..., Any]) -> None:
    with pytest.raises(ClientError) as exc:
        register(aas, "table/nope")
    assert code(exc) == "ValidationException"
    assert "DynamoDB table does not exist: table/nope" in str(exc.value)
    local_table("t", billing="PROVISIONED", gsi="by-g")
    with pytest.raises(ClientError) as exc:
        register(aas, "table/t/index/other", INDEX_WRITE)
    assert code(exc) == "ValidationException"
    register(aas, "table/t/index/by-g", INDEX_WRITE)
    register(aas)
    targets = aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    assert sorted(t["ResourceId"] for t in targets) == ["table/t", "table/t/index/by-g"]


def test_a19_policy_needs_a_registered_target(aas: Any, local_table: Callable[..., Any]) -> None:
    local_table("t", billing="PROVISIONED")
    with pytest.raises(ClientError) as exc:
        put_policy(aas)
    assert code(exc) == "ObjectNotFoundException"
    assert aas.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"] == []
    register(aas)
    assert put_policy(aas)["PolicyARN"]


def test_a19_deregister_deletes_the_policies_and_their_alarms(
    aas: Any, cloudwatch: Any, local_table: Callable[..., Any]
) -> None:
    local_table("t", billing="PROVISIONED")
    register(aas)
    alarms = [a["AlarmName"] for a in put_policy(aas)["Alarms"]]
    # moto creates the alarms AWS creates for a target-tracking policy, named as AWS names them
    assert sorted(a.split("-")[2] for a in alarms) == [
        "AlarmHigh",
        "AlarmLow",
        "ProvisionedCapacityHigh",
        "ProvisionedCapacityLow",
    ]
    assert all(a.startswith("TargetTracking-table/t-") for a in alarms)
    listed = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
    assert sorted(listed) == sorted(alarms)
    aas.deregister_scalable_target(ServiceNamespace="dynamodb", ResourceId="table/t", ScalableDimension=READ)
    assert aas.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"] == []
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []


def test_a19_deleting_what_is_not_there_is_object_not_found(aas: Any, local_table: Callable[..., Any]) -> None:
    local_table("t", billing="PROVISIONED")
    with pytest.raises(ClientError) as exc:
        aas.deregister_scalable_target(ServiceNamespace="dynamodb", ResourceId="table/t", ScalableDimension=READ)
    assert code(exc) == "ObjectNotFoundException"
    register(aas)
    with pytest.raises(ClientError) as exc:
        aas.delete_scaling_policy(
            PolicyName="p", ServiceNamespace="dynamodb", ResourceId="table/t", ScalableDimension=READ
        )
    assert code(exc) == "ObjectNotFoundException"
    put_policy(aas)
    aas.delete_scaling_policy(PolicyName="p", ServiceNamespace="dynamodb", ResourceId="table/t", ScalableDimension=READ)
    assert aas.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"] == []


def test_a19_a_targets_tags_are_listed(aas: Any, local_table: Callable[..., Any]) -> None:
    """The Terraform provider reads them; moto has no ListTagsForResource for Application Auto Scaling."""
    local_table("t", billing="PROVISIONED")
    register(aas)
    (target,) = aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    assert aas.list_tags_for_resource(ResourceARN=target["ScalableTargetARN"])["Tags"] == {}
    with pytest.raises(ClientError) as exc:
        aas.list_tags_for_resource(ResourceARN=target["ScalableTargetARN"][:-3] + "zzz")
    assert code(exc) == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        (Faults(throttle=1.0), "ThrottlingException"),
        (Faults(server_error=1.0), "InternalServiceException"),
        # never applied to these calls: DynamoDB's own errors
        (Faults(resource_in_use=0.5, limit_exceeded=0.5), None),
    ],
)
def test_a19_injected_faults_reach_auto_scaling_calls(
    aas: Any, local_fresh: LocalEndpoint, local_table: Callable[..., Any], faults: Faults, expected: str | None
) -> None:
    local_table("t", billing="PROVISIONED")
    local_fresh.set_faults(faults)
    if expected is None:
        register(aas)
        local_fresh.set_faults(Faults())
        assert len(aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]) == 1
        return
    with pytest.raises(ClientError) as exc:
        register(aas)
    assert code(exc) == expected
    local_fresh.set_faults(Faults())
    # a faulted call changes nothing
    assert aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"] == []


def test_a19_a_dropped_connection_reaches_auto_scaling_calls(aas: Any, local_fresh: LocalEndpoint) -> None:
    local_fresh.set_faults(Faults(drop_connection=1.0))
    with pytest.raises(ConnectionClosedError):
        aas.describe_scalable_targets(ServiceNamespace="dynamodb")
    local_fresh.set_faults(Faults())
    assert aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"] == []
