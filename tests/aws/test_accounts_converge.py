"""Tables in several AWS accounts, end to end through the embedded endpoint's STS [A27, B1].

Two namespaces map to roles in two accounts: each one's table is created in its own account (DescribeTable with
that account's credentials), the same table name in both is two tables, a namespace without a role uses the
operator's own credentials (moto's default account), and a role that cannot be assumed is a clear AwsError.
The endpoint runs on the module's fake clock: passes advance it by what the engine asks to wait.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.api.spec import DynamoTable, owner_tag_value
from dynamotable.api.validation import OWNER_TAG
from dynamotable.aws.accounts import RoleToAssume
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.reconcile import Outcome, Timing, delete, reconcile
from dynamotable.local import LocalEndpoint

REGION = "us-east-1"
OWN_ACCOUNT = "123456789012"  # moto's default: the operator's own credentials
ROLE_A = RoleToAssume("arn:aws:iam::111122223333:role/dynamotable", external_id="team-a-7f3c")
ROLE_B = RoleToAssume("arn:aws:iam::444455556666:role/dynamotable")
MISSING = RoleToAssume("arn:aws:iam::777788889999:role/dynamotable")
TIMING = Timing.fast()
CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})
MAX_PASSES = 30


@pytest.fixture(autouse=True)
def _own_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_STS", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


def client(endpoint: LocalEndpoint, service: str, **credentials: str) -> Any:
    keys = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, endpoint_url=endpoint.url, region_name=REGION, config=CONFIG, **keys)


def create_role(endpoint: LocalEndpoint, role: RoleToAssume) -> None:
    """The role in its own account (moto files an IAM call under the x-moto-account-id header's account)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OWN_ACCOUNT}:root"},
        "Action": "sts:AssumeRole",
    }
    if role.external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": role.external_id}}
    iam = client(endpoint, "iam")
    iam.meta.events.register(
        "before-sign.iam.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", role.account)
    )
    iam.create_role(
        RoleName=role.role_arn.rsplit("/", 1)[1],
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )


def ddb_of(endpoint: LocalEndpoint, role: RoleToAssume | None) -> Any:
    """A DynamoDB client with the credentials of `role`'s account (None: the operator's own)."""
    if role is None:
        return client(endpoint, "dynamodb")
    params = {"RoleArn": role.role_arn, "RoleSessionName": "test-reader"}
    if role.external_id:
        params["ExternalId"] = role.external_id
    creds = client(endpoint, "sts").assume_role(**params)["Credentials"]
    return client(
        endpoint,
        "dynamodb",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def manifest(namespace: str, name: str = "orders") -> DynamoTable:
    return DynamoTable.model_validate(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "tableName": "orders",
                "region": REGION,
                "billingMode": "PAY_PER_REQUEST",
                "hashKey": "pk",
                "attributes": [{"name": "pk", "type": "S"}],
                "deletionPolicy": "Delete",
            },
        },
        by_alias=True,
        by_name=False,
    )


def owner_of(namespace: str, role: RoleToAssume | None) -> str:
    return owner_tag_value(namespace, "orders", account=role.account if role else None)


def converge(factory: ClientFactory, m: DynamoTable, owner: str, clock: Any, **kwargs: Any) -> Outcome:
    for _ in range(MAX_PASSES):
        out = reconcile(m, factory, region=REGION, owner=owner, timing=TIMING, **kwargs)
        if out.done or out.requeue_after is None:
            return out
        clock.advance(out.requeue_after)
    raise AssertionError(f"not converged: {out.status.conditions}")


def ready(out: Outcome) -> tuple[str, str]:
    cond = next(c for c in out.status.conditions if c.type == "Ready")
    return str(cond.reason), cond.message


@pytest.fixture
def factory(local_fresh: LocalEndpoint) -> Iterator[ClientFactory]:
    create_role(local_fresh, ROLE_A)
    create_role(local_fresh, ROLE_B)
    yield ClientFactory(endpoint_url=local_fresh.url, max_attempts=1)


