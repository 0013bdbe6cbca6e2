"""`dynamotable delete`: say what happens to each table, ask, delete, and say what was done.

Per table: deleted (deletionPolicy Delete; Snapshot after its final backup, whose ARN is shown), retained
(deletionPolicy Retain: our ownership tag is removed, the table and its data stay), blocked (deletion
protection, and how to lift it), or left in place (not ours, or managementPolicy Plan). Nothing to change: no
question, exit 0 (1 if a table is blocked).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console

from dynamotable.api.spec import DeletionPolicy, DynamoTable
from dynamotable.api.validation import OWNER_TAG
from dynamotable.commands.common import fail
from dynamotable.commands.confirm import allow_all, ask, read_only
from dynamotable.commands.options import PROGRESS_INTERVAL
from dynamotable.commands.passes import (
    Final,
    Key,
    Passes,
    Retry,
    deadline_lines,
    finish,
    key_of,
    run_passes,
    stop_on_interrupt,
    unfinished,
)
from dynamotable.commands.progress import Progress
from dynamotable.commands.target import Deadline, Target
from dynamotable.engine.errors import AwsCallFailed, Retryable
from dynamotable.engine.observe import observe
from dynamotable.engine.plan_delete import plan_delete
from dynamotable.engine.plan_snapshot import plan_snapshot_delete
from dynamotable.engine.reconcile import Outcome, delete
from dynamotable.engine.runner import RunState, TableRun, TableStopped


@dataclass(frozen=True)
class DeletePreview:
    manifest: DynamoTable
    region: str
    what: str  # what delete will do to the table, in words
    changes: bool  # whether it sends anything


def _preview(manifest: DynamoTable, region: str, owner: str, target: Target) -> DeletePreview:
    live = observe(target.factory, manifest, region=region)
    if live is not None and live.status != "DELETING":
        live_owner = live.tags.get(OWNER_TAG)
        if live_owner != owner:
            whose = f"it belongs to {live_owner}" if live_owner else "it was not created by this tool or operator"
            return DeletePreview(manifest, region, f"left in place: {whose}", False)
    if manifest.spec.deletion_policy == DeletionPolicy.SNAPSHOT:
        # what the first pass does: a final backup is looked for only once deleting (status.finalBackup)
        now = datetime.now(UTC)
        the_plan = plan_snapshot_delete(manifest, live, None, region=region, owner=owner, now=now)
    else:
        the_plan = plan_delete(manifest, live, region=region, owner=owner)
    if the_plan.kept is not None:
        return DeletePreview(manifest, region, f"nothing to do: {the_plan.kept}", False)
    stopper = next((b for b in the_plan.blocked if b.stops_all), None)
    if stopper is not None:
        return DeletePreview(manifest, region, f"blocked: {stopper.message}", False)
    policy = manifest.spec.deletion_policy.value
    if the_plan.waiting:
        what = f"deletionPolicy {policy}, once AWS is done ({'; '.join(the_plan.waiting)})"
        return DeletePreview(manifest, region, what, True)
    steps = "; then ".join(s.description for s in the_plan.steps)
    verb = "DELETE" if any(s.destructive for s in the_plan.steps) else "retain"
    return DeletePreview(manifest, region, f"{verb}: {steps}", True)


def delete_verdict(run: TableRun) -> str:
    operations = {getattr(s, "operation", "") for s in run.executed}
    if run.state == RunState.DONE:
        if "DeleteTable" in operations:
            backup = final_backup_arn(run)
            return f"deleted (final backup {backup})" if backup else "deleted"
        if "UntagResource" in operations:
            return f"retained (untagged: the {OWNER_TAG} tag was removed; the table and its data stay)"
        if "does not exist" in run.message:
            return "not found: nothing to delete"
        if "left in place" in run.message or "retained" in run.message:
            return f"left in place: {run.message}"
        return run.message or "done"
    if run.reason == "DeletionBlocked":
        return f"blocked: {run.message}"
    return unfinished(run)


def final_backup_arn(run: TableRun) -> str | None:
    """The ARN of the final backup deletionPolicy Snapshot made (status.finalBackup), if any."""
    outcome = run.last
    if not isinstance(outcome, Outcome) or outcome.status.final_backup is None:
        return None
    return outcome.status.final_backup.arn


def delete_tables(
    targets: Sequence[tuple[DynamoTable, str]],
    target: Target,
    *,
    deadline: Deadline,
    parallelism: int,
    output: str,
    auto_approve: bool = False,
    cluster_id: str | None = None,
    progress_interval: float = PROGRESS_INTERVAL,
) -> int:
    started = time.monotonic()
    err = Console(stderr=True, soft_wrap=True)
    passes = Passes(target, delete, cluster_id=cluster_id, policy=lambda m, r: allow_all, deadline=deadline)
    previews: dict[Key, DeletePreview] = {}

    def look(manifest: DynamoTable, region: str) -> Any:
        try:
            previews[key_of(manifest, region)] = _preview(manifest, region, passes.owner(manifest), target)
        except AwsCallFailed as exc:
            if isinstance(exc.classified, Retryable):
                return Retry(max(0.05, exc.classified.delay * target.timing.retry_scale))
            raise TableStopped(str(exc)) from exc
        return Final()

    looked = run_passes(targets, look, target, deadline=deadline, parallelism=parallelism)
    for run in looked:
        found = previews.get(key_of(run.manifest, run.region))
        err.print(
            f"{run.table} ({run.region}): {found.what if found else 'could not be read: ' + run.message}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    unread = [r for r in looked if key_of(r.manifest, r.region) not in previews]
    if unread:
        deadline_lines(unread, deadline)
        fail(f"{len(unread)} table(s) could not be read; nothing was deleted")
    if any(p.changes for p in previews.values()):
        asked = time.monotonic()
        ask(
            "Do you really want to delete? The tables above marked DELETE are deleted with their data; this "
            "cannot be undone.",
            auto_approve=auto_approve,
            refusal="delete needs confirmation; nothing was sent. Confirm on a terminal, or give --auto-approve",
            cancelled="delete cancelled; nothing was changed",
        )
        deadline.extend(time.monotonic() - asked)
    else:
        # nothing to change, so nothing to confirm: the passes run to report, and may only read
        click.echo("nothing to delete", err=True)
        passes = Passes(target, delete, cluster_id=cluster_id, policy=lambda m, r: read_only, deadline=deadline)
    progress = Progress(err, verb="delete", interval=progress_interval, verdict=delete_verdict)
    with stop_on_interrupt() as stop:
        runs = run_passes(
            targets, passes, target, deadline=deadline, parallelism=parallelism, stop=stop, progress=progress
        )
    return finish(
        "delete",
        runs,
        target,
        owner=passes.owner,
        verdict=delete_verdict,
        output=output,
        started=started,
        deadline=deadline,
        verified=None,
    )
