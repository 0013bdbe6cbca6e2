"""What `plan`, `apply` and `delete` print: the plan for people, and one versioned JSON report for machines.

The JSON (`-o json`, and the file `plan --out` writes) follows plan.schema.json next to this module,
`schemaVersion` 1: `{"schemaVersion": 1, "command": ..., "target": ..., "summary": {...}, "tables": [...]}`.
Values are typed (booleans are booleans, counts are integers, what is unknown or absent is null), and every
table has every key. Words: a difference between the spec and the live table is a "change"; the CLI does not
know what was last applied, so it never calls one "drift".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape

from dynamotable.api.spec import DynamoTable
from dynamotable.api.status import ConditionType
from dynamotable.engine.model import Blocked, Drift, Plan, Step
from dynamotable.engine.reconcile import Outcome
from dynamotable.engine.runner import RunState, TableRun

SCHEMA_VERSION = 1
# Ready reasons and blocked reasons that make a plan fail: apply could not converge without the user acting.
PLAN_ERRORS = frozenset(
    {
        "AwsError",
        "InvalidSpec",
        "OwnershipConflict",
        "AdoptionRequired",
        "ReplacementRequired",
        "DeletionBlocked",
        "TableMissing",
    }
)


@dataclass
class TablePlan:
    """The plan of one table: the outcome of a plan-only pass, or why there is none (`failure`)."""

    manifest: DynamoTable
    region: str
    owner: str
    outcome: Outcome | None = None
    failure: str | None = None
    fingerprint: str | None = None  # of the live table the plan was made against (plan --out)

    @property
    def plan(self) -> Plan:
        return (self.outcome.plan if self.outcome is not None else None) or Plan()

    def ready(self) -> tuple[str | None, str | None]:
        if self.outcome is None:
            return None, None
        ready = next((c for c in self.outcome.status.conditions if c.type == ConditionType.READY), None)
        return (ready.reason.value, ready.message) if ready else (None, None)

    @property
    def error(self) -> str | None:
        if self.failure is not None:
            return self.failure
        reason, message = self.ready()
        if reason in PLAN_ERRORS:
            return f"{reason}: {message}"
        blocked = next((b for b in self.plan.blocked if b.reason in PLAN_ERRORS), None)
        if blocked is not None:
            return f"{blocked.reason}: {blocked.field}: {blocked.message}"
        return None

    @property
    def changes(self) -> bool:
        # `done` only when the live table matches the spec; while AWS is busy the planner holds its steps back,
        # so a table that is still transitioning is not reported as converged
        return self.outcome is None or not self.outcome.done

    @property
    def state(self) -> str:
        if self.error:
            return "error"
        return "changes" if self.changes else "unchanged"

    @property
    def exists(self) -> bool | None:
        return _exists(self.outcome)


def _exists(outcome: Outcome | None) -> bool | None:
    """Whether the table existed when last observed. A table that is not ours is never recorded in the status
    (no ARN), but the reasons that say so imply it exists."""
    if outcome is None:
        return None
    ready = next((c for c in outcome.status.conditions if c.type == ConditionType.READY), None)
    if ready is not None and ready.reason.value in ("AdoptionRequired", "OwnershipConflict"):
        return True
    return outcome.status.table_arn is not None


# ---------------------------------------------------------------------------------------------- JSON


def step_json(step: Step) -> dict[str, Any]:
    return {
        "service": step.service,
        "operation": step.operation,
        "region": step.region,
        "replicaRegion": step.replica_region,
        "description": step.description,
        "destructive": step.destructive,
        "destructiveReason": step.destructive_reason,
        "longRunning": step.long_running,
        "request": _jsonable(step.request),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(_jsonable(v) for v in value)
    return value


def _blocked_json(blocked: Sequence[Blocked]) -> list[dict[str, Any]]:
    return [{"reason": b.reason, "field": b.field, "message": b.message} for b in blocked]


def _changes_json(changes: Sequence[Drift]) -> list[dict[str, Any]]:
    return [{"field": d.field, "desired": d.desired, "live": d.live} for d in changes]


def _table_json(
    manifest: DynamoTable,
    region: str,
    owner: str,
    *,
    state: str,
    outcome: Outcome | None,
    steps: Sequence[Step],
    reason: str | None,
    message: str | None,
    seconds: float | None,
    result: str | None,
) -> dict[str, Any]:
    plan = (outcome.plan if outcome is not None else None) or Plan()
    status = outcome.status if outcome is not None else None
    return {
        "table": manifest.table_name,
        "region": region,
        "resource": f"{manifest.namespace}/{manifest.metadata.name}",
        "owner": owner,
        "state": state,
        "exists": _exists(outcome),
        "reason": reason or None,
        "message": message or None,
        "steps": [step_json(s) for s in steps],
        "waiting": list(plan.waiting),
        "blocked": _blocked_json(plan.blocked),
        "changes": _changes_json(plan.drift),
        "tableArn": status.table_arn if status is not None else None,
        "tableStatus": status.table_status if status is not None else None,
        "finalBackupArn": status.final_backup.arn if status is not None and status.final_backup else None,
        "seconds": None if seconds is None else round(seconds, 3),
        "result": result,
        "saved": None,
    }


def plan_table_json(tp: TablePlan) -> dict[str, Any]:
    reason, message = tp.ready()
    if tp.failure is not None:
        reason, message = "Unfinished", tp.failure
    elif reason == "PlanOnly":  # the engine's words for managementPolicy Plan; the CLI planned on purpose
        message = f"{len(tp.plan.steps)} step(s) pending: " + "; ".join(tp.plan.descriptions())
    return _table_json(
        tp.manifest,
        tp.region,
        tp.owner,
        state=tp.state,
        outcome=tp.outcome,
        steps=tp.plan.steps,
        reason=reason,
        message=message,
        seconds=None,
        result=None,
    )


def run_table_json(run: TableRun, owner: str, result: str | None) -> dict[str, Any]:
    outcome = run.last if isinstance(run.last, Outcome) else None
    steps = [s for s in run.executed if isinstance(s, Step)]
    return _table_json(
        run.manifest,
        run.region,
        owner,
        state=run.state.value,
        outcome=outcome,
        steps=steps,
        reason=run.reason,
        message=run.message,
        seconds=run.elapsed,
        result=result,
    )


def report(command: str, target: str, table_list: list[dict[str, Any]], /, **summary: Any) -> dict[str, Any]:
    """The whole report; `summary` gives the counts (plan_summary, run_summary)."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "command": command,
        "target": target,
        "summary": summary,
        "tables": table_list,
    }


