"""Point 4: destructive plans need a yes (terminal) or --auto-approve; delete always does and says per table what
it did; plans that only create or change in place go without a question."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import Cli, Terminal, boto, create_ours, manifest, mutating

from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.commands.confirm import CallGuard, StepRefused, approved_only, read_only
from dynamotable.engine.model import Step
from dynamotable.local import Latency, LocalEndpoint

# ------------------------------------------------------------------------------- classification (pure)


@pytest.mark.parametrize(
    ("operation", "request_", "destructive", "long_running"),
    [
        ("DeleteTable", {"TableName": "t"}, True, False),
        (
            "UpdateTable",
            {"TableName": "t", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "g"}}]},
            True,
            False,
        ),
        ("UpdateTable", {"TableName": "t", "ReplicaUpdates": [{"Delete": {"RegionName": "us-west-2"}}]}, True, True),
        ("UpdateTable", {"TableName": "t", "StreamSpecification": {"StreamEnabled": False}}, True, False),
        (
            "UpdateTable",
            {"TableName": "t", "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "g"}}]},
            False,
            True,
        ),
        ("UpdateTable", {"TableName": "t", "ReplicaUpdates": [{"Create": {"RegionName": "us-west-2"}}]}, False, True),
        (
            "UpdateTable",
            {"TableName": "t", "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}},
            False,
            False,
        ),
        ("UpdateTable", {"TableName": "t", "BillingMode": "PAY_PER_REQUEST"}, False, False),
        ("CreateTable", {"TableName": "t"}, False, False),
        ("UntagResource", {"ResourceArn": "arn", "TagKeys": ["dynamotable.io/owner"]}, False, False),
        ("UpdateTimeToLive", {"TableName": "t", "TimeToLiveSpecification": {"Enabled": False}}, False, False),
    ],
    ids=[
        "delete-table",
        "delete-gsi",
        "delete-replica",
        "disable-stream",
        "create-gsi",
        "create-replica",
        "enable-stream",
        "billing",
        "create-table",
        "untag",
        "ttl-off",
    ],
)
def test_step_classification(operation: str, request_: dict[str, Any], destructive: bool, long_running: bool) -> None:
    step = Step(operation, "us-east-1", request_, "d")
    assert (step.destructive, step.long_running) == (destructive, long_running)
    assert (step.destructive_reason is not None) == destructive


def test_the_guard_refuses_before_anything_is_sent(endpoint: LocalEndpoint) -> None:
    endpoint.set_latency(Latency())
    factory = ClientFactory(endpoint_url=endpoint.url, credentials=Credentials("testing", "testing"), max_attempts=1)
    guard = CallGuard(factory)
    client = factory.dynamodb("us-east-1")
    boto(endpoint).create_table(
        TableName="guarded",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    endpoint.clear_requests()
    with guard.policy(approved_only([])), pytest.raises(StepRefused, match="not in the plan you approved"):
        client.delete_table(TableName="guarded")
    approved = Step("DeleteTable", "us-east-1", {"TableName": "other"}, "delete table other")
    with guard.policy(approved_only([approved])), pytest.raises(StepRefused):
        client.delete_table(TableName="guarded")  # another table's approval does not count
    with pytest.raises(StepRefused, match="may only read"):
        client.tag_resource(ResourceArn="arn:aws:dynamodb:us-east-1:123456789012:table/guarded", Tags=[])
    assert mutating(endpoint) == []
    with guard.policy(read_only):
        client.describe_table(TableName="guarded")  # reads always go
    with guard.policy(approved_only([Step("DeleteTable", "us-east-1", {"TableName": "guarded"}, "d")])):
        client.delete_table(TableName="guarded")
    assert [r.operation for r in mutating(endpoint)] == ["DeleteTable"]


# ------------------------------------------------------------------------------------------ the CLI


def test_apply_without_a_terminal_refuses_a_destructive_plan_unless_auto_approved(
    cli: Cli, endpoint: LocalEndpoint
) -> None:
    url = ["--endpoint-url", endpoint.url]
    create_ours(endpoint, gsi=True)
    endpoint.clear_requests()
    without_gsi = cli.write(manifest(), "without-gsi.yaml")
    refused = cli("apply", "-f", str(without_gsi), *url)
    assert refused.code == 1
    assert "- delete GSI ByStatus" in refused.err  # the plan is shown, destructive steps marked
    (line,) = refused.error_lines()
    assert "1 destructive step" in line and "nothing was sent" in line and "--auto-approve" in line
    assert mutating(endpoint) == []

    approved = cli("apply", "-f", str(without_gsi), *url, "--auto-approve")
    assert approved.code == 0, approved.err
    assert "GlobalSecondaryIndexes" not in boto(endpoint).describe_table(TableName="cli-carts")["Table"]


def test_apply_on_a_terminal_asks_and_only_yes_goes_ahead(
    cli: Cli, endpoint: LocalEndpoint, terminal: Callable[..., Terminal]
) -> None:
    url = ["--endpoint-url", endpoint.url]
    create_ours(endpoint, gsi=True)
    endpoint.clear_requests()
    without_gsi = str(cli.write(manifest(), "without-gsi.yaml"))

    term = terminal("apply", "-f", without_gsi, *url)
    term.read_until(lambda out: "Enter a value:" in out)
    assert "Only 'yes' will be accepted" in term.output
    term.send("no\n")
    assert term.wait() == 1
    assert "apply cancelled; nothing was changed" in term.output
    assert mutating(endpoint) == []

    term = terminal("apply", "-f", without_gsi, *url)
    term.read_until(lambda out: "Enter a value:" in out)
    term.send("yes\n")
    assert term.wait() == 0, term.output
    assert [r.operation for r in mutating(endpoint)] == ["UpdateTable"]


def test_a_destructive_step_that_shows_up_after_the_approved_plan_is_not_sent(cli: Cli) -> None:
    """AWS is busy when apply starts, so the plan holds no step yet; the GSI delete that turns up later was
    never approved: that table stops, and the delete is never sent."""
    clock = ManualClock()
    with LocalEndpoint(latency=Latency(create=5.0), clock=clock) as endpoint:
        boto(endpoint).create_table(
            TableName="cli-carts",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "status", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "ByStatus",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": "dynamotable.io/owner", "Value": "shop/carts"}],
        )
        endpoint.clear_requests()

        def finish_the_create_once_apply_waits() -> None:
            end = time.monotonic() + 20
            while time.monotonic() < end:
                # the initial plan's DescribeTable, then at least one of apply's own passes
                if sum(1 for r in endpoint.requests() if r.operation == "DescribeTable") >= 2:
                    clock.now += 10
                    return
                time.sleep(0.05)

        mover = threading.Thread(target=finish_the_create_once_apply_waits, daemon=True)
        mover.start()
        result = cli("apply", "-f", str(cli.write(manifest())), "--endpoint-url", endpoint.url, "--timeout", "20")
        mover.join(5)
        assert result.code == 1, result.err
        assert "refused a destructive step that was not in the plan you approved" in result.out + result.err
        assert mutating(endpoint) == []


def test_delete_asks_and_says_per_table_what_it_did(
    cli: Cli, endpoint: LocalEndpoint, terminal: Callable[..., Terminal]
) -> None:
    url = ["--endpoint-url", endpoint.url]
    tables = [
        manifest("cli-gone", policy="Delete", resource="gone"),
        manifest("cli-kept", policy="Retain", resource="kept"),
        manifest("cli-safe", policy="Delete", resource="safe", extra="  deletionProtection: true\n"),
    ]
    path = cli.write("---\n".join(tables))
    create_ours(endpoint, "cli-gone", resource="gone")
    create_ours(endpoint, "cli-kept", resource="kept")
    create_ours(endpoint, "cli-safe", resource="safe", protected=True)
    endpoint.clear_requests()

    refused = cli("delete", "-f", str(path), *url)
    assert refused.code == 1
    assert "cli-gone (us-east-1): DELETE: delete table cli-gone" in refused.err
    assert "cli-kept (us-east-1): retain: release table cli-kept" in refused.err
    assert "cli-safe (us-east-1): blocked: deletion protection is on" in refused.err
    assert "nothing was sent" in refused.error_lines()[0]
    assert mutating(endpoint) == []

    term = terminal("delete", "-f", str(path), *url, "-o", "json")
    term.read_until(lambda out: "Enter a value:" in out)
    term.send("yes\n")
    assert term.wait() == 1  # one table is blocked
    results = {r.table: r for r in parse_results(term.output)}
    assert results["cli-gone"].startswith("deleted")
    assert results["cli-kept"].startswith("retained (untagged")
    assert results["cli-safe"].startswith("blocked: deletion protection is on")
    names = boto(endpoint).list_tables()["TableNames"]
    assert sorted(names) == ["cli-kept", "cli-safe"]


class Named(str):
    table: str


def parse_results(output: str) -> list[Named]:
    import json

    start = output.index('{\r\n  "schemaVersion"') if '{\r\n  "schemaVersion"' in output else output.index("{")
    document = json.loads(output[start:].replace("\r\n", "\n"))
    out = []
    for table in document["tables"]:
        item = Named(table["result"])
        item.table = table["table"]
        out.append(item)
    return out


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delete_with_nothing_to_delete_asks_nothing(cli: Cli, endpoint: LocalEndpoint) -> None:
    result = cli(
        "delete",
        "-f",
        str(cli.write(manifest("cli-never-made", policy="Delete"))),
        "--endpoint-url",
        endpoint.url,
        "-o",
        "json",
    )
    assert result.code == 0, result.err
    assert "nothing to delete" in result.err
    (table,) = result.json()["tables"]
    assert table["result"] == "not found: nothing to delete"
    assert mutating(endpoint) == []
