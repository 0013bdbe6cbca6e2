"""The `dynamotable` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from dynamotable import __version__
from dynamotable.api.spec import DynamoTable
from dynamotable.commands.common import (
    cluster_id_option,
    default_region,
    exit_on_invalid,
    fail,
    files_option,
    load_checked,
    region_option,
    write_files,
)
from dynamotable.commands.engine import (
    apply_tables,
    connect,
    delete_tables,
    make_plans,
    print_plans,
    run_options,
    target_options,
)
from dynamotable.commands.export import export_command
from dynamotable.commands.iam import iam_policy_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dynamotable")
def main() -> None:
    """DynamoDB tables as Kubernetes resources: validate, render Terraform, plan and apply."""


@main.command("crd")
def crd_command() -> None:
    """Print the DynamoTable CustomResourceDefinition YAML."""
    from dynamotable.api.crd import crd_yaml

    click.echo(crd_yaml(), nl=False)


@main.command("validate")
@files_option
@region_option
def validate_command(paths: tuple[str, ...], region: str | None) -> None:
    """Check manifests; list every error as file:document: field: message."""
    checked = load_checked(paths, region or default_region())
    exit_on_invalid(checked)
    count = len(checked.manifests)
    click.echo(f"{count} DynamoTable manifest{'s' if count != 1 else ''} valid")


@main.command("render")
@files_option
@region_option
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@cluster_id_option
def render_command(paths: tuple[str, ...], region: str | None, output_dir: Path | None, cluster_id: str | None) -> None:
    """Terraform (aws_dynamodb_table + import block) for the manifests: one .tf per table plus versions.tf."""
    from dynamotable.terraform.render import render_files

    provider_region = region or default_region()
    checked = load_checked(paths, provider_region)
    exit_on_invalid(checked)
    files = render_files([m for _, m in checked.manifests], provider_region=provider_region, cluster_id=cluster_id)
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
    verbose: bool,
    debug: bool,
) -> None:
    """Run the operator (kopf) against a cluster; settings come from DYNAMOTABLE_* environment variables."""
    from pydantic import ValidationError

    from dynamotable.operator.kube import LoginFailed
    from dynamotable.operator.runtime import Login, Operator, configure_logging
    from dynamotable.operator.settings import OperatorSettings

    if namespaces and all_namespaces:
        fail("give either -n/--namespace or -A/--all-namespaces, not both")
    if standalone and peering:
        fail("give either --standalone or --peering, not both")
    if liveness_port is not None and liveness_url is not None:
        fail("give either --liveness-port or --liveness, not both")
    try:
        settings = OperatorSettings()
    except ValidationError as exc:
        fail(f"bad DYNAMOTABLE_* setting: {exc}")
    configure_logging(log_format, verbose=verbose, debug=debug)
    liveness = liveness_url or (f"http://0.0.0.0:{liveness_port}/healthz" if liveness_port else None)
    operator = Operator(settings, login=Login(kubeconfig=kubeconfig, context=context))
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


def _targets(paths: tuple[str, ...], region: str | None) -> list[tuple[DynamoTable, str]]:
    default = region or default_region()
    checked = load_checked(paths, default)
    exit_on_invalid(checked)
    return [(m, m.region_or(default)) for _, m in checked.manifests]


@main.command("plan")
@files_option
@region_option
@target_options
def plan_command(
    *,
    paths: tuple[str, ...],
    region: str | None,
    local: bool,
    endpoint_url: str | None,
    local_latency: str,
    output: str,
) -> None:
    """Show what apply would do. Exit 0: no changes, 2: changes, 1: error. Sends no mutating call."""
    targets = _targets(paths, region)
    with connect(local, endpoint_url, local_latency) as target:
        plans = make_plans(targets, target)
    if output == "json":
        click.echo(json.dumps({"tables": [p.to_json() for p in plans]}, indent=2))
    else:
        print_plans(plans, Console())
    if any(p.error for p in plans):
        sys.exit(1)
    sys.exit(2 if any(p.changes for p in plans) else 0)


@main.command("apply")
@files_option
@region_option
@target_options
@run_options(timeout=3600.0)
def apply_command(
    *,
    paths: tuple[str, ...],
    region: str | None,
    local: bool,
    endpoint_url: str | None,
    local_latency: str,
    output: str,
    timeout: float,
    parallelism: int,
) -> None:
    """Create or update the tables until they match their manifests."""
    targets = _targets(paths, region)
    with connect(local, endpoint_url, local_latency, pool=parallelism) as target:
        if output == "text":
            click.echo(f"applying {len(targets)} table(s) on {target.label}", err=True)
        code = apply_tables(targets, target, parallelism=parallelism, timeout=timeout, output=output)
    sys.exit(code)


@main.command("delete")
@files_option
@region_option
@target_options
@run_options(timeout=1800.0)
def delete_command(
    *,
    paths: tuple[str, ...],
    region: str | None,
    local: bool,
    endpoint_url: str | None,
    local_latency: str,
    output: str,
    timeout: float,
    parallelism: int,
) -> None:
    """Delete the tables of the manifests, honouring deletionPolicy (Retain keeps the table, drops our tag)."""
    targets = _targets(paths, region)
    with connect(local, endpoint_url, local_latency, pool=parallelism) as target:
        code = delete_tables(targets, target, parallelism=parallelism, timeout=timeout, output=output)
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

    Web pages cannot use it: responses carry no CORS headers, requests with another Origin are refused, and
    on a loopback --host (the default) so are Host names that are not loopback (DNS rebinding). moto's
    /moto-api/ answers 404 unless --enable-moto-api.
    """
    from dynamotable.local import LocalEndpoint, parse_faults, parse_latency, serve_forever

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
    serve_forever(endpoint, announce=lambda url: click.echo(f"local DynamoDB listening on {url} (Ctrl-C stops)"))


main.add_command(iam_policy_command, "iam-policy")
main.add_command(export_command, "export")


if __name__ == "__main__":
    main()
