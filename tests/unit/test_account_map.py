"""The account map (aws/accounts.py): namespaces -> IAM roles, parsed from the accounts ConfigMap's data.

Every bad content is one line naming the place, the value and the fix; never a traceback.
"""

from __future__ import annotations

import pytest

from dynamotable.api.spec import owner_tag_value
from dynamotable.aws.accounts import (
    ACCOUNTS_KEY,
    DEFAULT_SESSION_NAME,
    EMPTY,
    AccountMapError,
    RoleToAssume,
    parse_account_map,
)

ROLE_A = "arn:aws:iam::111122223333:role/dynamotable"
ROLE_B = "arn:aws:iam::444455556666:role/platform/dynamotable"
SOURCE = "dynamotable-system/dynamotable-accounts"


def parsed(text: str) -> object:
    return parse_account_map({ACCOUNTS_KEY: text}, source=SOURCE)


def test_exact_names_and_globs_map_to_roles() -> None:
    accounts = parse_account_map(
        {
            ACCOUNTS_KEY: f"""
- namespaces: [team-a, team-a-*]
  roleArn: {ROLE_A}
  externalId: team-a-7f3c
- namespaces: ["*"]
  roleArn: {ROLE_B}
  sessionName: dynamotable-rest
"""
        },
        source=SOURCE,
    )
    assert accounts.role_for("team-a") == RoleToAssume(ROLE_A, "team-a-7f3c", DEFAULT_SESSION_NAME)
    assert accounts.role_for("team-a-dev") == accounts.role_for("team-a")
    assert accounts.role_for("billing") == RoleToAssume(ROLE_B, None, "dynamotable-rest")
    assert accounts.role_for("team-a").account == "111122223333"  # type: ignore[union-attr]
    assert accounts.role_for("billing").account == "444455556666"  # type: ignore[union-attr]


def test_an_exact_name_wins_over_an_earlier_glob() -> None:
    accounts = parsed(f"- namespaces: ['team-*']\n  roleArn: {ROLE_A}\n- namespaces: [team-b]\n  roleArn: {ROLE_B}\n")
    assert accounts.role_for("team-b").role_arn == ROLE_B  # type: ignore[attr-defined]
    assert accounts.role_for("team-c").role_arn == ROLE_A  # type: ignore[attr-defined]


def test_an_unmapped_namespace_uses_the_operators_own_credentials() -> None:
    accounts = parsed(f"- namespaces: [team-a]\n  roleArn: {ROLE_A}\n")
    assert accounts.role_for("team-b") is None  # type: ignore[attr-defined]
    assert parsed("") == EMPTY  # an empty list: nobody is mapped


def test_the_external_id_stays_out_of_the_repr() -> None:
    role = RoleToAssume(ROLE_A, "s3cr3t-external")
    assert "s3cr3t" not in repr(role)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "key accounts.yaml: missing; add it"),
        ({ACCOUNTS_KEY: "- namespaces: [a\n  roleArn: x"}, "not YAML at line"),
        ({ACCOUNTS_KEY: "team-a: arn:aws:iam::111122223333:role/x"}, "must be a list of rules"),
        ({ACCOUNTS_KEY: "- namespaces: [team-a]"}, "accounts.yaml[0].roleArn: Field required"),
        ({ACCOUNTS_KEY: f"- namespaces: []\n  roleArn: {ROLE_A}"}, "[0].namespaces: List should have at least 1"),
        ({ACCOUNTS_KEY: f"- namespaces: team-a\n  roleArn: {ROLE_A}"}, "[0].namespaces: Input should be a valid list"),
        ({ACCOUNTS_KEY: f"- namespaces: [a]\n  roleArn: {ROLE_A}\n  region: x"}, "[0].region: Extra inputs"),
        ({ACCOUNTS_KEY: "- namespaces: [a]\n  roleArn: arn:aws:iam::1234:role/x"}, "is not an IAM role ARN"),
        ({ACCOUNTS_KEY: "- namespaces: [a]\n  roleArn: arn:aws:iam::111122223333:user/x"}, "is not an IAM role ARN"),
        ({ACCOUNTS_KEY: f"- namespaces: [Team_A]\n  roleArn: {ROLE_A}"}, "is not a namespace name or glob"),
        ({ACCOUNTS_KEY: f"- namespaces: [a]\n  roleArn: {ROLE_A}\n  externalId: x"}, "[0].externalId: String"),
        ({ACCOUNTS_KEY: f"- namespaces: [a]\n  roleArn: {ROLE_A}\n  sessionName: a b"}, "[0].sessionName: String"),
        (
            {ACCOUNTS_KEY: f"- namespaces: [a]\n  roleArn: {ROLE_A}\n- namespaces: [a]\n  roleArn: {ROLE_B}"},
            "[1].namespaces: 'a' is mapped to two roles",
        ),
        ({ACCOUNTS_KEY: "- 42"}, "[0]: Input should be a valid dictionary"),
        ({ACCOUNTS_KEY: 7}, "must be a string of YAML"),
    ],
)
def test_bad_content_is_one_line_naming_the_place(data: dict[str, object], expected: str) -> None:
    with pytest.raises(AccountMapError) as caught:
        parse_account_map(data, source=SOURCE)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(f"ConfigMap {SOURCE} key accounts.yaml")
    assert "\n" not in message and "Traceback" not in message
    assert ";" in message  # the fix follows


def test_the_owner_tag_of_a_mapped_namespace_names_the_account() -> None:
    assert owner_tag_value("team-a", "orders", account="111122223333") == "111122223333@team-a/orders"
    assert (
        owner_tag_value("team-a", "orders", "prod-eu", account="111122223333") == "prod-eu:111122223333@team-a/orders"
    )
    assert owner_tag_value("team-a", "orders", "prod-eu") == "prod-eu:team-a/orders"  # unmapped: unchanged


def test_a_long_owner_tag_with_an_account_still_fits_and_keeps_its_head() -> None:
    value = owner_tag_value("n" * 63, "x" * 253, "prod-eu", account="111122223333")
    assert len(value) <= 256
    assert value.startswith("prod-eu:111122223333@" + "n" * 63 + "/")
