"""Point 5: `plan --out FILE` saves every step with a fingerprint of each live table; `apply --plan FILE` carries
out exactly those steps, and refuses a stale plan with exit 1 and nothing sent."""

from __future__ import annotations

import json
import subprocess
import time

from cli_helpers import GSI, GSI_ATTRS, Cli, boto, create_ours, manifest, mutating

from dynamotable.engine.model import ObservedTable, fingerprint
from dynamotable.local import Latency, LocalEndpoint

TTL = "  ttl: {enabled: true, attributeName: expiresAt}\n"


def test_a_saved_plan_holds_every_step_and_apply_runs_exactly_them(cli: Cli, endpoint: LocalEndpoint) -> None:
    url = ["--endpoint-url", endpoint.url]
    plan_file = cli.tmp / "plan.json"
    planned = cli("plan", "-f", str(cli.write(manifest(extra=TTL))), *url, "--out", str(plan_file))
    assert planned.code == 2, planned.err
    saved = json.loads(plan_file.read_text())
    (table,) = saved["tables"]
    # create, (wait for ACTIVE), then TTL: all in the file
    assert [s["operation"] for s in table["steps"]] == ["CreateTable", "UpdateTimeToLive"]
    assert table["saved"]["observedSha256"] == fingerprint(None)  # planned against "no table"
    assert saved["target"] == endpoint.url
    assert mutating(endpoint) == []

    applied = cli("apply", "--plan", str(plan_file), *url)
    assert applied.code == 0, applied.err
    assert [r.operation for r in mutating(endpoint)] == ["CreateTable", "UpdateTimeToLive"]
    ttl = boto(endpoint).describe_time_to_live(TableName="cli-carts")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiresAt"


def test_a_stale_plan_is_refused_and_nothing_is_sent(cli: Cli, endpoint: LocalEndpoint) -> None:
    url = ["--endpoint-url", endpoint.url]
    create_ours(endpoint)
    plan_file = cli.tmp / "plan.json"
    with_tags = cli.write(manifest(extra="  tags: {team: carts}\n"), "tagged.yaml")
    assert cli("plan", "-f", str(with_tags), *url, "--out", str(plan_file)).code == 2

    # someone changes the table after the plan was made
    client = boto(endpoint)
    arn = client.describe_table(TableName="cli-carts")["Table"]["TableArn"]
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "cost-center", "Value": "42"}])
    endpoint.clear_requests()

    refused = cli("apply", "--plan", str(plan_file), *url)
    assert refused.code == 1
    assert "error: stale plan: cli-carts (us-east-1): the table changed since the plan was made" in refused.err
    assert mutating(endpoint) == []


def test_a_damaged_or_foreign_plan_file_is_one_line(cli: Cli, endpoint: LocalEndpoint) -> None:
    url = ["--endpoint-url", endpoint.url]
    plan_file = cli.tmp / "plan.json"
    assert cli("plan", "-f", str(cli.write(manifest())), *url, "--out", str(plan_file)).code == 2
    document = json.loads(plan_file.read_text())
    document["tables"][0]["saved"]["manifest"]["spec"]["tableName"] = "someone-elses"
    plan_file.write_text(json.dumps(document))
    damaged, both = cli.many(
        (["apply", "--plan", str(plan_file), *url], {}), (["apply", "--plan", str(plan_file), "-f", "x.yaml", *url], {})
    )
    assert damaged.code == 1
    (line,) = damaged.error_lines()
    assert "does not match its manifestSha256" in line
    assert mutating(endpoint) == []
    assert both.code == 1 and "either -f or --plan" in both.err


def test_the_fingerprint_is_of_the_normalized_table() -> None:
    def table(**changes: object) -> ObservedTable:
        base: dict[str, object] = {
            "name": "t",
            "region": "us-east-1",
            "arn": "arn:aws:dynamodb:us-east-1:123456789012:table/t",
            "status": "ACTIVE",
            "hash_key": "id",
            "range_key": None,
            "attribute_types": {"id": "S"},
            "billing_mode": "PAY_PER_REQUEST",
            "tags": {"a": "1", "b": "2"},
        }
        return ObservedTable(**{**base, **changes})  # type: ignore[arg-type]

    assert fingerprint(table()) == fingerprint(table(tags={"b": "2", "a": "1"}))  # order does not matter
    assert fingerprint(table()) != fingerprint(table(tags={"a": "1"}))
    assert fingerprint(table()) != fingerprint(table(status="UPDATING"))
    assert fingerprint(table()) != fingerprint(None)


def test_a_table_that_moves_while_the_plan_runs_stops_as_stale(cli: Cli) -> None:
    """Between the saved steps the engine observes again; when the next call it needs is not the next saved
    step (here someone set TTL meanwhile), that table stops and the saved step is not sent."""
    clock = ManualClock()
    with LocalEndpoint(latency=Latency(gsi_create=5.0), clock=clock) as endpoint:
        url = ["--endpoint-url", endpoint.url]
        assert cli("apply", "-f", str(cli.write(manifest())), *url).code == 0
        plan_file = cli.tmp / "plan.json"
        wanted = cli.write(manifest(attributes=GSI_ATTRS, extra=GSI + TTL), "wanted.yaml")
        assert cli("plan", "-f", str(wanted), *url, "--out", str(plan_file)).code == 2
        steps = [s["operation"] for s in json.loads(plan_file.read_text())["tables"][0]["steps"]]
        assert steps == ["UpdateTable", "UpdateTimeToLive"]
        endpoint.clear_requests()

        proc = subprocess.Popen(
            cli.command("apply", "--plan", str(plan_file), *url, "--timeout", "20"),
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            end = time.monotonic() + 20
            while not any(r.operation == "UpdateTable" for r in endpoint.requests()):
                assert time.monotonic() < end and proc.poll() is None, "the saved GSI step was not sent"
                time.sleep(0.05)
            # the GSI backfills; meanwhile someone else sets TTL on another attribute
            boto(endpoint).update_time_to_live(
                TableName="cli-carts", TimeToLiveSpecification={"Enabled": True, "AttributeName": "other"}
            )
            clock.now += 10
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 1, err
        assert "stale plan: the next saved step is 'enable TTL on attribute expiresAt'" in out + err, out + err
        ttl_calls = [r for r in endpoint.requests() if r.operation == "UpdateTimeToLive"]
        assert len(ttl_calls) == 1  # the test's own; the saved TTL step was not sent


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
