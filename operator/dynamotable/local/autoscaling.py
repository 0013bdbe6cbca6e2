"""Application Auto Scaling calls on DynamoDB resources, made to agree with AWS [A19, B1].

moto keeps the targets and policies; it accepts what AWS refuses and keeps what AWS deletes:

- RegisterScalableTarget for a table (or index) that does not exist: AWS answers ValidationException "DynamoDB
  table does not exist: table/<name>" *(reported)*; moto registers it.
- PutScalingPolicy on a dimension without a scalable target: AWS answers ObjectNotFoundException [DG-AAS]; moto
  creates the policy.
- DeregisterScalableTarget deletes the target's scaling policies on AWS [DG-AAS]; moto leaves them (and their
  CloudWatch alarms) behind. A missing target, or a missing policy on DeleteScalingPolicy, is
  ObjectNotFoundException on AWS [DG-AAS]; moto answers ValidationException.
- ListTagsForResource of a scalable target, which the Terraform provider reads: moto does not implement it.

Injected faults (throttling, HTTP 500, dropped connections) reach these calls as they reach DynamoDB's.
"""

from __future__ import annotations

import json
from typing import Any

from . import motobackend
from .gateway import MotoGateway
from .wire import Reply, account_for, credential_scope

TARGET_PREFIX = "AnyScaleFrontendService."
DEFAULT_REGION = "us-east-1"
DYNAMODB = "dynamodb"


def is_autoscaling_call(environ: dict[str, Any]) -> bool:
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(TARGET_PREFIX)


def operation_of(environ: dict[str, Any]) -> str:
    return str(environ.get("HTTP_X_AMZ_TARGET", ""))[len(TARGET_PREFIX) :]


def _error(code: str, message: str, status: int = 400) -> Reply:
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))]
    return Reply(status, headers, body)


def fault_reply(kind: str) -> Reply | None:
    """The reply of an injected fault (faults.FaultInjector picks only throttle, server_error and
    drop_connection for these calls); None: drop the connection."""
    if kind == "throttle":
        return _error("ThrottlingException", "Rate exceeded")
    if kind == "server_error":
        return _error("InternalServiceException", "Internal service error", status=500)
    return None


def _payload(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _backend(account: str, region: str) -> Any:
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    return applicationautoscaling_backends[account][region]


def _missing_resource(account: str, region: str, resource_id: str) -> str | None:
    """Why a DynamoDB ResourceId (table/<name> or table/<name>/index/<index>) names nothing; None if it exists."""
    parts = resource_id.split("/")
    if len(parts) not in (2, 4) or parts[0] != "table" or (len(parts) == 4 and parts[2] != "index"):
        return None  # malformed: moto's own validation answers
    table = motobackend.find_table(account, region, parts[1])
    if table is None:
        return f"DynamoDB table does not exist: table/{parts[1]}"
    if len(parts) == 4 and parts[3] not in {i.name for i in table.global_indexes}:
        return f"DynamoDB index does not exist: {resource_id}"
    return None


def _has_target(account: str, region: str, resource_id: str, dimension: str) -> bool:
    return resource_id in _backend(account, region).targets.get(dimension, {})


def _not_registered(payload: dict[str, Any]) -> Reply:
    return _error(
        "ObjectNotFoundException",
        f"No scalable target registered for service namespace: {payload.get('ServiceNamespace')}, resource ID: "
        f"{payload.get('ResourceId')}, scalable dimension: {payload.get('ScalableDimension')}",
    )


def _drop_policies(account: str, region: str, resource_id: str, dimension: str) -> None:
    backend = _backend(account, region)
    for key, policy in list(backend.policies.items()):
        if policy.resource_id == resource_id and policy.scalable_dimension == dimension:
            policy.delete_alarms(account, region)
            del backend.policies[key]


def _list_tags(account: str, region: str, arn: str) -> Reply:
    """moto has no tagging for scalable targets (ListTagsForResource raises NotImplementedError: HTTP 500, which
    the Terraform provider retries until it gives up); nothing here tags them, so a target's tags are none."""
    backend = _backend(account, region)
    if not any(t.arn == arn for targets in backend.targets.values() for t in targets.values()):
        return _error("ResourceNotFoundException", f"Resource {arn} not found")
    body = json.dumps({"Tags": {}}).encode()
    return Reply(200, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))], body)


def handle(gateway: MotoGateway, environ: dict[str, Any], body: bytes) -> Reply:
    """Answer one Application Auto Scaling call through moto. Not thread-safe: the middleware runs one moto call
    at a time."""
    operation = operation_of(environ)
    payload = _payload(body)
    access_key, region = credential_scope(environ)
    account = account_for(environ, access_key)
    region = region or DEFAULT_REGION
    if operation == "ListTagsForResource":
        return _list_tags(account, region, str(payload.get("ResourceARN", "")))
    if payload.get("ServiceNamespace") != DYNAMODB:
        return gateway.send(environ, body)
    resource_id = str(payload.get("ResourceId", ""))
    dimension = str(payload.get("ScalableDimension", ""))
    if operation == "RegisterScalableTarget" and not _has_target(account, region, resource_id, dimension):
        missing = _missing_resource(account, region, resource_id)
        if missing is not None:
            return _error("ValidationException", missing)
    if operation == "PutScalingPolicy" and not _has_target(account, region, resource_id, dimension):
        return _not_registered(payload)
    if operation == "DeregisterScalableTarget":
        if not _has_target(account, region, resource_id, dimension):
            return _not_registered(payload)
        reply = gateway.send(environ, body)
        if reply.status == 200:
            _drop_policies(account, region, resource_id, dimension)
        return reply
    if operation == "DeleteScalingPolicy":
        reply = gateway.send(environ, body)
        if reply.status == 400 and reply.error_code() == "ValidationException":
            return _error(
                "ObjectNotFoundException",
                f"No scaling policy found for service namespace: dynamodb, resource ID: {resource_id}, scalable "
                f"dimension: {dimension}, policy name: {payload.get('PolicyName')}",
            )
        return reply
    return gateway.send(environ, body)
