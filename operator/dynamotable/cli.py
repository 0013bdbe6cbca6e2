"""The `dynamotable` command line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from dynamotable import __version__
from dynamotable.loader import Checked, LoadError, check, load

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_REGION = "us-east-1"


def default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def files_option(func: F) -> F:
    return click.option(
        "-f",
        "--filename",
        "paths",
        multiple=True,
        required=True,
        help="Manifest file, directory (recursive *.yaml/*.yml) or - for stdin. Repeatable.",
    )(func)


def region_option(func: F) -> F:
    return click.option(
        "--region",
        default=None,
        help="Region for manifests without spec.region (default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1).",
    )(func)


def load_checked(paths: tuple[str, ...], region: str) -> Checked:
    """Load and validate manifests; print skipped-document notes; exit 1 on unreadable input."""
    try:
        loaded = load(paths)
    except LoadError as exc:
        _fail(str(exc))
        raise AssertionError from exc  # unreachable: _fail exits
    for note in loaded.notes:
        click.echo(f"note: {note}", err=True)
    return check(loaded, default_region=region)


def exit_on_invalid(checked: Checked) -> None:
    if checked.errors:
        for line in checked.error_lines():
            click.echo(line, err=True)
        count = len(checked.errors)
        click.echo(f"{count} error{'s' if count != 1 else ''}; nothing was changed", err=True)
        sys.exit(1)


def handle_keyboard_interrupt(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


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
def render_command(paths: tuple[str, ...], region: str | None, output_dir: Path | None) -> None:
    """Terraform (aws_dynamodb_table + import block) for the manifests: one .tf per table plus versions.tf."""
    from dynamotable.terraform.render import render_files

    provider_region = region or default_region()
    checked = load_checked(paths, provider_region)
    exit_on_invalid(checked)
    files = render_files([m for _, m in checked.manifests], provider_region=provider_region)
    if output_dir is None:
        for name, text in files.items():
            click.echo(f"# ---- {name} ----")
            click.echo(text, nl=False)
        return
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (output_dir / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{output_dir}: cannot write: {exc}")
    click.echo(f"wrote {len(files)} files to {output_dir}", err=True)


if __name__ == "__main__":
    main()
