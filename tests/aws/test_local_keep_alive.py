"""The embedded endpoint keeps HTTP/1.1 connections alive, as AWS's endpoints do (server.py)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from dynamotable.local import LocalEndpoint


@pytest.fixture
def endpoint(local_fresh: LocalEndpoint) -> LocalEndpoint:
    return local_fresh


def _request(host: str, port: int, body: bytes = b"{}", extra: bytes = b"") -> bytes:
    return (
        b"POST / HTTP/1.1\r\nHost: %s:%d\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
        b"Content-Type: application/x-amz-json-1.0\r\n"
        b"Authorization: AWS4-HMAC-SHA256 Credential=x/20261201/us-east-1/dynamodb/aws4_request, "
        b"SignedHeaders=host, Signature=abc\r\n%sContent-Length: %d\r\n\r\n%s"
    ) % (host.encode(), port, extra, len(body), body)


def _responses(sock: socket.socket, count: int) -> bytes:
    data = b""
    while data.count(b"TableNames") < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _address(endpoint: LocalEndpoint) -> tuple[str, int]:
    host, port = endpoint.url.split("//")[1].rsplit(":", 1)
    return host, int(port)


def test_one_connection_serves_many_requests(endpoint: LocalEndpoint) -> None:
    host, port = _address(endpoint)
    with socket.create_connection((host, port), timeout=10) as sock:
        for _ in range(5):
            sock.sendall(_request(host, port))
            answer = _responses(sock, 1)
            assert answer.startswith(b"HTTP/1.1 200") and b"Connection: close" not in answer


def test_requests_sent_back_to_back_on_one_connection_are_all_answered(endpoint: LocalEndpoint) -> None:
    host, port = _address(endpoint)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(_request(host, port) * 3)
        assert _responses(sock, 3).count(b"HTTP/1.1 200") == 3


def test_a_body_that_cannot_be_read_ahead_closes_the_connection_after_its_answer(endpoint: LocalEndpoint) -> None:
    host, port = _address(endpoint)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(_request(host, port, extra=b"Expect: 100-continue\r\n"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        assert b"Connection: close" in answer and b"TableNames" in answer


def test_botocore_reuses_its_connection(local_ddb: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    client = local_ddb()
    with caplog.at_level("DEBUG", logger="urllib3.connectionpool"):
        for _ in range(10):
            client.list_tables()
    opened = [r for r in caplog.records if "Starting new HTTP connection" in r.getMessage()]
    dropped = [r for r in caplog.records if "Resetting dropped connection" in r.getMessage()]
    assert len(opened) == 1 and not dropped


def test_stopping_closes_the_connections_kept_alive() -> None:
    endpoint = LocalEndpoint().start()
    host, port = _address(endpoint)
    sock = socket.create_connection((host, port), timeout=10)
    try:
        sock.sendall(_request(host, port))
        assert b"TableNames" in _responses(sock, 1)
        endpoint.stop()
        # A stopped endpoint answers nothing more, not even on a connection it had open.
        with pytest.raises(OSError):
            sock.sendall(_request(host, port))
            if not sock.recv(65536):
                raise ConnectionResetError("closed by the stopped endpoint")
    finally:
        sock.close()
        endpoint.stop()
