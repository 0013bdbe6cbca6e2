"""KMS calls that touch DynamoDB's AWS managed key (alias/aws/dynamodb), made to agree with AWS.

- Any KMS call naming the alias (DescribeKey, Encrypt, GenerateDataKey, ...) first makes the key exactly once
  (motobackend.aws_managed_key), so moto's own lazy creation never runs for it.
- ListAliases: AWS lists its predefined aliases (alias/aws/...) also before their key exists, then without a
  TargetKeyId [KMS API ListAliases]; moto invents a fixed TargetKeyId that names no key. Such entries lose it.
"""

from __future__ import annotations

import json
from typing import Any

from . import motobackend
from .gateway import MotoGateway
from .wire import Reply, account_for, credential_scope

TARGET_PREFIX = "TrentService."
KEY_MEMBERS = ("KeyId", "TargetKeyId", "DestinationKeyId")
DEFAULT_REGION = "us-east-1"


def is_kms_call(environ: dict[str, Any]) -> bool:
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(TARGET_PREFIX)


def handle(gateway: MotoGateway, environ: dict[str, Any], body: bytes) -> Reply:
    """Answer one KMS call through moto. Not thread-safe: the middleware runs one moto call at a time."""
    operation = str(environ.get("HTTP_X_AMZ_TARGET", ""))[len(TARGET_PREFIX) :]
    access_key, region = credential_scope(environ)
    account = account_for(environ, access_key)
    region = region or DEFAULT_REGION
    payload = _payload(body)
    if any(motobackend.is_aws_managed_alias(str(payload.get(m, ""))) for m in KEY_MEMBERS):
        motobackend.aws_managed_key(account, region)
    reply = gateway.send(environ, body)
    if operation == "ListAliases" and reply.status == 200:
        return _without_invented_targets(reply, account, region)
    return reply


def _payload(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _without_invented_targets(reply: Reply, account: str, region: str) -> Reply:
    from moto.kms.models import kms_backends

    keys = kms_backends[account][region].keys
    data = reply.json()
    for alias in data.get("Aliases") or []:
        name = str(alias.get("AliasName", ""))
        if name.startswith("alias/aws/") and alias.get("TargetKeyId") not in keys:
            alias.pop("TargetKeyId", None)
    rewritten = json.dumps(data).encode()
    stale = ("content-length", "x-amz-crc32")
    headers = [(k, v) for k, v in reply.headers if k.lower() not in stale]
    return Reply(reply.status, [*headers, ("Content-Length", str(len(rewritten)))], rewritten)
