"""Namespaces mapped to IAM roles of other accounts (the accounts ConfigMap), through the running operator.

Each namespace's table is created in its role's account; the same table name in two accounts is no conflict,
in one account it is; an unmapped namespace uses the operator's own credentials; an edit of the ConfigMap takes
effect without a restart; a role that cannot be assumed is Ready=False/AwsError naming the role.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import boto3
import pytest
from operator_harness import TEST_HEADERS, Harness, eventually, fast_settings, table_spec

from dynamotable.api.validation import OWNER_TAG
from dynamotable.local import LocalEndpoint
from dynamotable.operator.rbac import rules_for

# The operator's clock is the event loop's; looptime makes it the test's (the refresh interval is loop time).
pytestmark = pytest.mark.looptime

OPERATOR_NAMESPACE = "dynamotable-system"
ACCOUNTS = "dynamotable-accounts"
OWN_ACCOUNT = "123456789012"
ACCOUNT_A, ACCOUNT_B = "111122223333", "444455556666"
ROLE_A = f"arn:aws:iam::{ACCOUNT_A}:role/dynamotable"
ROLE_B = f"arn:aws:iam::{ACCOUNT_B}:role/dynamotable"
ROLE_MISSING = "arn:aws:iam::777788889999:role/dynamotable"


def create_role(endpoint: LocalEndpoint, account: str) -> None:
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam.meta.events.register(
        "before-sign.iam.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account)
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName="dynamotable", AssumeRolePolicyDocument=json.dumps(trust))


def accounts_yaml(rules: list[tuple[list[str], str]]) -> str:
    return "".join(f"- namespaces: {json.dumps(ns)}\n  roleArn: {arn}\n" for ns, arn in rules)


async def put_accounts(h: Harness, text: str, *, create: bool = False) -> None:
    base = f"/api/v1/namespaces/{OPERATOR_NAMESPACE}/configmaps"
    if create:
        body = {"metadata": {"name": ACCOUNTS, "namespace": OPERATOR_NAMESPACE}, "data": {"accounts.yaml": text}}
        async with h.k.post(base, json=body, headers=TEST_HEADERS) as rsp:
            assert rsp.status < 300, await rsp.text()
        return
    headers = {**TEST_HEADERS, "Content-Type": "application/merge-patch+json"}
    async with h.k.patch(f"{base}/{ACCOUNTS}", json={"data": {"accounts.yaml": text}}, headers=headers) as rsp:
        assert rsp.status < 300, await rsp.text()


def creates_by_account(h: Harness, table: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for req in h.aws(table, mutating=True):
        if req.operation == "CreateTable" and req.status == 200:
            counts[req.account] = counts.get(req.account, 0) + 1
    return counts


def ready_in(h: Harness, namespace: str, name: str = "orders") -> dict[str, Any]:
    """The Ready condition of an object in another namespace than the harness's."""
    status = dict(h.obj(name, namespace).get("status") or {})
    return next((dict(c) for c in status.get("conditions") or [] if c["type"] == "Ready"), {})


def settings(h: Harness) -> Any:
    return fast_settings(
        h.endpoint, accounts_config_map=ACCOUNTS, accounts_namespace=OPERATOR_NAMESPACE, accounts_refresh=0.1
    )


