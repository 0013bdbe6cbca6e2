"""`dynamotable local` hands nothing to web pages: no CORS, no cross-origin requests, no DNS rebinding, and
moto's unauthenticated /moto-api/ only when asked for. Over real HTTP against started endpoints."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from click.testing import CliRunner
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from dynamotable.local import LocalEndpoint
from dynamotable.local.guard import BrowserGuard, MotoApiGate, host_name, is_loopback

EVIL = "https://evil.example"
LIST_TABLES = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}
MOTO_API_ROUTES = [
    ("POST", "/moto-api/reset"),
    ("GET", "/moto-api/data.json"),
    ("GET", "/moto-api/"),
    ("POST", "/moto-api/seed?a=42"),
    ("POST", "/moto-api/reset-auth"),
    ("GET", "/moto-api/state-manager/get-transition?model_name=dynamodb::table"),
    ("POST", "/moto-api/recorder/start-recording"),
    ("GET", "/moto-api/recorder/download-recording"),
    ("POST", "/moto-api/config"),
    ("GET", "/favicon.ico"),
]


class Answer:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def cors(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if k.startswith("access-control-")}


def send(url: str, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Answer:
    """One HTTP request; a `Host` in `headers` replaces the one http.client would send."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        rsp = conn.getresponse()
        return Answer(rsp.status, rsp.getheaders(), rsp.read())
    finally:
        conn.close()


def client(endpoint: LocalEndpoint) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def create(ddb: Any, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def with_moto_api() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(enable_moto_api=True) as endpoint:
        yield endpoint


# --------------------------------------------------------------------------- CORS and cross-origin requests


def test_a_preflight_from_another_origin_gets_no_cors_grant(local_fresh: LocalEndpoint) -> None:
    answer = send(
        local_fresh.url,
        "OPTIONS",
        "/",
        {
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-amz-target,x-amz-date",
        },
    )
    assert answer.status == 403
    assert answer.cors() == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_requests_from_another_origin_are_refused_without_cors_headers(
    local_fresh: LocalEndpoint, local_table: Callable[..., Any], method: str
) -> None:
    local_table("secrets")
    answer = send(local_fresh.url, method, "/", {"Origin": EVIL, **LIST_TABLES}, b"{}")
    assert answer.status == 403
    assert answer.cors() == {}
    assert b"secrets" not in answer.body
    assert json.loads(answer.body)["__type"] == "AccessDeniedException"


@pytest.mark.parametrize("origin", ["null", "http://127.0.0.1", "http://localhost:1"])
def test_opaque_and_other_local_origins_are_refused_too(local_fresh: LocalEndpoint, origin: str) -> None:
    answer = send(local_fresh.url, "POST", "/", {"Origin": origin, **LIST_TABLES}, b"{}")
    assert answer.status == 403 and answer.cors() == {}


def test_moto_would_grant_any_origin_and_the_endpoint_strips_it(local_fresh: LocalEndpoint) -> None:
    """flask-cors in moto answers `*`; a request with the endpoint's own origin shows the guard removes it."""
    raw = Client(DomainDispatcherApplication(create_backend_app)).open(
        "/", method="OPTIONS", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"}
    )
    assert raw.headers.get("Access-Control-Allow-Origin") in ("*", EVIL)
    own = local_fresh.url
    for method in ("OPTIONS", "GET"):
        answer = send(own, method, "/", {"Origin": own, "Access-Control-Request-Method": "POST"})
        assert answer.status == 200, answer.body
        assert answer.cors() == {}


# --------------------------------------------------------------------------- /moto-api/


@pytest.mark.parametrize(("method", "path"), MOTO_API_ROUTES, ids=[p for _, p in MOTO_API_ROUTES])
def test_moto_api_is_off_by_default(local_fresh: LocalEndpoint, method: str, path: str) -> None:
    answer = send(local_fresh.url, method, path)
    assert answer.status == 404, answer.body
    assert b"--enable-moto-api" in answer.body


def test_a_reset_attempt_leaves_the_tables_and_a_dump_shows_nothing(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    assert send(local_fresh.url, "POST", "/moto-api/reset").status == 404
    assert b"orders" not in send(local_fresh.url, "GET", "/moto-api/data.json").body
    assert local_ddb().list_tables()["TableNames"] == ["orders"]


def test_the_python_reset_still_works(local_fresh: LocalEndpoint, local_ddb: Callable[..., Any]) -> None:
    create(local_ddb(), "orders")
    local_fresh.reset()
    assert local_ddb().list_tables()["TableNames"] == []


def test_moto_api_works_with_the_flag(with_moto_api: LocalEndpoint) -> None:
    ddb = client(with_moto_api)
    create(ddb, "orders")
    dump = send(with_moto_api.url, "GET", "/moto-api/data.json")
    assert dump.status == 200
    assert "orders" in json.loads(dump.body)["dynamodb"]["Table"][0]["name"]
    assert send(with_moto_api.url, "POST", "/moto-api/reset").status == 200
    assert ddb.list_tables()["TableNames"] == []
    assert send(with_moto_api.url, "GET", "/moto-api/").status == 200


def test_the_flag_does_not_open_moto_api_to_other_origins(with_moto_api: LocalEndpoint) -> None:
    answer = send(with_moto_api.url, "POST", "/moto-api/reset", {"Origin": EVIL})
    assert answer.status == 403 and answer.cors() == {}


# --------------------------------------------------------------------------- DNS rebinding


@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "10.0.0.5", "[::ffff:8.8.8.8]", "a b"]
)
def test_foreign_host_names_are_refused_on_a_loopback_bind(local_fresh: LocalEndpoint, host: str) -> None:
    port = urlsplit(local_fresh.url).port
    answer = send(local_fresh.url, "POST", "/", {"Host": f"{host}:{port}", **LIST_TABLES}, b"{}")
    assert answer.status == 403
    assert answer.cors() == {}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST.", "api.localhost", "127.0.0.2", "[::1]"])
