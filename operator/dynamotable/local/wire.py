"""The DynamoDB JSON 1.0 wire format: reading a request, writing a reply or an error."""

from __future__ import annotations

import json
import os
import uuid
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID

TARGET_PREFIX = "DynamoDB_20120810."
ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
DEFAULT_REGION = "us-east-1"


class AwsError(Exception):
    """An error reply in DynamoDB's shape: HTTP status, error code, message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def status_line(self) -> str:
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        return f"{self.status} {reason}"

    def error_code(self) -> str | None:
        if self.status < 400:
            return None
        for name, value in self.headers:
            if name.lower() == "x-amzn-errortype":
                return value.split(":")[0]
        try:
            kind = json.loads(self.body).get("__type", "")
        except (ValueError, AttributeError):
            return "InternalFailure"
        return str(kind).rsplit("#", 1)[-1] or None

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("reply body is not a JSON object")
        return data


def _headers(body: bytes, extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    # botocore checks x-amz-crc32 on DynamoDB replies, so a rewritten body needs a fresh one.
    headers = [
        ("Content-Type", JSON_CONTENT_TYPE),
        ("x-amzn-RequestId", uuid.uuid4().hex.upper()),
        ("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF)),
        ("Content-Length", str(len(body))),
    ]
    return headers + (extra or [])


def json_reply(data: dict[str, Any], status: int = 200) -> Reply:
    body = json.dumps(data).encode()
    return Reply(status, _headers(body), body)


def error_reply(error: AwsError) -> Reply:
    body = json.dumps({"__type": ERROR_PREFIX + error.code, "message": error.message}).encode()
    return Reply(error.status, _headers(body, [("X-Amzn-ErrorType", error.code)]), body)


@dataclass
class DynamoRequest:
    """One DynamoDB API call as the middleware sees it."""

    operation: str
    region: str
    account: str
    payload: dict[str, Any]
    body: bytes = field(repr=False)
    environ: dict[str, Any] = field(repr=False)


def credential_scope(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(access key, region) from a SigV4 Authorization header, e.g. `Credential=AKID/date/region/svc/...`."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    marker = "Credential="
    start = auth.find(marker)
    if start < 0:
        return None, None
    scope = auth[start + len(marker) :].split(",", maxsplit=1)[0].strip().split("/")
    if len(scope) < 3:
        return None, None
    return scope[0] or None, scope[2] or None


def account_for(environ: dict[str, Any], access_key: str | None) -> str:
    """The account moto files the request under (same precedence as moto's BaseResponse)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if header:
        return str(header)
    if access_key:
        from moto.iam.models import get_account_id_from

        return str(get_account_id_from(access_key))
    return str(DEFAULT_ACCOUNT_ID)


def is_dynamodb_call(environ: dict[str, Any]) -> bool:
    """True for DynamoDB 2012-08-10 JSON calls (not DynamoDB Streams, other services or moto-api)."""
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(TARGET_PREFIX)


def parse_request(environ: dict[str, Any], body: bytes) -> DynamoRequest:
    """The DynamoDB call in `environ` (see is_dynamodb_call) with its JSON body."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    access_key, region = credential_scope(environ)
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    return DynamoRequest(
        operation=target[len(TARGET_PREFIX) :],
        region=region or DEFAULT_REGION,
        account=account_for(environ, access_key),
        payload=payload,
        body=body,
        environ=environ,
    )


def table_name_of(value: Any) -> str:
    """TableName accepts a table ARN as well as a name [API]."""
    text = str(value or "")
    if text.startswith("arn:") and ":table/" in text:
        return text.split(":table/", 1)[1].split("/", 1)[0]
    return text
