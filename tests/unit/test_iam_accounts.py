"""`dynamotable iam-policy` for roles in other accounts: the trust policy (--assumed-by, --external-id) and the
operator's own sts:AssumeRole statement (--assumes); docs/iam.md shows what the command prints."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from dynamotable.commands.iam import iam_policy_command

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "iam.md"
OPERATOR_ROLE = "arn:aws:iam::123456789012:role/dynamotable-operator"
TEAM_A = "arn:aws:iam::111122223333:role/dynamotable"
TEAM_B = "arn:aws:iam::444455556666:role/dynamotable"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(iam_policy_command, list(args), env={"AWS_REGION": "us-east-1"})
    return result.exit_code, result.stdout, result.stderr


def test_the_trust_policy_lets_the_operators_role_assume_the_role_with_the_external_id() -> None:
    code, out, _ = run("--assumed-by", OPERATOR_ROLE, "--external-id", "team-a-7f3c")
    assert code == 0
    (statement,) = json.loads(out)["Statement"]
    assert statement == {
        "Sid": "AssumedByTheDynamoTableOperator",
        "Effect": "Allow",
        "Principal": {"AWS": OPERATOR_ROLE},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "team-a-7f3c"}},
    }
    code, out, _ = run("--assumed-by", OPERATOR_ROLE)
    assert code == 0 and "Condition" not in json.loads(out)["Statement"][0]


def test_the_operators_policy_may_assume_exactly_the_mapped_roles() -> None:
    code, out, _ = run("--table-prefix", "shop-", "--assumes", TEAM_B, "--assumes", TEAM_A, "--assumes", TEAM_A)
    assert code == 0
    statements = {s["Sid"]: s for s in json.loads(out)["Statement"]}
    assert statements["AssumeAccountRoles"] == {
        "Sid": "AssumeAccountRoles",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": [TEAM_A, TEAM_B],
    }
    code, out, _ = run("--table-prefix", "shop-")
    assert "sts:AssumeRole" not in out  # nothing to assume without the option


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("--assumed-by", "arn:aws:iam::1234:role/x"),
            "--assumed-by 'arn:aws:iam::1234:role/x' is not an IAM role ARN;",
        ),
        (("--assumed-by", "arn:aws:iam::123456789012:role/*"), "is not an IAM role ARN;"),
        (("--assumed-by", OPERATOR_ROLE, "--external-id", "x"), "--external-id 'x' is not an external ID;"),
        (("--external-id", "team-a-7f3c"), "--external-id only applies to --assumed-by"),
        (("--assumed-by", OPERATOR_ROLE, "--table-prefix", "shop-"), "--assumed-by prints the trust policy alone"),
        (("--assumes", "arn:aws:iam::111122223333:user/x"), "--assumes 'arn:aws:iam::111122223333:user/x' is not"),
    ],
)
def test_bad_options_are_one_line_with_the_fix(args: tuple[str, ...], expected: str) -> None:
    code, out, err = run(*args)
    assert code == 1 and out == ""
    assert expected in err and err.count("\n") == 1


def test_docs_show_the_trust_policy_the_command_prints() -> None:
    text = DOC.read_text(encoding="utf-8")
    pairs = re.findall(r"```sh\n(dynamotable iam-policy --assumed-by [^\n]+)\n```\n\n```json\n(.*?)\n```", text, re.S)
    assert pairs, "docs/iam.md shows the --assumed-by command and its output"
    for command, documented in pairs:
        code, out, _ = run(*shlex.split(command)[2:])
        assert code == 0 and json.loads(out) == json.loads(documented)


def test_docs_show_the_statement_assumes_adds() -> None:
    text = DOC.read_text(encoding="utf-8")
    shown = json.loads(re.search(r'```\n(\{\n  "Sid": "AssumeAccountRoles".*?\n\})\n```', text, re.S)[1])  # type: ignore[index]
    _, out, _ = run("--table-prefix", "shop-", "--assumes", TEAM_A, "--assumes", TEAM_B)
    assert shown in json.loads(out)["Statement"]
