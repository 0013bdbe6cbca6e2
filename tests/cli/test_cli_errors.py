"""Point 8: the mistakes people make are one line with the fix, exit 1, no traceback, nothing sent."""

from __future__ import annotations

from cli_helpers import Cli, closed_port, manifest

DUMMY_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


MISTAKES = {
    "endpoint-without-scheme": (
        ["--endpoint-url", "localhost:8000"],
        {},
        ["is not an http(s) URL", "http://localhost:8000"],
    ),
    "unknown-profile": (
        [],
        {"AWS_PROFILE": "nope", **DUMMY_KEYS},
        ["AWS profile 'nope' (from AWS_PROFILE)", "aws configure"],
    ),
    "no-credentials": ([], {}, ["no AWS credentials found", "aws configure", "--local"]),
    "unknown-region": (
        ["--region", "us-middle-9", "--local"],
        {},
        ["DynamoDB has no region 'us-middle-9' (from --region)"],
    ),
    "region-typo": (["--region", "eu-westt-1", "--local"], {}, ["did you mean eu-west-1?"]),
}


def test_one_line_with_the_fix(cli: Cli) -> None:
    path = str(cli.write(manifest(region=None)))
    results = cli.many(
        *((["plan", "-f", path, "--region", "us-east-1", *args], env) for args, env, _ in MISTAKES.values())
    )
    for (case, (_, _, expected)), result in zip(MISTAKES.items(), results, strict=True):
        assert result.code == 1, case
        (line,) = result.error_lines()
        assert all(text in line for text in expected), (case, line)
        assert "Traceback" not in result.err, case


def test_a_spec_region_that_does_not_exist_is_a_manifest_error(cli: Cli) -> None:
    result = cli("validate", "-f", str(cli.write(manifest(region="eu-westt-1"))))
    assert result.code == 1
    assert "table.yaml:1: spec.region: DynamoDB has no region 'eu-westt-1'; did you mean eu-west-1?" in result.err


def test_an_unreachable_proxy_is_one_line(cli: Cli) -> None:
    # a .test host behind a proxy nobody runs: nothing leaves this machine
    proxy = f"http://127.0.0.1:{closed_port()}"
    result = cli(
        "plan",
        "-f",
        str(cli.write(manifest())),
        "--endpoint-url",
        "http://dynamodb.example.test:8000",
        "--timeout",
        "2",
        env={"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, **DUMMY_KEYS},
    )
    assert result.code == 1
    (line,) = result.error_lines()
    assert f"cannot connect to the proxy {proxy}" in line and "NO_PROXY" in line
    assert "Traceback" not in result.err
