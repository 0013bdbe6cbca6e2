"""Point 3: progress. Without a terminal: a line when each step starts and when it ends, and a 'still waiting'
line for a waiting table at least every --progress-interval seconds. On a terminal (a pty): the same lines,
above a live view of the tables."""

from __future__ import annotations

from collections.abc import Callable

import boto3
from botocore.config import Config
from cli_helpers import GSI, GSI_ATTRS, Cli, Terminal, manifest

from dynamotable.local import Latency, LocalEndpoint

SLOW_CREATE = Latency(create=1.5, gsi_create=0.5)
FREQUENT = ["--progress-interval", "0.3"]


def test_progress_lines_without_a_terminal(cli: Cli, endpoint: LocalEndpoint) -> None:
    endpoint.set_latency(SLOW_CREATE)
    path = cli.write(manifest(extra="  ttl: {enabled: true, attributeName: exp}\n"))
    result = cli("apply", "-f", str(path), "--endpoint-url", endpoint.url, *FREQUENT)
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    create = "create table cli-carts in us-east-1 (PAY_PER_REQUEST)"
    started = lines.index(f"cli-carts: started: {create}")
    (finished,) = [i for i, line in enumerate(lines) if line.startswith(f"cli-carts: finished: {create} (")]
    waiting = [line for line in lines[started:finished] if line.startswith("still waiting: cli-carts: ")]
    assert waiting, result.err  # 1.5 s of CREATING, a line at least every 0.3 s
    assert all("CREATING" in line and line.rstrip().endswith("s") for line in waiting)
    ttl = "enable TTL on attribute exp"
    assert lines.index(f"cli-carts: started: {ttl}") > finished
    assert f"cli-carts: finished: {ttl}" in lines
    assert lines[-1].startswith("cli-carts: converged (2 step(s))")


def test_on_a_terminal_the_step_lines_scroll_above_the_live_view(
    cli: Cli, endpoint: LocalEndpoint, terminal: Callable[..., Terminal]
) -> None:
    endpoint.set_latency(SLOW_CREATE)
    path = cli.write(manifest(attributes=GSI_ATTRS, extra=GSI))
    term = terminal("apply", "-f", str(path), "--endpoint-url", endpoint.url, *FREQUENT)
    assert term.wait() == 0, term.output
    out = term.output
    assert "apply in progress" in out  # the live view was drawn
    assert "[yellow]" not in out and "[/]" not in out  # styles rendered, not printed as markup
    assert "cli-carts: started: create table cli-carts in us-east-1" in out
    assert "cli-carts: finished: create table cli-carts in us-east-1" in out
    assert "cli-carts: converged" in out
    assert "apply: 1 of 1 done" in out  # the results table
    # the step lines came before the final view was cleared (they are printed above it, not after it)
    assert out.index("cli-carts: started: create table") < out.rindex("apply in progress")


def test_a24_an_import_shows_its_status_while_it_runs(cli: Cli, endpoint: LocalEndpoint) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    s3.create_bucket(Bucket="exports")
    s3.put_object(Bucket="exports", Key="carts/part-0.json", Body=b'{"Item": {"id": {"S": "a"}}}\n')
    endpoint.set_latency(Latency(table_import=1.5))
    source = "  source: {s3Import: {bucket: exports, keyPrefix: carts/, inputFormat: DYNAMODB_JSON}}\n"
    path = cli.write(manifest(extra=source))
    result = cli("apply", "-f", str(path), "--endpoint-url", endpoint.url, *FREQUENT)
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert "cli-carts: started: import table cli-carts in us-east-1 from s3://exports/carts/ (DYNAMODB_JSON)" in lines
    waiting = [line for line in lines if line.startswith("still waiting: cli-carts: ")]
    # The import is shown while it runs; a poll that lands after it completed, while the table is still CREATING,
    # says only that (a loaded machine makes that window likely).
    assert waiting and "import IN_PROGRESS" in waiting[0], result.err
    assert all("import IN_PROGRESS" in line or "import" not in line for line in waiting), result.err
    assert lines[-1].startswith("cli-carts: converged (2 step(s))")
