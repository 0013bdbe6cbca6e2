"""The DynamoTable API (`dynamotable.io/v1alpha1`): pydantic models of the spec.

Field names are the camelCase of Terraform's `aws_dynamodb_table` arguments, so a manifest maps one-to-one
onto the HCL our users come from. Shape rules (types, enums, ranges, unknown fields) live here; rules that
need the whole spec live in `validation.py`. An optional block left out of the spec means "not managed":
the operator neither reads nor changes that part of the live table.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AliasGenerator, BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

GROUP = "dynamotable.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "DynamoTable"
PLURAL = "dynamotables"
SINGULAR = "dynamotable"
SHORT_NAMES = ("ddb",)

NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"
NAME_MIN, NAME_MAX = 3, 255
# us-east-1, ap-southeast-5, us-gov-west-1, eusc-de-east-1 (European Sovereign Cloud); unanchored
REGION_PATTERN = r"[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}"
MAX_GSIS = 20
MAX_LSIS = 5
MAX_PROJECTED_NON_KEY_ATTRIBUTES = 100
MAX_TAGS = 50  # AWS's limit per table, the ownership tag included
MAX_USER_TAGS = MAX_TAGS - 1  # the operator adds dynamotable.io/owner
MAX_CAPACITY_UNITS = 40_000_000  # far above any account quota; guards against typos that overflow int64
MIN_WARM_READ_UNITS_PER_SECOND = 12_000
MIN_WARM_WRITE_UNITS_PER_SECOND = 4_000
PITR_MIN_DAYS, PITR_MAX_DAYS = 1, 35
OWNER_TAG_VALUE_MAX = 256  # AWS tag values are 0-256 characters
# Kubernetes object names (DNS-1123 subdomain) and namespaces (DNS-1123 label), as the API server checks them.
K8S_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
K8S_NAME_MAX = 253
K8S_NAMESPACE_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
K8S_NAMESPACE_MAX = 63


class AttributeType(StrEnum):
    S = "S"
    N = "N"
    B = "B"


class BillingMode(StrEnum):
    PROVISIONED = "PROVISIONED"
    PAY_PER_REQUEST = "PAY_PER_REQUEST"


class ProjectionType(StrEnum):
    ALL = "ALL"
    KEYS_ONLY = "KEYS_ONLY"
    INCLUDE = "INCLUDE"


class StreamViewType(StrEnum):
    KEYS_ONLY = "KEYS_ONLY"
    NEW_IMAGE = "NEW_IMAGE"
    OLD_IMAGE = "OLD_IMAGE"
    NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"


class TableClass(StrEnum):
    STANDARD = "STANDARD"
    STANDARD_INFREQUENT_ACCESS = "STANDARD_INFREQUENT_ACCESS"


class DeletionPolicy(StrEnum):
    RETAIN = "Retain"
    DELETE = "Delete"


class ManagementPolicy(StrEnum):
    APPLY = "Apply"
    PLAN = "Plan"


class Model(BaseModel):
    """Base of every API model: camelCase on the wire, unknown fields rejected, immutable values.

    Strict like the CRD's structural schema: "5" is not an integer, "true" or 0 not a boolean, 5 not a string.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        populate_by_name=True,
        use_enum_values=False,
        alias_generator=AliasGenerator(alias=to_camel),
    )


def _integral_float(value: object) -> object:
    """The API server accepts a float with no fractional part (5.0) for an integer field, and kubectl's YAML
    reader already turns 5.0 into 5; a fractional 2.5 stays a float and strict int validation rejects it."""
    return int(value) if type(value) is float and value.is_integer() else value


def _ascii(value: str) -> str:
    """pydantic-core's regex `\\d` also matches non-ASCII digits (Arabic-Indic, full-width); RE2 in the API server
    and AWS do not. The patterns keep `\\d` as the CRD has them; this check makes pydantic agree."""
    if not value.isascii():
        raise PydanticCustomError("string_pattern_mismatch", "String should match pattern (ASCII only)")
    return value