def _step_counts(steps: Sequence[Step]) -> dict[str, int]:
    return {
        "steps": len(steps),
        "destructive": sum(1 for s in steps if s.destructive),
        "longRunning": sum(1 for s in steps if s.long_running),
    }


def plan_summary(plans: Sequence[TablePlan], seconds: float) -> dict[str, Any]:
    steps = [s for p in plans for s in p.plan.steps]
    errors = sum(1 for p in plans if p.state == "error")
    changed = sum(1 for p in plans if p.state == "changes")
    return {
        "tables": len(plans),
        "unchanged": sum(1 for p in plans if p.state == "unchanged"),
        "changed": changed,
        "errors": errors,
        **_step_counts(steps),
        "waiting": sum(1 for p in plans if p.plan.waiting),
        "converged": errors == 0 and changed == 0,
        "verified": None,
        "seconds": round(seconds, 3),
    }


def run_summary(runs: Sequence[TableRun], seconds: float, verified: bool | None) -> dict[str, Any]:
    steps = [s for r in runs for s in r.executed if isinstance(s, Step)]
    done = [r for r in runs if r.state == RunState.DONE]
    return {
        "tables": len(runs),
        "unchanged": sum(1 for r in done if not r.executed),
        "changed": sum(1 for r in runs if r.executed),
        "errors": len(runs) - len(done),
        **_step_counts(steps),
        "waiting": sum(1 for r in runs if r.state == RunState.TIMED_OUT),
        "converged": len(done) == len(runs),
        "verified": verified,
        "seconds": round(seconds, 3),
    }


# ---------------------------------------------------------------------------------------------- text


def step_line(step: Step) -> str:
    """A step for people: what it does, the call and where, and whether it destroys or takes long."""
    text = step.description
    if step.replica_region and step.replica_region not in text:
        text += f" (replica in {step.replica_region})"
    notes = [f"{step.operation}, {step.region}"]
    if step.long_running:
        notes.append("long-running")
    line = f"{escape(text)}  [dim]({', '.join(notes)})[/]"
    if step.destructive:
        line = f"[red]-[/] {line}  [red]destructive: {escape(step.destructive_reason or '')}[/]"
    return line


def print_plans(plans: Sequence[TablePlan], console: Console) -> None:
    for p in plans:
        head = f"[bold]{escape(p.manifest.table_name)}[/] ({p.region}, {escape(p.owner)})"
        if p.error:
            console.print(f"[red]![/] {head}: {escape(p.error)}")
            for b in p.plan.blocked:
                console.print(f"    [red]blocked[/] ({b.reason}) {escape(b.field)}: {escape(b.message)}")
            continue
        if not p.changes:
            console.print(f"[green]=[/] {head}: no changes")
            continue
        mark = "[green]+[/]" if not p.exists else "[yellow]~[/]"
        console.print(f"{mark} {head}")
        for d in p.plan.drift:
            console.print(f"    change: {escape(d.field)}: spec {escape(d.desired)}, live {escape(d.live)}")
        for i, step in enumerate(p.plan.steps, 1):
            console.print(f"    {i}. {step_line(step)}")
        for w in p.plan.waiting:
            console.print(f"    waiting: {escape(w)}")
        for b in p.plan.blocked:
            console.print(f"    [red]blocked[/] ({b.reason}) {escape(b.field)}: {escape(b.message)}")
        if not (p.plan.steps or p.plan.waiting or p.plan.blocked):
            reason, message = p.ready()
            console.print(f"    {reason}: {escape(message or '')}" if reason else "    not converged")
    summary = plan_summary(plans, 0.0)
    extra = []
    if summary["destructive"]:
        extra.append(f"{summary['destructive']} destructive")
    if summary["longRunning"]:
        extra.append(f"{summary['longRunning']} long-running")
    detail = f" ({', '.join(extra)})" if extra else ""
    console.print(
        f"\nPlan: {summary['tables']} table(s): {summary['changed']} with changes, {summary['unchanged']} "
        f"unchanged, {summary['errors']} with errors; {summary['steps']} step(s){detail}"
    )
