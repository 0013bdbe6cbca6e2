"""The `dynamotable` command line.

Exit codes (docs/cli.md has the table): `plan` 0 = no changes, 2 = changes pending (waits and rate limits
too), 1 = anything else; every other command 0 = done, 1 = not. Usage errors (an unknown option, a bad value)
are one line and exit 1: click's own exit status 2 would read as "plan: changes pending".
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from dynamotable import __version__
from dynamotable.commands.common import (
    check_regions,
    cluster_id_option,
    exit_on_invalid,
    fail,
    files_option,
    load_checked,
    optional_files_option,
    target_region_option,
    targets_of,
    write_files,
)
from dynamotable.commands.export import export_command
from dynamotable.commands.iam import iam_policy_command
from dynamotable.commands.options import run_options, target_options
from dynamotable.commands.regions import check_default_region, default_region, unknown_region

if TYPE_CHECKING:
    from dynamotable.api.spec import DynamoTable

# plan, apply and delete import what carries them out (the engine, boto3's clients, rich) when they run.


class OneLineUsageError(click.ClickException):
    """A click usage error shown as one line, with exit status 1."""

    exit_code = 1

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(error.format_message())
        self.command_path = error.ctx.command_path if error.ctx is not None else "dynamotable"

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()} (see '{self.command_path} --help')", err=True)


class Cli(click.Group):
    """The `dynamotable` group: usage errors anywhere below it become OneLineUsageError."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            click.echo(self.get_help(click.Context(self, info_name=info_name)))
            sys.exit(0)
        except click.UsageError as exc:
            raise OneLineUsageError(exc) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise OneLineUsageError(exc) from exc


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dynamotable")
def main() -> None:
    """DynamoDB tables as Kubernetes resources: validate, render Terraform, plan and apply."""


