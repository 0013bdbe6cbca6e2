"""Options and input handling shared by the `dynamotable` commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import SpecError, validate_cluster_id
from dynamotable.loader import Checked, Document, LoadError, check, load, load_sources

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_REGION = "us-east-1"


def default_region() -> str:
    """The operator's own default (OperatorSettings.region), for commands that show what the operator does
    (export, iam-policy). plan/apply/delete/render/validate resolve their region in commands/regions.py."""
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


def optional_files_option(func: F) -> F:
    """-f for apply, which takes either manifests or a saved plan (--plan)."""
    return click.option(
        "-f",
        "--filename",
        "paths",
        multiple=True,
        help="Manifest file, directory (recursive *.yaml/*.yml) or - for stdin. Repeatable.",
    )(func)


def region_option(func: F) -> F:
    return click.option(
        "--region",
        default=None,
        help="Region for manifests without spec.region (default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1).",
    )(func)


def target_region_option(func: F) -> F:
    return click.option(
        "--region",
        default=None,
        help="Region for manifests without spec.region (default: $AWS_REGION, $AWS_DEFAULT_REGION, then the AWS "
        "profile's region; none otherwise, except us-east-1 with --local).",
    )(func)


def load_checked(paths: tuple[str, ...], region: str | None, *, found: list[str] | None = None) -> Checked:
    """Load and validate manifests (of `paths`, or of the files loader.sources `found`); print skipped-document
    notes; exit 1 on unreadable input."""
    try:
        loaded = load(paths) if found is None else load_sources(found)
    except LoadError as exc:
        fail(str(exc))
        raise AssertionError from exc  # unreachable: _fail exits
    for note in loaded.notes:
        click.echo(f"note: {note}", err=True)
    return check(loaded, default_region=region)


def check_regions(checked: Checked, problem: Callable[[str], str | None]) -> None:
    """Add an error for every spec.region and replica region that `problem` rejects (unknown regions)."""
    for doc, manifest in checked.manifests:
        replicas = [r.region for r in manifest.spec.replicas or []]
        checked.errors.extend((doc, e) for e in region_errors(manifest.spec.region, replicas, problem))


def region_errors(
    region: str | None, replica_regions: Sequence[str], problem: Callable[[str], str | None]
) -> list[SpecError]:
    """The errors check_regions gives a manifest with spec.region `region` and these replica regions."""
    places = [("spec.region", region)] + [(f"spec.replicas[{i}].region", r) for i, r in enumerate(replica_regions)]
    return [SpecError(path, why) for path, where in places if where and (why := problem(where))]


def targets_of(checked: Checked, region: str | None) -> list[tuple[DynamoTable, str]]:
    """(manifest, region) of every valid manifest; a manifest without spec.region and no default is an error."""
    out: list[tuple[DynamoTable, str]] = []
    for doc, manifest in checked.manifests:
        where = manifest.spec.region or region
        if where is None:
            fail_without_region(doc)
        out.append((manifest, where))
    return out


def fail_without_region(doc: Document) -> NoReturn:
    fail(
        f"{doc.where}: spec.region is not set and there is no default region: give --region, set "
        "AWS_REGION, or set a region in your AWS profile (`aws configure set region <region>`)"
    )


def exit_on_invalid(checked: Checked) -> None:
    if checked.errors:
        for line in checked.error_lines():
            click.echo(line, err=True)
        count = len(checked.errors)
        click.echo(f"{count} error{'s' if count != 1 else ''}; nothing was changed", err=True)
        sys.exit(1)


def _checked_cluster_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    problem = validate_cluster_id(value) if value is not None else None
    if problem is not None:
        fail(f"--cluster-id (or $DYNAMOTABLE_CLUSTER_ID): {problem}")
    return value


def cluster_id_option(func: F) -> F:
    """--cluster-id, refused in one line when it cannot be part of the ownership tag."""
    return _cluster_id_option(func, callback=_checked_cluster_id)


def unchecked_cluster_id_option(func: F) -> F:
    """--cluster-id for a command that judges it itself (iam-policy: only some of its outputs use it)."""
    return _cluster_id_option(func, callback=None)


def _cluster_id_option(func: F, *, callback: Any) -> F:
    return click.option(
        "--cluster-id",
        default=lambda: os.environ.get("DYNAMOTABLE_CLUSTER_ID") or None,
        callback=callback,
        help="The operator's cluster id ($DYNAMOTABLE_CLUSTER_ID): part of the ownership tag it writes.",
    )(func)


def write_files(output_dir: Path, files: Mapping[str, str]) -> None:
    """Write rendered files into `output_dir` (created if needed); a write error is a one-line failure."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        directory = str(output_dir)
        for name, text in files.items():
            _write(os.path.join(directory, name), text.encode("utf-8"))
    except OSError as exc:
        fail(f"{output_dir}: cannot write: {exc}")


def _write(path: str, data: bytes) -> None:
    """Path.write_bytes without its file object (10,000 files: a few tenths of a second less)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
