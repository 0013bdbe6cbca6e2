"""Point 2: --timeout is one deadline for the whole command, noticed in the middle of a wait; AWS that does not
answer at all is retried for a bounded time, then one line and exit 1.

No assertion is on speed: the subprocess is bounded by a generous timeout so that a hang fails, and the tests
assert what the command says and its exit status."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from cli_helpers import Cli, closed_port, manifest

from dynamotable.api.status import DynamoTableStatus
from dynamotable.api.validation import parse_manifest
from dynamotable.commands.target import connect
from dynamotable.engine.runner import Runner, RunState
from dynamotable.local import Latency, LocalEndpoint


def test_apply_deadline_names_each_unfinished_table_and_what_it_waits_for(cli: Cli, endpoint: LocalEndpoint) -> None:
    """Like `apply --local --local-latency create=30 --timeout 3`, on the test's endpoint."""
    endpoint.set_latency(Latency(create=30))
    first = manifest("cli-slow-a")
    second = manifest("cli-slow-b", resource="carts-b")
    path = cli.write(first + "---\n" + second)
    result = cli("apply", "-f", str(path), "--endpoint-url", endpoint.url, "--timeout", "3")
    assert result.code == 1
    lines = result.error_lines()
    for table in ("cli-slow-a", "cli-slow-b"):
        (line,) = [x for x in lines if f" {table} (us-east-1) " in x]
        assert "deadline of 3s reached" in line
        assert "waits for" in line and "CREATING" in line
    assert "Traceback" not in result.err


def test_an_endpoint_that_does_not_answer_is_one_line_and_exit_1(cli: Cli) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    path = cli.write(manifest())
    runs = [([command, "-f", str(path), "--endpoint-url", url, "--timeout", "2"], {}) for command in ("plan", "apply")]
    for result in cli.many(*runs):
        assert result.code == 1, result.err
        (line,) = result.error_lines()
        assert line.startswith(f"error: cannot reach DynamoDB at {url}")
        assert "connection refused" in line and "dynamotable local" in line
        assert "Traceback" not in result.err


# ----------------------------------------------------------------------------------- the runner itself


@dataclass(frozen=True)
class Waiting:
    requeue_after: float | None = 3600.0
    done: bool = False
    executed: None = None
    status: DynamoTableStatus = field(default_factory=DynamoTableStatus)


def table(name: str):  # type: ignore[no-untyped-def]
    return parse_manifest(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": name},
            "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
        }
    )


def test_the_deadline_cuts_a_long_requeue_wait() -> None:
    """The requeue wait asked for is an hour; the run still ends at its deadline."""
    passes: list[str] = []

    def one_pass(m, region):  # type: ignore[no-untyped-def]
        passes.append(m.table_name)
        return Waiting()

    finished = threading.Event()
    result: list[object] = []

    def go() -> None:
        result.extend(Runner(one_pass, timeout=0.3).run([(table("slow"), "us-east-1")]))
        finished.set()

    threading.Thread(target=go, daemon=True).start()
    assert finished.wait(30), "the run did not end at its deadline"
    (run,) = result
    assert run.state == RunState.TIMED_OUT  # type: ignore[attr-defined]
    assert passes == ["slow"]  # one pass, then only the (cut) wait


def test_a_pass_hung_in_an_aws_call_is_abandoned_at_the_deadline() -> None:
    release = threading.Event()

    def one_pass(m, region):  # type: ignore[no-untyped-def]
        release.wait(30)  # a call that does not come back
        return Waiting(requeue_after=None, done=True)

    try:
        start = time.monotonic()
        (run,) = Runner(one_pass, timeout=0.3, grace=0.1).run([(table("hung"), "us-east-1")])
        assert time.monotonic() - start < 25, "the runner waited for the hung pass"
        assert run.state == RunState.TIMED_OUT
        assert "its first pass is still in flight" in run.message
    finally:
        release.set()


def test_abort_ends_the_run_at_once() -> None:
    abort = threading.Event()

    def one_pass(m, region):  # type: ignore[no-untyped-def]
        abort.set()
        return Waiting(requeue_after=0.01)

    (run,) = Runner(one_pass, timeout=60, abort=abort).run([(table("abort-me"), "us-east-1")])
    assert run.state == RunState.INTERRUPTED


def test_a_single_call_is_bounded_by_the_deadline() -> None:
    """botocore's own connect/read timeouts and retries are short, and never longer than the deadline."""
    with connect(False, "http://127.0.0.1:1", "0", timeout=2.0) as target:
        config = target.factory.dynamodb("us-east-1").meta.config
    assert config.connect_timeout <= 2.0 and config.read_timeout <= 2.0
    assert config.retries["total_max_attempts"] <= 3
    with connect(False, "http://127.0.0.1:1", "0", timeout=3600.0) as target:
        config = target.factory.dynamodb("us-east-1").meta.config
    assert config.connect_timeout <= 5.0 and config.read_timeout <= 30.0