@main.command("crd")
def crd_command() -> None:
    """Print the DynamoTable CustomResourceDefinition YAML."""
    from dynamotable.api.crd import crd_yaml

    click.echo(crd_yaml(), nl=False)


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a DynamoTable manifest, for editors (docs/editor-schema.md)."""
    from dynamotable.api.json_schema import json_schema_text

    click.echo(json_schema_text(), nl=False)


@main.command("validate")
@files_option
@target_region_option
def validate_command(paths: tuple[str, ...], region: str | None) -> None:
    """Check manifests; list every error as file:document: field: message."""
    choice = default_region(region)
    check_default_region(choice)
    checked = load_checked(paths, choice.region)
    check_regions(checked, unknown_region)
    exit_on_invalid(checked)
    if choice.region is None and any(not m.spec.region for _, m in checked.manifests):
        click.echo(
            "note: no default region (--region, AWS_REGION, AWS profile): manifests without spec.region were "
            "checked without a region; plan and apply will need one",
            err=True,
        )
    count = len(checked.manifests)
    click.echo(f"{count} DynamoTable manifest{'s' if count != 1 else ''} valid")


@main.command("render")
@files_option
@target_region_option
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@cluster_id_option
def render_command(paths: tuple[str, ...], region: str | None, output_dir: Path | None, cluster_id: str | None) -> None:
    """Terraform (aws_dynamodb_table + import block) for the manifests: one .tf per table plus versions.tf."""
    from dynamotable.commands.render import render

    choice = default_region(region)
    check_default_region(choice)
    files = render(paths, choice.region, cluster_id)
    if output_dir is None:
        for name, text in files.items():
            click.echo(f"# ---- {name} ----")
            click.echo(text, nl=False)
        return
    write_files(output_dir, files)
    click.echo(f"wrote {len(files)} files to {output_dir}", err=True)


@main.command("run")
@click.option("-n", "--namespace", "namespaces", multiple=True, help="Watch this namespace (repeatable; globs ok).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Watch all namespaces (the default without -n).")
@click.option(
    "--kubeconfig",
    type=click.Path(dir_okay=False),
    default=None,
    help="Kubeconfig file (default: in-cluster, then $KUBECONFIG or ~/.kube/config).",
)
@click.option("--context", default=None, help="Kubeconfig context (default: the current one).")
@click.option("--liveness-port", type=int, default=None, help="Serve liveness on http://0.0.0.0:PORT/healthz.")
@click.option(
    "--liveness",
    "liveness_url",
    default=None,
    help="Liveness endpoint URL, kopf style (e.g. http://0.0.0.0:8080/healthz).",
)
@click.option("--metrics-port", type=int, default=9090, show_default=True, help="Prometheus /metrics port; 0 disables.")
@click.option("--log-format", type=click.Choice(["full", "plain", "json"]), default="full", show_default=True)
@click.option("--standalone", is_flag=True, help="No peering (the default unless --peering is given).")
@click.option("--peering", default=None, help="kopf peering object name: hot standby among replicas.")
@click.option("--priority", type=int, default=0, help="Peering priority of this replica (higher wins).")
@click.option(
    "--shard-count",
    type=click.IntRange(1, 64),
    default=None,
    help="Number of shards (docs/scaling.md; default: $DYNAMOTABLE_SHARD_COUNT, else no sharding). Needs --peering.",
)
@click.option(
    "--shard-index",
    type=click.IntRange(0, 63),
    default=None,
    help="This process's shard, 0 .. count-1 (default: $DYNAMOTABLE_SHARD_INDEX, else 0).",
)
@click.option("-v", "--verbose", is_flag=True)
@click.option("--debug", is_flag=True)
def run_command(
    *,
    namespaces: tuple[str, ...],
    all_namespaces: bool,
    kubeconfig: str | None,
    context: str | None,
    liveness_port: int | None,
    liveness_url: str | None,
    metrics_port: int,
    log_format: str,
    standalone: bool,
    peering: str | None,
    priority: int,
    shard_count: int | None,
    shard_index: int | None,
    verbose: bool,
    debug: bool,
) -> None:
    """Run the operator (kopf) against a cluster; settings come from DYNAMOTABLE_* environment variables."""
    from pydantic import ValidationError

    from dynamotable.operator.kube import LoginFailed
    from dynamotable.operator.runtime import Login, Operator, ShardingNeedsPeering, configure_logging
    from dynamotable.operator.settings import OperatorSettings

    if namespaces and all_namespaces:
        fail("give either -n/--namespace or -A/--all-namespaces, not both")
    if standalone and peering:
        fail("give either --standalone or --peering, not both")
    if liveness_port is not None and liveness_url is not None:
        fail("give either --liveness-port or --liveness, not both")
    shard_options: dict[str, Any] = {"shard_count": shard_count, "shard_index": shard_index}
    try:
        settings = OperatorSettings(**{k: v for k, v in shard_options.items() if v is not None})
    except ValidationError as exc:
        fail(f"bad DYNAMOTABLE_* setting: {exc}")
    configure_logging(log_format, verbose=verbose, debug=debug)
    liveness = liveness_url or (f"http://0.0.0.0:{liveness_port}/healthz" if liveness_port else None)
    try:
        operator = Operator(
            settings, login=Login(kubeconfig=kubeconfig, context=context), peering=peering, namespaces=namespaces
        )
    except ShardingNeedsPeering as exc:
        fail(str(exc))
    try:
        operator.run(
            namespaces=namespaces,
            peering=peering,
            priority=priority,
            liveness_endpoint=liveness,
            metrics_port=metrics_port or None,
        )
    except LoginFailed as exc:
        fail(str(exc))


def _targets(paths: tuple[str, ...], region: str | None, *, local: bool) -> list[tuple[DynamoTable, str]]:
    choice = default_region(region, local=local)
    check_default_region(choice)
    checked = load_checked(paths, choice.region)
    check_regions(checked, unknown_region)
    exit_on_invalid(checked)
    return targets_of(checked, choice.region)


@main.command("plan")
@files_option
@target_region_option
@target_options
@cluster_id_option
@run_options(timeout=600.0, drives=False)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Save the plan to this file (JSON) for `apply --plan FILE`.",
)
def plan_command(
    *,
    paths: tuple[str, ...],
    region: str | None,
    local: bool,
    endpoint_url: str | None,
    local_latency: str,
    output: str,
    cluster_id: str | None,
    timeout: float,
    parallelism: int,
    out: Path | None,
) -> None:
    """Show what apply would do. Exit 0: no changes, 2: changes, 1: error. Sends no mutating call."""
    from rich.console import Console

    from dynamotable.commands.engine import make_plans, plan_exit_code, plan_report
    from dynamotable.commands.report import print_plans
    from dynamotable.commands.target import Deadline, connect

    started = time.monotonic()
    deadline = Deadline(timeout)
    targets = _targets(paths, region, local=local)
    with connect(local, endpoint_url, local_latency, pool=parallelism, timeout=timeout) as target:
        plans = make_plans(
            targets,
            target,
            deadline=deadline,
            parallelism=parallelism,
            cluster_id=cluster_id,
            fingerprints=out is not None,
        )
    if output == "json":
        click.echo(json.dumps(plan_report(plans, target, time.monotonic() - started, saved=False), indent=2))
    else:
        print_plans(plans, Console(soft_wrap=True))
    code = plan_exit_code(plans)
    if out is not None:
        if code == 1:
            fail(f"the plan has errors; {out} was not written")
        waiting = [p.manifest.table_name for p in plans if p.plan.waiting]
        if waiting:
            fail(
                f"AWS is busy with {', '.join(waiting)}, so their steps are not known yet; {out} was not written. "
                "Plan again when AWS is done"
            )
        from dynamotable.commands.saved_plan import write

        write(out, plan_report(plans, target, time.monotonic() - started, saved=True))
        click.echo(f"saved the plan to {out}; carry it out with: dynamotable apply --plan {out}", err=True)
    sys.exit(code)


@main.command("apply")
@optional_files_option
@target_region_option
@target_options
@cluster_id_option
@run_options(timeout=3600.0)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Carry out exactly this saved plan (from `plan --out`) instead of -f; refused when the tables changed.",
)
def apply_command(
    *,
    paths: tuple[str, ...],
    region: str | None,
    local: bool,
    endpoint_url: str | None,
    local_latency: str,
    output: str,
    cluster_id: str | None,
    timeout: float,
    parallelism: int,
    auto_approve: bool,
    progress_interval: float,
    plan_file: Path | None,
) -> None:
    """Create or update the tables until they match their manifests (asks before destructive steps)."""
    from dynamotable.commands.engine import apply_tables
    from dynamotable.commands.saved_apply import apply_saved
    from dynamotable.commands.target import Deadline, connect

    deadline = Deadline(timeout)
    if plan_file is not None:
        if paths:
            raise click.UsageError("give either -f or --plan, not both (a saved plan holds its manifests)")
        from dynamotable.commands.saved_plan import read

        saved = read(plan_file)
        for table in saved.tables:
            problem = unknown_region(table.region)
            if problem:
                fail(f"{plan_file}: {table.manifest.table_name}: {problem}")
        with connect(local, endpoint_url, local_latency, pool=parallelism, timeout=timeout) as target:
            click.echo(
                f"applying the saved plan {plan_file} ({len(saved.tables)} table(s)) on {target.label}", err=True
            )
            code = apply_saved(
                saved,
                target,
                deadline=deadline,
                parallelism=parallelism,
                output=output,
                progress_interval=progress_interval,
            )
        sys.exit(code)
    if not paths:
        raise click.UsageError("give -f with manifests, or --plan with a saved plan")
    targets = _targets(paths, region, local=local)
    with connect(local, endpoint_url, local_latency, pool=parallelism, timeout=timeout, sandbox=targets) as target:
        click.echo(f"applying {len(targets)} table(s) on {target.label}", err=True)
        code = apply_tables(
            targets,
            target,
            deadline=deadline,
            parallelism=parallelism,
            output=output,
            auto_approve=auto_approve,
            cluster_id=cluster_id,
            progress_interval=progress_interval,
        )
    sys.exit(code)


@main.command("delete")
@files_option
@target_region_option
@target_options
@cluster_id_option
@run_options(timeout=1800.0)
def delete_command(
    *,
    paths: tuple[str, ...],
    region: str | None,
    local: bool,
    endpoint_url: str | None,
    local_latency: str,
    output: str,
    cluster_id: str | None,
    timeout: float,
    parallelism: int,
    auto_approve: bool,
    progress_interval: float,
) -> None:
    """Delete the tables of the manifests, honouring deletionPolicy (Retain keeps the table, drops our tag).

    Shows what it will do to each table and asks first (or needs --auto-approve)."""
    from dynamotable.commands.deletion import delete_tables
    from dynamotable.commands.target import Deadline, connect

    deadline = Deadline(timeout)
    targets = _targets(paths, region, local=local)
    with connect(local, endpoint_url, local_latency, pool=parallelism, timeout=timeout) as target:
        click.echo(f"deleting {len(targets)} table(s) on {target.label}", err=True)
        code = delete_tables(
            targets,
            target,
            deadline=deadline,
            parallelism=parallelism,
            output=output,
            auto_approve=auto_approve,
            cluster_id=cluster_id,
            progress_interval=progress_interval,
        )
    sys.exit(code)


@main.command("local")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--latency", default="0", show_default=True, help="Seconds each transition lasts: N or create=2,update=1,..."
)
@click.option(
    "--faults", default="", help="Fault rates, e.g. throttle=0.1,server_error=0.02,drop_connection=0.01,seed=7."
)
@click.option(
    "--enable-moto-api",
    is_flag=True,
    help="Also serve moto's unauthenticated /moto-api/ (dashboard, data.json dump, reset, seed, state manager, "
    "recorder). Off by default: anything that can reach the port could read or wipe every table.",
)
def local_command(host: str, port: int, latency: str, faults: str, enable_moto_api: bool) -> None:
    """Serve the embedded DynamoDB (moto with AWS's control-plane behaviour) until Ctrl-C.

    While it runs, `plan`, `apply` and `delete` with --local use it (it records its URL in
    $XDG_RUNTIME_DIR/dynamotable/local.json, or ~/.cache/dynamotable/local.json, and removes it on exit).

    Web pages cannot use it: responses carry no CORS headers, requests with another Origin are refused, and
    on a loopback --host (the default) so are Host names that are not loopback (DNS rebinding). moto's
    /moto-api/ answers 404 unless --enable-moto-api.
    """
    import dynamotable.local
    from dynamotable.commands import local_state
    from dynamotable.local import LocalEndpoint, parse_faults, parse_latency

    try:
        endpoint = LocalEndpoint(
            latency=parse_latency(latency),
            faults=parse_faults(faults),
            host=host,
            port=port,
            enable_moto_api=enable_moto_api,
        )
    except ValueError as exc:
        fail(str(exc))

    def announce(url: str) -> None:
        state = local_state.record(url)
        click.echo(f"local DynamoDB listening on {url} (Ctrl-C stops); `--local` commands use it (see {state})")

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # serve_forever stops cleanly, and the state file goes

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        dynamotable.local.serve_forever(endpoint, announce=announce)
    finally:
        signal.signal(signal.SIGTERM, previous)
        local_state.forget()


main.add_command(iam_policy_command, "iam-policy")
main.add_command(export_command, "export")


if __name__ == "__main__":
    main()