# Enums stay lax under strict mode so that their string values ("PROVISIONED") are accepted.
Lax = Strict(False)
CapacityUnits = Annotated[int, Field(ge=1, le=MAX_CAPACITY_UNITS), BeforeValidator(_integral_float)]
# -1 removes an on-demand cap (AWS UpdateTable OnDemandThroughput).
OnDemandUnits = Annotated[int, Field(ge=-1, le=MAX_CAPACITY_UNITS), BeforeValidator(_integral_float)]
WarmUnits = Annotated[int, Field(ge=1), BeforeValidator(_integral_float)]
PitrDays = Annotated[int, Field(ge=PITR_MIN_DAYS, le=PITR_MAX_DAYS), BeforeValidator(_integral_float)]
# Table and index names: 3-255 characters of [A-Za-z0-9_.-] (DynamoDB quotas, "Naming rules").
ResourceName = Annotated[str, Field(min_length=NAME_MIN, max_length=NAME_MAX, pattern=NAME_PATTERN)]
Region = Annotated[str, Field(pattern=f"^{REGION_PATTERN}$"), AfterValidator(_ascii)]
KmsKeyArn = Annotated[
    str, Field(pattern=r"^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$"), AfterValidator(_ascii)
]
AttributeName = Annotated[str, Field(min_length=1, max_length=255)]


class Attribute(Model):
    """A key attribute: DynamoDB only accepts definitions of attributes used by a key of the table or an index."""

    name: AttributeName = Field(description="Attribute name.")
    type: Annotated[AttributeType, Lax] = Field(description="S (string), N (number) or B (binary).")


class OnDemandThroughput(Model):
    """Maximum on-demand request units (Terraform on_demand_throughput). -1 removes the cap."""

    max_read_request_units: OnDemandUnits | None = Field(default=None, description="Max read request units.")
    max_write_request_units: OnDemandUnits | None = Field(default=None, description="Max write request units.")


class WarmThroughput(Model):
    """Pre-warmed throughput (Terraform warm_throughput). Can only be increased."""

    read_units_per_second: WarmUnits | None = Field(
        default=None, description=f"Read units per second (at least {MIN_WARM_READ_UNITS_PER_SECOND})."
    )
    write_units_per_second: WarmUnits | None = Field(
        default=None, description=f"Write units per second (at least {MIN_WARM_WRITE_UNITS_PER_SECOND})."
    )


class GlobalSecondaryIndex(Model):
    """A global secondary index. Its keys and projection cannot change in place: a change recreates it."""

    name: ResourceName = Field(description="Index name, 3-255 characters of [A-Za-z0-9_.-].")
    hash_key: AttributeName = Field(description="Partition key attribute of the index.")
    range_key: AttributeName | None = Field(default=None, description="Sort key attribute of the index.")
    projection_type: Annotated[ProjectionType, Lax] = Field(
        default=ProjectionType.ALL, description="ALL (default), KEYS_ONLY or INCLUDE."
    )
    non_key_attributes: list[AttributeName] = Field(
        default_factory=list,
        max_length=MAX_PROJECTED_NON_KEY_ATTRIBUTES,
        description="Attributes projected into the index; only with projectionType INCLUDE.",
    )
    read_capacity: CapacityUnits | None = Field(default=None, description="Read capacity units (PROVISIONED).")
    write_capacity: CapacityUnits | None = Field(default=None, description="Write capacity units (PROVISIONED).")
    on_demand_throughput: OnDemandThroughput | None = Field(default=None, description="On-demand caps.")
    warm_throughput: WarmThroughput | None = Field(default=None, description="Warm throughput.")


class LocalSecondaryIndex(Model):
    """A local secondary index: same partition key as the table, another sort key. Create-time only."""

    name: ResourceName = Field(description="Index name, 3-255 characters of [A-Za-z0-9_.-].")
    range_key: AttributeName = Field(description="Sort key attribute of the index.")
    projection_type: Annotated[ProjectionType, Lax] = Field(
        default=ProjectionType.ALL, description="ALL (default), KEYS_ONLY or INCLUDE."
    )
    non_key_attributes: list[AttributeName] = Field(
        default_factory=list,
        max_length=MAX_PROJECTED_NON_KEY_ATTRIBUTES,
        description="Attributes projected into the index; only with projectionType INCLUDE.",
    )


class Stream(Model):
    """DynamoDB Streams. Changing viewType disables and re-enables the stream: it gets a new ARN."""

    enabled: bool = Field(default=False, description="Whether the table has a stream.")
    view_type: Annotated[StreamViewType, Lax] | None = Field(
        default=None,
        description="KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES; required when enabled.",
    )


