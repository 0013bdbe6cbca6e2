"""What `apply` and `delete` may send: confirmation of destructive plans, and the guard that enforces it.

A plan is destructive when a step deletes a table, deletes (or recreates) a GSI, deletes a replica, or disables
a stream (also to change its view type): `Step.destructive`. `apply` asks before such a plan, like `terraform
apply`: the user types `yes` on a terminal, or gives --auto-approve; without a terminal it refuses. `delete`
always asks (or needs --auto-approve).

What was approved is enforced where calls leave the process: `CallGuard` sees every mutating call of a
factory's clients before botocore builds the request, and checks it against the policy of the pass that makes
it (held per thread: one pass runs on one thread). A call outside any pass is refused (plan and the reads of
apply never mutate), so is a destructive call that was not in the approved plan, and, for a saved plan, any
call other than the next saved step. A refusal raises `StepRefused` before anything is sent; the runner then
stops that table with the message.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from dynamotable.aws.clients import ClientFactory
from dynamotable.commands.common import fail
from dynamotable.engine.model import Step, is_mutating, same_call
from dynamotable.engine.runner import TableStopped

Policy = Callable[[Step], None]  # raises StepRefused to refuse the call


class StepRefused(TableStopped):
    """A mutating call the policy of its pass does not allow; nothing was sent."""


def read_only(step: Step) -> None:
    raise StepRefused(f"refused {step.operation}: this pass may only read")


def allow_all(step: Step) -> None:
    return None


def approved_only(approved: Sequence[Step]) -> Policy:
    """Non-destructive calls go; a destructive one only when the approved plan holds the same call."""

    def check(step: Step) -> None:
        reason = step.destructive_reason
        if reason is None or any(same_call(step, a) for a in approved):
            return
        raise StepRefused(
            f"refused a destructive step that was not in the plan you approved (it {reason}); nothing was sent. "
            "Run apply again to review the new plan"
        )

    return check


class CallGuard:
    def __init__(self, factory: ClientFactory) -> None:
        self._local = threading.local()
        factory.add_hook("before-parameter-build", self._check)

    @contextmanager
    def policy(self, policy: Policy) -> Iterator[None]:
        """Calls made on this thread inside the block follow `policy`."""
        previous = getattr(self._local, "policy", None)
        self._local.policy = policy
        try:
            yield
        finally:
            self._local.policy = previous

    def _check(self, params: Any = None, model: Any = None, context: Any = None, **_: Any) -> None:
        if model is None or not is_mutating(model.name):
            return
        region = str((context or {}).get("client_region") or "")
        step = Step(model.name, region, dict(params or {}), description=f"{model.name} in {region}")
        policy: Policy = getattr(self._local, "policy", None) or read_only
        policy(step)


def destructive_steps(steps: Sequence[Step]) -> list[Step]:
    return [s for s in steps if s.destructive]


def ask(question: str, *, auto_approve: bool, refusal: str, cancelled: str) -> None:
    """Go on only after `yes` on a terminal, or with --auto-approve. Exits 1 otherwise (nothing was sent).

    refusal: the one-line error without a terminal; cancelled: the one after another answer than yes."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        fail(refusal)
    click.echo(f"\n{question}\n  Only 'yes' will be accepted to approve.\n", err=True)
    try:
        answer = click.prompt("  Enter a value", default="", show_default=False, err=True)
    except click.Abort:
        answer = ""
    if answer.strip() != "yes":
        fail(cancelled)
