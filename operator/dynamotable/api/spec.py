"""The DynamoTable API (`dynamotable.io/v1alpha1`): pydantic models of the spec.

Field names are the camelCase of Terraform's `aws_dynamodb_table` arguments, so a manifest maps one-to-one
onto the HCL our users come from. Shape rules (types, enums, ranges, unknown fields) live here; rules that
need the whole spec live in `validation.py`. An optional block left out of the spec means "not managed":
the operator neither reads nor changes that part of the live table.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
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
# A global secondary index's key: up to 4 partition and up to 4 sort attributes (A26).
MAX_GSI_HASH_KEYS = 4
MAX_GSI_RANGE_KEYS = 4
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
# The operator's own `<name>-terraform` ConfigMaps: an export ConfigMap may not end like one.
TERRAFORM_CONFIGMAP_SUFFIX = "-terraform"


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


class MultiRegionConsistency(StrEnum):
    EVENTUAL = "EVENTUAL"
    STRONG = "STRONG"


class DeletionPolicy(StrEnum):
    RETAIN = "Retain"
    DELETE = "Delete"
    SNAPSHOT = "Snapshot"  # Delete, after a final on-demand backup (engine/plan_snapshot.py)


class ContributorInsightsMode(StrEnum):
    ACCESSED_AND_THROTTLED_KEYS = "ACCESSED_AND_THROTTLED_KEYS"
    THROTTLED_KEYS = "THROTTLED_KEYS"


class TimestampPrecision(StrEnum):
    MILLISECOND = "MILLISECOND"
    MICROSECOND = "MICROSECOND"


class AlarmStatistic(StrEnum):
    SAMPLE_COUNT = "SampleCount"
    AVERAGE = "Average"
    SUM = "Sum"
    MINIMUM = "Minimum"
    MAXIMUM = "Maximum"


class ComparisonOperator(StrEnum):
    GREATER_THAN_OR_EQUAL = "GreaterThanOrEqualToThreshold"
    GREATER_THAN = "GreaterThanThreshold"
    LESS_THAN = "LessThanThreshold"
    LESS_THAN_OR_EQUAL = "LessThanOrEqualToThreshold"


class TreatMissingData(StrEnum):
    BREACHING = "breaching"
    NOT_BREACHING = "notBreaching"
    IGNORE = "ignore"
    MISSING = "missing"


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
# Application Auto Scaling target tracking on DynamoDB: a target utilization of 20-90 percent.
TARGET_UTILIZATION_MIN, TARGET_UTILIZATION_MAX = 20, 90
MAX_COOLDOWN_SECONDS = 86_400
Cooldown = Annotated[int, Field(ge=0, le=MAX_COOLDOWN_SECONDS), BeforeValidator(_integral_float)]
# arn:<partition>:kinesis:<region>:<account>:stream/<name>; a stream name is 1-128 of [a-zA-Z0-9_.-].
KINESIS_STREAM_ARN_PATTERN = r"^arn:aws[a-zA-Z-]*:kinesis:[a-z0-9-]+:\d{12}:stream/[a-zA-Z0-9_.\-]{1,128}$"
KinesisStreamArn = Annotated[str, Field(pattern=KINESIS_STREAM_ARN_PATTERN), AfterValidator(_ascii)]
# An alarm's own part of its name (<tableName>-<name>): a CloudWatch alarm name is at most 255 characters.
ALARM_NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"
ALARM_NAME_MAX = 255
MAX_ALARMS = 50
MAX_ALARM_ACTIONS = 5  # CloudWatch: at most 5 actions per alarm state
ALARM_DESCRIPTION_MAX = 1024
MAX_ALARM_PERIOD = 86_400
ALARM_ACTION_PATTERN = r"^arn:aws[a-zA-Z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:\S+$"
AlarmAction = Annotated[str, Field(min_length=1, max_length=1024, pattern=ALARM_ACTION_PATTERN), AfterValidator(_ascii)]
# The AWS/DynamoDB metrics published per table (TableName) and, for those marked True, per global secondary index
# (TableName + GlobalSecondaryIndexName). Metrics AWS publishes only with further dimensions (Operation:
# ThrottledRequests, SuccessfulRequestLatency, SystemErrors, ReturnedItemCount; ReceivingRegion:
# ReplicationLatency) or per account (UserErrors, Account*) are not here: an alarm on TableName alone would never
# see a data point.
TABLE_METRICS: dict[str, bool] = {
    "ConsumedReadCapacityUnits": True,
    "ConsumedWriteCapacityUnits": True,
    "ProvisionedReadCapacityUnits": True,
    "ProvisionedWriteCapacityUnits": True,
    "ReadThrottleEvents": True,
    "WriteThrottleEvents": True,
    "ReadProvisionedThroughputThrottleEvents": True,
    "WriteProvisionedThroughputThrottleEvents": True,
    "ReadKeyRangeThroughputThrottleEvents": True,
    "WriteKeyRangeThroughputThrottleEvents": True,
    "ReadMaxOnDemandThroughputThrottleEvents": True,
    "WriteMaxOnDemandThroughputThrottleEvents": True,
    "ReadAccountLimitThrottleEvents": True,
    "WriteAccountLimitThrottleEvents": True,
    "OnlineIndexConsumedWriteCapacity": True,
    "OnlineIndexPercentageProgress": True,
    "OnlineIndexThrottleEvents": True,
    "ConditionalCheckFailedRequests": False,
    "TimeToLiveDeletedItemCount": False,
    "TransactionConflict": False,
    "ConsumedChangeDataCaptureUnits": False,
    "ThrottledPutRecordCount": False,
    "FailedToReplicateRecordCount": False,
    "PendingReplicationCount": False,
    "AgeOfOldestUnreplicatedRecord": False,
}


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


class TargetTracking(Model):
    """Application Auto Scaling of one capacity dimension: a scalable target (min..max) and one target-tracking
    policy on DynamoDB's predefined utilization metric."""

    min_capacity: CapacityUnits = Field(description="Lowest capacity auto scaling may set.")
    max_capacity: CapacityUnits = Field(description="Highest capacity auto scaling may set.")
    target_utilization: float = Field(
        ge=TARGET_UTILIZATION_MIN,
        le=TARGET_UTILIZATION_MAX,
        description="Consumed/provisioned capacity to keep, in percent (20-90).",
    )
    scale_in_cooldown: Cooldown | None = Field(default=None, description="Seconds between scale-ins (AWS default 0).")
    scale_out_cooldown: Cooldown | None = Field(default=None, description="Seconds between scale-outs (AWS default 0).")


