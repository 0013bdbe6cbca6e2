"""Run one plan step: exactly one boto3 call. Errors come out as `AwsCallFailed`, classified once.

Steps are safe to run twice: TagResource and UntagResource are idempotent, UpdateContinuousBackups with the
live value succeeds, and the calls that refuse to repeat themselves (CreateTable "already exists", TTL
"already enabled", an update equal to the live value, a GSI that already exists) classify as AlreadyDone,
after which reconcile observes the table again instead of failing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.model import Step
from dynamotable.engine.observe_calls import call


def execute(factory: ClientFactory, step: Step, *, now: datetime | None = None) -> dict[str, Any]:
    """`now` dates a RateLimited error's `until` when AWS does not name the time."""
    return call(factory.client(step.service, step.region), step.operation, step.region, step.request, now=now)
