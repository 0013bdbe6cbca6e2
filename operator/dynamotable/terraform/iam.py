"""Least-privilege IAM policies, as JSON-ready dicts. Pure: no I/O, no AWS.

Two policies:

* `operator_policy`: what the operator's role (IRSA) needs. Its actions are exactly the AWS operations the
  engine calls (passed in, derived from the engine's code by `dynamotable.commands.engine_operations`),
  plus the permissions AWS checks *besides* the called operation's own action, each documented below with
  its source. Resources are the tables in scope (`table/<prefix>*`, or exact names from manifests), and the
  ownership tag the operator writes (`dynamotable.io/owner`) scopes every change: IAM then enforces what the
  engine enforces (docs/iam.md has the sources and what this does and does not protect).
* `access_policy`: what an application needs to use given tables, like the seed guide's DynamoDBAccess
  policy (items on the table, Query/Scan on its indexes), plus stream reads where a stream is enabled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dynamotable.api import spec as s
from dynamotable.api.validation import CLUSTER_ID_PATTERN, OWNER_TAG

POLICY_VERSION = "2012-10-17"
ANY = "*"
# AWS's size limit of a customer managed policy, counted without whitespace.
MANAGED_POLICY_MAX_CHARS = 6144

# Operations that authorize against no resource: IAM only accepts "*" for them.
# ListBackups has no resource type (Service Authorization Reference): "*" too (deletionPolicy Snapshot, A25).
ACCOUNT_LEVEL_DYNAMODB = frozenset(
    {"DescribeEndpoints", "DescribeLimits", "ListTables", "ListGlobalTables", "ListBackups"}
)
# Reads of a table's backups, whose ARNs are <table ARN>/backup/<id> (the backup resource type, A25).
BACKUP_READS = frozenset({"dynamodb:DescribeBackup"})
# Operations that need no IAM permission at all.
NO_PERMISSION_NEEDED = frozenset({"sts:GetCallerIdentity"})

# Adding a replica (UpdateTable ReplicaUpdates Create) needs, in the replica's region, CreateTableReplica and
# the item actions DynamoDB uses to copy the data; removing one needs DeleteTableReplica (AWS: "Using IAM with
# global tables", docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2gt_IAM.html).
REPLICA_ACTIONS = (
    "dynamodb:CreateTableReplica",
    "dynamodb:DeleteTableReplica",
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "dynamodb:PutItem",
    "dynamodb:GetItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)
# The first global table of an account makes DynamoDB create its replication service-linked role on the
# caller's behalf, which the caller must be allowed to do.
REPLICATION_SLR_SERVICE = "replication.dynamodb.amazonaws.com"
REPLICATION_SLR_NAME = "AWSServiceRoleForDynamoDBReplication"
# Application Auto Scaling [A19]: a scalable target's ARN ends in an id AWS makes up (scalable-target/<id>), not
# in the table's name, and its Describe calls authorize against no resource, so these are granted on "*"; the
# targets the engine changes are those of the tables it manages (engine/plan_scaling.py). The first registration
# of a DynamoDB resource makes Application Auto Scaling create its service-linked role, which the caller must be
# allowed to do (AWS: "Identity and Access Management for Application Auto Scaling"; the role and its service
# principal: "Amazon DynamoDB and Application Auto Scaling").
AUTOSCALING = "application-autoscaling"
AUTOSCALING_SLR_SERVICE = "dynamodb.application-autoscaling.amazonaws.com"
AUTOSCALING_SLR_NAME = "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"
# A table encrypted with a customer managed key: the principal choosing the key must hold these on it, and
# DynamoDB uses them through the service (AWS: "Encryption at rest: how it works", key policy for a customer
# managed key). Limited here to calls made via DynamoDB with kms:ViaService.
CMK_ACTIONS = (
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)
# The first contributor insights of an account makes DynamoDB create this service-linked role on the caller's
# behalf; UpdateContributorInsights (and DescribeContributorInsights) are authorized on the table or the index
# (AWS: "Using IAM with CloudWatch contributor insights for DynamoDB",
# docs.aws.amazon.com/amazondynamodb/latest/developerguide/Contributor_Insights_IAM.html).
INSIGHTS_SLR_SERVICE = "contributorinsights.dynamodb.amazonaws.com"
INSIGHTS_SLR_NAME = "AWSServiceRoleForDynamoDBCloudWatchContributorInsights"
# Kinesis Data Streams for DynamoDB: enabling a destination also needs kinesis:ListStreams, kinesis:PutRecords
# and kinesis:DescribeStream, describing one kinesis:DescribeStreamSummary and kinesis:DescribeStream (AWS:
# "Using IAM policies for Amazon Kinesis Data Streams and Amazon DynamoDB",
# docs.aws.amazon.com/amazondynamodb/latest/developerguide/kds_iam.html). ListStreams names no stream.
KINESIS_STREAM_ACTIONS = ("kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:PutRecords")
KINESIS_ACCOUNT_ACTIONS = ("kinesis:ListStreams",)
# The engine's DescribeKey only resolves the AWS managed key's alias (to tell it from a customer key).
AWS_MANAGED_KEY_ALIAS = "alias/aws/dynamodb"

# Application access. Batch and ConditionCheck actions grant nothing beyond their single-item counterparts
# (BatchGetItem reads what GetItem reads; ConditionCheckItem is how TransactWriteItems checks a condition) and
# the AWS SDKs' high-level clients use them, so leaving them out would break common code for no gain.
# DescribeTable (metadata only) is what SDK mappers call at start-up and how a consumer finds the stream ARN.
READ_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
)
WRITE_ACTIONS = ("dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
INDEX_ACTIONS = ("dynamodb:Query", "dynamodb:Scan")
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")

ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")

# Engine operations that only read: they stay unconditioned, because the operator must read a table that does
# not carry its tag to report AdoptionRequired or OwnershipConflict. Every other table operation changes the
# table and is scoped by the ownership tag.
READ_PREFIXES = ("Describe", "List", "Get")
# The writes the engine makes on a replica, in the replica's region (plan_replica_settings). DynamoDB does not
# copy tags to replicas and the engine does not tag them with the ownership tag, so these cannot be scoped by it.
REPLICA_REGION_WRITES = frozenset(
    {"dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups", "dynamodb:TagResource", "dynamodb:UntagResource"}
)
# CloudWatch alarms (A23). The engine names a table's alarms <tableName>-<name>, so they are scoped by name:
# PutMetricAlarm, DeleteAlarms and ListTagsForResource take the alarm resource type (Service Authorization
# Reference, Amazon CloudWatch). DescribeAlarms gets "*": its resource-level support could not be confirmed,
# and it only reads. Tags given to PutMetricAlarm are checked as cloudwatch:TagResource on the new alarm, as on
# most AWS services' tag-on-create (not confirmed for CloudWatch): granted on the same alarms.
CLOUDWATCH_ANY_RESOURCE = frozenset({"cloudwatch:DescribeAlarms"})
CLOUDWATCH_TAG_ON_CREATE = "cloudwatch:TagResource"
# A table created with a resource-based policy: DynamoDB attaches the policy as part of CreateTable; the caller
# is given dynamodb:PutResourcePolicy under CreateTable's own condition (whether AWS checks it separately for
# CreateTable could not be confirmed; granting it there is harmless, A22).
CREATE_WITH_POLICY = "dynamodb:PutResourcePolicy"
# Creation sources [A24]. A restore or import makes a new table and takes no tags, so it cannot be conditioned on
# the ownership tag: it is granted on the tables in scope (a restore or import never touches an existing table:
# the target name must be free). A restore is authorized on the source too (the source table, or the backup),
# and DynamoDB writes the restored items as the caller, which then needs the item actions on the target (AWS:
# "Using IAM with DynamoDB backup and restore" and "IAM policy for point-in-time recovery"). An import reads the
# bucket and writes its errors to CloudWatch Logs under /aws-dynamodb/ (AWS: "Requesting a table import in
# DynamoDB", its IAM permissions). DescribeImport is authorized on the import's ARN, <table ARN>/import/<id>.
SOURCE_OPERATIONS = frozenset(
    {"dynamodb:RestoreTableToPointInTime", "dynamodb:RestoreTableFromBackup", "dynamodb:ImportTable"}
)
RESTORE_SOURCE_ACTIONS = ("dynamodb:RestoreTableToPointInTime", "dynamodb:RestoreTableFromBackup")
RESTORE_TARGET_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
IMPORT_S3_ACTIONS = ("s3:GetObject", "s3:ListBucket")
IMPORT_LOG_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
    "logs:PutRetentionPolicy",
)
RESOURCE_OWNER = f"aws:ResourceTag/{OWNER_TAG}"
REQUEST_OWNER = f"aws:RequestTag/{OWNER_TAG}"
TAG_KEYS = "aws:TagKeys"
OPERATOR_TAG_KEYS = OWNER_TAG.rsplit("/", 1)[0] + "/*"  # dynamotable.io/*: the keys only the operator writes


@dataclass(frozen=True, slots=True)
class Rule:
    """What an input must look like (matched whole, ASCII only) and how to tell someone who got it wrong."""

    pattern: re.Pattern[str]
    what: str  # "an AWS region"
    fix: str  # "give one like eu-west-1 (...)"

    def ok(self, value: str) -> bool:
        return self.pattern.fullmatch(value) is not None


REGION = Rule(
    re.compile(s.REGION_PATTERN, re.ASCII),
    "an AWS region",
    "give one like eu-west-1 (lower-case ASCII letters and dashes, ending in a digit)",
)
ACCOUNT_ID = Rule(
    re.compile(r"[0-9]{12}", re.ASCII),
    "an AWS account id",
    "give exactly 12 digits 0-9, e.g. 123456789012 (or leave the option out for any account)",
)
# A prefix is part of an ARN: only table-name characters, so '*' or '?' cannot widen the resource.
TABLE_PREFIX = Rule(
    re.compile(r"[A-Za-z0-9_.\-]{1,255}", re.ASCII),
    "a table-name prefix",
    "give at most 255 characters of A-Z a-z 0-9 _ . - (DynamoDB table-name characters; no * or ?)",
)
TABLE_NAME = Rule(
    re.compile(rf"[A-Za-z0-9_.\-]{{{s.NAME_MIN},{s.NAME_MAX}}}", re.ASCII),
    "a DynamoDB table name",
    "give 3-255 characters of A-Z a-z 0-9 _ . -",
)
# The ownership tag reads `<cluster-id>:<namespace>/<name>`, matched here as `<cluster-id>:*`: tag-value
# characters, without ':' (a cluster "a" would otherwise match the tables of cluster "a:b") and never * or ?.
CLUSTER_ID = Rule(
    CLUSTER_ID_PATTERN,  # the one definition, api/validation.validate_cluster_id
    "a cluster id",
    "give 1-128 characters of A-Z a-z 0-9 + = . _ / - (tag-value characters, no ':' and no * or ?), the same "
    "value as the operator's operator.clusterId",
)
KMS_KEY_ARN = Rule(
    re.compile(rf"arn:aws(?:-[a-z]+)*:kms:{s.REGION_PATTERN}:[0-9]{{12}}:key/[A-Za-z0-9\-]+", re.ASCII),
    "a KMS key ARN",
    "give the key's ARN, arn:aws:kms:<region>:<account>:key/<key-id> (not an alias, no wildcards)",
)


KINESIS_STREAM_ARN = Rule(
    re.compile(
        rf"arn:aws(?:-[a-z]+)*:kinesis:{s.REGION_PATTERN}:[0-9]{{12}}:stream/[A-Za-z0-9_.\-]{{1,128}}", re.ASCII
    ),
    "a Kinesis data stream ARN",
    "give the stream's ARN, arn:aws:kinesis:<region>:<account>:stream/<name> (no wildcards)",
)


class PolicyError(ValueError):
    """The inputs cannot make a valid least-privilege policy; the message says what to change."""


def _require(rule: Rule, value: str, label: str) -> None:
    if not rule.ok(value):
        raise PolicyError(f"{label} {value[:100]!r} is not {rule.what}: {rule.fix}")


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"


def _arns(name_patterns: Iterable[str], regions: Iterable[str], account_id: str) -> list[str]:
    return sorted(
        {
            f"arn:{partition_of(region)}:dynamodb:{region}:{account_id}:table/{pattern}"
            for region in regions
            for pattern in name_patterns
        }
    )


@dataclass(frozen=True, slots=True)
class TableRef:
    """One table as a policy sees it: name, home region, replica regions, and what it uses."""

    name: str
    region: str
    replica_regions: tuple[str, ...] = ()
    stream: bool = False
    indexes: bool = False
    kms_key_arns: tuple[str, ...] = ()  # customer managed keys of the table and its replicas
    kinesis_stream_arns: tuple[str, ...] = ()  # the Kinesis data streams it streams its changes to
    restore_sources: tuple[str, ...] = ()  # [A24] ARN of the table or backup it is restored from
    import_buckets: tuple[str, ...] = ()  # [A24] S3 bucket it is imported from

    def __post_init__(self) -> None:
        _require(TABLE_NAME, self.name, "table name")
        for arn in self.kinesis_stream_arns:
            _require(KINESIS_STREAM_ARN, arn, f"Kinesis stream of table {self.name}:")
        for region in self.regions:
            _require(REGION, region, f"region of table {self.name}:")

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.region, *self.replica_regions)))

    def arns(self, account_id: str, regions: Iterable[str] | None = None) -> list[str]:
        return _arns([self.name], self.regions if regions is None else regions, account_id)


def _service_linked_role(sid: str, service: str, name: str, account: str, regions: Iterable[str]) -> dict[str, Any]:
    """iam:CreateServiceLinkedRole for one AWS service's role, which the service creates on the caller's behalf the
    first time the caller uses it (in each partition of `regions`)."""
    role = f"role/aws-service-role/{service}/{name}"
    return _statement(
        sid,
        ["iam:CreateServiceLinkedRole"],
        {f"arn:{partition_of(r)}:iam::{account}:{role}" for r in regions},
        {"StringEquals": {"iam:AWSServiceName": service}},
    )


def _statement(
    sid: str, actions: Iterable[str], resources: Iterable[str], condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    resource_list = sorted(set(resources))
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(set(actions)),
        "Resource": resource_list[0] if resource_list == [ANY] else resource_list,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def _policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Statement": statements}


def _check_action(action: str) -> None:
    if not ACTION.fullmatch(action) or action.endswith(":*"):
        raise PolicyError(f"{action!r} is not a single IAM action (service:Operation)")


def _check_account(account_id: str) -> None:
    if account_id != ANY:
        _require(ACCOUNT_ID, account_id, "account id")


@dataclass(frozen=True, slots=True)
class OperatorScope:
    """Where the operator's role may act: exactly `tables` (from manifests), or every table whose name starts
    with `table_prefix` in `regions` (default: all tables, all regions, any account). `cluster_id`: the
    operator's, when it runs with one; changes are then limited to tables whose ownership tag names it."""

    account_id: str = ANY
    tables: tuple[TableRef, ...] = ()
    table_prefix: str = ""
    regions: tuple[str, ...] = (ANY,)
    replica_regions: tuple[str, ...] = ()  # prefix scope: where replicas may be added ("*": anywhere)
    kms_key_arns: tuple[str, ...] = ()  # customer managed keys, besides those of `tables`
    cluster_id: str | None = None
    # [A24] grant restores and imports (prefix scope); with `tables`, granted when one of them has a source
    restores_and_imports: bool = False

    def __post_init__(self) -> None:
        _check_account(self.account_id)
        if "*" in self.table_prefix or "?" in self.table_prefix:
            raise PolicyError("the table prefix is literal: leave out '*' and '?'")
        if self.table_prefix:
            _require(TABLE_PREFIX, self.table_prefix, "table prefix")
        for region in (*self.regions, *self.replica_regions):
            if region != ANY:
                _require(REGION, region, "region")
        for arn in self.kms_key_arns:
            _require(KMS_KEY_ARN, arn, "KMS key")
        if self.cluster_id is not None:
            _require(CLUSTER_ID, self.cluster_id, "cluster id")
        if self.tables and (self.table_prefix or self.regions != (ANY,) or self.replica_regions):
            raise PolicyError("scope by tables, or by prefix/regions/replica regions, not both")

    def table_arns(self) -> list[str]:
        if self.tables:
            return sorted({arn for t in self.tables for arn in t.arns(self.account_id)})
        return _arns([f"{self.table_prefix}*"], dict.fromkeys(self.regions + self.replica_regions), self.account_id)

    def replica_arns(self) -> list[str]:
        if self.tables:
            return sorted({arn for t in self.tables for arn in t.arns(self.account_id, t.replica_regions)})
        return _arns([f"{self.table_prefix}*"], self.replica_regions, self.account_id)

    def alarm_arns(self) -> list[str]:
        """The CloudWatch alarms of the tables in scope: <tableName>-* in each table's home region."""
        if self.tables:
            named = {(t.region, f"{t.name}-*") for t in self.tables}
        else:
            named = {(r, f"{self.table_prefix}*") for r in self.regions}
        account = self.account_id
        return sorted(f"arn:{partition_of(r)}:cloudwatch:{r}:{account}:alarm:{pattern}" for r, pattern in named)

    def home_regions(self) -> list[str]:
        return sorted({t.region for t in self.tables}) if self.tables else list(self.regions)

    def all_regions(self) -> list[str]:
        if self.tables:
            return sorted({r for t in self.tables for r in t.regions})
        return sorted(set(self.regions + self.replica_regions))

    def keys(self) -> list[str]:
        return sorted({k for t in self.tables for k in t.kms_key_arns} | set(self.kms_key_arns))

    def stream_arns(self) -> list[str]:
        """The Kinesis data streams tables may stream to: those of `tables`, else any in the home regions."""
        if self.tables:
            return sorted({arn for t in self.tables for arn in t.kinesis_stream_arns})
        return sorted(
            f"arn:{partition_of(r)}:kinesis:{r}:{self.account_id}:stream/*" for r in dict.fromkeys(self.regions)
        )

    def creates_from_sources(self) -> bool:
        if self.tables:
            return any(t.restore_sources or t.import_buckets for t in self.tables)
        return self.restores_and_imports

    def restore_source_arns(self) -> list[str]:
        """[A24] What restores read: the sources of `tables`, else any table and backup in the home regions."""
        if self.tables:
            return sorted({arn for t in self.tables for arn in t.restore_sources})
        return sorted(
            f"arn:{partition_of(r)}:dynamodb:{r}:{self.account_id}:table/{name}"
            for r in dict.fromkeys(self.regions)
            for name in ("*", "*/backup/*")
        )

    def bucket_arns(self) -> list[str]:
        """[A24] What imports read: the buckets of `tables` and their objects, else any bucket."""
        if self.tables:
            buckets = {(t.region, b) for t in self.tables for b in t.import_buckets}
        else:
            buckets = {(r, "*") for r in self.regions}
        return sorted(f"arn:{partition_of(r)}:s3:::{b}{suffix}" for r, b in buckets for suffix in ("", "/*"))

    def owner_pattern(self) -> str | None:
        """The ownership tag values this operator writes, as an IAM StringLike pattern (None: any value)."""
        return f"{self.cluster_id}:*" if self.cluster_id else None