AlarmMetric = StrEnum("AlarmMetric", {name: name for name in TABLE_METRICS})  # type: ignore[misc]


class AutoScaling(Model):
    """Auto scaling of read and/or write capacity (PROVISIONED only). While a dimension is auto scaled, its
    capacity in the spec is only the value at creation: auto scaling's changes within min..max are not drift."""

    read: TargetTracking | None = Field(default=None, description="Read capacity auto scaling.")
    write: TargetTracking | None = Field(default=None, description="Write capacity auto scaling.")


class ContributorInsights(Model):
    """CloudWatch Contributor Insights for DynamoDB (the most accessed and throttled keys)."""

    enabled: bool = Field(default=False, description="Whether Contributor Insights is on.")
    mode: Annotated[ContributorInsightsMode, Lax] | None = Field(
        default=None,
        description="ACCESSED_AND_THROTTLED_KEYS (AWS's default) or THROTTLED_KEYS; only with enabled.",
    )


class GlobalSecondaryIndex(Model):
    """A global secondary index. Its keys and projection cannot change in place: a change recreates it."""

    name: ResourceName = Field(description="Index name, 3-255 characters of [A-Za-z0-9_.-].")
    hash_key: AttributeName | None = Field(
        default=None, description="Partition key attribute of the index (or hashKeys, not both)."
    )
    range_key: AttributeName | None = Field(default=None, description="Sort key attribute of the index.")
    hash_keys: list[AttributeName] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_GSI_HASH_KEYS,
        description="Multi-attribute partition key: 1-4 attributes, in key order; instead of hashKey.",
    )
    range_keys: list[AttributeName] | None = Field(
        default=None,
        max_length=MAX_GSI_RANGE_KEYS,
        description="Multi-attribute sort key: up to 4 attributes, in key order; goes with hashKeys.",
    )
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
    auto_scaling: AutoScaling | None = Field(default=None, description="Auto scaling of the index (PROVISIONED).")
    contributor_insights: ContributorInsights | None = Field(
        default=None, description="Contributor Insights on the index; absent = not managed."
    )

    @property
    def partition_keys(self) -> list[str]:
        """The partition key attributes in key order, whichever spelling the spec uses (hashKey or hashKeys)."""
        if self.hash_keys is not None:
            return list(self.hash_keys)
        return [self.hash_key] if self.hash_key is not None else []

    @property
    def sort_keys(self) -> list[str]:
        """The sort key attributes in key order (rangeKey or rangeKeys); [] for an index without a sort key."""
        if self.range_keys is not None:
            return list(self.range_keys)
        return [self.range_key] if self.range_key is not None else []

    @property
    def key_attributes(self) -> list[str]:
        """Every key attribute of the index: the partition attributes, then the sort attributes."""
        return [*self.partition_keys, *self.sort_keys]

    @property
    def multi_attribute(self) -> bool:
        """Whether the key has more than one partition or sort attribute: what only key_schema can express."""
        return len(self.partition_keys) > 1 or len(self.sort_keys) > 1


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


