"""`dynamotable plan | apply | delete | local`: the reconcile engine without a cluster."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import boto3
import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from dynamotable.api.spec import DynamoTable, ManagementPolicy
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.model import Plan, is_mutating
from dynamotable.engine.reconcile import Outcome, Timing, delete, reconcile
from dynamotable.engine.runner import Runner, RunState, TableRun

F = TypeVar("F", bound=Callable[..., Any])

# The embedded endpoint's default control-plane latency for --local: long enough that the waiting paths run
# (CREATING, UPDATING, GSI backfill, replica creation), short enough for a quick demo.
LOCAL_LATENCY = "create=1,update=0.5,delete=0.5,gsi_create=1,gsi_delete=0.5,replica=1"
LOCAL_TIMING = Timing(poll=0.2, poll_max=1.0, retry_scale=0.1, rate_limit_min=1.0, not_found_delay=0.1)
LOCAL_CREDENTIALS = Credentials("local", "local")  # the local endpoint accepts any credentials
# Ready reasons that make `plan` fail: apply could not go ahead without the user doing something first.
PLAN_ERRORS = frozenset({"AwsError", "InvalidSpec", "OwnershipConflict", "AdoptionRequired"})


def target_options(func: F) -> F:
    options = [
        click.option("--local", is_flag=True, help="Run against an embedded local DynamoDB started for this command."),
        click.option(
            "--endpoint-url", default=None, help="DynamoDB endpoint (e.g. one started by `dynamotable local`)."
        ),
        click.option(
            "--local-latency",
            default=LOCAL_LATENCY,
            show_default=True,
            help="With --local: seconds each control-plane transition lasts (one number, or name=seconds,...).",
        ),
        click.option(
            "-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_options(*, timeout: float) -> Callable[[F], F]:
    """--timeout and --parallelism of the commands that drive tables to an end state."""

    def decorate(func: F) -> F:
        func = click.option(
            "--parallelism",
            type=click.IntRange(1, 500),
            default=10,
            show_default=True,
            help="Control-plane operations in flight per (account, region).",
        )(func)
        return click.option(
            "--timeout", type=float, default=timeout, show_default=True, help="Seconds per table before giving up."
        )(func)

    return decorate


@dataclass
class Target:
    factory: ClientFactory
    timing: Timing
    label: str


@contextmanager
def connect(local: bool, endpoint_url: str | None, local_latency: str, *, pool: int = 10) -> Iterator[Target]:
    if local and endpoint_url:
        raise click.UsageError("give either --local or --endpoint-url, not both")
    if not local:
        # an endpoint on this machine is a local DynamoDB: its transitions take seconds, so poll like --local
        loopback = endpoint_url is not None and _is_loopback(endpoint_url)
        timing = LOCAL_TIMING if loopback else Timing()
        # a local endpoint accepts any credentials: don't make users invent some
        credentials = LOCAL_CREDENTIALS if loopback and boto3.Session().get_credentials() is None else None
        factory = ClientFactory(endpoint_url=endpoint_url, credentials=credentials, max_pool_connections=pool)
        yield Target(factory, timing, endpoint_url or "AWS")
        return
    from dynamotable.local import LocalEndpoint, parse_latency

    try:
        latency = parse_latency(local_latency)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--local-latency") from exc
    with LocalEndpoint(latency=latency) as endpoint:
        factory = ClientFactory(endpoint_url=endpoint.url, credentials=LOCAL_CREDENTIALS, max_pool_connections=pool)
        yield Target(factory, LOCAL_TIMING, f"embedded local DynamoDB ({endpoint.url})")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "localhost" or host.startswith("127.") or host == "::1"


class Passes:
    """Runs engine passes and carries each table's status from one pass to the next, as the cluster would."""

    def __init__(self, target: Target, fn: Callable[..., Outcome]) -> None:
        self._target = target
        self._fn = fn
        self._status: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, manifest: DynamoTable, region: str) -> Outcome:
        key = (region, manifest.table_name)
        with self._lock:
            status = self._status.get(key)
        if status is not None:
            manifest = manifest.model_copy(update={"status": status})
        outcome = self._fn(manifest, self._target.factory, region=region, timing=self._target.timing)
        with self._lock:
            self._status[key] = outcome.status.model_dump(by_alias=True, mode="json", exclude_none=True)
        return outcome


