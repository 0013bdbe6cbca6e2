"""Fault injection and request recording on the local endpoint."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError

from dynamotable.local import Faults, LocalEndpoint


def code_of(call: Callable[[], Any]) -> str | None:
    try:
        call()
    except ConnectionClosedError:
        return "dropped"
    except Exception as exc:  # botocore ClientError
        return str(exc.response["Error"]["Code"])  # type: ignore[attr-defined]
    return None


def test_fault_throttle_returns_throttling_exception(local_fresh: LocalEndpoint, local_ddb: Callable[..., Any]) -> None:
    local_fresh.set_faults(Faults(throttle=1.0))
    client = local_ddb()
    with pytest.raises(client.exceptions.ClientError) as excinfo:
        client.list_tables()
    assert excinfo.value.response["Error"]["Code"] == "ThrottlingException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_fault_server_error_returns_http_500(local_fresh: LocalEndpoint, local_ddb: Callable[..., Any]) -> None:
    local_fresh.set_faults(Faults(server_error=1.0))
    client = local_ddb()
    with pytest.raises(client.exceptions.InternalServerError) as excinfo:
        client.describe_limits()
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_fault_drop_connection_raises_connection_error(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any]
) -> None:
    local_fresh.set_faults(Faults(drop_connection=1.0))
    client = local_ddb()
    with pytest.raises(ConnectionClosedError):
        client.list_tables()
    local_fresh.set_faults(Faults())
    assert client.list_tables()["TableNames"] == []  # the next connection works
    dropped = local_fresh.requests()[0]
    assert (dropped.operation, dropped.status, dropped.fault) == ("ListTables", 0, "drop_connection")


def test_fault_resource_in_use_and_limit_exceeded_hit_only_mutating_calls(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    client = local_ddb()
    local_fresh.set_faults(Faults(resource_in_use=1.0))
    assert code_of(lambda: client.update_table(TableName="orders", DeletionProtectionEnabled=True)) == (
        "ResourceInUseException"
    )
    assert code_of(lambda: client.describe_table(TableName="orders")) is None
    local_fresh.set_faults(Faults(limit_exceeded=1.0))
    with pytest.raises(client.exceptions.LimitExceededException, match="simultaneously"):
        client.delete_table(TableName="orders")
    assert code_of(client.list_tables) is None


def test_faults_do_not_touch_data_plane_calls(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    local_fresh.set_faults(Faults(throttle=1.0))
    client = local_ddb()
    client.put_item(TableName="orders", Item={"pk": {"S": "a"}})
    assert client.get_item(TableName="orders", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}


def test_faulted_call_has_no_effect(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    client = local_ddb()
    local_fresh.set_faults(Faults(throttle=0.25, server_error=0.25, drop_connection=0.25, limit_exceeded=0.25, seed=3))
    spec = {
        "TableName": "other",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    codes = {
        code_of(lambda: client.create_table(**spec)),
        code_of(lambda: client.update_table(TableName="orders", DeletionProtectionEnabled=True)),
        code_of(lambda: client.delete_table(TableName="orders")),
    }
    assert None not in codes
    local_fresh.set_faults(Faults())
    assert client.list_tables()["TableNames"] == ["orders"]
    table = client.describe_table(TableName="orders")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["DeletionProtectionEnabled"] is False


def raw_call(endpoint: LocalEndpoint, operation: str, payload: dict[str, Any]) -> str | None:
    """One DynamoDB call over plain HTTP (no SDK retries): the error code, "dropped", or None on success."""
    host, port = endpoint.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    try:
        connection.request("POST", "/", body=json.dumps(payload), headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read() or b"{}")
    except (http.client.RemoteDisconnected, ConnectionError):
        return "dropped"
    finally:
        connection.close()
    return None if response.status == 200 else str(body["__type"]).rsplit("#", 1)[-1]


def test_faults_are_deterministic_with_a_seed(local_fresh: LocalEndpoint) -> None:
    def run() -> list[str | None]:
        local_fresh.set_faults(Faults(throttle=0.3, server_error=0.2, drop_connection=0.1, seed=42))
        return [raw_call(local_fresh, "ListTables", {}) for _ in range(40)]

    first, second = run(), run()
    assert first == second
    assert {"ThrottlingException", "InternalServerError", "dropped", None} <= set(first)
    local_fresh.set_faults(Faults(throttle=0.3, server_error=0.2, drop_connection=0.1, seed=43))
    assert [raw_call(local_fresh, "ListTables", {}) for _ in range(40)] != first


def test_requests_are_recorded_with_region_payload_status_and_error(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", region="us-west-2")
    client = local_ddb("us-west-2")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="missing")
    local_fresh.set_faults(Faults(throttle=1.0))
    with pytest.raises(client.exceptions.ClientError):
        client.describe_table(TableName="orders")
    # botocore's max_attempts counts retries: the throttled call was sent twice.
    create, missing, *throttled = local_fresh.requests()
    assert (create.operation, create.region, create.status, create.error_code) == (
        "CreateTable",
        "us-west-2",
        200,
        None,
    )
    assert create.payload["TableName"] == "orders"
    assert create.account == "123456789012"
    assert (missing.status, missing.error_code, missing.fault) == (400, "ResourceNotFoundException", None)
    assert [(r.error_code, r.fault) for r in throttled] == [("ThrottlingException", "throttle")] * len(throttled)
    assert create.time <= missing.time <= throttled[0].time
    local_fresh.clear_requests()
    assert local_fresh.requests() == []