class ReplicaGlobalSecondaryIndex(Model):
    """Per-replica settings of one global secondary index of the table (ReplicaUpdates GlobalSecondaryIndexes)."""

    name: ResourceName = Field(description="A global secondary index of this spec.")
    read_capacity_override: CapacityUnits | None = Field(
        default=None, description="Read capacity units of the index in this replica (PROVISIONED)."
    )
    max_read_request_units_override: OnDemandUnits | None = Field(
        default=None, description="Max read request units of the index in this replica (PAY_PER_REQUEST); -1: none."
    )


# [A13.2] Multi-Region strong consistency: the table, its replicas and its witness lie in one of these region sets.
MRSC_REGION_SETS: dict[str, tuple[str, ...]] = {
    "US": ("us-east-1", "us-east-2", "us-west-2"),
    "EU": ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"),
    "AP": ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3"),
}
MRSC_REGIONS = 3  # the table's region and two replicas, or one replica and a witness


def mrsc_region_set(region: str) -> str | None:
    """The name of the region set `region` belongs to, or None when STRONG is not available there."""
    return next((name for name, regions in MRSC_REGION_SETS.items() if region in regions), None)


class Replica(Model):
    """A replica of a global table (version 2019.11.21) in another region. Overrides left out take the source
    table's settings."""

    region: Region = Field(description="AWS region of the replica.")
    kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="Customer managed KMS key ARN in the replica's region.",
    )
    point_in_time_recovery: bool = Field(default=False, description="Point-in-time recovery on the replica.")
    propagate_tags: bool = Field(default=False, description="Copy the table's tags to the replica.")
    deletion_protection: bool | None = Field(default=None, description="Deletion protection on the replica.")
    table_class: Annotated[TableClass, Lax] | None = Field(
        default=None, description="Table class of the replica; absent = the table's class."
    )
    read_capacity_override: CapacityUnits | None = Field(
        default=None, description="Read capacity units of the replica (PROVISIONED); absent = the table's."
    )
    max_read_request_units_override: OnDemandUnits | None = Field(
        default=None,
        description="Max read request units of the replica (PAY_PER_REQUEST); absent = the table's; -1: none.",
    )
    global_secondary_indexes: list[ReplicaGlobalSecondaryIndex] = Field(
        default_factory=list, max_length=MAX_GSIS, description="Per-index overrides in this replica."
    )


