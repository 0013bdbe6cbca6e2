"""The local endpoint on the real clock: real latencies, serve_forever, concurrent clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.local import Latency, LocalEndpoint, serve_forever


def client_for(endpoint: LocalEndpoint, region: str = "us-east-1") -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def spec(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


@pytest.fixture
def local_realtime_endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(latency=Latency(create=1.0, delete=0.5)) as endpoint:
        yield endpoint


def test_create_reports_creating_until_real_latency_elapsed(local_realtime_endpoint: LocalEndpoint) -> None:
    client = client_for(local_realtime_endpoint)
    started = time.monotonic()
    assert client.create_table(**spec("orders"))["TableDescription"]["TableStatus"] == "CREATING"
    assert client.describe_table(TableName="orders")["Table"]["TableStatus"] == "CREATING"
    time.sleep(max(0.0, 1.0 - (time.monotonic() - started)) + 0.05)
    assert client.describe_table(TableName="orders")["Table"]["TableStatus"] == "ACTIVE"
    client.delete_table(TableName="orders")
    time.sleep(0.55)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="orders")


def test_concurrent_clients_are_served_consistently(local_realtime_endpoint: LocalEndpoint) -> None:
    names = [f"table-{i}" for i in range(12)]

    def create(name: str) -> str:
        return str(client_for(local_realtime_endpoint).create_table(**spec(name))["TableDescription"]["TableStatus"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(create, names))
    assert statuses == ["CREATING"] * len(names)
    assert sorted(client_for(local_realtime_endpoint).list_tables()["TableNames"]) == sorted(names)
    assert len(local_realtime_endpoint.requests()) == len(names) + 1


def test_serve_forever_serves_until_the_endpoint_is_stopped() -> None:
    endpoint = LocalEndpoint()
    announced: list[str] = []
    runner = threading.Thread(target=serve_forever, args=(endpoint,), kwargs={"announce": announced.append})
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while not announced and time.monotonic() < deadline:
            time.sleep(0.01)
        assert announced == [endpoint.url]
        assert client_for(endpoint).list_tables()["TableNames"] == []
    finally:
        endpoint.stop()
        runner.join(timeout=5)
    assert not runner.is_alive()
    assert not endpoint.running