def test_each_namespace_gets_its_table_in_its_own_account(
    factory: ClientFactory, local_fresh: LocalEndpoint, local_clock: Any
) -> None:
    for namespace, role in (("team-a", ROLE_A), ("team-b", ROLE_B), ("shop", None)):
        account_factory = factory if role is None else factory.assuming(role, REGION)
        out = converge(account_factory, manifest(namespace), owner_of(namespace, role), local_clock)
        assert ready(out)[0] == "Synced", out.status.conditions
        account = role.account if role else OWN_ACCOUNT
        assert out.status.table_arn == f"arn:aws:dynamodb:{REGION}:{account}:table/orders"

    # the same table name in three accounts: three tables, each tagged by its own DynamoTable
    for namespace, role in (("team-a", ROLE_A), ("team-b", ROLE_B), ("shop", None)):
        ddb = ddb_of(local_fresh, role)
        table = ddb.describe_table(TableName="orders")["Table"]
        assert table["TableArn"].split(":")[4] == (role.account if role else OWN_ACCOUNT)
        tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]}
        assert tags[OWNER_TAG] == owner_of(namespace, role)
    assert tags[OWNER_TAG] == "shop/orders"  # the operator's own account: the tag as before
    # AssumeRole once per role, whatever the number of passes
    assert factory.calls["AssumeRole"] == 2


def test_deleting_in_one_account_leaves_the_same_name_in_another(
    factory: ClientFactory, local_fresh: LocalEndpoint, local_clock: Any
) -> None:
    a, b = factory.assuming(ROLE_A, REGION), factory.assuming(ROLE_B, REGION)
    converge(a, manifest("team-a"), owner_of("team-a", ROLE_A), local_clock)
    converge(b, manifest("team-b"), owner_of("team-b", ROLE_B), local_clock)
    for _ in range(MAX_PASSES):
        out = delete(manifest("team-a"), a, region=REGION, owner=owner_of("team-a", ROLE_A), timing=TIMING)
        if out.done:
            break
        local_clock.advance(out.requeue_after or 1.0)
    assert out.done
    assert ddb_of(local_fresh, ROLE_A).list_tables()["TableNames"] == []
    assert ddb_of(local_fresh, ROLE_B).list_tables()["TableNames"] == ["orders"]


def test_a_role_that_cannot_be_assumed_is_a_clear_aws_error(factory: ClientFactory, local_clock: Any) -> None:
    out = converge(factory.assuming(MISSING, REGION), manifest("team-c"), owner_of("team-c", MISSING), local_clock)
    reason, message = ready(out)
    assert reason == "AwsError"
    assert f"cannot assume role {MISSING.role_arn}" in message
    assert "AccessDenied" in message and "trust policy" in message and "\n" not in message


def test_a_wrong_external_id_cannot_assume_the_role(factory: ClientFactory, local_clock: Any) -> None:
    wrong = RoleToAssume(ROLE_A.role_arn, external_id="guessed-id")
    out = converge(factory.assuming(wrong, REGION), manifest("team-a"), owner_of("team-a", ROLE_A), local_clock)
    assert ready(out)[0] == "AwsError"
    assert "with this external ID" in ready(out)[1]


def test_a_table_tagged_before_its_namespace_was_mapped_is_still_ours(
    factory: ClientFactory, local_fresh: LocalEndpoint, local_clock: Any
) -> None:
    """Migration: the role is in the account the table already lives in; the tag without the account is the
    resource's earlier tag (superseded), so the table is not a conflict, and the tag gains the account."""
    a = factory.assuming(ROLE_A, REGION)
    earlier = owner_tag_value("team-a", "orders")
    first = converge(a, manifest("team-a"), earlier, local_clock)
    assert ready(first)[0] == "Synced"

    refused = reconcile(manifest("team-a"), a, region=REGION, owner=owner_of("team-a", ROLE_A), timing=TIMING)
    assert ready(refused)[0] == "OwnershipConflict"  # without the earlier value, someone else's table

    out = converge(a, manifest("team-a"), owner_of("team-a", ROLE_A), local_clock, superseded=frozenset({earlier}))
    assert ready(out)[0] == "Synced", out.status.conditions
    ddb = ddb_of(local_fresh, ROLE_A)
    arn = ddb.describe_table(TableName="orders")["Table"]["TableArn"]
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags[OWNER_TAG] == "111122223333@team-a/orders"


def test_deleting_a_table_that_still_carries_the_earlier_tag_deletes_it(
    factory: ClientFactory, local_fresh: LocalEndpoint, local_clock: Any
) -> None:
    a = factory.assuming(ROLE_A, REGION)
    earlier = owner_tag_value("team-a", "orders")
    assert ready(converge(a, manifest("team-a"), earlier, local_clock))[0] == "Synced"
    for _ in range(MAX_PASSES):
        out = delete(
            manifest("team-a"),
            a,
            region=REGION,
            owner=owner_of("team-a", ROLE_A),
            superseded=frozenset({earlier}),
            timing=TIMING,
        )
        if out.done:
            break
        local_clock.advance(out.requeue_after or 1.0)
    assert out.done
    assert ddb_of(local_fresh, ROLE_A).list_tables()["TableNames"] == []
