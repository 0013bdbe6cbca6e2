"""Fixtures of tests/cli (helpers are in cli_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import Cli, Terminal

from dynamotable.local import Latency, LocalEndpoint


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture(scope="module")
def module_endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def endpoint(module_endpoint: LocalEndpoint) -> LocalEndpoint:
    """The module's endpoint, emptied; transitions end by the next request (tests of waiting set a latency)."""
    module_endpoint.reset()
    module_endpoint.set_latency(Latency())
    module_endpoint.clear_requests()
    return module_endpoint


@pytest.fixture
def terminal(cli: Cli) -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Terminal:
        term = Terminal(cli.command(*args), {**cli.env, **(env or {})}, cli.tmp)
        started.append(term)
        return term

    yield start
    for term in started:
        if term.proc.poll() is None:
            term.proc.kill()
            term.proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def no_machine_aws_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process code (connect(), ClientFactory) reads no AWS config of this machine either."""
    empty = tmp_path_factory.mktemp("aws") / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
