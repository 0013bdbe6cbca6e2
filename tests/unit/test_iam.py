"""IAM policies: the operator's grants exactly what the engine calls (plus AWS's documented extras), scoped by the
ownership tag the way docs/iam.md says; the application access policy matches the seed guide's DynamoDBAccess
shape. Policies are valid IAM JSON, and a small evaluator checks every call the engine really makes against them.

The evaluator models IAM's identity-policy evaluation for what these policies use: Allow statements, `*`/`?`
globs in Action and Resource, the Null, StringEquals and StringLike operators (their Not, IfExists and
ForAllValues/ForAnyValue forms), and the rule that a condition on a key absent from the request is false,
except for Null, negated operators, IfExists and ForAllValues. An operator it does not know fails the test.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from click.testing import CliRunner
from source_support import create_example_sources

from dynamotable.api import spec as s
from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import OWNER_TAG
from dynamotable.commands.engine_operations import engine_operations, scan_source
from dynamotable.commands.iam import iam_policy_command, shown, table_ref
from dynamotable.loader import check, load
from dynamotable.terraform.iam import (
    ACCOUNT_LEVEL_DYNAMODB,
    AUTOSCALING_SLR_NAME,
    AUTOSCALING_SLR_SERVICE,
    BACKUP_READS,
    CMK_ACTIONS,
    IMPORT_LOG_ACTIONS,
    IMPORT_S3_ACTIONS,
    INSIGHTS_SLR_NAME,
    INSIGHTS_SLR_SERVICE,
    KINESIS_ACCOUNT_ACTIONS,
    KINESIS_STREAM_ACTIONS,
    REPLICA_ACTIONS,
    REPLICATION_SLR_NAME,
    REPLICATION_SLR_SERVICE,
    RESTORE_TARGET_ACTIONS,
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
ACCOUNT = "123456789012"  # moto's account for the access key "testing"
CLUSTER = "test-cluster"
# Actions IAM knows that are not API operations of the service (so botocore does not list them).
IAM_ONLY = {"dynamodb:CreateTableReplica", "dynamodb:DeleteTableReplica", "dynamodb:ConditionCheckItem"}
IAM_ONLY |= {"iam:CreateServiceLinkedRole", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
IAM_ONLY |= {"s3:ListBucket"}  # [A24] an import lists the bucket (the action of ListObjectsV2)
# [A24] only a spec with a source makes these calls: granted with --restores-and-imports or such manifests
SOURCE_CALLS = {
    "dynamodb:RestoreTableToPointInTime",
    "dynamodb:RestoreTableFromBackup",
    "dynamodb:ImportTable",
    "dynamodb:DescribeImport",
}
# botocore's event names use the service id; IAM its prefix
IAM_PREFIX = {"application-auto-scaling": "application-autoscaling"}


# --------------------------------------------------------------------------------- the engine's AWS calls


def independent_scan() -> set[str]:
    """Every DynamoDB / KMS / Application Auto Scaling / CloudWatch operation named anywhere in engine/ and aws/
    (strings, attributes, calls): deliberately wider than the command's scanner, so anything it misses shows up as
    a difference."""
    session = botocore.session.get_session()
    names: dict[str, str] = {}
    cloudwatch = set(session.get_service_model("cloudwatch").operation_names)
    # dynamodb last: a name several have (TagResource) is DynamoDB's
    for service in ("application-autoscaling", "cloudwatch", "kms", "dynamodb"):
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
                    if "kms" in receiver:
                        found.add(f"kms:{op}")
                    elif "autoscaling" in receiver:
                        found.add(f"application-autoscaling:{op}")
                    elif "cloudwatch" in receiver and op in cloudwatch:
                        found.add(f"cloudwatch:{op}")
                    else:
                        found.add(names[node.attr])
    return found


# --------------------------------------------------------------------------------- a small IAM evaluator

Value = str | tuple[str, ...]  # a single-valued context key, or a multivalued one (aws:TagKeys)


@dataclass(frozen=True)
class Request:
    """One authorization IAM makes: an action on a resource with the request context's condition keys."""

    action: str
    resource: str
    context: Mapping[str, Value] = field(default_factory=dict)
    why: str = ""

    def __str__(self) -> str:
        return f"{self.action} on {self.resource} ({self.why}) context={dict(self.context)}"


def _glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


STRING_TESTS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda value, wanted: value == wanted, False),
    "StringNotEquals": (lambda value, wanted: value == wanted, True),
    "StringLike": (lambda value, wanted: _glob(wanted, value), False),
    "StringNotLike": (lambda value, wanted: _glob(wanted, value), True),
}


def condition_holds(operator: str, key: str, expected: str | list[str], context: Mapping[str, Value]) -> bool:
    wanted = [expected] if isinstance(expected, str) else list(expected)
    if operator == "Null":
        (flag,) = wanted
        assert flag in ("true", "false"), flag
        return (key not in context) == (flag == "true")
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    if name not in STRING_TESTS or qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise AssertionError(f"the evaluator does not know the condition operator {operator}")
    test, negated = STRING_TESTS[name]

    def one(value: str) -> bool:
        matched = any(test(value, w) for w in wanted)
        return not matched if negated else matched

    if key not in context:
        return if_exists or qualifier == "ForAllValues" or (negated and qualifier == "")
    actual = context[key]
    if qualifier:
        assert isinstance(actual, tuple), f"{key} is single-valued: {operator} is for multivalued keys"
        return all(map(one, actual)) if qualifier == "ForAllValues" else any(map(one, actual))
    assert isinstance(actual, str), f"{key} is multivalued: use ForAllValues or ForAnyValue"
    return one(actual)


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def statement_allows(statement: Mapping[str, Any], request: Request) -> bool:
    assert statement["Effect"] == "Allow", "the evaluator only models Allow statements"
    if not any(_glob(a, request.action, ignore_case=True) for a in _listed(statement["Action"])):
        return False
    if not any(_glob(r, request.resource) for r in _listed(statement["Resource"])):
        return False
    conditions: Mapping[str, Mapping[str, Any]] = statement.get("Condition", {})
    return all(condition_holds(op, k, v, request.context) for op, block in conditions.items() for k, v in block.items())


def allows(policy: Mapping[str, Any], request: Request) -> bool:
    return any(statement_allows(s, request) for s in policy["Statement"])


def denied(policy: Mapping[str, Any], requests: Iterable[Request]) -> list[Request]:
    return [r for r in requests if not allows(policy, r)]


def _is_read(action: str) -> bool:
    return action.startswith(("dynamodb:Describe", "dynamodb:List", "dynamodb:Get"))


def table_arn(region: str, name: str) -> str:
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"


