"""STS AssumeRole, made to refuse what AWS refuses [A27, B1].

moto's STS hands out credentials for any role ARN ("the role does not need to exist"), and requests signed with
them reach the role's account in every moto backend. AWS answers AccessDenied unless the role exists and its
trust policy lets the caller in; a trust policy's `sts:ExternalId` condition also needs that external ID. The
endpoint refuses AssumeRole of a role that is not in moto's IAM of its account, or without the external ID its
trust policy asks for; the rest of the trust policy (who may assume it) is not judged.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qs

from .gateway import MotoGateway
from .wire import Reply, account_for, credential_scope

ROLE_ARN_PARTS = 6  # arn:aws:iam::<account>:role/<path/name>


def is_assume_role(environ: dict[str, Any], body: bytes) -> bool:
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    return "/sts/aws4_request" in auth and b"Action=AssumeRole&" in body + b"&"


def handle(gateway: MotoGateway, environ: dict[str, Any], body: bytes) -> Reply:
    params = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
    role_arn = params.get("RoleArn", "")
    refusal = _refusal(role_arn, params.get("ExternalId"))
    if refusal is None:
        return gateway.send(environ, body)
    access_key, _ = credential_scope(environ)
    caller = f"arn:aws:iam::{account_for(environ, access_key)}:user/moto"
    return _access_denied(f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


def _refusal(role_arn: str, external_id: str | None) -> str | None:
    from moto.iam.models import iam_backends

    parts = role_arn.split(":", 5)
    if len(parts) < ROLE_ARN_PARTS or not parts[4].isdigit():
        return None  # botocore and moto judge the shape
    role = next((r for r in iam_backends[parts[4]]["global"].roles.values() if r.arn == role_arn), None)
    if role is None:
        return "no such role"
    wanted = _external_ids(role.assume_role_policy_document)
    if wanted and external_id not in wanted:
        return "external ID"
    return None


def _external_ids(document: Any) -> set[str]:
    """The external IDs the trust policy's Allow statements ask for (sts:ExternalId in a StringEquals)."""
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return set()
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    found: set[str] = set()
    for st in statements if isinstance(statements, list) else [statements]:
        equals = ((st or {}).get("Condition") or {}).get("StringEquals") or {}
        value = equals.get("sts:ExternalId")
        found |= {value} if isinstance(value, str) else set(value or [])
    return found


def _access_denied(message: str) -> Reply:
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>AccessDenied</Code><Message>{_xml(message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()
    headers = [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
    return Reply(403, headers, body)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