# --------------------------------------------------------------------------- conditions on the ownership tag


def owned_table(scope: OperatorScope) -> dict[str, Any]:
    """The table carries the ownership tag (this cluster's, with a cluster id); what the request writes into
    that tag, if anything, stays this cluster's."""
    condition: dict[str, Any] = {"Null": {RESOURCE_OWNER: "false"}}
    pattern = scope.owner_pattern()
    if pattern:
        condition["StringLike"] = {RESOURCE_OWNER: pattern}
        condition["StringLikeIfExists"] = {REQUEST_OWNER: pattern}
    return condition


def owner_tag_in_request(scope: OperatorScope, *, resource_may_exist: bool) -> dict[str, Any]:
    """The request writes the ownership tag (this cluster's value, with a cluster id). `resource_may_exist`:
    for TagResource, a table that already carries an ownership tag must carry this cluster's."""
    condition: dict[str, Any] = {"Null": {REQUEST_OWNER: "false"}}
    pattern = scope.owner_pattern()
    if pattern:
        condition["StringLike"] = {REQUEST_OWNER: pattern}
        if resource_may_exist:
            condition["StringLikeIfExists"] = {RESOURCE_OWNER: pattern}
    return condition


def untagged_replica() -> dict[str, Any]:
    """A table without the ownership tag (what a replica is), and no dynamotable.io/ tag key in the request:
    these grants cannot mark a table as owned, nor change a table that is."""
    return {"Null": {RESOURCE_OWNER: "true"}, "ForAllValues:StringNotLike": {TAG_KEYS: OPERATOR_TAG_KEYS}}


