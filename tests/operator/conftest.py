"""Fixtures of the operator tests; the harness itself (kmock Emulator, Harness) is in operator_harness.py."""

from __future__ import annotations

import asyncio
import itertools
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from operator_harness import REGION, Emulator, Harness, describe_loop, fast_settings, register_resources

from dynamotable.local import Latency, LocalEndpoint, Rules
from status_checks import check


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture(scope="module")
def local_endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def endpoint(local_endpoint: LocalEndpoint) -> LocalEndpoint:
    """The session's endpoint, emptied; transitions take a few milliseconds so waiting paths are exercised."""
    local_endpoint.reset()
    local_endpoint.set_latency(Latency(create=0.05, update=0.05, delete=0.05, gsi_create=0.1, gsi_delete=0.05))
    local_endpoint.set_rules(Rules())
    local_endpoint.clear_requests()
    return local_endpoint


_namespaces = itertools.count(1)


@pytest.fixture
def kmock_options(kmock_options: dict[str, Any]) -> dict[str, Any]:
    return {**kmock_options, "cls": Emulator}


# Before pytest-timeout (180 s) ends a hung operator test, say what the event loop was doing: pytest-timeout
# dumps the threads, but a hang on the loop is in its tasks (and in whether its clock still moves, under looptime).
HANG_REPORT_AFTER = 150.0


def _report_hang(loop: asyncio.AbstractEventLoop) -> None:
    sys.stderr.write(describe_loop(loop))
    sys.stderr.flush()


@pytest.fixture
async def harness(kmock: Emulator, endpoint: LocalEndpoint, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    register_resources(kmock)
    h = Harness(k=kmock, endpoint=endpoint, namespace=f"ns{next(_namespaces)}", settings=fast_settings(endpoint))
    watchdog = threading.Timer(HANG_REPORT_AFTER, _report_hang, args=(asyncio.get_running_loop(),))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield h
    finally:
        watchdog.cancel()
        await h.stop()
    _check_written_statuses(kmock, request.node.nodeid)


def _check_written_statuses(k: Emulator, where: str) -> None:
    """Every DynamoTable version stored during the test reads right in kstatus and Argo CD (status_checks.py)."""
    for obj in k.written:
        check(obj, where)
