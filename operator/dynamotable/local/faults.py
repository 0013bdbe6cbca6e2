"""Injected control-plane failures, decided before a request reaches moto (so a faulted call changes nothing)."""

from __future__ import annotations

import contextlib
import random
import socket
from typing import Any

from . import messages
from .config import FAULT_KINDS, Faults
from .wire import AwsError, DynamoRequest, table_name_of

CONTROL_PLANE = frozenset(
    {
        "CreateTable",
        "UpdateTable",
        "DeleteTable",
        "DescribeTable",
        "ListTables",
        "UpdateTimeToLive",
        "DescribeTimeToLive",
        "UpdateContinuousBackups",
        "DescribeContinuousBackups",
        "TagResource",
        "UntagResource",
        "ListTagsOfResource",
        "DescribeLimits",
        "DescribeTableReplicaAutoScaling",
        "UpdateTableReplicaAutoScaling",
        "DescribeContributorInsights",
        "UpdateContributorInsights",
        "ListContributorInsights",
        "EnableKinesisStreamingDestination",
        "UpdateKinesisStreamingDestination",
        "DisableKinesisStreamingDestination",
        "DescribeKinesisStreamingDestination",
        "CreateBackup",
        "DescribeBackup",
        "ListBackups",
    }
)

# Application Auto Scaling calls on DynamoDB resources [A19]: only throttling, HTTP 500 and dropped connections
# apply (ResourceInUse and LimitExceeded "simultaneously" are DynamoDB's).
AUTOSCALING_OPERATIONS = frozenset(
    {
        "RegisterScalableTarget",
        "DeregisterScalableTarget",
        "DescribeScalableTargets",
        "PutScalingPolicy",
        "DeleteScalingPolicy",
        "DescribeScalingPolicies",
    }
)

# [API error lists] ResourceInUseException and LimitExceededException are only modelled on these.
IN_USE_OPERATIONS = frozenset({"UpdateTable", "DeleteTable", "UpdateTimeToLive", "TagResource", "UntagResource"})
LIMIT_OPERATIONS = IN_USE_OPERATIONS | {"CreateTable"}


class DroppedConnection(ConnectionAbortedError):
    """Raised after closing the client socket: werkzeug treats it as a dropped connection and writes nothing."""


class FaultInjector:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)

    def pick(self, operation: str) -> str | None:
        """The fault to inject for this request, if any: one draw against consecutive bands of the rates."""
        if operation not in CONTROL_PLANE | AUTOSCALING_OPERATIONS or not self.faults.any:
            return None
        draw = self._random.random()
        edge = 0.0
        for kind in FAULT_KINDS:
            edge += getattr(self.faults, kind)
            if draw < edge:
                if kind == "resource_in_use" and operation not in IN_USE_OPERATIONS:
                    return None
                if kind == "limit_exceeded" and operation not in LIMIT_OPERATIONS:
                    return None
                if kind == "backup_unavailable" and operation != "CreateBackup":
                    return None
                return kind
        return None


def fault_error(kind: str, request: DynamoRequest) -> AwsError:
    name = table_name_of(request.payload.get("TableName") or request.payload.get("ResourceArn"))
    if kind == "throttle":
        # [BC] ThrottlingException is HTTP 400 and retried by every botocore retry mode.
        return AwsError("ThrottlingException", "Rate exceeded")
    if kind == "server_error":
        return AwsError("InternalServerError", "Internal server error", status=500)
    if kind == "resource_in_use":
        return messages.table_busy("UPDATING", name)
    if kind == "limit_exceeded":
        # [TF, API LimitExceededException] the concurrency variant, recognised by "simultaneously".
        return messages.limit_exceeded(messages.LIMIT_SIMULTANEOUS)
    if kind == "backup_unavailable":
        # [API CreateBackup, A25] "Backups have not yet been enabled for this table."
        return AwsError("ContinuousBackupsUnavailableException", f"Backups are not yet enabled for table {name}")
    raise ValueError(f"no error reply for fault {kind!r}")


def drop_connection(environ: dict[str, Any]) -> None:
    """Close the client's connection without a reply; botocore then raises a connection error."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise DroppedConnection("fault injection: connection dropped")
