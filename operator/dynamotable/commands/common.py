"""Options and input handling shared by the `dynamotable` commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from dynamotable.loader import Checked, LoadError, check, load

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_REGION = "us-east-1"


def default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def fail(message: str) -> NoReturn:
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
        fail(str(exc))
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


def cluster_id_option(func: F) -> F:
    return click.option(
        "--cluster-id",
        default=lambda: os.environ.get("DYNAMOTABLE_CLUSTER_ID") or None,
        help="The operator's cluster id ($DYNAMOTABLE_CLUSTER_ID): part of the ownership tag it writes.",
    )(func)


def write_files(output_dir: Path, files: Mapping[str, str]) -> None:
    """Write rendered files into `output_dir` (created if needed); a write error is a one-line failure."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (output_dir / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output_dir}: cannot write: {exc}")