def test_loopback_host_names_are_served(local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], host: str) -> None:
    create(local_ddb(), "orders")
    port = urlsplit(local_fresh.url).port
    answer = send(local_fresh.url, "GET", "/moto-api/data.json", {"Host": f"{host}:{port}"})
    assert answer.status == 404  # past the Host check, stopped by the moto-api gate


def test_boto3_still_works(local_fresh: LocalEndpoint, local_ddb: Callable[..., Any]) -> None:
    ddb = local_ddb()
    create(ddb, "orders")
    ddb.put_item(TableName="orders", Item={"pk": {"S": "1"}})
    assert ddb.get_item(TableName="orders", Key={"pk": {"S": "1"}})["Item"] == {"pk": {"S": "1"}}
    assert ddb.describe_table(TableName="orders")["Table"]["TableName"] == "orders"
    assert [r.operation for r in local_fresh.requests()] == ["CreateTable", "PutItem", "GetItem", "DescribeTable"]


def test_host_check_only_applies_to_loopback_binds() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("172.18.0.1") and not is_loopback("evil.example")
    assert host_name("[::1]:8000") == "::1" and host_name("Example.COM:80") == "example.com"

    def ok(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Access-Control-Allow-Origin", "*"), ("Content-Type", "text/plain")])
        return [b"ok"]

    open_bind = Client(BrowserGuard(ok, loopback_only=False))
    served = open_bind.get("/", headers={"Host": "172.18.0.1:8000"})
    assert served.status_code == 200 and "Access-Control-Allow-Origin" not in served.headers
    assert open_bind.get("/", headers={"Host": "172.18.0.1:8000", "Origin": EVIL}).status_code == 403
    assert Client(BrowserGuard(ok, loopback_only=True)).get("/", headers={"Host": "172.18.0.1:8000"}).status_code == 403


def test_gate_passes_other_services_through() -> None:
    gate = Client(MotoApiGate(DomainDispatcherApplication(create_backend_app), enabled=False))
    assert gate.get("/moto-api/data.json").status_code == 404
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/dynamodb/aws4_request, x"}
    listed = gate.post("/", headers={**LIST_TABLES, **signed}, data=b"{}")
    assert listed.status_code == 200 and "TableNames" in json.loads(listed.data)


# --------------------------------------------------------------------------- the command


@pytest.mark.parametrize(("args", "expected"), [([], 404), (["--enable-moto-api"], 200)])
def test_dynamotable_local_flag(monkeypatch: pytest.MonkeyPatch, args: list[str], expected: int) -> None:
    import dynamotable.local
    from dynamotable.cli import main

    seen: list[int] = []

    def serve_once(endpoint: LocalEndpoint, *, announce: Callable[[str], None] | None = None) -> None:
        with endpoint:
            seen.append(send(endpoint.url, "GET", "/moto-api/data.json").status)

    monkeypatch.setattr(dynamotable.local, "serve_forever", serve_once)
    result = CliRunner().invoke(main, ["local", "--port", "0", *args])
    assert result.exit_code == 0, result.output
    assert seen == [expected]


def test_dynamotable_local_help_documents_the_flag() -> None:
    from dynamotable.cli import main

    text = CliRunner().invoke(main, ["local", "--help"]).output
    assert "--enable-moto-api" in text and "/moto-api/" in text and "CORS" in text