def _mutating_calls(factory: ClientFactory) -> int:
    return sum(n for op, n in factory.calls.items() if is_mutating(op))


def plan_only(manifest: DynamoTable) -> DynamoTable:
    spec = manifest.spec.model_copy(update={"management_policy": ManagementPolicy.PLAN})
    return manifest.model_copy(update={"spec": spec})


@dataclass
class TablePlan:
    manifest: DynamoTable
    region: str
    outcome: Outcome

    @property
    def plan(self) -> Plan:
        return self.outcome.plan or Plan()

    @property
    def error(self) -> str | None:
        for cond in self.outcome.status.conditions:
            if cond.type.value == "Ready" and cond.reason.value in PLAN_ERRORS:
                return f"{cond.reason.value}: {cond.message}"
        return None

    @property
    def changes(self) -> bool:
        # `done` only when the live table matches the spec; while AWS is busy the planner holds its steps back,
        # so a table that is still transitioning is not reported as converged
        return not self.outcome.done

    def to_json(self) -> dict[str, Any]:
        ready = next((c for c in self.outcome.status.conditions if c.type.value == "Ready"), None)
        return {
            "table": self.manifest.table_name,
            "region": self.region,
            "exists": self.outcome.status.table_arn is not None,
            "steps": [
                {"operation": s.operation, "region": s.region, "description": s.description} for s in self.plan.steps
            ],
            "waiting": list(self.plan.waiting),
            "blocked": [{"reason": b.reason, "field": b.field, "message": b.message} for b in self.plan.blocked],
            "drift": [{"field": d.field, "desired": d.desired, "live": d.live} for d in self.plan.drift],
            "ready": ready.status.value if ready else None,
            "reason": ready.reason.value if ready else None,
            "message": ready.message if ready else None,
        }


def make_plans(targets: Sequence[tuple[DynamoTable, str]], target: Target) -> list[TablePlan]:
    passes = Passes(target, reconcile)
    results: list[TablePlan] = []
    for manifest, region in targets:
        results.append(TablePlan(manifest, region, passes(plan_only(manifest), region)))
    return results


def print_plans(plans: Sequence[TablePlan], console: Console) -> None:
    for p in plans:
        head = f"[bold]{p.manifest.table_name}[/] ({p.region}, {p.manifest.owner_id})"
        if p.error:
            console.print(f"[red]![/] {head}: {p.error}")
            continue
        if not p.changes:
            console.print(f"[green]=[/] {head}: no changes")
            continue
        mark = "[green]+[/]" if p.outcome.status.table_arn is None else "[yellow]~[/]"
        console.print(f"{mark} {head}")
        for d in p.plan.drift:
            console.print(f"    drift: {d.field}: spec {d.desired}, live {d.live}")
        for i, step in enumerate(p.plan.steps, 1):
            console.print(f"    {i}. {step.description}  [dim]({step.operation}, {step.region})[/]")
        for w in p.plan.waiting:
            console.print(f"    waiting: {w}")
        for b in p.plan.blocked:
            console.print(f"    [red]blocked[/] ({b.reason}) {b.field}: {b.message}")
        if not (p.plan.steps or p.plan.waiting or p.plan.blocked):
            ready = next((c for c in p.outcome.status.conditions if c.type.value == "Ready"), None)
            console.print(f"    {ready.reason.value}: {ready.message}" if ready else "    not converged")
    changed = sum(1 for p in plans if p.changes)
    console.print(f"\n{changed} of {len(plans)} table(s) with changes")


def _state_style(state: RunState) -> str:
    return {RunState.DONE: "green", RunState.WAITING: "yellow", RunState.WORKING: "yellow"}.get(state, "red")