def tag_context(
    resource_tags: Mapping[str, str] | None,
    *,
    request_tags: Mapping[str, str] | None = None,
    tag_keys: Iterable[str] | None = None,
) -> dict[str, Value]:
    """aws:ResourceTag/*, aws:RequestTag/* and aws:TagKeys as DynamoDB puts them in the request context."""
    context: dict[str, Value] = {f"aws:ResourceTag/{k}": v for k, v in (resource_tags or {}).items()}
    if request_tags is not None:
        context.update({f"aws:RequestTag/{k}": v for k, v in request_tags.items()})
        context["aws:TagKeys"] = tuple(request_tags)
    if tag_keys is not None:
        context["aws:TagKeys"] = tuple(tag_keys)
    return context


def _tags(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


LiveTags = Callable[[str], "dict[str, str] | None"]  # table ARN -> its tags now (None: no such table)


# "Using IAM with global tables": adding a replica needs these item actions in the replica's region as well.
REPLICA_ITEM_ACTIONS = tuple(
    f"dynamodb:{a}" for a in ("Scan", "Query", "UpdateItem", "PutItem", "GetItem", "DeleteItem", "BatchWriteItem")
)


def _cmk_checks(key: str | None, region: str, why: str) -> list[Request]:
    """Choosing a customer managed key: the caller must be able to describe it and grant DynamoDB its use."""
    if not key or not key.startswith("arn:"):
        return []
    via = {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}
    return [Request(f"kms:{op}", key, via, why) for op in ("CreateGrant", "DescribeKey")]


def _source_authorizations(action: str, region: str, params: Mapping[str, Any]) -> list[Request]:
    """[A24] A restore: the action on the new table and on its source, and the item writes DynamoDB makes as the
    caller on the new table ("Using IAM with DynamoDB backup and restore"). An import: the action on the new
    table, the bucket's objects and the import's logs ("Requesting a table import in DynamoDB"). DescribeImport:
    the import's ARN."""
    if action == "dynamodb:DescribeImport":
        return [Request(action, str(params["ImportArn"]), {}, "import progress")]
    if action == "dynamodb:ImportTable":
        target = table_arn(region, str(params["TableCreationParameters"]["TableName"]))
        bucket = params["S3BucketSource"]["S3Bucket"]
        logs = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws-dynamodb/imports"
        return [
            Request(action, target, {}, "import"),
            Request("s3:ListBucket", f"arn:aws:s3:::{bucket}", {}, "import reads the bucket"),
            Request(
                "s3:GetObject",
                f"arn:aws:s3:::{bucket}/{params['S3BucketSource'].get('S3KeyPrefix', '')}x",
                {},
                "import",
            ),
            Request("logs:CreateLogGroup", logs, {}, "import logs"),
            Request("logs:PutLogEvents", logs, {}, "import logs"),
        ]
    target = table_arn(region, str(params["TargetTableName"]))
    source = (
        params.get("BackupArn") or params.get("SourceTableArn") or table_arn(region, str(params["SourceTableName"]))
    )
    out = [Request(action, target, {}, "restore"), Request(action, str(source), {}, "restore reads its source")]
    return out + [Request(a, target, {}, "restore writes the items") for a in RESTORE_TARGET_ACTIONS]


def authorizations(
    service: str, operation: str, region: str, params: Mapping[str, Any], live: LiveTags
) -> list[Request]:
    """What IAM authorizes for one API call, as AWS documents it: the operation's own action on its table, the
    TagResource DynamoDB also checks for CreateTable's tags, and for ReplicaUpdates the replica actions and the
    item actions in the replica's region (docs/iam.md, "Where the actions come from")."""
    if service == "kms":
        key = str(params.get("KeyId", ""))
        context: dict[str, Value] = {"kms:RequestAlias": key} if key.startswith("alias/") else {}
        return [Request(f"kms:{operation}", f"arn:aws:kms:{region}:{ACCOUNT}:key/looked-up-by-alias", context)]
    if service == "application-autoscaling":
        # no resource-level scoping is possible (a target's ARN ends in an id AWS makes up); the first
        # registration also creates Application Auto Scaling's service-linked role [A19]
        out = [Request(f"{service}:{operation}", "*", {}, operation)]
        if operation == "RegisterScalableTarget":
            role = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/{AUTOSCALING_SLR_SERVICE}/{AUTOSCALING_SLR_NAME}"
            out.append(Request("iam:CreateServiceLinkedRole", role, {"iam:AWSServiceName": AUTOSCALING_SLR_SERVICE}))
        return out
    if service == "cloudwatch":
        return _alarm_authorizations(operation, region, params)
    action = f"dynamodb:{operation}"
    if operation in ("ListTables", "DescribeLimits", "DescribeEndpoints"):
        return [Request(action, "*", {}, operation)]
    if action in SOURCE_CALLS:
        return _source_authorizations(action, region, params)
    arn = str(params["ResourceArn"]) if "ResourceArn" in params else table_arn(region, str(params["TableName"]))
    resource_tags = live(arn)
    if operation == "CreateTable":
        tags = _tags(params.get("Tags"))
        out = [Request(action, arn, tag_context(None, request_tags=tags), "create")]
        if tags:
            out.append(
                Request("dynamodb:TagResource", arn, tag_context(None, request_tags=tags), "tags of CreateTable")
            )
        if params.get("ResourcePolicy"):
            context = tag_context(None, request_tags=tags)
            out.append(Request("dynamodb:PutResourcePolicy", arn, context, "policy of CreateTable"))
        return out + _cmk_checks((params.get("SSESpecification") or {}).get("KMSMasterKeyId"), region, "create")
    if operation == "TagResource":
        context = tag_context(resource_tags, request_tags=_tags(params.get("Tags")))
        return [Request(action, arn, context, "tag")]
    if operation == "UntagResource":
        return [Request(action, arn, tag_context(resource_tags, tag_keys=params.get("TagKeys")), "untag")]
    if operation.endswith("ContributorInsights") and params.get("IndexName"):
        arn = f"{arn}/index/{params['IndexName']}"  # on the table or the index (Contributor_Insights_IAM.html)
    out = [Request(action, arn, tag_context(resource_tags), operation)]
    if operation == "UpdateContributorInsights" and params.get("ContributorInsightsAction") == "ENABLE":
        role = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/{INSIGHTS_SLR_SERVICE}/{INSIGHTS_SLR_NAME}"
        out.append(Request("iam:CreateServiceLinkedRole", role, {"iam:AWSServiceName": INSIGHTS_SLR_SERVICE}))
    if operation == "EnableKinesisStreamingDestination":  # kds_iam.html
        stream = str(params["StreamArn"])
        out += [Request(a, stream, {}, "stream to Kinesis") for a in ("kinesis:PutRecords", "kinesis:DescribeStream")]
        out.append(Request("kinesis:ListStreams", "*", {}, "stream to Kinesis"))
    if operation == "UpdateTable":
        out += _cmk_checks((params.get("SSESpecification") or {}).get("KMSMasterKeyId"), region, "update SSE")
        name = str(params["TableName"])
        role = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/{REPLICATION_SLR_SERVICE}/{REPLICATION_SLR_NAME}"
        for update in params.get("ReplicaUpdates") or []:
            if "Create" in update:
                other = str(update["Create"]["RegionName"])
                replica = table_arn(other, name)
                out.append(Request("dynamodb:CreateTableReplica", replica, {}, f"add replica in {other}"))
                out += [Request(a, replica, {}, f"copy items to {other}") for a in REPLICA_ITEM_ACTIONS]
                out.append(
                    Request("iam:CreateServiceLinkedRole", role, {"iam:AWSServiceName": REPLICATION_SLR_SERVICE})
                )
                out += _cmk_checks(update["Create"].get("KMSMasterKeyId"), other, f"replica key in {other}")
            if "Delete" in update:
                other = str(update["Delete"]["RegionName"])
                replica = table_arn(other, name)
                context = tag_context(live(replica))
                out.append(Request("dynamodb:DeleteTableReplica", replica, context, f"remove replica in {other}"))
    return out


def alarm_arn(region: str, name: str) -> str:
    return f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"


def _alarm_authorizations(operation: str, region: str, params: Mapping[str, Any]) -> list[Request]:
    """CloudWatch: DescribeAlarms on "*"; the alarm's ARN for the others; PutMetricAlarm's tags as TagResource."""
    action = f"cloudwatch:{operation}"
    if operation == "DescribeAlarms":
        return [Request(action, "*", {}, operation)]
    if operation == "ListTagsForResource":
        return [Request(action, str(params["ResourceARN"]), {}, operation)]
    if operation == "DeleteAlarms":
        return [Request(action, alarm_arn(region, str(n)), {}, operation) for n in params["AlarmNames"]]
    arn = alarm_arn(region, str(params["AlarmName"]))
    out = [Request(action, arn, {}, operation)]
    if params.get("Tags"):
        out.append(Request("cloudwatch:TagResource", arn, {}, "tags of PutMetricAlarm"))
    return out


class LiveTagReader:
    """Reads a table's tags from the local endpoint at the moment of a call, with clients of its own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[str, Any] = {}

    def _client(self, region: str) -> Any:
        if region not in self._clients:
            self._clients[region] = boto3.client(
                "dynamodb",
                endpoint_url=self.url,
                region_name=region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(retries={"mode": "standard", "max_attempts": 1}),
            )
        return self._clients[region]

    def __call__(self, arn: str) -> dict[str, str] | None:
        try:
            return _tags(self._client(arn.split(":")[3]).list_tags_of_resource(ResourceArn=arn).get("Tags"))
        except ClientError:
            return None


@dataclass
class Recorder:
    """A botocore hook on every engine client: each call's authorizations, computed before the call is sent."""

    live: LiveTags
    calls: set[str] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)

    def __call__(self, event_name: str = "", params: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        _, service, operation = event_name.split(".")
        service = IAM_PREFIX.get(service, service)
        self.calls.add(f"{service}:{operation}")
        region = str(kwargs["context"]["client_region"])
        # Reads are granted whatever the tags (test_reads_are_unconditioned_...): they are recorded without the
        # table's tags, which saves a lookup per call; a policy that conditioned reads would fail here.
        live = (lambda _arn: None) if _is_read(f"{service}:{operation}") else self.live
        self.requests += authorizations(service, operation, region, params or {}, live)


def test_scanner_finds_every_operation_the_engine_names() -> None:
    ops = engine_operations()
    assert ops == independent_scan()
    assert {"dynamodb:DescribeTable", "dynamodb:CreateTable", "dynamodb:UpdateTable", "dynamodb:DeleteTable"} <= ops
    assert all(op.split(":", 1)[0] in ("dynamodb", "kms", "application-autoscaling", "cloudwatch") for op in ops)


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


# --------------------------------------------------------------------------------- the engine against the policy


def _with_spec(m: DynamoTable, **changes: Any) -> DynamoTable:
    return m.model_copy(update={"spec": m.spec.model_copy(update=changes)})


def _drive(step: Any, m: DynamoTable, factory: Any, *, owner: str | None = None, passes: int = 60) -> DynamoTable:
    """Run reconcile (or delete) passes until the outcome asks for no more."""
    from dynamotable.engine.reconcile import Timing

    for _ in range(passes):
        out = step(m, factory, region=m.region_or("us-east-1"), owner=owner, timing=Timing.fast())
        m = m.model_copy(update={"status": out.status.model_dump(by_alias=True, exclude_none=True)})
        if out.done or out.requeue_after is None:
            assert out.error is None, f"{m.table_name}: {out.status.conditions}"
            return m
        time.sleep(min(out.requeue_after, 0.05))
    raise AssertionError(f"no end after {passes} passes: {out.status.conditions}")


def _manifest(base: DynamoTable, name: str, **spec: Any) -> DynamoTable:
    raw = base.model_dump(by_alias=True, exclude_none=True, mode="json")
    raw["metadata"] = {"name": name, "namespace": "team-a"}
    raw["spec"].update(tableName=name, deletionProtection=False, **spec)
    return DynamoTable.model_validate(raw)


def _examples(*files: str) -> list[DynamoTable]:
    paths = [str(EXAMPLES / f) for f in files] or [str(EXAMPLES)]
    return [m for _, m in check(load(paths), default_region="us-east-1").manifests]


class EngineOnLocalEndpoint:
    """The embedded endpoint, a ClientFactory on it, and a Recorder hooked to every client the factory makes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.local = pytest.importorskip("dynamotable.local")
        for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    def __enter__(self) -> EngineOnLocalEndpoint:
        from dynamotable.aws.clients import ClientFactory

        self.endpoint = self.local.LocalEndpoint().__enter__()
        self.live = LiveTagReader(self.endpoint.url)
        self.recorder = Recorder(self.live)
        self.factory = ClientFactory(endpoint_url=self.endpoint.url, max_attempts=1)
        self.factory.add_hook("before-parameter-build", self.recorder)
        return self

    def __exit__(self, *exc: object) -> None:
        self.endpoint.__exit__(*exc)

    def create_streams(self, manifests: Iterable[DynamoTable]) -> None:
        """The Kinesis data streams the manifests stream their changes to (a destination needs its stream)."""
        for m in manifests:
            if m.spec.kinesis_streaming_destination is not None:
                arn = m.spec.kinesis_streaming_destination.stream_arn
                kinesis = boto3.client(
                    "kinesis",
                    endpoint_url=self.endpoint.url,
                    region_name=arn.split(":")[3],
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                    config=Config(retries={"mode": "standard", "max_attempts": 1}),
                )
                kinesis.create_stream(StreamName=arn.split("/", 1)[1], ShardCount=1)

    def create_sources(self, manifests: Iterable[DynamoTable]) -> None:
        """[A24] What the source examples restore or import from (source_support.py)."""
        create_example_sources(self.endpoint.url, manifests)

    def create_by_hand(self, name: str, tags: Mapping[str, str]) -> None:
        """A table the operator did not create (no ownership tag), as another tool would make it."""
        self.live._client("us-east-1").create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )


def _policy_for(manifests: Iterable[DynamoTable], cluster_id: str | None = None) -> dict[str, Any]:
    tables = tuple(table_ref(m, "us-east-1") for m in manifests)
    return operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT, tables=tables, cluster_id=cluster_id))


def _explain(requests: Iterable[Request]) -> str:
    return "\n".join(str(r) for r in requests)


def test_every_call_the_engine_makes_is_scanned_and_granted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the engine for real (every example, plus an AWS managed key and a tag removal) against the embedded
    endpoint, create through delete; every AWS operation it makes is one the scanner sees, and every
    authorization those calls need (with the tags the table has at that moment) is granted by the policy."""
    from dynamotable.engine.reconcile import delete, reconcile

    manifests = _examples()
    managed_key = manifests[0].model_dump(by_alias=True, exclude_none=True, mode="json")
    managed_key["spec"].update(tableName="iam-managed-key", serverSideEncryption={"enabled": True}, tags={"a": "1"})
    manifests.append(DynamoTable.model_validate(managed_key))
    with EngineOnLocalEndpoint(monkeypatch) as run:
        run.create_streams(manifests)
        run.create_sources(manifests)
        for example in manifests:
            m = _drive(reconcile, _with_spec(example, deletion_protection=False), run.factory)
            if m.spec.tags:  # remove a tag: UntagResource
                m = _drive(reconcile, _with_spec(m, tags=dict(list(m.spec.tags.items())[1:])), run.factory)
            _drive(delete, _with_spec(m, deletion_policy=s.DeletionPolicy.DELETE), run.factory)
    seen, requests = run.recorder.calls, run.recorder.requests
    assert {"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UntagResource", "kms:DescribeKey"} <= seen
    missed = seen - engine_operations()
    assert not missed, f"the engine called operations the scanner does not see: {missed}"
    whys = {r.why for r in requests}
    assert {"tags of CreateTable", "add replica in us-west-2", "remove replica in us-west-2"} <= whys
    assert {"restore reads its source", "import reads the bucket"} <= whys  # [A24]
    assert any(r.action == "kms:CreateGrant" for r in requests), "no example chose a customer managed key"
    refused = denied(_policy_for(manifests), requests)
    assert not refused, "the policy refuses calls the engine makes:\n" + _explain(refused)


def test_cluster_policy_grants_adoption_retain_and_replica_settings_and_nothing_to_another_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a cluster id: adopting a hand-made table (TagResource first, on a table without the ownership tag),
    releasing it (deletionPolicy Retain: UntagResource of the tag), and a global table whose replica settings
    are changed in the replica's region (where the table has no ownership tag) all pass the policy; the same
    calls are refused by the policy of another cluster, and without the statements that exist for them."""
    from dynamotable.engine.reconcile import delete, reconcile

    (basic,) = _examples("basic.yaml")
    (global_table,) = _examples("global-table.yaml")
    adopted = _manifest(basic, "iam-adopted", adopt=True, deletionPolicy="Retain", tags={"a": "1"})
    replicated = _manifest(
        global_table,
        "iam-replicated",
        replicas=[
            {"region": "us-west-2", "pointInTimeRecovery": True, "propagateTags": True, "deletionProtection": True}
        ],
    )
    created = _manifest(basic, "iam-created", tags={"a": "1"})
    owner = {m.table_name: m.owner_for(CLUSTER) for m in (adopted, replicated, created)}
    with EngineOnLocalEndpoint(monkeypatch) as run:
        run.create_by_hand("iam-adopted", {"a": "1"})
        m = _drive(reconcile, adopted, run.factory, owner=owner["iam-adopted"])
        _drive(delete, m, run.factory, owner=owner["iam-adopted"])
        assert run.live(table_arn("us-east-1", "iam-adopted")) == {"a": "1"}, "Retain keeps the table, untagged"

        m = _drive(reconcile, replicated, run.factory, owner=owner["iam-replicated"])
        replica = table_arn("us-west-2", "iam-replicated")
        assert OWNER_TAG not in (run.live(replica) or {}), "replicas do not get the ownership tag"
        off = [{"region": "us-west-2", "pointInTimeRecovery": True, "propagateTags": True, "deletionProtection": False}]
        m = _drive(reconcile, _manifest(m, "iam-replicated", replicas=off), run.factory, owner=owner["iam-replicated"])
        _drive(
            delete, _with_spec(m, deletion_policy=s.DeletionPolicy.DELETE), run.factory, owner=owner["iam-replicated"]
        )

        m = _drive(reconcile, created, run.factory, owner=owner["iam-created"])
        _drive(delete, _with_spec(m, deletion_policy=s.DeletionPolicy.DELETE), run.factory, owner=owner["iam-created"])
    requests = run.recorder.requests
    manifests = [adopted, replicated, created]

    def made(action: str, arn: str, **context: Value) -> list[Request]:
        return [
            r for r in requests if r.action == action and r.resource == arn and context.items() <= r.context.items()
        ]

    home = table_arn("us-east-1", "iam-adopted")
    adopt = made("dynamodb:TagResource", home, **{f"aws:RequestTag/{OWNER_TAG}": owner["iam-adopted"]})
    assert adopt and all(f"aws:ResourceTag/{OWNER_TAG}" not in r.context for r in adopt), "adoption tags first"
    release = made("dynamodb:UntagResource", home, **{f"aws:ResourceTag/{OWNER_TAG}": owner["iam-adopted"]})
    assert [r.context["aws:TagKeys"] for r in release] == [(OWNER_TAG,)]
    replica_writes = [r for r in requests if r.resource == replica and r.action != "dynamodb:DescribeTable"]
    replica_settings = {"dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTable", "dynamodb:TagResource"}
    assert replica_settings <= {r.action for r in replica_writes}

    policy = _policy_for(manifests, CLUSTER)
    refused = denied(policy, requests)
    assert not refused, "the policy refuses calls the engine makes:\n" + _explain(refused)

    changes = [r for r in requests if r.action.startswith("dynamodb:") and not _is_read(r.action)]
    home_changes = [r for r in changes if ":us-east-1:" in r.resource]
    other = denied(_policy_for(manifests, "other-cluster"), requests)
    assert home_changes and all(r in other for r in home_changes), "another cluster's policy grants our changes"
    assert not [r for r in other if _is_read(r.action)], "reads do not depend on the tag"

    def without(sid: str) -> dict[str, Any]:
        return {**policy, "Statement": [s for s in policy["Statement"] if s["Sid"] != sid]}

    no_owner_tag_writes = denied(without("WriteOwnerTag"), requests)
    assert {r.why for r in no_owner_tag_writes} == {"tag", "tags of CreateTable"}
    assert all(r in no_owner_tag_writes for r in adopt)
    assert {r.resource for r in denied(without("ChangeReplicaSettings"), requests)} == {replica}


# --------------------------------------------------------------------------------- the evaluator itself


@pytest.mark.parametrize(
    ("operator", "expected", "context", "holds"),
    [
        ("Null", "false", {"k": "v"}, True),
        ("Null", "false", {}, False),
        ("Null", "true", {}, True),
        ("StringLike", "a:*", {"k": "a:b"}, True),
        ("StringLike", "a:*", {"k": "ab"}, False),
        ("StringLike", "a:*", {}, False),  # a missing key matches nothing
        ("StringLikeIfExists", "a:*", {}, True),
        ("StringLikeIfExists", "a:*", {"k": "b:c"}, False),
        ("StringEquals", ["x", "y"], {"k": "y"}, True),
        ("StringNotLike", "a*", {}, True),  # negated operators hold for a missing key
        ("ForAllValues:StringNotLike", "d/*", {"k": ("a", "b")}, True),
        ("ForAllValues:StringNotLike", "d/*", {"k": ("a", "d/o")}, False),
        ("ForAllValues:StringNotLike", "d/*", {}, True),
        ("ForAnyValue:StringLike", "d/*", {}, False),
    ],
)
def test_evaluator_conditions(operator: str, expected: str | list[str], context: dict[str, Value], holds: bool) -> None:
    assert condition_holds(operator, "k", expected, context) is holds


def test_evaluator_refuses_what_it_does_not_model() -> None:
    with pytest.raises(AssertionError, match="does not know"):
        condition_holds("ArnLike", "k", "arn:*", {"k": "arn:x"})
    with pytest.raises(AssertionError, match="multivalued"):
        condition_holds("StringLike", "k", "a", {"k": ("a",)})


# --------------------------------------------------------------------------------- operator policy


def assert_valid_iam(policy: dict[str, Any]) -> None:
    assert set(policy) == {"Version", "Statement"} and policy["Version"] == "2012-10-17"
    assert isinstance(policy["Statement"], list) and policy["Statement"]
    session = botocore.session.get_session()
    known = set(IAM_ONLY)
    for service, prefix in (
        ("dynamodb", "dynamodb"),
        ("dynamodbstreams", "dynamodb"),
        ("kms", "kms"),
        ("application-autoscaling", "application-autoscaling"),
        ("cloudwatch", "cloudwatch"),
        ("kinesis", "kinesis"),
        ("s3", "s3"),
        ("logs", "logs"),
    ):
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
        for operator, block in statement.get("Condition", {}).items():
            for key, expected in block.items():  # every operator is one the evaluator knows
                condition_holds(operator, key, expected, {})
    json.dumps(policy)


RESOURCE_OWNER = f"aws:ResourceTag/{OWNER_TAG}"
REQUEST_OWNER = f"aws:RequestTag/{OWNER_TAG}"


def _by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy["Statement"]}


# What AWS checks besides the operations of contributor insights and Kinesis streaming destinations: the
# insights service-linked role (Contributor_Insights_IAM.html) and the stream's actions (kds_iam.html).
# what AWS checks besides the engine's own calls (terraform/iam.py): service-linked roles (auto scaling, contributor
# insights), the Kinesis actions of a streaming destination, and cloudwatch:TagResource for PutMetricAlarm's tags
SURFACE_EXTRAS = {
    "iam:CreateServiceLinkedRole",
    "cloudwatch:TagResource",
    *KINESIS_STREAM_ACTIONS,
    *KINESIS_ACCOUNT_ACTIONS,
}


def test_operator_policy_grants_exactly_the_engine_operations() -> None:
    policy = operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT))
    assert_valid_iam(policy)
    assert granted_actions(policy) == set(engine_operations()) - SOURCE_CALLS | SURFACE_EXTRAS
    assert not any(a.endswith(":*") for a in granted_actions(policy)), "no service wildcard such as dynamodb:*"


def test_reads_are_unconditioned_and_every_change_needs_the_ownership_tag() -> None:
    policy = operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT))
    by_sid = _by_sid(policy)
    table_ops = {
        op
        for op in engine_operations()
        if op.startswith("dynamodb:") and op.split(":", 1)[1] not in ACCOUNT_LEVEL_DYNAMODB and op not in BACKUP_READS
    } - SOURCE_CALLS
    reads = {op for op in table_ops if _is_read(op)}
    assert set(by_sid["ReadTables"]["Action"]) == reads and "Condition" not in by_sid["ReadTables"]
    assert by_sid["CreateTablesWithOwnerTag"]["Condition"] == {"Null": {REQUEST_OWNER: "false"}}
    assert by_sid["WriteOwnerTag"] == {
        "Sid": "WriteOwnerTag",
        "Effect": "Allow",
        "Action": ["dynamodb:TagResource"],
        "Resource": [f"arn:aws:dynamodb:*:{ACCOUNT}:table/*"],
        "Condition": {"Null": {REQUEST_OWNER: "false"}},
    }
    changes = table_ops - reads - {"dynamodb:CreateTable"}
    assert set(by_sid["ChangeOwnedTables"]["Action"]) == changes
    assert by_sid["ChangeOwnedTables"]["Condition"] == {"Null": {RESOURCE_OWNER: "false"}}
    for statement in policy["Statement"]:
        if set(statement["Action"]) & (table_ops - reads):
            assert OWNER_TAG in json.dumps(statement.get("Condition")), statement["Sid"]


def test_a25_the_final_backup_is_made_on_owned_tables_and_read_on_their_backups() -> None:
    by_sid = _by_sid(operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT, table_prefix="shop-")))
    assert "dynamodb:CreateBackup" in by_sid["ChangeOwnedTables"]["Action"]
    assert by_sid["ReadFinalBackups"]["Action"] == ["dynamodb:DescribeBackup"]
    assert by_sid["ReadFinalBackups"]["Resource"] == [f"arn:aws:dynamodb:*:{ACCOUNT}:table/shop-*/backup/*"]
    assert "dynamodb:ListBackups" in by_sid["AccountLevelReads"]["Action"]  # no resource type: "*"
    assert by_sid["AccountLevelReads"]["Resource"] == "*"


def test_a_cluster_id_limits_every_condition_to_that_clusters_tag() -> None:
    by_sid = _by_sid(operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT, cluster_id="prod-eu")))
    assert by_sid["CreateTablesWithOwnerTag"]["Condition"] == {
        "Null": {REQUEST_OWNER: "false"},
        "StringLike": {REQUEST_OWNER: "prod-eu:*"},
    }
    assert by_sid["WriteOwnerTag"]["Condition"] == {
        "Null": {REQUEST_OWNER: "false"},
        "StringLike": {REQUEST_OWNER: "prod-eu:*"},
        "StringLikeIfExists": {RESOURCE_OWNER: "prod-eu:*"},
    }
    assert by_sid["ChangeOwnedTables"]["Condition"] == {
        "Null": {RESOURCE_OWNER: "false"},
        "StringLike": {RESOURCE_OWNER: "prod-eu:*"},
        "StringLikeIfExists": {REQUEST_OWNER: "prod-eu:*"},
    }


MINE = {OWNER_TAG: "prod-eu:shop/orders"}
THEIRS = {OWNER_TAG: "prod-us:shop/orders"}
UNTAGGED = {"team": "shop"}
HOME, REPLICA = "eu-west-1", "us-west-2"


def _call(
    action: str,
    tags: Mapping[str, str] | None,
    *,
    region: str = HOME,
    name: str = "shop-orders",
    request_tags: Mapping[str, str] | None = None,
    tag_keys: Iterable[str] | None = None,
) -> Request:
    context = tag_context(tags, request_tags=request_tags, tag_keys=tag_keys)
    return Request(f"dynamodb:{action}", table_arn(region, name), context)


PROTECTIONS = [
    # reads never depend on the tag: the operator must see a foreign table to report AdoptionRequired
    ("read an untagged table", _call("DescribeTable", UNTAGGED), True),
    ("read another cluster's tags", _call("ListTagsOfResource", THEIRS), True),
    ("change an untagged table", _call("UpdateTable", UNTAGGED), False),
    ("delete an untagged table", _call("DeleteTable", UNTAGGED), False),
    ("delete a table of this cluster", _call("DeleteTable", MINE), True),
    ("delete another cluster's table", _call("DeleteTable", THEIRS), False),
    ("change another cluster's TTL", _call("UpdateTimeToLive", THEIRS), False),
    ("create with this cluster's tag", _call("CreateTable", None, request_tags={"a": "1", **MINE}), True),
    ("create without the tag", _call("CreateTable", None, request_tags={"a": "1"}), False),
    ("create with another cluster's tag", _call("CreateTable", None, request_tags=THEIRS), False),
    ("create outside the prefix", _call("CreateTable", None, name="cart-x", request_tags=MINE), False),
    ("adopt: tag an untagged table", _call("TagResource", UNTAGGED, request_tags=MINE), True),
    ("adopt for another cluster", _call("TagResource", UNTAGGED, request_tags=THEIRS), False),
    ("take another cluster's table", _call("TagResource", THEIRS, request_tags=MINE), False),
    ("give a table to another cluster", _call("TagResource", MINE, request_tags=THEIRS), False),
    ("tag an untagged table without the ownership tag", _call("TagResource", UNTAGGED, request_tags={"a": "1"}), False),
    ("user tags on a table of this cluster", _call("TagResource", MINE, request_tags={"a": "1"}), True),
    ("release (Retain): remove this cluster's tag", _call("UntagResource", MINE, tag_keys=[OWNER_TAG]), True),
    ("remove another cluster's tag", _call("UntagResource", THEIRS, tag_keys=[OWNER_TAG]), False),
    ("replica settings on an untagged replica", _call("UpdateContinuousBackups", UNTAGGED, region=REPLICA), True),
    (
        "replica tags on an untagged replica",
        _call("TagResource", UNTAGGED, region=REPLICA, request_tags={"a": "1"}),
        True,
    ),
    ("mark a replica-region table as owned", _call("TagResource", UNTAGGED, region=REPLICA, request_tags=MINE), True),
    ("mark it for another cluster", _call("TagResource", UNTAGGED, region=REPLICA, request_tags=THEIRS), False),
    ("change another cluster's table in a replica region", _call("UpdateTable", THEIRS, region=REPLICA), False),
    ("delete an untagged table in a replica region", _call("DeleteTable", UNTAGGED, region=REPLICA), False),
    ("read outside the regions", _call("DescribeTable", MINE, region="ap-south-1"), False),
]


@pytest.mark.parametrize(("what", "request_", "allowed"), PROTECTIONS, ids=[p[0] for p in PROTECTIONS])
def test_what_the_policy_protects(what: str, request_: Request, allowed: bool) -> None:
    scope = OperatorScope(
        account_id=ACCOUNT, table_prefix="shop-", regions=(HOME,), replica_regions=(REPLICA,), cluster_id="prod-eu"
    )
    policy = operator_policy(engine_operations(), scope)
    assert_valid_iam(policy)
    assert allows(policy, request_) is allowed, what


def test_without_a_cluster_id_any_ownership_tag_counts() -> None:
    policy = operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT))
    assert allows(policy, _call("DeleteTable", THEIRS))
    assert not allows(policy, _call("DeleteTable", UNTAGGED))
    assert not allows(policy, _call("CreateTable", None, request_tags={"a": "1"}))


def test_with_abac_off_only_reads_are_left() -> None:
    """With ABAC off for the account DynamoDB evaluates tag conditions as if there were no tags: the policy
    then fails closed for every change in the home regions."""
    policy = operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT, cluster_id="prod-eu"))
    tagless = [_call(a, None) for a in ("CreateTable", "TagResource", "UpdateTable", "DeleteTable", "UntagResource")]
    assert denied(policy, tagless) == tagless
    assert allows(policy, _call("DescribeTable", None))


def test_replicas_and_customer_keys_add_only_the_documented_extras() -> None:
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    scope = OperatorScope(account_id=ACCOUNT, table_prefix="shop-", replica_regions=("us-west-2",), kms_key_arns=(key,))
    policy = operator_policy(engine_operations(), scope)
    assert_valid_iam(policy)
    extras = set(REPLICA_ACTIONS) | set(CMK_ACTIONS) | SURFACE_EXTRAS
    assert granted_actions(policy) == set(engine_operations()) - SOURCE_CALLS | extras
    by_sid = _by_sid(policy)
    replica_arn = f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/shop-*"
    assert by_sid["ManageReplicas"]["Resource"] == [replica_arn]
    assert by_sid["ChangeReplicaSettings"] == {
        "Sid": "ChangeReplicaSettings",
        "Effect": "Allow",
        "Action": sorted(
            [
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:UpdateTable",
            ]
        ),
        "Resource": [replica_arn],
        "Condition": {
            "Null": {RESOURCE_OWNER: "true"},
            "ForAllValues:StringNotLike": {"aws:TagKeys": "dynamotable.io/*"},
        },
    }
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
    by_sid = _by_sid(policy)
    for sid in ("ReadTables", "CreateTablesWithOwnerTag", "WriteOwnerTag", "ChangeOwnedTables"):
        assert by_sid[sid]["Resource"] == [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/team-a-*"], sid
    assert "ChangeReplicaSettings" not in by_sid, "no replica region: nothing is granted on untagged tables"
    kms = by_sid["IdentifyAwsManagedKey"]
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
    by_sid = _by_sid(policy)
    assert by_sid["ChangeOwnedTables"]["Resource"] == [
        f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/carts",
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders",
        f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/orders",
    ]
    assert by_sid["ManageReplicas"]["Resource"] == [f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/orders"]
    assert by_sid["ChangeReplicaSettings"]["Resource"] == [f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/orders"]
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
        ({"account_id": "12345"}, "is not an AWS account id"),
        ({"account_id": "12345678901\n"}, "is not an AWS account id"),
        ({"table_prefix": "team-*"}, "literal"),
        ({"table_prefix": "team a"}, "is not a table-name prefix"),
        ({"regions": ("eu-west-1*",)}, "is not an AWS region"),
        ({"replica_regions": ("Mars",)}, "is not an AWS region"),
        ({"cluster_id": "prod:eu"}, "is not a cluster id"),
        ({"kms_key_arns": ("arn:aws:kms:us-east-1:123456789012:key/*",)}, "is not a KMS key ARN"),
        ({"tables": (TableRef("orders", "us-east-1"),), "table_prefix": "x"}, "not both"),
    ],
)
def test_scope_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        OperatorScope(**kwargs)


def test_table_refs_are_literal_names() -> None:
    with pytest.raises(PolicyError, match="is not a DynamoDB table name"):
        TableRef("orders*", "us-east-1")
    with pytest.raises(PolicyError, match="is not an AWS region"):
        TableRef("orders", "us-east-1", replica_regions=("*",))


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
    tables = [TableRef("glb", "us-east-1", replica_regions=("eu-west-1",), stream=True), TableRef("plain", "us-east-1")]
    policy = access_policy(tables, read_only=True)
    assert_valid_iam(policy)
    by_sid = _by_sid(policy)
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & set(
        by_sid["TableItems"]["Action"]
    )
    assert by_sid["TableItems"]["Resource"] == [
        "arn:aws:dynamodb:eu-west-1:*:table/glb",
        "arn:aws:dynamodb:us-east-1:*:table/glb",
        "arn:aws:dynamodb:us-east-1:*:table/plain",
    ]
    assert by_sid["StreamReads"]["Resource"] == [
        "arn:aws:dynamodb:eu-west-1:*:table/glb/stream/*",
        "arn:aws:dynamodb:us-east-1:*:table/glb/stream/*",
    ]
    assert "IndexQueries" not in by_sid, "no index: no index grant"


# --------------------------------------------------------------------------------- the command


def run(*args: str, env: Mapping[str, str | None] | None = None) -> tuple[int, str, str]:
    environment = {"AWS_REGION": "us-east-1", "DYNAMOTABLE_CLUSTER_ID": None, **(env or {})}
    result = CliRunner().invoke(iam_policy_command, list(args), env=environment)
    return result.exit_code, result.stdout, result.stderr


def test_command_prints_the_operator_policy() -> None:
    code, out, _ = run("--account-id", ACCOUNT, "--table-prefix", "shop-", "--region", "us-east-1")
    assert code == 0
    policy = json.loads(out)
    assert_valid_iam(policy)
    assert _by_sid(policy)["ChangeOwnedTables"]["Resource"] == [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-*"]
    assert granted_actions(policy) == set(engine_operations()) - SOURCE_CALLS | SURFACE_EXTRAS


def test_a24_restores_and_imports_are_granted_on_the_tables_their_sources_the_bucket_and_the_logs() -> None:
    scope = OperatorScope(account_id=ACCOUNT, table_prefix="shop-", regions=("us-east-1",), restores_and_imports=True)
    policy = operator_policy(engine_operations(), scope)
    assert_valid_iam(policy)
    extras = set(RESTORE_TARGET_ACTIONS) | set(IMPORT_S3_ACTIONS) | set(IMPORT_LOG_ACTIONS) | SURFACE_EXTRAS
    assert granted_actions(policy) == set(engine_operations()) | extras
    by_sid = _by_sid(policy)
    tables = [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-*"]
    creates = by_sid["CreateTablesFromSources"]
    assert creates["Resource"] == tables and "Condition" not in creates  # the new table has no tags to check
    assert set(creates["Action"]) == SOURCE_CALLS - {"dynamodb:DescribeImport"} | set(RESTORE_TARGET_ACTIONS)
    assert "dynamodb:DescribeImport" in by_sid["ReadTables"]["Action"]  # table/shop-* covers .../import/<id>
    assert set(by_sid["ReadRestoreSources"]["Action"]) == {
        "dynamodb:RestoreTableToPointInTime",
        "dynamodb:RestoreTableFromBackup",
    }
    assert by_sid["WriteImportLogs"]["Resource"] == [f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws-dynamodb/*"]


def test_a24_with_manifests_restores_and_imports_are_granted_on_their_own_sources_only(tmp_path: Path) -> None:
    backup = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/prod/backup/01700000000000-abcdef12"
    doc = (
        "apiVersion: dynamotable.io/v1alpha1\nkind: DynamoTable\nmetadata: {{name: {name}}}\n"
        "spec:\n  region: us-east-1\n  hashKey: id\n  attributes: [{{name: id, type: S}}]\n  source: {source}\n"
    )
    text = doc.format(name="restored", source=f'{{backup: {{backupArn: "{backup}"}}}}') + "---\n"
    text += doc.format(name="imported", source="{s3Import: {bucket: exports, inputFormat: ION}}")
    (tmp_path / "sources.yaml").write_text(text)
    code, out, err = run("-f", str(tmp_path), "--account-id", ACCOUNT)
    assert code == 0, err
    by_sid = _by_sid(json.loads(out))
    assert by_sid["ReadRestoreSources"]["Resource"] == [backup]
    assert by_sid["ReadImportObjects"]["Resource"] == ["arn:aws:s3:::exports", "arn:aws:s3:::exports/*"]
    assert f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/imported/import/*" in by_sid["ReadTables"]["Resource"]
    # without a source in the manifests, nothing of it
    plain = run("-f", str(EXAMPLES / "encrypted.yaml"), "--account-id", ACCOUNT)
    assert not SOURCE_CALLS & granted_actions(json.loads(plain[1]))


def test_command_cluster_id_from_the_option_or_the_environment() -> None:
    by_option = run("--account-id", ACCOUNT, "--cluster-id", "prod-eu")
    by_env = run("--account-id", ACCOUNT, env={"DYNAMOTABLE_CLUSTER_ID": "prod-eu"})
    assert by_option == by_env and by_option[0] == 0
    expected = operator_policy(engine_operations(), OperatorScope(account_id=ACCOUNT, cluster_id="prod-eu"))
    assert json.loads(by_option[1]) == expected


def test_command_with_manifests_scopes_to_their_tables_replicas_and_keys() -> None:
    code, out, _ = run("-f", str(EXAMPLES / "global-table.yaml"), "-f", str(EXAMPLES / "encrypted.yaml"))
    assert code == 0
    by_sid = _by_sid(json.loads(out))
    assert by_sid["ManageReplicas"]["Resource"] == ["arn:aws:dynamodb:us-west-2:*:table/global-table"]
    assert by_sid["UseCustomerManagedKeysThroughDynamoDB"]["Resource"]
    assert all(
        ":table/global-table" in arn or ":table/encrypted-table" in arn
        for arn in by_sid["ChangeOwnedTables"]["Resource"]
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
        (("--account-id", "abc"), "is not an AWS account id"),
        (("-f", "/nonexistent.yaml"), "no such file"),
    ],
)
def test_command_errors(args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args)
    assert code == 1 and message in err


MALFORMED = [
    ("--region", "us_east_1"),
    ("--region", "US-EAST-1"),
    ("--region", "us-east-1\n"),
    ("--region", "eu-west-\u0661"),  # ARABIC-INDIC DIGIT ONE
    ("--region", ""),
    ("--replica-region", "mars"),
    ("--account-id", "12345678901"),
    ("--account-id", "1234567890123"),
    ("--account-id", "\u0661" * 12),
    ("--account-id", "12345678901*"),
    ("--table-prefix", "shop-*"),
    ("--table-prefix", "shop?"),
    ("--table-prefix", "sh\u00f6p-"),
    ("--table-prefix", "shop/"),
    ("--table-prefix", "x" * 256),
    ("--cluster-id", "prod:eu"),
    ("--cluster-id", "prod-*"),
    ("--cluster-id", "prod eu"),
    ("--cluster-id", ""),
    ("--cluster-id", "c" * 129),
    ("--kms-key-arn", "arn:aws:kms:us-east-1:123456789012:key/*"),
    ("--kms-key-arn", "arn:aws:kms:us-east-1:123456789012:alias/aws/dynamodb"),
]


@pytest.mark.parametrize(("option", "value"), MALFORMED, ids=[f"{o}={v[:20]!r}" for o, v in MALFORMED])
def test_command_rejects_a_malformed_option_in_one_line(option: str, value: str) -> None:
    code, out, err = run(option, value)
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"error: {option} {shown(value)} is not ")
    assert "; give " in line, "the line says how to fix it"
    assert len(line) < 400 and line.isascii()


def test_a_long_value_is_shortened_and_escaped() -> None:
    assert shown("x" * 300) == "'" + "x" * 95 + "...'"
    assert shown("a\nb") == "'a\\nb'"
    assert len(shown("\u0661" * 300)) <= 100


def test_a_bad_cluster_id_from_the_environment_says_where_it_came_from() -> None:
    code, _, err = run(env={"DYNAMOTABLE_CLUSTER_ID": "a:b"})
    assert code == 1 and err.startswith("error: $DYNAMOTABLE_CLUSTER_ID (--cluster-id) 'a:b' is not a cluster id")
    code, _, _ = run("--access", "-f", str(EXAMPLES / "gsi.yaml"), env={"DYNAMOTABLE_CLUSTER_ID": "a:b"})
    assert code == 0, "the access policy does not use the cluster id"


@pytest.mark.parametrize(
    "args",
    [
        ("--region", "us-gov-west-1"),
        ("--region", "cn-north-1", "--account-id", ACCOUNT),
        ("--replica-region", "*"),
        ("--table-prefix", "A.b_c-" + "x" * 249),
        ("--cluster-id", "prod-eu/1+a=b.c_d"),
        ("--kms-key-arn", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ],
)
def test_command_accepts_well_formed_options(args: tuple[str, ...]) -> None:
    code, out, err = run(*args)
    assert code == 0 and err == "", err
    assert_valid_iam(json.loads(out))


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


# --------------------------------------------------------------------------------- docs/iam.md says what the code does

DOC = ROOT / "docs" / "iam.md"


def test_the_documented_operator_policy_is_what_the_command_prints() -> None:
    found = re.search(r"```sh\n(dynamotable iam-policy [^\n]+)\n```\n\n```json\n(.*?)\n```", DOC.read_text(), re.S)
    assert found, "docs/iam.md shows a command and the policy it prints"
    command, documented = found.groups()
    code, out, _ = run(*shlex.split(command)[2:])
    assert code == 0 and json.loads(out) == json.loads(documented)


def test_the_documented_error_line_is_what_the_command_prints() -> None:
    found = re.search(r"```\n(error: --table-prefix '([^']*)' [^\n]+)\n```", DOC.read_text())
    assert found
    line, value = found.groups()
    assert run("--table-prefix", value)[2].strip() == line


def test_the_options_table_lists_every_operator_policy_option() -> None:
    table = DOC.read_text().split("Options:", 1)[1].split("\n\n", 2)[1]
    documented = set(re.findall(r"^\| `(-{1,2}[a-z-]+)", table, re.M))
    for param in iam_policy_command.params:
        if param.name not in ("access", "read_only"):
            assert documented & set(param.opts), f"docs/iam.md does not list {param.opts}"


def test_the_region_and_cluster_id_rules_are_the_api_s() -> None:
    """iam-policy judges a region and a cluster id by the same definitions as manifests and the operator."""
    from dynamotable.api.validation import validate_cluster_id
    from dynamotable.terraform.iam import CLUSTER_ID, REGION

    for region in ("eusc-de-east-1", "us-gov-west-1", "ap-southeast-5", "us-east-1x", "US-EAST-1"):
        assert REGION.ok(region) == bool(re.fullmatch(s.REGION_PATTERN, region))
    for cluster_id in ("prod-eu", "a:b", "x" * 129, "a/b=c"):
        assert CLUSTER_ID.ok(cluster_id) == (validate_cluster_id(cluster_id) is None)
