"""Point 7: where tables go. The region of a manifest without spec.region: --region, AWS_REGION,
AWS_DEFAULT_REGION, the AWS profile's region, else an error (--local alone falls back to us-east-1, documented).
--cluster-id / DYNAMOTABLE_CLUSTER_ID act as the operator with that cluster id. --local reuses a running
`dynamotable local`."""

from __future__ import annotations

import json
import signal
import subprocess
import time

from cli_helpers import Cli, boto, manifest

from dynamotable.api.spec import owner_tag_value
from dynamotable.local import LocalEndpoint

NO_REGION = manifest(region=None)


def test_without_any_region_plan_and_render_fail_naming_the_fix(cli: Cli, endpoint: LocalEndpoint) -> None:
    path = str(cli.write(NO_REGION))
    plan, render, validated = cli.many(
        (["plan", "-f", path, "--endpoint-url", endpoint.url], {}),
        (["render", "-f", path], {}),
        (["validate", "-f", path], {}),
    )
    for result in (plan, render):
        assert result.code == 1
        (line,) = result.error_lines()
        assert f"{path}:1: spec.region is not set and there is no default region" in line
        assert "--region" in line and "AWS_REGION" in line and "AWS profile" in line
    assert endpoint.requests() == []
    # validate sends nothing: it says so, and checks what it can
    assert validated.code == 0 and "note: no default region" in validated.err


DEFAULTS = {
    "AWS_DEFAULT_REGION": ({"AWS_DEFAULT_REGION": "eu-west-1"}, "", [], "eu-west-1"),
    "AWS_REGION-first": ({"AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "eu-west-1"}, "", [], "eu-north-1"),
    "profile": ({}, "[default]\nregion = ap-southeast-2\n", [], "ap-southeast-2"),
    "AWS_PROFILE": (
        {"AWS_PROFILE": "team"},
        "[default]\nregion = ap-southeast-2\n[profile team]\nregion = eu-central-1\n",
        [],
        "eu-central-1",
    ),
    "--region-first": (
        {"AWS_REGION": "eu-north-1"},
        "[default]\nregion = ap-southeast-2\n",
        ["--region", "sa-east-1"],
        "sa-east-1",
    ),
    "--local-default": ({}, "", ["--local"], "us-east-1"),
}


def test_the_default_region_comes_from_flag_env_then_profile_and_local_falls_back(
    cli: Cli, endpoint: LocalEndpoint
) -> None:
    """--local alone falls back to us-east-1 (documented); nothing else has a silent default."""
    path = str(cli.write(NO_REGION))
    runs = []
    for case, (env, config, args, _) in DEFAULTS.items():
        config_file = cli.tmp / f"config-{case}"
        config_file.write_text(config)
        target = args if "--local" in args else ["--endpoint-url", endpoint.url, *args]
        runs.append((["plan", "-f", path, *target, "-o", "json"], {**env, "AWS_CONFIG_FILE": str(config_file)}))
    for (case, (_, _, _, expected)), result in zip(DEFAULTS.items(), cli.many(*runs), strict=True):
        assert result.code == 2, (case, result.err)
        (table,) = result.json()["tables"]
        assert table["region"] == expected, case


def test_cluster_id_acts_as_the_operator_with_that_cluster_id(cli: Cli, endpoint: LocalEndpoint) -> None:
    url = ["--endpoint-url", endpoint.url]
    path = str(cli.write(manifest()))
    assert cli("apply", "-f", path, *url, "--cluster-id", "prod-1").code == 0
    client = boto(endpoint)
    arn = client.describe_table(TableName="cli-carts")["Table"]["TableArn"]
    tags = {t["Key"]: t["Value"] for t in client.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags["dynamotable.io/owner"] == owner_tag_value("shop", "carts", "prod-1") == "prod-1:shop/carts"

    without = cli("plan", "-f", path, *url)
    assert without.code == 1 and "OwnershipConflict" in without.out
    with_env = cli("plan", "-f", path, *url, env={"DYNAMOTABLE_CLUSTER_ID": "prod-1"})
    assert with_env.code == 0, with_env.out + with_env.err


def test_local_reuses_a_running_dynamotable_local(cli: Cli) -> None:
    state = cli.tmp / "run" / "dynamotable" / "local.json"
    server = subprocess.Popen(
        cli.command("local", "--port", "0"), env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        end = time.monotonic() + 20
        while not state.exists():
            assert time.monotonic() < end and server.poll() is None, "dynamotable local did not record itself"
            time.sleep(0.05)
        recorded = json.loads(state.read_text())
        assert recorded["pid"] == server.pid and recorded["url"].startswith("http://127.0.0.1:")

        path = str(cli.write(manifest()))
        applied = cli("apply", "-f", path, "--local")
        assert applied.code == 0, applied.err
        assert "the running `dynamotable local`" in applied.err
        again = cli("plan", "-f", path, "--local")  # the same tables: nothing to do
        assert again.code == 0, again.out + again.err
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    assert not state.exists()  # removed on exit


def test_a_stale_state_file_is_ignored(cli: Cli) -> None:
    """A recorded process that is gone: --local starts an embedded endpoint of its own (empty: changes)."""
    state = cli.tmp / "run" / "dynamotable" / "local.json"
    state.parent.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    state.write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": dead.pid}))
    result = cli("plan", "-f", str(cli.write(manifest())), "--local")
    assert result.code == 2, result.err