def results_table(runs: Sequence[TableRun], title: str) -> Table:
    table = Table(title=title)
    table.add_column("table", no_wrap=True)
    table.add_column("region", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("steps", justify="right")
    table.add_column("time", justify="right")
    table.add_column("detail", overflow="fold")
    for run in runs:
        detail = "" if run.state == RunState.DONE else run.message  # the steps were listed as they ran
        table.add_row(
            run.table,
            run.region,
            f"[{_state_style(run.state)}]{run.state.value}[/]",
            str(len(run.steps_done)),
            f"{run.elapsed:.1f}s",
            detail,
        )
    return table


def run_json(run: TableRun) -> dict[str, Any]:
    return {
        "table": run.table,
        "region": run.region,
        "state": run.state.value,
        "reason": run.reason,
        "message": run.message,
        "steps": run.steps_done,
        "seconds": round(run.elapsed, 3),
        "status": run.status.model_dump(by_alias=True, mode="json", exclude_none=True) if run.status else None,
    }


@contextmanager
def stop_on_interrupt() -> Iterator[threading.Event]:
    """Ctrl-C sets the event: the runner finishes the passes in flight and stops; a second Ctrl-C aborts."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo("\nstopping after the AWS calls in flight (Ctrl-C again to abort)", err=True)

    previous = signal.signal(signal.SIGINT, handler) if threading.current_thread() is threading.main_thread() else None
    try:
        yield stop
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def drive(
    targets: Sequence[tuple[DynamoTable, str]],
    pass_fn: Callable[[DynamoTable, str], Outcome],
    *,
    verb: str,
    parallelism: int,
    timeout: float,
    output: str,
) -> list[TableRun]:
    """Run the passes with progress on stderr (live on a terminal, a line per step otherwise)."""
    err = Console(stderr=True)
    live_view = output == "text" and err.is_terminal
    lock = threading.Lock()
    seen_steps: dict[int, int] = {}

    def on_change(run: TableRun) -> None:
        if live_view or output != "text":
            return
        with lock:
            done = seen_steps.get(id(run), 0)
            for step in run.steps_done[done:]:
                err.print(f"{run.table}: {step}", highlight=False, soft_wrap=True)
            seen_steps[id(run)] = len(run.steps_done)
            if run.state == RunState.DONE:
                err.print(f"{run.table}: {verb} done", highlight=False, soft_wrap=True)

    with stop_on_interrupt() as stop:
        runner = Runner(pass_fn, max_in_flight=parallelism, timeout=timeout, stop=stop, on_change=on_change)
        if not live_view:
            return runner.run(targets)
        result: list[TableRun] = []
        worker = threading.Thread(target=lambda: result.extend(runner.run(targets)), daemon=True)
        with Live(console=err, refresh_per_second=4, transient=True) as live:
            worker.start()
            while worker.is_alive():
                live.update(results_table(runner.current, f"{verb} in progress"))
                worker.join(0.25)
        return result


def summarize(runs: Sequence[TableRun], *, verb: str, output: str, extra: dict[str, Any] | None = None) -> int:
    failed = [r for r in runs if r.state != RunState.DONE]
    if output == "json":
        click.echo(json.dumps({"tables": [run_json(r) for r in runs], **(extra or {})}, indent=2))
    else:
        Console().print(results_table(runs, f"{verb}: {len(runs) - len(failed)} of {len(runs)} done"))
    return 1 if failed else 0


def apply_tables(
    targets: Sequence[tuple[DynamoTable, str]],
    target: Target,
    *,
    parallelism: int,
    timeout: float,
    output: str,
) -> int:
    started = time.monotonic()
    runs = drive(
        targets,
        Passes(target, reconcile),
        verb="apply",
        parallelism=parallelism,
        timeout=timeout,
        output=output,
    )
    extra: dict[str, Any] = {"seconds": round(time.monotonic() - started, 3)}
    if all(r.state == RunState.DONE for r in runs):
        # Prove it: a fresh plan against the same endpoint finds nothing to do and sends no mutating call.
        before = _mutating_calls(target.factory)
        plans = make_plans(targets, target)
        extra["verified"] = not any(p.changes or p.error for p in plans)
        extra["mutating_calls_during_verification"] = _mutating_calls(target.factory) - before
    code = summarize(runs, verb="apply", output=output, extra=extra)
    if output == "text" and "verified" in extra:
        note = "a fresh plan shows no changes" if extra["verified"] else "a fresh plan still shows changes"
        Console().print(f"verified: {note} ({extra['mutating_calls_during_verification']} mutating calls)")
    if extra.get("verified") is False:
        code = 1
    return code


def delete_tables(
    targets: Sequence[tuple[DynamoTable, str]],
    target: Target,
    *,
    parallelism: int,
    timeout: float,
    output: str,
) -> int:
    runs = drive(
        targets,
        Passes(target, delete),
        verb="delete",
        parallelism=parallelism,
        timeout=timeout,
        output=output,
    )
    return summarize(runs, verb="delete", output=output)
