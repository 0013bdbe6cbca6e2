"""Kubernetes Events on DynamoTables, posted explicitly (kopf 1.45 no longer turns log lines into Events).

Most Events come from the engine's Outcome (Synced, DriftDetected, blocked, rate limited,
AWS errors, deletion steps); the reasons below are the ones the operator adds around them.
"""

from __future__ import annotations

from typing import Literal

import kopf

from dynamotable.engine.reconcile import Event

# Operator-level Event reasons.
STEP_CREATED = "Created"  # the CreateTable step finished: the table is ACTIVE
STEP_UPDATED = "Updated"  # any other plan step finished
WAITING = "Waiting"  # the pass is waiting on AWS (entered a waiting state)
DRIFT_CORRECTED = "DriftCorrected"
DELETED = "Deleted"
RETAINED = "Retained"
TERRAFORM_WRITTEN = "TerraformRendered"
TERRAFORM_CONFLICT = "TerraformConfigMapConflict"
TERRAFORM_FAILED = "TerraformFailed"
EXPORT_WRITTEN = "ConnectionDetailsWritten"
EXPORT_CONFLICT = "ConnectionDetailsConflict"
EXPORT_FAILED = "ConnectionDetailsFailed"
INVALID_ANNOTATION = "InvalidAnnotation"
RECONCILE_ERROR = "ReconcileError"

# The engine's "step started" Events: not posted (the step's end is, as Created/Updated).
STARTED_REASONS: frozenset[str] = frozenset({"Creating", "Updating"})

EventType = Literal["Normal", "Warning"]


def post(body: kopf.Body, type: EventType, reason: str, message: str) -> None:
    kopf.event(body, type=type, reason=reason, message=message)


def post_engine_events(body: kopf.Body, events: list[Event]) -> None:
    for event in events:
        post(body, event.type, event.reason, event.message)
