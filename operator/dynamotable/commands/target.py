"""Where plan/apply/delete send their calls: AWS, an endpoint URL, or a local DynamoDB (`--local`).

Calls are bounded: short connect/read timeouts and few attempts per call, so no single call outlives the
command's deadline by much; the factory's clients are watched for reachability (aws.clients.Reachability)
and guarded (confirm.CallGuard).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import click

from dynamotable.api.spec import DynamoTable
from dynamotable.aws.clients import ClientFactory, Credentials, Reachability, is_loopback_url
from dynamotable.aws.limits import DEFAULT_REQUESTS_PER_SECOND, DEFAULT_TABLE_OPERATIONS, ControlPlaneLimits
from dynamotable.commands import local_state
from dynamotable.commands.common import fail
from dynamotable.commands.confirm import CallGuard
from dynamotable.commands.regions import aws_session, require_credentials
from dynamotable.engine.reconcile import Timing

# The embedded endpoint's default control-plane latency for --local: long enough that the waiting paths run
# (CREATING, UPDATING, GSI backfill, replica creation), short enough for a quick demo.
LOCAL_TIMING = Timing(poll=0.2, poll_max=1.0, retry_scale=0.1, rate_limit_min=1.0, not_found_delay=0.1)
LOCAL_CREDENTIALS = Credentials("local", "local")  # the local endpoint accepts any credentials
CONNECT_TIMEOUT = 5.0  # per attempt; AWS answers a TCP connect in milliseconds
READ_TIMEOUT = 30.0  # per attempt; control-plane calls answer in well under a second
CLI_MAX_ATTEMPTS = 2  # botocore retries per call (3 attempts in all); the engine retries on top, within the deadline


@dataclass
class Target:
    factory: ClientFactory
    timing: Timing
    label: str
    kind: str = "endpoint"  # "aws" | "endpoint" | "local"
    endpoint_url: str | None = None
    reach: Reachability | None = None
    guard: CallGuard | None = None
    noted: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        """What a saved plan records as its target: "aws", "local", or the endpoint URL."""
        if self.kind == "endpoint" and self.endpoint_url:
            return self.endpoint_url
        return self.kind

    def watched(self) -> Target:
        self.reach = Reachability(self.factory)
        self.guard = CallGuard(self.factory)
        return self


class Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self.end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - self._clock())

    def extend(self, seconds: float) -> None:
        """Time spent waiting for a person (the confirmation prompt) does not count."""
        self.end += seconds


def check_endpoint_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fix = f"http://{url}" if "://" not in url else "http://HOST:PORT or https://HOST"
        fail(f"--endpoint-url {url!r} is not an http(s) URL: write it with its scheme, e.g. {fix}")


def pacing() -> ControlPlaneLimits:
    """The AWS pacing of this command [A18]: its --max-requests-per-second and --max-table-operations."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    operations = int(meta.get("dynamotable.max_table_operations") or DEFAULT_TABLE_OPERATIONS)
    return ControlPlaneLimits(
        requests_per_second=float(meta.get("dynamotable.max_requests_per_second") or DEFAULT_REQUESTS_PER_SECOND),
        table_operations=operations,
        indexed_creates=max(1, operations // 2),
    )


@contextmanager
def connect(
    local: bool,
    endpoint_url: str | None,
    local_latency: str,
    *,
    pool: int = 10,
    timeout: float = 3600.0,
    sandbox: Sequence[tuple[DynamoTable, str]] = (),
) -> Iterator[Target]:
    """The AWS the command talks to. `sandbox`: tables whose restore or import sources the embedded endpoint makes
    first (apply --local only: commands/sandbox_sources.py)."""
    if local and endpoint_url:
        raise click.UsageError("give either --local or --endpoint-url, not both")
    limits: dict[str, Any] = {
        "connect_timeout": min(CONNECT_TIMEOUT, max(1.0, timeout)),
        "read_timeout": min(READ_TIMEOUT, max(1.0, timeout)),
        "max_attempts": CLI_MAX_ATTEMPTS,
        "max_pool_connections": pool,
        "limits": pacing(),
    }
    if not local:
        if endpoint_url is not None:
            check_endpoint_url(endpoint_url)
        session = aws_session()
        # an endpoint on this machine is a local DynamoDB: its transitions take seconds, so poll like --local
        loopback = endpoint_url is not None and is_loopback_url(endpoint_url)
        credentials = None
        if loopback and session.get_credentials() is None:
            credentials = LOCAL_CREDENTIALS  # a local endpoint accepts any credentials: don't make users invent some
        elif not loopback:
            require_credentials(session)
        factory = ClientFactory(endpoint_url=endpoint_url, credentials=credentials, **limits)
        label = endpoint_url or factory.endpoint_for("dynamodb") or "AWS"
        kind = "endpoint" if endpoint_url else "aws"
        yield Target(factory, LOCAL_TIMING if loopback else Timing(), label, kind, endpoint_url).watched()
        return
    running = local_state.running()
    if running is not None:
        factory = ClientFactory(endpoint_url=running.url, credentials=LOCAL_CREDENTIALS, **limits)
        label = f"the running `dynamotable local` ({running.url}, pid {running.pid})"
        yield Target(factory, LOCAL_TIMING, label, "local", running.url).watched()
        return
    from dynamotable.commands.sandbox_sources import make_missing_sources
    from dynamotable.local import LocalEndpoint, Rules, parse_latency

    try:
        latency = parse_latency(local_latency)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--local-latency") from exc
    # its endpoint starts empty: the Kinesis streams a manifest streams to are made when it does
    with LocalEndpoint(latency=latency, rules=Rules(make_missing_streams=True)) as endpoint:
        factory = ClientFactory(endpoint_url=endpoint.url, credentials=LOCAL_CREDENTIALS, **limits)
        for note in make_missing_sources(factory, sandbox):
            click.echo(note, err=True)
        label = f"embedded local DynamoDB ({endpoint.url})"
        yield Target(factory, LOCAL_TIMING, label, "local", endpoint.url).watched()