class PointInTimeRecovery(Model):
    """Continuous backups (Terraform point_in_time_recovery)."""

    enabled: bool = Field(default=False, description="Whether point-in-time recovery is on.")
    recovery_period_in_days: PitrDays | None = Field(
        default=None, description="Recovery window, 1-35 days (AWS default 35)."
    )


class ServerSideEncryption(Model):
    """Encryption at rest. Disabled or absent: AWS owned key. Enabled without a key: AWS managed key
    (alias/aws/dynamodb). Enabled with kmsKeyArn: that customer managed key."""

    enabled: bool = Field(default=False, description="Use a KMS key instead of the AWS owned key.")
    kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="ARN of a customer managed KMS key (a key ARN, not an alias).",
    )


class Ttl(Model):
    """Time to live (Terraform ttl)."""

    enabled: bool = Field(default=False, description="Whether items expire on attributeName.")
    attribute_name: AttributeName | None = Field(
        default=None, description="Attribute holding the expiry time in epoch seconds; required when enabled."
    )


class Replica(Model):
    """A replica of a global table (version 2019.11.21) in another region."""

    region: Region = Field(description="AWS region of the replica.")
    kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="Customer managed KMS key ARN in the replica's region.",
    )
    point_in_time_recovery: bool = Field(default=False, description="Point-in-time recovery on the replica.")
    propagate_tags: bool = Field(default=False, description="Copy the table's tags to the replica.")
    deletion_protection: bool | None = Field(default=None, description="Deletion protection on the replica.")


IGNORABLE_PATHS: dict[str, str] = {
    # spec path -> what it leaves alone; kept here so validation, the planner and the renderer agree.
    "billingMode": "billing mode",
    "readCapacity": "table read capacity (e.g. under application auto scaling)",
    "writeCapacity": "table write capacity (e.g. under application auto scaling)",
    "onDemandThroughput": "table on-demand throughput caps",
    "warmThroughput": "table warm throughput",
    "globalSecondaryIndexes.readCapacity": "read capacity of every GSI",
    "globalSecondaryIndexes.writeCapacity": "write capacity of every GSI",
    "globalSecondaryIndexes.onDemandThroughput": "on-demand caps of every GSI",
    "globalSecondaryIndexes.warmThroughput": "warm throughput of every GSI",
    "stream": "the stream",
    "pointInTimeRecovery": "point-in-time recovery",
    "serverSideEncryption": "server-side encryption",
    "ttl": "time to live",
    "tableClass": "table class",
    "deletionProtection": "deletion protection",
    "replicas": "replicas",
    "tags": "tags",
}


class DynamoTableSpec(Model):
    """Desired state of one DynamoDB table."""

    table_name: ResourceName | None = Field(
        default=None, description="DynamoDB table name; defaults to metadata.name. Immutable."
    )
    region: Region | None = Field(
        default=None,
        description="AWS region; defaults to the operator's region. Immutable.",
    )
    billing_mode: Annotated[BillingMode, Lax] = Field(
        default=BillingMode.PAY_PER_REQUEST, description="PAY_PER_REQUEST (default) or PROVISIONED."
    )
    read_capacity: CapacityUnits | None = Field(default=None, description="Read capacity units (PROVISIONED).")
    write_capacity: CapacityUnits | None = Field(default=None, description="Write capacity units (PROVISIONED).")
    on_demand_throughput: OnDemandThroughput | None = Field(
        default=None, description="On-demand caps (PAY_PER_REQUEST)."
    )
    warm_throughput: WarmThroughput | None = Field(default=None, description="Warm throughput.")
    hash_key: AttributeName = Field(description="Partition key attribute. Immutable.")
    range_key: AttributeName | None = Field(default=None, description="Sort key attribute. Immutable.")
    attributes: list[Attribute] = Field(
        min_length=1, description="Definitions of every attribute used as a key by the table or an index."
    )
    global_secondary_indexes: list[GlobalSecondaryIndex] = Field(
        default_factory=list, max_length=MAX_GSIS, description="Global secondary indexes (at most 20)."
    )
    local_secondary_indexes: list[LocalSecondaryIndex] = Field(
        default_factory=list,
        max_length=MAX_LSIS,
        description="Local secondary indexes (at most 5). Create-time only: immutable.",
    )
    stream: Stream | None = Field(default=None, description="DynamoDB Streams; absent = not managed.")
    point_in_time_recovery: PointInTimeRecovery | None = Field(
        default=None, description="Point-in-time recovery; absent = not managed."
    )
    server_side_encryption: ServerSideEncryption | None = Field(
        default=None, description="Encryption at rest; absent = not managed (AWS owned key at create)."
    )
    ttl: Ttl | None = Field(default=None, description="Time to live; absent = not managed.")
    table_class: Annotated[TableClass, Lax] | None = Field(
        default=None, description="STANDARD or STANDARD_INFREQUENT_ACCESS."
    )
    deletion_protection: bool | None = Field(default=None, description="Deletion protection on the table.")
    replicas: list[Replica] | None = Field(
        default=None,
        description="Replica regions (global table). Absent = replicas not managed; [] = no replicas.",
    )
    tags: dict[str, str] | None = Field(default=None, description="Tags; absent = not managed.")
    deletion_policy: Annotated[DeletionPolicy, Lax] = Field(
        default=DeletionPolicy.RETAIN,
        description="Retain (default): deleting the resource leaves the table. Delete: the table is deleted.",
    )
    management_policy: Annotated[ManagementPolicy, Lax] = Field(
        default=ManagementPolicy.APPLY,
        description="Apply (default): converge the table. Plan: observe and publish the plan, never change.",
    )
    adopt: bool = Field(default=False, description="Take over an existing table of that name not created by us.")
    ignore_changes: list[str] = Field(
        default_factory=list,
        description="Spec paths whose live value is owned elsewhere: " + ", ".join(IGNORABLE_PATHS) + ".",
    )


