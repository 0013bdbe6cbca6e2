"""Resource-based policies of tables: what moto's policy store lacks (rule book B1, A22)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import motobackend
from .wire import DynamoRequest, Reply, json_reply

if TYPE_CHECKING:
    from .controlplane import ControlPlane


def attach_at_create(account: str, region: str, table_arn: str, policy: object) -> None:
    """[A22] CreateTable's ResourcePolicy is the table's policy from the start; moto ignores the parameter.
    A policy left under the ARN by an earlier table of that name does not carry over to the new one."""
    backend = motobackend.backend(account, region)
    backend.resource_policies.pop(table_arn, None)
    if isinstance(policy, str):
        backend.put_resource_policy(resource_arn=table_arn, policy_doc=policy, expected_revision_id=None)


def delete_policy(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    """[A22] DeleteResourcePolicy without ExpectedRevisionId is idempotent: no policy is not an error (moto
    answers ResourceNotFoundException)."""
    arn = str(request.payload.get("ResourceArn", ""))
    table = motobackend.find_table_by_arn(request.account, request.region, arn)
    backend = motobackend.backend(request.account, request.region)
    if table is not None and arn not in backend.resource_policies and not request.payload.get("ExpectedRevisionId"):
        return json_reply({})
    return control.passthrough(request)
