"""Point 1: exit codes. plan: 0 no changes, 2 changes (waits too), 1 anything else; apply/delete: 0 converged,
1 not. Usage errors are click's one-line message with exit 1, never click's own 2."""

from __future__ import annotations

from cli_helpers import Cli, boto, create_ours, manifest, mutating

from dynamotable.local import Latency, LocalEndpoint


def test_plan_0_no_changes_2_changes_and_apply_0(cli: Cli, endpoint: LocalEndpoint) -> None:
    path = cli.write(manifest())
    url = ["--endpoint-url", endpoint.url]
    planned = cli("plan", "-f", str(path), *url)
    assert planned.code == 2, planned.err
    assert "create table cli-carts" in planned.out
    assert mutating(endpoint) == []

    applied = cli("apply", "-f", str(path), *url)  # a create: no question, no terminal needed
    assert applied.code == 0, applied.err
    again, changed = cli.many(
        (["plan", "-f", str(path), *url], {}),
        (["apply", "-f", str(cli.write(manifest(extra="  tags: {team: carts}\n"), "tagged.yaml")), *url], {}),
    )
    assert (again.code, "no changes" in again.out) == (0, True)
    assert changed.code == 0, changed.err  # an in-place change: no question either
    assert "Enter a value" not in applied.err + changed.err


USAGE_ERRORS = {
    "unknown-option": (["plan", "-f", "x.yaml", "--bogus"], "No such option '--bogus'"),
    "bad-value": (["plan", "-f", "x.yaml", "--timeout", "soon"], "Invalid value for '--timeout'"),
    "missing-option": (["plan"], "Missing option '-f' / '--filename'"),
    "conflicting": (["apply", "-f", "x.yaml", "--local", "--endpoint-url", "http://127.0.0.1:1"], "either --local or"),
}


def test_usage_errors_exit_1_with_one_line(cli: Cli) -> None:
    cli.write(manifest(), "x.yaml")
    results = cli.many(*((args, {}) for args, _ in USAGE_ERRORS.values()))
    for (case, (_, message)), result in zip(USAGE_ERRORS.items(), results, strict=True):
        assert result.code == 1, case
        assert result.error_lines() == [line for line in result.err.splitlines() if line.strip()], case
        (line,) = result.error_lines()
        assert message in line and "--help" in line, case
        assert "Traceback" not in result.err, case


def test_invalid_manifest_is_1_and_sends_nothing(cli: Cli, endpoint: LocalEndpoint) -> None:
    path = cli.write(manifest(extra="  rangeKey: ts\n"))
    result = cli("plan", "-f", str(path), "--endpoint-url", endpoint.url)
    assert result.code == 1
    assert "spec.rangeKey: key attribute 'ts' is not defined" in result.err
    assert endpoint.requests() == []


def test_plans_that_cannot_converge_are_1(cli: Cli, endpoint: LocalEndpoint) -> None:
    client = boto(endpoint)
    url = ["--endpoint-url", endpoint.url]
    # AdoptionRequired: a table of that name exists and is not ours
    client.create_table(
        TableName="cli-carts",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    path = cli.write(manifest())
    adoption = cli("plan", "-f", str(path), *url, "-o", "json")
    assert adoption.code == 1
    assert adoption.json()["tables"][0]["reason"] == "AdoptionRequired"

    # ReplacementRequired: ours, but the spec asks for another key schema
    client.delete_table(TableName="cli-carts")
    create_ours(endpoint)
    rekeyed = cli.write(
        manifest(attributes="{name: pk, type: S}").replace("hashKey: id", "hashKey: pk"), "rekeyed.yaml"
    )
    replacement, applied = cli.many((["plan", "-f", str(rekeyed), *url], {}), (["apply", "-f", str(rekeyed), *url], {}))
    assert replacement.code == 1
    assert "ReplacementRequired" in replacement.out
    assert applied.code == 1  # ... and apply does not converge either


def test_plan_of_a_table_aws_is_still_creating_is_2(cli: Cli) -> None:
    clock = ManualClock()  # the transition ends only when the test moves the clock
    with LocalEndpoint(latency=Latency(create=5.0), clock=clock) as endpoint:
        boto(endpoint).create_table(
            TableName="cli-carts",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": "dynamotable.io/owner", "Value": "shop/carts"}],
        )
        result = cli("plan", "-f", str(cli.write(manifest())), "--endpoint-url", endpoint.url)
        assert result.code == 2, result.out + result.err
        assert "CREATING" in result.out


def test_apply_and_delete_are_1_when_not_converged(cli: Cli, endpoint: LocalEndpoint) -> None:
    url = ["--endpoint-url", endpoint.url]
    protected = cli.write(manifest(policy="Delete", extra="  deletionProtection: true\n"))
    create_ours(endpoint, protected=True)
    blocked = cli("delete", "-f", str(protected), *url, "--auto-approve")
    assert blocked.code == 1
    assert "blocked: deletion protection is on" in blocked.err
    assert boto(endpoint).describe_table(TableName="cli-carts")["Table"]["TableStatus"] == "ACTIVE"


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
