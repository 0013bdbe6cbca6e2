"""IAM policies: the operator's grants exactly what the engine calls (plus AWS's documented extras), and the
application access policy matches the seed guide's DynamoDBAccess shape. Policies are valid IAM JSON."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from click.testing import CliRunner

from dynamotable.api.spec import DynamoTable
from dynamotable.commands.engine_operations import engine_operations, scan_source
from dynamotable.commands.iam import iam_policy_command
from dynamotable.loader import check, load
from dynamotable.terraform.iam import (
    CMK_ACTIONS,
    REPLICA_ACTIONS,
    OperatorScope,
    PolicyError,
    TableRef,
    access_policy,
    granted_actions,
    operator_policy,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "operator" / "dynamotable"
EXAMPLES = ROOT / "examples"
ACCOUNT = "123456789012"
# Actions IAM knows that are not API operations of the service (so botocore does not list them).
IAM_ONLY = {"dynamodb:CreateTableReplica", "dynamodb:DeleteTableReplica", "dynamodb:ConditionCheckItem"}
IAM_ONLY |= {"iam:CreateServiceLinkedRole", "kms:GenerateDataKey*", "kms:ReEncrypt*"}


# --------------------------------------------------------------------------------- the engine's AWS calls


def independent_scan() -> set[str]:
    """Every DynamoDB / KMS operation named anywhere in engine/ and aws/ (strings, attributes, calls):
    deliberately wider than the command's scanner, so anything it misses shows up as a difference."""
    session = botocore.session.get_session()
    names: dict[str, str] = {}
    for service in ("kms", "dynamodb"):  # dynamodb last: a name both have (TagResource) is DynamoDB's
        for op in session.get_service_model(service).operation_names:
            names[op] = names[xform_name(op)] = f"{service}:{op}"
    found = set()
    for directory in ("engine", "aws"):
        for path in sorted((PACKAGE / directory).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(n.body[0].value)
                for n in ast.walk(tree)
                if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and n.body
                and isinstance(n.body[0], ast.Expr)
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                    if node.value in names:
                        found.add(names[node.value])
                elif isinstance(node, ast.Attribute) and node.attr in names:
                    receiver = ast.unparse(node.value).lower()
                    op = names[node.attr].split(":", 1)[1]
                    found.add(f"kms:{op}" if "kms" in receiver else names[node.attr])
    return found


def test_scanner_finds_every_operation_the_engine_names() -> None:
    ops = engine_operations()
    assert ops == independent_scan()
    assert {"dynamodb:DescribeTable", "dynamodb:CreateTable", "dynamodb:UpdateTable", "dynamodb:DeleteTable"} <= ops
    assert all(op.split(":", 1)[0] in ("dynamodb", "kms") for op in ops)


def test_scanner_reads_steps_calls_and_skips_docstrings() -> None:
    source = '''
"""Module doc mentioning DeleteBackup."""
def f(client, factory, region):
    """Calls ListTables? No: this is a docstring."""
    client.describe_table(TableName="t")
    factory.kms(region).describe_key(KeyId="alias/aws/dynamodb")
    call(client, "UpdateTimeToLive", region)
    Step(operation="TagResource", region=region, request={}, description="")
    log = "restore later"
'''
    found = {f.action for f in scan_source(source, "m")}
    assert found == {"dynamodb:DescribeTable", "kms:DescribeKey", "dynamodb:UpdateTimeToLive", "dynamodb:TagResource"}


def test_the_engine_calls_nothing_the_scanner_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the engine for real (every example, plus an AWS managed key and a tag removal) against the embedded
    endpoint, create through delete, and record every AWS operation it makes."""
    local = pytest.importorskip("dynamotable.local")
    from dynamotable.aws.clients import ClientFactory
    from dynamotable.engine.reconcile import delete, reconcile

    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    seen: set[str] = set()

    def record(event_name: str = "", **_: Any) -> None:
        _, service, operation = event_name.split(".")
        seen.add(f"{service}:{operation}")

    manifests = [m for _, m in check(load([str(EXAMPLES)]), default_region="us-east-1").manifests]
    managed_key = manifests[0].model_dump(by_alias=True, exclude_none=True, mode="json")
    managed_key["spec"].update(tableName="iam-managed-key", serverSideEncryption={"enabled": True}, tags={"a": "1"})
    manifests.append(DynamoTable.model_validate(managed_key))
    with local.LocalEndpoint() as endpoint:
        factory = ClientFactory(endpoint_url=endpoint.url, max_attempts=1)
        factory.add_hook("before-call", record)
        for example in manifests:
            m = example.model_copy(update={"spec": example.spec.model_copy(update={"deletion_protection": False})})
            m = _drive(reconcile, m, factory)
            if m.spec.tags:  # remove a tag: UntagResource
                m = _drive(reconcile, _with_spec(m, tags=dict(list(m.spec.tags.items())[1:])), factory)
            _drive(delete, _with_spec(m, deletion_policy="Delete"), factory)
    assert {"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UntagResource", "kms:DescribeKey"} <= seen
    missed = seen - engine_operations()
    assert not missed, f"the engine called operations the scanner does not see: {missed}"


def _with_spec(m: DynamoTable, **changes: Any) -> DynamoTable:
    return m.model_copy(update={"spec": m.spec.model_copy(update=changes)})


def _drive(step: Any, m: DynamoTable, factory: Any, passes: int = 60) -> DynamoTable:
    """Run reconcile (or delete) passes until the outcome asks for no more."""
    from dynamotable.engine.reconcile import Timing

    for _ in range(passes):
        out = step(m, factory, region=m.region_or("us-east-1"), timing=Timing.fast())
        m = m.model_copy(update={"status": out.status.model_dump(by_alias=True, exclude_none=True)})
        if out.done or out.requeue_after is None:
            return m
        time.sleep(min(out.requeue_after, 0.05))
    raise AssertionError(f"no end after {passes} passes: {out.status.conditions}")


# --------------------------------------------------------------------------------- operator policy


def assert_valid_iam(policy: dict[str, Any]) -> None:
    assert set(policy) == {"Version", "Statement"} and policy["Version"] == "2012-10-17"
    assert isinstance(policy["Statement"], list) and policy["Statement"]
    session = botocore.session.get_session()
    known = set(IAM_ONLY)
    for service, prefix in (("dynamodb", "dynamodb"), ("dynamodbstreams", "dynamodb"), ("kms", "kms")):
        known |= {f"{prefix}:{op}" for op in session.get_service_model(service).operation_names}
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}
        assert statement["Effect"] == "Allow"
        assert statement["Action"] and statement["Resource"]
        for action in statement["Action"]:
            assert action in known, action
            assert not action.endswith(":*"), action
        resources = [statement["Resource"]] if isinstance(statement["Resource"], str) else statement["Resource"]
        for arn in resources:
            assert arn == "*" or arn.startswith("arn:aws"), arn
    json.dumps(policy)


def test_operator_policy_grants_exactly_the_engine_operations() -> None:
    policy = operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT))
    assert_valid_iam(policy)
    assert granted_actions(policy) == set(engine_operations())
    assert not any(a.endswith(":*") for a in granted_actions(policy)), "no service wildcard such as dynamodb:*"


def test_replicas_and_customer_keys_add_only_the_documented_extras() -> None:
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    scope = OperatorScope(account_id=ACCOUNT, table_prefix="shop-", replica_regions=("us-west-2",), kms_key_arns=(key,))
    policy = operator_policy(engine_operations(), scope)
    assert_valid_iam(policy)
    extras = set(REPLICA_ACTIONS) | set(CMK_ACTIONS) | {"iam:CreateServiceLinkedRole"}
    assert granted_actions(policy) == set(engine_operations()) | extras
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["ManageReplicas"]["Resource"] == [f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/shop-*"]
    assert by_sid["UseCustomerManagedKeysThroughDynamoDB"]["Resource"] == [key]
    assert by_sid["UseCustomerManagedKeysThroughDynamoDB"]["Condition"] == {
        "StringLike": {"kms:ViaService": "dynamodb.*.amazonaws.com"}
    }
    assert by_sid["CreateReplicationServiceLinkedRole"]["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "replication.dynamodb.amazonaws.com"}
    }


def test_prefix_scope_covers_only_matching_tables() -> None:
    policy = operator_policy(
        engine_operations(), OperatorScope(account_id=ACCOUNT, table_prefix="team-a-", regions=("eu-west-1",))
    )
    (manage,) = [s for s in policy["Statement"] if s["Sid"] == "ManageTables"]
    assert manage["Resource"] == [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/team-a-*"]
    (kms,) = [s for s in policy["Statement"] if s["Sid"] == "IdentifyAwsManagedKey"]
    assert kms["Resource"] == [f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"]
    assert kms["Condition"] == {"StringEquals": {"kms:RequestAlias": "alias/aws/dynamodb"}}


def test_partitions_follow_the_region() -> None:
    policy = operator_policy(["dynamodb:DescribeTable"], OperatorScope(regions=("cn-north-1", "us-gov-west-1")))
    assert policy["Statement"][0]["Resource"] == [
        "arn:aws-cn:dynamodb:cn-north-1:*:table/*",
        "arn:aws-us-gov:dynamodb:us-gov-west-1:*:table/*",
    ]


def test_manifest_scope_is_per_table_and_region() -> None:
    tables = (
        TableRef("orders", "us-east-1", replica_regions=("us-west-2",)),
        TableRef("carts", "eu-west-1"),
    )
    policy = operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT, tables=tables))
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["ManageTables"]["Resource"] == [
        f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/carts",
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders",
        f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/orders",
    ]
    assert by_sid["ManageReplicas"]["Resource"] == [f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/orders"]
    assert "UseCustomerManagedKeysThroughDynamoDB" not in by_sid


@pytest.mark.parametrize(
    ("operations", "scope", "message"),
    [
        (["dynamodb:*"], OperatorScope(), "not a single IAM action"),
        (["s3:GetObject"], OperatorScope(), "no resource scoping"),
        (["kms:ListAliases"], OperatorScope(), "no statement is defined for kms:ListAliases"),
    ],
)
def test_operator_policy_refuses_what_it_cannot_scope(
    operations: list[str], scope: OperatorScope, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        operator_policy(operations, scope)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"account_id": "12345"}, "not 12 digits"),
        ({"table_prefix": "team-*"}, "literal"),
        ({"tables": (TableRef("t", "us-east-1"),), "table_prefix": "x"}, "not both"),
    ],
)
def test_scope_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        OperatorScope(**kwargs)


# --------------------------------------------------------------------------------- application access


def test_access_policy_has_the_seed_guides_shape() -> None:
    """The seed's DynamoDBAccess: item actions on the table ARN, Query/Scan on `<table ARN>/index/*`."""
    policy = access_policy([TableRef("main-table", "us-east-1", indexes=True)], account_id=ACCOUNT)
    assert_valid_iam(policy)
    items, index = policy["Statement"]
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/main-table"
    assert items["Resource"] == [table]
    seed_actions = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"}
    assert {f"dynamodb:{a}" for a in seed_actions} <= set(items["Action"])
    assert set(items["Action"]) - {f"dynamodb:{a}" for a in seed_actions} == {
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DescribeTable",
    }
    assert index == {
        "Sid": "IndexQueries",
        "Effect": "Allow",
        "Action": ["dynamodb:Query", "dynamodb:Scan"],
        "Resource": [f"{table}/index/*"],
    }


def test_access_policy_read_only_streams_and_replicas() -> None:
    tables = [TableRef("g", "us-east-1", replica_regions=("eu-west-1",), stream=True), TableRef("plain", "us-east-1")]
    policy = access_policy(tables, read_only=True)
    assert_valid_iam(policy)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & set(
        by_sid["TableItems"]["Action"]
    )
    assert by_sid["TableItems"]["Resource"] == [
        "arn:aws:dynamodb:eu-west-1:*:table/g",
        "arn:aws:dynamodb:us-east-1:*:table/g",
        "arn:aws:dynamodb:us-east-1:*:table/plain",
    ]
    assert by_sid["StreamReads"]["Resource"] == [
        "arn:aws:dynamodb:eu-west-1:*:table/g/stream/*",
        "arn:aws:dynamodb:us-east-1:*:table/g/stream/*",
    ]
    assert "IndexQueries" not in by_sid, "no index: no index grant"


# --------------------------------------------------------------------------------- the command


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(iam_policy_command, list(args), env=env or {"AWS_REGION": "us-east-1"})
    return result.exit_code, result.stdout, result.stderr


def test_command_prints_the_operator_policy() -> None:
    code, out, _ = run("--account-id", ACCOUNT, "--table-prefix", "shop-", "--region", "us-east-1")
    assert code == 0
    policy = json.loads(out)
    assert_valid_iam(policy)
    assert policy["Statement"][0]["Resource"] == [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-*"]
    assert granted_actions(policy) == set(engine_operations())


def test_command_with_manifests_scopes_to_their_tables_replicas_and_keys() -> None:
    code, out, _ = run("-f", str(EXAMPLES / "global-table.yaml"), "-f", str(EXAMPLES / "encrypted.yaml"))
    assert code == 0
    by_sid = {s["Sid"]: s for s in json.loads(out)["Statement"]}
    assert by_sid["ManageReplicas"]["Resource"] == ["arn:aws:dynamodb:us-west-2:*:table/global-table"]
    assert by_sid["UseCustomerManagedKeysThroughDynamoDB"]["Resource"]
    assert all(
        ":table/global-table" in arn or ":table/encrypted-table" in arn for arn in by_sid["ManageTables"]["Resource"]
    )


def test_command_access_policy_for_manifests() -> None:
    code, out, _ = run("--access", "-f", str(EXAMPLES / "gsi.yaml"), "--account-id", ACCOUNT)
    assert code == 0
    policy = json.loads(out)
    assert_valid_iam(policy)
    assert [s["Sid"] for s in policy["Statement"]] == ["TableItems", "IndexQueries"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--access",), "--access needs the tables"),
        (("--read-only",), "--read-only only applies to --access"),
        (("-f", str(EXAMPLES / "gsi.yaml"), "--table-prefix", "x"), "cannot be combined"),
        (("--account-id", "abc"), "not 12 digits"),
        (("-f", "/nonexistent.yaml"), "no such file"),
    ],
)
def test_command_errors(args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args)
    assert code == 1 and message in err


def test_command_rejects_invalid_manifests(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: dynamotable.io/v1alpha1\nkind: DynamoTable\nmetadata: {name: x}\nspec: {hashKey: id}\n")
    code, out, err = run("--access", "-f", str(bad))
    assert code == 1 and out == "" and "spec.attributes" in err


def test_command_warns_when_the_policy_exceeds_the_managed_policy_size(tmp_path: Path) -> None:
    doc = (
        "apiVersion: dynamotable.io/v1alpha1\nkind: DynamoTable\nmetadata: {{name: t{i}}}\n"
        "spec:\n  tableName: {name}\n  hashKey: id\n  attributes: [{{name: id, type: S}}]\n"
    )
    text = "---\n".join(doc.format(i=i, name=f"team-alpha-service-table-{i:03d}") for i in range(120))
    (tmp_path / "many.yaml").write_text(text)
    code, out, err = run("-f", str(tmp_path), "--account-id", ACCOUNT)
    assert code == 0 and json.loads(out)
    assert "a managed policy holds 6144" in err