OWNER_TAG_HASH_CHARS = 16


def owner_tag_value(namespace: str, name: str, cluster_id: str | None = None) -> str:
    """Value of the `dynamotable.io/owner` tag; the cluster id keeps clusters sharing an account apart.

    The full form is `<namespace>/<name>`, or `<cluster-id>:<namespace>/<name>` with a cluster id. AWS caps a
    tag value at 256 characters, and a namespace (63) plus a name (253) can exceed that. Such a value is
    shortened to `[<cluster-id>:]<namespace>/<name-prefix>~<hash>`: the cluster id and namespace are kept
    whole (IAM conditions match `<cluster-id>:*`), `<hash>` is the first 16 hex digits of the SHA-256 of the
    full form, and the name prefix is as long as fits 256 characters (at least 46 characters with a valid
    namespace and cluster id). Kubernetes names cannot contain `~`, so a shortened value never equals a full
    one; the hash keeps different long names apart, and the same inputs always give the same value.
    """
    head = f"{cluster_id}:{namespace}/" if cluster_id else f"{namespace}/"
    full = head + name
    if len(full) <= OWNER_TAG_VALUE_MAX:
        return full
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:OWNER_TAG_HASH_CHARS]
    room = OWNER_TAG_VALUE_MAX - len(digest) - 1
    keep = head + name[: max(room - len(head), 0)] if len(head) < room else full[:room]
    return f"{keep}~{digest}"


class ObjectMeta(BaseModel):
    """The parts of Kubernetes metadata we read; everything else is kept as given."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    name: str = Field(min_length=1, max_length=K8S_NAME_MAX)
    namespace: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class DynamoTable(BaseModel):
    """A whole DynamoTable manifest (apiVersion, kind, metadata, spec). Status is not read from manifests."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    apiVersion: str = Field(pattern=rf"^{GROUP.replace('.', '[.]')}/{VERSION}$")
    kind: str = Field(pattern=rf"^{KIND}$")
    metadata: ObjectMeta
    spec: DynamoTableSpec
    status: dict[str, Any] | None = None

    @property
    def table_name(self) -> str:
        return self.spec.table_name or self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or "default"

    @property
    def owner_id(self) -> str:
        """Value of the ownership tag: `<namespace>/<name>` (shortened when too long, see owner_tag_value)."""
        return owner_tag_value(self.namespace, self.metadata.name)

    def owner_for(self, cluster_id: str | None) -> str:
        """The ownership tag an operator with `cluster_id` writes: `<cluster-id>:<namespace>/<name>`."""
        return owner_tag_value(self.namespace, self.metadata.name, cluster_id)

    def region_or(self, default_region: str) -> str:
        return self.spec.region or default_region