def _is_read(action: str) -> bool:
    return action.split(":", 1)[1].startswith(READ_PREFIXES)


def operator_policy(operations: Iterable[str], scope: OperatorScope = OperatorScope()) -> dict[str, Any]:
    """The operator role's policy. `operations`: every AWS operation the engine calls, as IAM actions
    (`dynamodb:UpdateTable`, `kms:DescribeKey`); each one is granted, and nothing the engine does not call
    except what AWS requires for replicas and customer managed keys when `scope` has them.

    Table reads are unconditioned; CreateTable needs the ownership tag in the request; TagResource is allowed
    where the request writes the ownership tag (CreateTable's tags and adoption: DynamoDB checks TagResource
    for both, and IAM cannot tell them apart) or on a table that carries it; every other change only on a
    table that carries it."""
    ops = set(operations) - NO_PERMISSION_NEEDED
    if not scope.creates_from_sources():
        ops -= SOURCE_OPERATIONS | {"dynamodb:DescribeImport"}  # only a spec with a source makes these calls
    for op in ops:
        _check_action(op)
    unknown = sorted(op for op in ops if op.split(":", 1)[0] not in ("dynamodb", "kms", AUTOSCALING, "cloudwatch"))
    if unknown:
        raise PolicyError(f"no resource scoping is defined for {', '.join(unknown)}")
    dynamodb_ops = {op for op in ops if op.startswith("dynamodb:")}
    account_ops = {op for op in dynamodb_ops if op.split(":", 1)[1] in ACCOUNT_LEVEL_DYNAMODB}
    table_ops = dynamodb_ops - account_ops
    reads = {op for op in table_ops if _is_read(op)} - BACKUP_READS
    changes = table_ops - reads - BACKUP_READS - {"dynamodb:CreateTable"} - SOURCE_OPERATIONS
    account = scope.account_id
    tables = scope.table_arns()

    statements = []
    if reads:
        # an import's ARN is <table ARN>/import/<id>: a prefix's table/<prefix>* covers it, an exact name does not
        imports = [f"{a}/import/*" for a in tables if not a.endswith("*")] if "dynamodb:DescribeImport" in reads else []
        statements.append(_statement("ReadTables", reads, [*tables, *imports]))
    if "dynamodb:CreateTable" in table_ops:
        condition = owner_tag_in_request(scope, resource_may_exist=False)
        create = ["dynamodb:CreateTable", *([CREATE_WITH_POLICY] if CREATE_WITH_POLICY in ops else [])]
        statements.append(_statement("CreateTablesWithOwnerTag", create, tables, condition))
    if "dynamodb:TagResource" in table_ops:
        condition = owner_tag_in_request(scope, resource_may_exist=True)
        statements.append(_statement("WriteOwnerTag", ["dynamodb:TagResource"], tables, condition))
    if changes:
        statements.append(_statement("ChangeOwnedTables", changes, tables, owned_table(scope)))
    if account_ops:
        statements.append(_statement("AccountLevelReads", account_ops, [ANY]))
    if BACKUP_READS & table_ops:
        backups = [f"{a}/backup/*" for a in tables]
        statements.append(_statement("ReadFinalBackups", sorted(BACKUP_READS & table_ops), backups))
    statements += _source_statements(table_ops, scope, tables)
    replica_arns = scope.replica_arns()
    if replica_arns and "dynamodb:UpdateTable" in ops:
        statements.append(_statement("ManageReplicas", REPLICA_ACTIONS, replica_arns))
        replica_writes = changes & REPLICA_REGION_WRITES
        if replica_writes:
            statements.append(_statement("ChangeReplicaSettings", replica_writes, replica_arns, untagged_replica()))
        statements.append(
            _service_linked_role(
                "CreateReplicationServiceLinkedRole",
                REPLICATION_SLR_SERVICE,
                REPLICATION_SLR_NAME,
                account,
                scope.all_regions(),
            )
        )
    autoscaling_ops = {op for op in ops if op.startswith(f"{AUTOSCALING}:")}
    if autoscaling_ops:
        statements.append(_statement("ManageAutoScaling", autoscaling_ops, [ANY]))
    if f"{AUTOSCALING}:RegisterScalableTarget" in ops:
        statements.append(
            _service_linked_role(
                "CreateAutoScalingServiceLinkedRole",
                AUTOSCALING_SLR_SERVICE,
                AUTOSCALING_SLR_NAME,
                account,
                scope.all_regions(),
            )
        )
    indexes = [f"{a}/index/*" for a in tables]
    if "dynamodb:DescribeContributorInsights" in table_ops:
        statements.append(_statement("ReadIndexInsights", ["dynamodb:DescribeContributorInsights"], indexes))
    if "dynamodb:UpdateContributorInsights" in table_ops:
        statements.append(
            _statement(
                "ChangeIndexInsightsOfOwnedTables", ["dynamodb:UpdateContributorInsights"], indexes, owned_table(scope)
            )
        )
    if "dynamodb:UpdateContributorInsights" in table_ops:
        statements.append(
            _service_linked_role(
                "CreateContributorInsightsServiceLinkedRole",
                INSIGHTS_SLR_SERVICE,
                INSIGHTS_SLR_NAME,
                account,
                scope.home_regions(),
            )
        )
    streams = scope.stream_arns()
    if streams and "dynamodb:EnableKinesisStreamingDestination" in table_ops:
        statements.append(_statement("StreamChangesToKinesis", KINESIS_STREAM_ACTIONS, streams))
        statements.append(_statement("ListKinesisStreams", KINESIS_ACCOUNT_ACTIONS, [ANY]))
    if "kms:DescribeKey" in ops:
        statements.append(
            _statement(
                "IdentifyAwsManagedKey",
                ["kms:DescribeKey"],
                [f"arn:{partition_of(r)}:kms:{r}:{account}:key/*" for r in scope.home_regions()],
                {"StringEquals": {"kms:RequestAlias": AWS_MANAGED_KEY_ALIAS}},
            )
        )
    if scope.keys() and ({"dynamodb:CreateTable", "dynamodb:UpdateTable"} & ops):
        statements.append(
            _statement(
                "UseCustomerManagedKeysThroughDynamoDB",
                CMK_ACTIONS,
                scope.keys(),
                {"StringLike": {"kms:ViaService": "dynamodb.*.amazonaws.com"}},
            )
        )
    cloudwatch_ops = {op for op in ops if op.startswith("cloudwatch:")}
    if cloudwatch_ops - CLOUDWATCH_ANY_RESOURCE:
        alarm_ops = cloudwatch_ops - CLOUDWATCH_ANY_RESOURCE
        if "cloudwatch:PutMetricAlarm" in alarm_ops:
            alarm_ops |= {CLOUDWATCH_TAG_ON_CREATE}
        statements.append(_statement("ManageTableAlarms", alarm_ops, scope.alarm_arns()))
    if cloudwatch_ops & CLOUDWATCH_ANY_RESOURCE:
        statements.append(_statement("ReadAlarms", cloudwatch_ops & CLOUDWATCH_ANY_RESOURCE, [ANY]))
    policy = _policy(statements)
    ungranted = ops - granted_actions(policy)
    if ungranted:
        raise PolicyError(f"no statement is defined for {', '.join(sorted(ungranted))}")
    return policy


