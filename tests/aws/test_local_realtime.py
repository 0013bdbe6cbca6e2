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


def _status_or_gone(client: Any, name: str) -> str:
    try:
        return str(client.describe_table(TableName=name)["Table"]["TableStatus"])
    except client.exceptions.ResourceNotFoundException:
        return "GONE"


def _until(client: Any, name: str, status: str, *, deadline: float = 10.0) -> float:
    """Poll (every 20 ms, for up to `deadline` seconds) until the table shows `status`; when it did, monotonic."""
    give_up = time.monotonic() + deadline
    while (seen := _status_or_gone(client, name)) != status:
        assert time.monotonic() < give_up, f"{name} still {seen} after {deadline} s"
        time.sleep(0.02)
    return time.monotonic()


def test_create_reports_creating_until_real_latency_elapsed(local_realtime_endpoint: LocalEndpoint) -> None:
    # The endpoint's transitions are on its real clock: each status is asserted against the time that surely
    # passed (measured before the request), so a loaded machine makes the test slower, never wrong.
    client = client_for(local_realtime_endpoint)
    before_create = time.monotonic()
    assert client.create_table(**spec("orders"))["TableDescription"]["TableStatus"] == "CREATING"
    status = client.describe_table(TableName="orders")["Table"]["TableStatus"]
    if time.monotonic() - before_create < 1.0:
        assert status == "CREATING"
    assert _until(client, "orders", "ACTIVE") - before_create >= 1.0
    before_delete = time.monotonic()
    client.delete_table(TableName="orders")
    assert _until(client, "orders", "GONE") - before_delete >= 0.5


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
