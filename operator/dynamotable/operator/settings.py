"""Operator settings, read from `DYNAMOTABLE_*` environment variables, and the names the operator owns.

Every knob that changes behaviour lives here with its reason, so the chart, the docs and the tests share
one definition. Durations are seconds.
"""

from __future__ import annotations

import os

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dynamotable.api import spec
from dynamotable.api.spec import GROUP, DeletionPolicy
from dynamotable.api.validation import validate_cluster_id
from dynamotable.aws.limits import (
    AWS_CONTROL_PLANE_RPS,
    AWS_INDEXED_CREATES,
    AWS_TABLE_OPERATIONS,
    DEFAULT_INDEXED_CREATES,
    DEFAULT_REQUESTS_PER_SECOND,
    DEFAULT_TABLE_OPERATIONS,
)

FINALIZER = f"{GROUP}/finalizer"
# kopf keeps its progress (`dynamotable.io/reconcile`, ...) and diff-base under our prefix, not kopf.zalando.org.
ANNOTATION_PREFIX = GROUP
DIFFBASE_KEY = "last-handled-configuration"
DRIFT_INTERVAL_ANNOTATION = f"{GROUP}/drift-interval"
TERRAFORM_CONFIGMAP_SUFFIX = spec.TERRAFORM_CONFIGMAP_SUFFIX  # validation keeps spec.export names off it
TERRAFORM_CONFIGMAP_KEY = "main.tf"
REPORTING_COMPONENT = "dynamotable-operator"


def _own_namespace() -> str:
    return os.environ.get("POD_NAMESPACE") or "dynamotable-system"