def _source_statements(table_ops: set[str], scope: OperatorScope, tables: list[str]) -> list[dict[str, Any]]:
    """[A24] Restores and imports: on the tables in scope, on their sources, and for an import its bucket and
    logs (see SOURCE_OPERATIONS)."""
    out: list[dict[str, Any]] = []
    creates = table_ops & SOURCE_OPERATIONS
    restores = creates & set(RESTORE_SOURCE_ACTIONS)
    if creates:
        out.append(
            _statement("CreateTablesFromSources", creates | set(RESTORE_TARGET_ACTIONS if restores else ()), tables)
        )
    sources = scope.restore_source_arns()
    if restores and sources:
        out.append(_statement("ReadRestoreSources", restores, sources))
    if "dynamodb:ImportTable" in creates:
        buckets = scope.bucket_arns()
        if buckets:
            out.append(_statement("ReadImportObjects", IMPORT_S3_ACTIONS, buckets))
        logs = [
            f"arn:{partition_of(r)}:logs:{r}:{scope.account_id}:log-group:/aws-dynamodb/*" for r in scope.home_regions()
        ]
        out.append(_statement("WriteImportLogs", IMPORT_LOG_ACTIONS, logs))
    return out


def access_policy(tables: Sequence[TableRef], *, account_id: str = ANY, read_only: bool = False) -> dict[str, Any]:
    """An application's access to `tables`: items on the tables, Query/Scan on their indexes, and stream
    reads where a stream is enabled. Every region of a global table, since any replica accepts writes."""
    if not tables:
        raise PolicyError("no tables: give manifests with -f")
    _check_account(account_id)
    table_arns = sorted({arn for t in tables for arn in t.arns(account_id)})
    indexes = sorted({f"{arn}/index/*" for t in tables if t.indexes for arn in t.arns(account_id)})
    streams = sorted({f"{arn}/stream/*" for t in tables if t.stream for arn in t.arns(account_id)})
    actions = READ_ACTIONS if read_only else READ_ACTIONS + WRITE_ACTIONS
    statements = [_statement("TableItems", actions, table_arns)]
    if indexes:
        statements.append(_statement("IndexQueries", INDEX_ACTIONS, indexes))
    if streams:
        statements.append(_statement("StreamReads", STREAM_ACTIONS, streams))
    return _policy(statements)


def policy_json(policy: dict[str, Any]) -> str:
    return json.dumps(policy, indent=2) + "\n"


def policy_size(policy: dict[str, Any]) -> int:
    """Characters AWS counts against MANAGED_POLICY_MAX_CHARS (whitespace excluded)."""
    return len(json.dumps(policy, separators=(",", ":")))


def granted_actions(policy: dict[str, Any]) -> set[str]:
    return {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
