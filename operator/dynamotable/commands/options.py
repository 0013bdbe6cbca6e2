"""The options plan, apply and delete share (--local, --timeout, --parallelism, ...), apart from the modules
that carry them out, so the CLI declares its commands without importing the engine, rich or the AWS clients
(`render` and `validate` start faster)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from dynamotable.aws.limits import (
    AWS_CONTROL_PLANE_RPS,
    AWS_TABLE_OPERATIONS,
    DEFAULT_REQUESTS_PER_SECOND,
    DEFAULT_TABLE_OPERATIONS,
)

F = TypeVar("F", bound=Callable[..., Any])

LOCAL_LATENCY = "create=1,update=0.5,delete=0.5,gsi_create=1,gsi_delete=0.5,replica=1"
PROGRESS_INTERVAL = 15.0  # seconds between "still waiting" lines of one table


def _keep_in_meta(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The pacing options are read where the AWS clients are made (commands.target.connect), not by each command."""
    ctx.meta[f"dynamotable.{param.name}"] = value
    return value


def target_options(func: F) -> F:
    options = [
        click.option(
            "--local",
            is_flag=True,
            help="Run against the running `dynamotable local`, or else an embedded local DynamoDB started for "
            "this command.",
        ),
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
        click.option(
            "--max-requests-per-second",
            type=click.FloatRange(min=0.1, max=AWS_CONTROL_PLANE_RPS),
            default=DEFAULT_REQUESTS_PER_SECOND,
            show_default=True,
            expose_value=False,
            callback=_keep_in_meta,
            help="DynamoDB requests (retries included) this command sends per second per region at most; AWS "
            f"throttles above {AWS_CONTROL_PLANE_RPS:,} per account and region.",
        ),
        click.option(
            "--max-table-operations",
            type=click.IntRange(min=1, max=AWS_TABLE_OPERATIONS),
            default=DEFAULT_TABLE_OPERATIONS,
            show_default=True,
            expose_value=False,
            callback=_keep_in_meta,
            help="Tables this command keeps in a create, update or delete at once per region (creates with "
            f"indexes: half as many); AWS refuses more than {AWS_TABLE_OPERATIONS} per account and region.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def run_options(*, timeout: float, drives: bool = True) -> Callable[[F], F]:
    """--timeout and --parallelism; with `drives` (apply, delete) also --auto-approve and --progress-interval."""

    def decorate(func: F) -> F:
        if drives:
            func = click.option(
                "--progress-interval",
                type=click.FloatRange(min=0.05),
                default=PROGRESS_INTERVAL,
                show_default=True,
                help="Seconds between the 'still waiting' lines of a table that waits on AWS.",
            )(func)
            func = click.option(
                "--auto-approve",
                is_flag=True,
                help="Do not ask before destructive steps (apply) or deleting (delete); needed without a terminal.",
            )(func)
        func = click.option(
            "--parallelism",
            type=click.IntRange(1, 500),
            default=10,
            show_default=True,
            help="Control-plane operations in flight per (account, region).",
        )(func)
        return click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=timeout,
            show_default=True,
            help="Deadline in seconds for the whole command; at the deadline it ends with exit 1, naming each "
            "unfinished table and what it waits for.",
        )(func)

    return decorate
