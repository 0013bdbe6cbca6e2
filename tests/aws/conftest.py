"""Fixtures for tests against the embedded local DynamoDB endpoint (dynamotable.local)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.local import Faults, Latency, LocalEndpoint, Rules

LOCAL_TEST_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


class LocalFakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def local_boto3_client(endpoint: LocalEndpoint, region: str = "us-east-1") -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        config=LOCAL_TEST_CONFIG,
    )


@pytest.fixture(scope="module")
def local_clock() -> LocalFakeClock:
    return LocalFakeClock()


@pytest.fixture(scope="module")
def local_endpoint(local_clock: LocalFakeClock) -> Iterator[LocalEndpoint]:
    """One endpoint per test module, on a free port, driven by the module's fake clock."""
    with LocalEndpoint(clock=local_clock) as endpoint:
        yield endpoint


@pytest.fixture
def local_fresh(local_endpoint: LocalEndpoint) -> LocalEndpoint:
    """The module's endpoint emptied and back to defaults (no latency, no faults, AWS rules)."""
    local_endpoint.reset()
    local_endpoint.set_latency(Latency())
    local_endpoint.set_faults(Faults())
    local_endpoint.set_rules(Rules())
    local_endpoint.clear_requests()
    return local_endpoint


@pytest.fixture
def local_ddb(local_fresh: LocalEndpoint) -> Callable[..., Any]:
    """Factory for boto3 DynamoDB clients on the fresh endpoint: local_ddb() or local_ddb("us-west-2")."""
    clients: dict[str, Any] = {}

    def make(region: str = "us-east-1") -> Any:
        if region not in clients:
            clients[region] = local_boto3_client(local_fresh, region)
        return clients[region]

    return make


def local_table_spec(
    name: str,
    *,
    billing: str = "PAY_PER_REQUEST",
    range_key: bool = False,
    gsi: str | None = None,
    stream: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """CreateTable arguments for a small table: pk (S) [+ sk (N)], optionally one GSI on g (S)."""
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    key_schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_key:
        attributes.append({"AttributeName": "sk", "AttributeType": "N"})
        key_schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    spec: dict[str, Any] = {"TableName": name, "KeySchema": key_schema, "BillingMode": billing}
    capacity = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    if billing == "PROVISIONED":
        spec["ProvisionedThroughput"] = capacity
    if gsi:
        attributes.append({"AttributeName": "g", "AttributeType": "S"})
        index: dict[str, Any] = {
            "IndexName": gsi,
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
        if billing == "PROVISIONED":
            index["ProvisionedThroughput"] = capacity
        spec["GlobalSecondaryIndexes"] = [index]
    if stream:
        spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    spec["AttributeDefinitions"] = attributes
    spec.update(extra)
    return spec


@pytest.fixture
def local_table(local_ddb: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """Create a table (see local_table_spec) in a region and return its TableDescription."""

    def create(name: str, region: str = "us-east-1", **kwargs: Any) -> dict[str, Any]:
        description: dict[str, Any] = local_ddb(region).create_table(**local_table_spec(name, **kwargs))[
            "TableDescription"
        ]
        return description

    return create
