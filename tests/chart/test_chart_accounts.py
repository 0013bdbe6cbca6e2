"""The chart's account map (values `accounts`): the ConfigMap the operator parses, its settings, and a Role that
reads only that ConfigMap in the release namespace."""

from __future__ import annotations

import pytest
from chart_helpers import FULLNAME, RELEASE_NAMESPACE, Render, env, of_kind

from dynamotable.aws.accounts import parse_account_map
from dynamotable.operator.rbac import ACCOUNTS_RULE
from dynamotable.operator.settings import OperatorSettings

RULES = [
    {
        "namespaces": ["team-a", "team-a-*"],
        "roleArn": "arn:aws:iam::111122223333:role/dynamotable",
        "externalId": "x7f3c",
    },
    {"namespaces": ["billing"], "roleArn": "arn:aws:iam::444455556666:role/dynamotable"},
]
NAME = f"{FULLNAME}-accounts"


def test_no_rules_no_configmap_no_setting(render: Render) -> None:
    docs = render()
    assert not [d for d in docs if d["metadata"]["name"] == NAME]
    assert "DYNAMOTABLE_ACCOUNTS_CONFIG_MAP" not in env(docs)


@pytest.mark.parametrize("watch", [[], ["team-a", "billing"]])
def test_rules_give_the_map_its_settings_and_a_role_for_that_configmap(render: Render, watch: list[str]) -> None:
    docs = render(accounts={"rules": RULES, "refresh": 15}, operator={"watchNamespaces": watch})
    (cm,) = [d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"] == NAME]
    assert cm["metadata"]["namespace"] == RELEASE_NAMESPACE
    accounts = parse_account_map(cm["data"], source=NAME)  # the operator's own parser accepts it
    assert accounts.role_for("team-a-dev").account == "111122223333"  # type: ignore[union-attr]
    assert accounts.role_for("billing").account == "444455556666"  # type: ignore[union-attr]

    variables = env(docs)
    settings = OperatorSettings(
        accounts_config_map=variables["DYNAMOTABLE_ACCOUNTS_CONFIG_MAP"],
        accounts_namespace=variables["DYNAMOTABLE_ACCOUNTS_NAMESPACE"],
        accounts_refresh=variables["DYNAMOTABLE_ACCOUNTS_REFRESH"],
    )
    assert (settings.accounts_config_map, settings.accounts_namespace, settings.accounts_refresh) == (
        NAME,
        RELEASE_NAMESPACE,
        15.0,
    )

    (role,) = [d for d in of_kind(docs, "Role") if d["metadata"]["name"] == NAME]
    assert role["metadata"]["namespace"] == RELEASE_NAMESPACE
    assert role["rules"] == [{**ACCOUNTS_RULE.as_policy_rule(), "resourceNames": [NAME]}]
    (binding,) = [d for d in of_kind(docs, "RoleBinding") if d["metadata"]["name"] == NAME]
    assert binding["roleRef"]["name"] == NAME and binding["metadata"]["namespace"] == RELEASE_NAMESPACE


def test_a_rule_without_a_role_arn_is_refused_by_the_values_schema(render: Render) -> None:
    with pytest.raises(Exception, match="roleArn"):
        render(accounts={"rules": [{"namespaces": ["team-a"]}]})