class KinesisStreamingDestination(Model):
    """Change data capture into a Kinesis data stream (Kinesis Data Streams for DynamoDB)."""

    stream_arn: KinesisStreamArn = Field(description="ARN of the Kinesis data stream, in the table's region.")
    approximate_creation_date_time_precision: Annotated[TimestampPrecision, Lax] | None = Field(
        default=None, description="MILLISECOND (AWS's default) or MICROSECOND."
    )


class Alarm(Model):
    """A CloudWatch metric alarm on a metric of the table (or of one of its global secondary indexes)."""

    name: Annotated[str, Field(min_length=1, max_length=ALARM_NAME_MAX, pattern=ALARM_NAME_PATTERN)] = Field(
        description="The alarm is named <tableName>-<name>."
    )
    metric: Annotated[AlarmMetric, Lax] = Field(
        description="A metric of the AWS/DynamoDB namespace published per table, e.g. ReadThrottleEvents."
    )
    statistic: Annotated[AlarmStatistic, Lax] = Field(description="SampleCount, Average, Sum, Minimum or Maximum.")
    period: Annotated[int, Field(ge=10, le=MAX_ALARM_PERIOD), BeforeValidator(_integral_float)] = Field(
        description="Seconds per evaluation: 10, 30 or a multiple of 60."
    )
    evaluation_periods: Annotated[int, Field(ge=1), BeforeValidator(_integral_float)] = Field(
        description="Periods compared with the threshold."
    )
    comparison_operator: Annotated[ComparisonOperator, Lax] = Field(
        description="GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or "
        "LessThanOrEqualToThreshold."
    )
    threshold: float = Field(description="Value the statistic is compared with.")
    index: ResourceName | None = Field(
        default=None, description="A global secondary index of this spec: the GlobalSecondaryIndexName dimension."
    )
    treat_missing_data: Annotated[TreatMissingData, Lax] | None = Field(
        default=None, description="breaching, notBreaching, ignore or missing (AWS's default)."
    )
    alarm_actions: list[AlarmAction] = Field(
        default_factory=list, max_length=MAX_ALARM_ACTIONS, description="ARNs notified when the alarm fires."
    )
    description: Annotated[str, Field(max_length=ALARM_DESCRIPTION_MAX)] | None = Field(
        default=None, description="Alarm description."
    )


# ---- creation sources: where a new table's data comes from (restore or import) [A24]
TABLE_ARN_PATTERN = r"^arn:aws[a-zA-Z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.\-]{3,255}$"
# arn:aws:dynamodb:<region>:<account>:table/<name>/backup/<timestamp>-<id> (DynamoDB's BackupArn, 37-1024 chars)
BACKUP_ARN_PATTERN = (
    r"^arn:aws[a-zA-Z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.\-]{3,255}/backup/[0-9]{13,20}-[A-Za-z0-9]{4,16}$"
)
# RFC 3339 date-time with a zone, as Kubernetes writes timestamps: 2026-11-30T12:00:00Z, ...12:00:00.5+01:00
RFC3339_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
# S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit
S3_BUCKET_PATTERN = r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$"
S3_KEY_PREFIX_MAX = 1024
ACCOUNT_ID_PATTERN = r"^\d{12}$"
CSV_DELIMITER_PATTERN = r"^[,;:|\t ]$"  # ImportTable's CsvDelimiter: one of , ; : | tab space
MAX_CSV_HEADERS = 255
CSV_HEADER_MAX = 255