async def test_namespaces_map_to_accounts_and_the_map_is_reread(harness: Harness) -> None:
    h = harness
    create_role(h.endpoint, ACCOUNT_A)
    create_role(h.endpoint, ACCOUNT_B)
    ns_a, ns_a2, ns_b, ns_c = (f"{h.namespace}-{x}" for x in ("a", "a2", "b", "c"))
    table = f"{h.namespace}-orders"
    await put_accounts(h, accounts_yaml([([ns_a, ns_a2], ROLE_A), ([f"{h.namespace}-b*"], ROLE_B)]), create=True)
    await h.start(settings(h))

    for ns in (ns_a, ns_b, h.namespace):
        await h.create("orders", table_spec(tableName=table), namespace=ns)
    await eventually(
        lambda: all(ready_in(h, ns, "orders").get("reason") == "Synced" for ns in (ns_a, ns_b, h.namespace))
    )
    # one table of that name in each account, tagged with the account where a role was assumed
    assert creates_by_account(h, table) == {ACCOUNT_A: 1, ACCOUNT_B: 1, OWN_ACCOUNT: 1}
    for ns, account in ((ns_a, ACCOUNT_A), (ns_b, ACCOUNT_B), (h.namespace, OWN_ACCOUNT)):
        arn = (h.obj("orders", ns).get("status") or {}).get("tableArn")
        assert arn == f"arn:aws:dynamodb:us-east-1:{account}:table/{table}"
    assert h.tags(table)[OWNER_TAG] == f"{h.namespace}/orders"  # the operator's own account: as before

    # a second namespace of account A naming the same table: a conflict, as within one account before
    await h.create("orders", table_spec(tableName=table), namespace=ns_a2)
    await eventually(lambda: ready_in(h, ns_a2, "orders").get("reason") == "OwnershipConflict")
    assert f"{ns_a}/orders" in ready_in(h, ns_a2, "orders")["message"]

    # the platform team maps one more namespace, to a role nobody can assume: no restart needed
    await put_accounts(
        h, accounts_yaml([([ns_a, ns_a2], ROLE_A), ([f"{h.namespace}-b*"], ROLE_B), ([ns_c], ROLE_MISSING)])
    )
    await asyncio.sleep(0.2)  # loop time: the copy in hand is now older than accounts_refresh
    await h.create("orders", table_spec(tableName=table), namespace=ns_c)
    await eventually(lambda: ready_in(h, ns_c, "orders").get("reason") == "AwsError")
    message = ready_in(h, ns_c, "orders")["message"]
    assert f"cannot assume role {ROLE_MISSING}" in message and "AccessDenied" in message
    assert creates_by_account(h, table) == {ACCOUNT_A: 1, ACCOUNT_B: 1, OWN_ACCOUNT: 1}

    # a namespace whose table lives in account B is remapped to account A: refused, no second table
    await put_accounts(h, accounts_yaml([([ns_a, ns_a2, ns_b], ROLE_A)]))
    await asyncio.sleep(0.2)
    async with h.k.patch(
        h.url("orders", ns_b),
        json={"spec": {"tags": {"team": "b"}}},
        headers={**TEST_HEADERS, "Content-Type": "application/merge-patch+json"},
    ) as rsp:
        assert rsp.status < 300
    await eventually(lambda: ready_in(h, ns_b).get("reason") == "InvalidSpec")
    assert f"lives in account {ACCOUNT_B} (status.tableArn)" in ready_in(h, ns_b)["message"]
    assert creates_by_account(h, table) == {ACCOUNT_A: 1, ACCOUNT_B: 1, OWN_ACCOUNT: 1}
    h.assert_rbac_covers(rules_for(all_namespaces=True, peering=False))


async def test_an_unreadable_account_map_makes_no_aws_call(harness: Harness) -> None:
    h = harness
    await put_accounts(h, "- namespaces: [x\n", create=True)
    await h.start(settings(h))
    await h.create("orders", table_spec(tableName=f"{h.namespace}-orders"))
    await eventually(lambda: h.reason("orders") == "AwsError")
    assert "not YAML" in h.condition("orders")["message"]
    assert h.aws(f"{h.namespace}-orders") == []
    # fixed: the next read of the map lets the table be created (in the operator's own account here)
    await put_accounts(h, accounts_yaml([([f"{h.namespace}-elsewhere"], ROLE_A)]))
    await eventually(lambda: h.ready("orders"))
    assert creates_by_account(h, f"{h.namespace}-orders") == {OWN_ACCOUNT: 1}
