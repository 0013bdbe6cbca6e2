"""`dynamotable apply --plan FILE`: carry out a saved plan exactly (the rules are in saved_plan.py)."""

from __future__ import annotations

import time
from typing import Any

import click
from rich.console import Console

from dynamotable.api.spec import DynamoTable
from dynamotable.commands.common import fail
from dynamotable.commands.confirm import Policy, StepRefused
from dynamotable.commands.engine import apply_verdict, verified_line, verify
from dynamotable.commands.options import PROGRESS_INTERVAL
from dynamotable.commands.passes import Final, Key, Passes, Retry, finish, key_of, run_passes, stop_on_interrupt
from dynamotable.commands.progress import Progress
from dynamotable.commands.saved_plan import SavedPlan, SavedSteps
from dynamotable.commands.target import Deadline, Target
from dynamotable.engine.errors import AwsCallFailed, Retryable
from dynamotable.engine.model import Step, fingerprint, same_call
from dynamotable.engine.observe import observe
from dynamotable.engine.reconcile import Outcome, reconcile
from dynamotable.engine.runner import TableStopped


def apply_saved(
    saved: SavedPlan,
    target: Target,
    *,
    deadline: Deadline,
    parallelism: int,
    output: str,
    progress_interval: float = PROGRESS_INTERVAL,
) -> int:
    """Carry out a saved plan exactly (see saved_plan's docstring for the rules)."""
    started = time.monotonic()
    if saved.target != target.name:
        fail(
            f"{saved.path}: the plan was made against {saved.target}, this apply targets {target.name}: give the "
            "same --local / --endpoint-url as the plan"
        )
    owners = {(t.manifest.namespace, t.manifest.metadata.name): t.owner for t in saved.tables}
    targets = [(t.manifest, t.region) for t in saved.tables]

    def owner(manifest: DynamoTable) -> str:
        return owners[(manifest.namespace, manifest.metadata.name)]

    # 1. the live tables must be exactly as planned
    prints: dict[Key, str] = {}

    def look(manifest: DynamoTable, region: str) -> Any:
        try:
            prints[key_of(manifest, region)] = fingerprint(observe(target.factory, manifest, region=region))
        except AwsCallFailed as exc:
            if isinstance(exc.classified, Retryable):
                return Retry(max(0.05, exc.classified.delay * target.timing.retry_scale))
            raise TableStopped(str(exc)) from exc
        return Final()

    looked = run_passes(targets, look, target, deadline=deadline, parallelism=parallelism)
    stale = []
    for t, run in zip(saved.tables, looked, strict=True):
        now = prints.get(key_of(t.manifest, t.region))
        if now is None:
            stale.append(f"{t.manifest.table_name} ({t.region}): could not be read: {run.message}")
        elif now != t.observed:
            stale.append(f"{t.manifest.table_name} ({t.region}): the table changed since the plan was made")
    if stale:
        for line in stale:
            click.echo(f"error: stale plan: {line}", err=True)
        fail(f"{saved.path} is stale; nothing was sent. Run plan again")

    # 2. exactly the saved steps, in order
    queues = {key_of(t.manifest, t.region): SavedSteps(t.steps) for t in saved.tables}

    def policy(manifest: DynamoTable, region: str) -> Policy:
        steps = queues[key_of(manifest, region)]

        def check(step: Step) -> None:
            want = steps.next
            if want is None:
                raise StepRefused(
                    f"stale plan: every saved step ran, but the table now needs {step.operation} in {step.region}; "
                    "it changed while the plan ran. Nothing more was sent for it: run plan again"
                )
            if not same_call(step, want):
                raise StepRefused(
                    f"stale plan: the next saved step is '{want.description}', but the table now needs another "
                    f"call ({step.operation} in {step.region}); nothing was sent for it. Run plan again"
                )

        return check

    passes = Passes(target, reconcile, policy=policy, owner=owner, deadline=deadline)

    def one(manifest: DynamoTable, region: str) -> Outcome:
        steps = queues[key_of(manifest, region)]
        outcome = passes(manifest, region)
        if outcome.executed is not None:
            steps.done += 1
        if outcome.done and steps.next is not None:
            raise StepRefused(
                f"stale plan: the table matches its manifest before the saved step '{steps.next.description}' "
                "ran; it was changed by someone else. Run plan again"
            )
        return outcome

    progress = Progress(
        Console(stderr=True, soft_wrap=True), verb="apply", interval=progress_interval, verdict=apply_verdict
    )
    with stop_on_interrupt() as stop:
        runs = run_passes(
            targets, one, target, deadline=deadline, parallelism=parallelism, stop=stop, progress=progress
        )
    verified = verify(targets, target, runs, deadline=deadline, parallelism=parallelism, cluster_id=None, owner=owner)
    code = finish(
        "apply",
        runs,
        target,
        owner=owner,
        verdict=apply_verdict,
        output=output,
        started=started,
        deadline=deadline,
        verified=verified,
    )
    if output == "text":
        verified_line(verified)
    return code