def _rfc3339(value: str) -> str:
    """A restoreDateTime must be a real instant (2026-02-30 matches the pattern but is no date)."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PydanticCustomError(
            "datetime_parsing", "is not a real instant (check the day and month); write it like 2026-11-30T12:00:00Z"
        ) from exc
    return value


TableArn = Annotated[str, Field(max_length=1024, pattern=TABLE_ARN_PATTERN), AfterValidator(_ascii)]
BackupArn = Annotated[str, Field(min_length=37, max_length=1024, pattern=BACKUP_ARN_PATTERN), AfterValidator(_ascii)]
DateTime = Annotated[
    str, Field(max_length=40, pattern=RFC3339_PATTERN), AfterValidator(_ascii), AfterValidator(_rfc3339)
]


class InputFormat(StrEnum):
    DYNAMODB_JSON = "DYNAMODB_JSON"
    ION = "ION"
    CSV = "CSV"


class InputCompression(StrEnum):
    GZIP = "GZIP"
    ZSTD = "ZSTD"
    NONE = "NONE"


class PointInTimeSource(Model):
    """Restore another table's data as it was at a point in time (RestoreTableToPointInTime); the source table
    needs point-in-time recovery on."""

    source_table_arn: TableArn | None = Field(default=None, description="ARN of the source table.")
    source_table_name: ResourceName | None = Field(
        default=None, description="Name of the source table in the same account and region."
    )
    restore_date_time: DateTime | None = Field(
        default=None, description="RFC 3339 instant within the source's recovery window, e.g. 2026-11-30T12:00:00Z."
    )
    use_latest_restorable_time: bool | None = Field(
        default=None, description="true: restore to the latest restorable time (about 5 minutes ago)."
    )


class BackupSource(Model):
    """Restore an on-demand backup (RestoreTableFromBackup)."""

    backup_arn: BackupArn = Field(description="ARN of the DynamoDB backup (…:table/<name>/backup/<id>).")


class CsvOptions(Model):
    """How CSV input is read (ImportTable InputFormatOptions.Csv)."""

    delimiter: Annotated[str, Field(pattern=CSV_DELIMITER_PATTERN)] | None = Field(
        default=None, description="One of , ; : | tab or space (AWS's default is a comma)."
    )
    header_list: list[Annotated[str, Field(min_length=1, max_length=CSV_HEADER_MAX)]] | None = Field(
        default=None,
        max_length=MAX_CSV_HEADERS,
        description="Column names, when the files have no header line.",
    )


class S3ImportSource(Model):
    """Import data from Amazon S3 into the new table (ImportTable)."""

    bucket: Annotated[str, Field(min_length=3, max_length=63, pattern=S3_BUCKET_PATTERN)] = Field(
        description="S3 bucket name."
    )
    key_prefix: Annotated[str, Field(max_length=S3_KEY_PREFIX_MAX)] | None = Field(
        default=None, description="Key prefix of the objects to import."
    )
    bucket_owner: Annotated[str, Field(pattern=ACCOUNT_ID_PATTERN), AfterValidator(_ascii)] | None = Field(
        default=None, description="Account id owning the bucket, when it is another account."
    )
    input_format: Annotated[InputFormat, Lax] = Field(description="DYNAMODB_JSON, ION or CSV.")
    input_compression: Annotated[InputCompression, Lax] | None = Field(
        default=None, description="GZIP, ZSTD or NONE (AWS's default)."
    )
    csv: CsvOptions | None = Field(default=None, description="CSV options; only with inputFormat CSV.")


class Source(Model):
    """Where a new table's data comes from: at most one source. Create-only: used when the table does not exist
    yet, ignored after, and fixed once a table is recorded in status."""

    point_in_time: PointInTimeSource | None = Field(default=None, description="Restore to a point in time.")
    backup: BackupSource | None = Field(default=None, description="Restore from an on-demand backup.")
    s3_import: S3ImportSource | None = Field(default=None, description="Import from Amazon S3.")

    @property
    def kind(self) -> str | None:
        """pointInTime, backup or s3Import: the one that is set (None when none is)."""
        for kind, value in (("pointInTime", self.point_in_time), ("backup", self.backup), ("s3Import", self.s3_import)):
            if value is not None:
                return kind
        return None


class Export(Model):
    """Connection details for the applications that use the table, like ACK's FieldExport without another CRD."""

    config_map: Annotated[
        str, Field(min_length=1, max_length=K8S_NAME_MAX, pattern=K8S_NAME_PATTERN), AfterValidator(_ascii)
    ] = Field(
        description="Name of a ConfigMap in this namespace that the operator writes (and owns) with the table's "
        "name, ARN, region, stream ARN and label and index names, as plain keys and envFrom-ready upper-case keys "
        "(docs/connection-details.md). Must not end in -terraform."
    )


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
    multi_region_consistency: Annotated[MultiRegionConsistency, Lax] = Field(
        default=MultiRegionConsistency.EVENTUAL,
        description="EVENTUAL (default) or STRONG: chosen when the replicas are created; STRONG needs three regions.",
    )
    witness_region: Region | None = Field(
        default=None, description="Witness region of a STRONG global table with one replica."
    )
    tags: dict[str, str] | None = Field(default=None, description="Tags; absent = not managed.")
    auto_scaling: AutoScaling | None = Field(
        default=None, description="Application Auto Scaling of the table's capacity (PROVISIONED)."
    )
    contributor_insights: ContributorInsights | None = Field(
        default=None, description="Contributor Insights on the table; absent = not managed."
    )
    resource_policy: dict[str, Any] | None = Field(
        default=None,
        description="Resource-based policy of the table (an IAM policy document); compared semantically.",
    )
    kinesis_streaming_destination: KinesisStreamingDestination | None = Field(
        default=None, description="Kinesis data stream the table's changes are streamed to."
    )
    alarms: list[Alarm] | None = Field(
        default=None,
        max_length=MAX_ALARMS,
        description="CloudWatch alarms on the table's metrics, each named <tableName>-<name>.",
    )
    source: Source | None = Field(
        default=None,
        description="Create-only: restore or import the new table's data (pointInTime, backup or s3Import); "
        "ignored once the table exists.",
    )
    export: Export | None = Field(
        default=None, description="Write the table's connection details to a ConfigMap; absent = none."
    )
    deletion_policy: Annotated[DeletionPolicy, Lax] = Field(
        default=DeletionPolicy.RETAIN,
        description="Retain (default): deleting the resource leaves the table. Delete: the table is deleted. "
        "Snapshot: an on-demand backup <tableName>-final-<UTC time> is made and AVAILABLE first, then the table "
        "is deleted as with Delete.",
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


def owner_tag_value(namespace: str, name: str, cluster_id: str | None = None, *, account: str | None = None) -> str:
    """Value of the `dynamotable.io/owner` tag; the cluster id keeps clusters sharing an account apart.

    The full form is `<namespace>/<name>`, or `<cluster-id>:<namespace>/<name>` with a cluster id. A namespace
    mapped to an IAM role of another account (docs/multi-account.md) has the role's account before the namespace:
    `[<cluster-id>:]<account>@<namespace>/<name>`. AWS caps a
    tag value at 256 characters, and a namespace (63) plus a name (253) can exceed that. Such a value is
    shortened to `[<cluster-id>:]<namespace>/<name-prefix>~<hash>`: the cluster id and namespace are kept
    whole (IAM conditions match `<cluster-id>:*`), `<hash>` is the first 16 hex digits of the SHA-256 of the
    full form, and the name prefix is as long as fits 256 characters (at least 46 characters with a valid
    namespace and cluster id, 33 with an account too). Kubernetes names cannot contain `~`, so a shortened value
    never equals a full one; the hash keeps different long names apart, and the same inputs always give the same value.
    """
    head = (f"{cluster_id}:" if cluster_id else "") + (f"{account}@" if account else "") + f"{namespace}/"
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