def _default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class OperatorSettings(BaseSettings):
    """`DYNAMOTABLE_<FIELD>` in upper case, e.g. DYNAMOTABLE_DRIFT_INTERVAL=600."""

    model_config = SettingsConfigDict(env_prefix="DYNAMOTABLE_", frozen=True, extra="ignore")

    region: str = Field(
        default_factory=_default_region,
        description="Region of DynamoTables without spec.region (default: $AWS_REGION, $AWS_DEFAULT_REGION, "
        "us-east-1). Also the provider region of the rendered Terraform.",
    )
    drift_interval: float = Field(
        default=300.0,
        gt=0,
        description="How often a converged table is re-observed for drift. Per object: annotation "
        "dynamotable.io/drift-interval (e.g. 10m, 1h).",
    )
    drift_jitter: float = Field(
        default=0.1,
        ge=0,
        le=0.5,
        description="Each drift check is scheduled at interval x (1 +/- jitter), so tables created together "
        "do not re-observe together.",
    )
    drift_tick: float = Field(
        default=30.0,
        gt=0,
        description="The shortest drift interval accepted (a smaller annotation is raised to it), and the longest "
        "the drift scheduler sleeps between looks for due checks. A look that finds nothing due makes no AWS and "
        "no Kubernetes call; an edited dynamotable.io/drift-interval annotation takes effect on the update.",
    )
    default_deletion_policy: DeletionPolicy = Field(
        default=DeletionPolicy.RETAIN,
        description="Applied to objects whose stored spec has no deletionPolicy. The shipped CRD defaults "
        "spec.deletionPolicy to Retain at admission, so with it this setting only matters for objects stored "
        "without the field (created before the CRD default existed, or with defaulting bypassed).",
    )
    max_concurrent_reconciles: int = Field(
        default=10,
        ge=1,
        le=256,
        description="Size of the thread pool that runs the engine (sync boto3) for change handlers: the number "
        "of reconcile passes in flight. Drift checks have a pool of their own, half this size, so a check that "
        "comes due during a burst of creates does not queue behind them. Each AWS client keeps a connection per "
        "thread of both, so no connection is discarded and re-handshaken; at ~50 ms per AWS call 10 is ~200 "
        "calls/s per region, far below DynamoDB's 2,500 req/s control-plane throttle and its 500 concurrent table "
        "operations, and below the ~1,000 boto3 calls/s one Python process can issue.",
    )
    aws_requests_per_second: float = Field(
        default=DEFAULT_REQUESTS_PER_SECOND,
        gt=0,
        le=AWS_CONTROL_PLANE_RPS,
        description="DynamoDB requests (retries included) this process sends per second per account and region "
        f"at most (a token bucket); AWS throttles above {AWS_CONTROL_PLANE_RPS:,}. Shards and CLI runs on the "
        "same account each have their own bucket: keep their sum below AWS's limit.",
    )
    max_table_operations: int = Field(
        default=DEFAULT_TABLE_OPERATIONS,
        ge=1,
        le=AWS_TABLE_OPERATIONS,
        description="Tables this process keeps in a create, update or delete at once per account and region; "
        f"AWS refuses more than {AWS_TABLE_OPERATIONS}. A table over the cap waits (RateLimited) for a slot.",
    )
    max_indexed_creates: int = Field(
        default=DEFAULT_INDEXED_CREATES,
        ge=1,
        le=AWS_INDEXED_CREATES,
        description="Of those, creates of tables with secondary indexes at once; AWS refuses more than "
        f"{AWS_INDEXED_CREATES}.",
    )
    endpoint_url: str | None = Field(
        default=None,
        description="DynamoDB endpoint URL (the embedded local endpoint, DynamoDB Local); unset = AWS.",
    )
    cluster_id: str | None = Field(
        default=None,
        description="Identifies this cluster in the ownership tag, so two clusters sharing an account do not "
        "take each other's tables.",
    )
    accounts_config_map: str | None = Field(
        default=None,
        description="Name of the ConfigMap (in accounts_namespace) that maps namespaces to IAM roles to assume in "
        "other AWS accounts (docs/multi-account.md). Unset: every table uses the operator's own credentials.",
    )
    accounts_namespace: str = Field(
        default_factory=_own_namespace,
        description="Namespace of the accounts ConfigMap: the operator's own ($POD_NAMESPACE), where only the "
        "platform team may write.",
    )
    accounts_refresh: float = Field(
        default=30.0,
        gt=0,
        description="The accounts ConfigMap is read again when the copy in hand is older than this: an edit "
        "takes effect within it, without a restart.",
    )
    aws_max_attempts: int = Field(default=5, ge=1, description="botocore standard-mode attempts per AWS call.")
    poll_interval: float = Field(
        default=5.0,
        gt=0,
        description="First requeue delay while AWS is busy (CREATING, UPDATING, a GSI backfilling); it grows "
        "towards poll_max while the wait lasts. 5 s matches ACK and Terraform.",
    )
    poll_max: float = Field(default=20.0, gt=0, description="Longest requeue delay while waiting on AWS.")
    retry_scale: float = Field(
        default=1.0,
        gt=0,
        description="Multiplies the retry delay the engine suggests for a retryable AWS error (1 in production).",
    )
    rate_limit_min: float = Field(
        default=60.0,
        gt=0,
        description="A change refused by an AWS per-day/per-hour limit is never retried sooner than this.",
    )
    blocked_retry_delay: float = Field(
        default=60.0,
        gt=0,
        description="How often a blocked deletion (deletionProtection on) is re-checked while the resource "
        "waits for its finalizer.",
    )
    error_backoff: float = Field(
        default=30.0,
        gt=0,
        description="Retry delay after an unexpected error in a reconcile pass (a bug, a Kubernetes API error).",
    )
    consistency_timeout: float = Field(
        default=5.0,
        gt=0,
        description="How long kopf waits for its own patch to come back through the watch before it acts on the "
        "object again (kopf's settings.persistence.consistency_timeout). Meanwhile it skips the object's older "
        "versions; past it, it takes one of them for current, and one older than kopf's annotations for a new "
        "object: the operator then skips the creation (reconciles_total{trigger=create,result=Skipped}) at the "
        "cost of one kopf patch. Raising it past the watch's lag saves those patches and costs memory: each "
        "object kopf waits for keeps its worker (docs/scaling.md).",
    )

    shard_count: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Number of shards (docs/scaling.md). Unset: no sharding, this process serves every object. Set: "
        "this process serves the objects whose sha256 of namespace/name falls in shard_index, needs --peering, and "
        "acts only while no process with another shard count is alive.",
    )
    shard_index: int = Field(default=0, ge=0, description="This process's shard, 0 .. shard_count - 1.")
    shard_census_interval: float = Field(
        default=5.0,
        gt=0,
        description="How often a shard lists the peering objects to check that no other shard count is alive; a "
        "shard that cannot list them for 3 intervals pauses.",
    )

    @model_validator(mode="after")
    def _shard_index_in_range(self) -> OperatorSettings:
        if self.shard_count is not None and self.shard_index >= self.shard_count:
            raise ValueError(f"shard_index {self.shard_index} is not below shard_count {self.shard_count}")
        if self.shard_count is None and self.shard_index:
            raise ValueError("shard_index needs shard_count")
        return self

    @field_validator("endpoint_url", "cluster_id", "shard_count", "accounts_config_map", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("cluster_id")
    @classmethod
    def _cluster_id_fits_the_tag(cls, value: str | None) -> str | None:
        problem = validate_cluster_id(value) if value is not None else None
        if problem is not None:
            raise ValueError(problem)
        return value
