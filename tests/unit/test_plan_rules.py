"""The planner's rules, one table-driven case per rule: desired spec x live table -> exact steps.

Each case id names the rule (docs/reference/dynamodb-rules.md part A). `steps` lists the exact
(operation, region, request) of every step, in order.

A case with `checked=False` builds its manifest from the schema alone (no api/validation semantic rules): the
planner must stay safe with specs validation refuses (e.g. replicas with a disabled stream), and the A7
correction (replicas with any stream view type, or none) is planned here independently of validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from planner_support import ARN, OWNER, REGION, live

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import OWNER_TAG, parse_manifest
from dynamotable.engine.model import (
    ObservedGsi,
    ObservedLsi,
    ObservedPitr,
    ObservedReplica,
    ObservedSse,
    ObservedTable,
    ObservedTtl,
    OnDemand,
    Plan,
    Warm,
)
from dynamotable.engine.plan import plan

CMK = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
CMK2 = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"
MANAGED_KEY = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
WEST_CMK = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"


def _doc(spec: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    base.update(spec)
    return {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": base,
    }


def manifest(**spec: Any) -> DynamoTable:
    return parse_manifest(_doc(spec), default_region=REGION)


def schema_manifest(**spec: Any) -> DynamoTable:
    """The manifest as the schema alone admits it, without validation's semantic rules."""
    return DynamoTable.model_validate(_doc(spec), by_alias=True, by_name=False)


def gsi(name: str, hash_key: str, range_key: str | None = None, **kw: Any) -> ObservedGsi:
    kw.setdefault("projection_type", "ALL")
    kw.setdefault("non_key_attributes", frozenset())
    kw.setdefault("status", "ACTIVE")
    return ObservedGsi(name=name, hash_keys=(hash_key,), range_keys=(range_key,) if range_key else (), **kw)


def spec_gsi(name: str, hash_key: str, range_key: str | None = None, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "hashKey": hash_key, **kw}
    if range_key:
        out["rangeKey"] = range_key
    return out


def attrs(**types: str) -> list[dict[str, str]]:
    return [{"name": n, "type": t} for n, t in types.items()]


def defs(**types: str) -> list[dict[str, str]]:
    return [{"AttributeName": n, "AttributeType": t} for n, t in sorted(types.items())]


def key(hash_key: str, range_key: str | None = None) -> list[dict[str, str]]:
    out = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        out.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return out


def upd(**request: Any) -> tuple[str, str, dict[str, Any]]:
    return ("UpdateTable", REGION, {"TableName": "orders", **request})


@dataclass
class Case:
    id: str
    spec: dict[str, Any]
    live: ObservedTable | None
    steps: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (reason, field)
    says: list[str] = field(default_factory=list)  # words the step descriptions must contain, in order
    blocked_says: list[str] = field(default_factory=list)  # words the blocked messages must contain, in order
    drift: list[tuple[str, str, str]] | None = None  # (field, desired, live) of every drift entry, when given
    checked: bool = True  # False: the manifest is built from the schema alone (see the module docstring)


GSI_SPEC = {"attributes": attrs(id="S", cat="S")}
TWO_GSIS = attrs(id="S", cat="S", ts="N")

CASES: list[Case] = [
    Case(
        "rule_create_carries_everything_create_can_carry",
        {
            "billingMode": "PROVISIONED",
            "readCapacity": 5,
            "writeCapacity": 6,
            "rangeKey": "ts",
            "attributes": attrs(id="S", ts="N", cat="S", st="S"),
            "globalSecondaryIndexes": [
                spec_gsi(
                    "CategoryIndex",
                    "cat",
                    "ts",
                    readCapacity=2,
                    writeCapacity=3,
                    warmThroughput={"readUnitsPerSecond": 12000},
                )
            ],
            "localSecondaryIndexes": [{"name": "StatusIndex", "rangeKey": "st", "projectionType": "KEYS_ONLY"}],
            "stream": {"enabled": True, "viewType": "NEW_IMAGE"},
            "serverSideEncryption": {"enabled": True, "kmsKeyArn": CMK},
            "tags": {"Env": "prod"},
            "tableClass": "STANDARD_INFREQUENT_ACCESS",
            "deletionProtection": True,
            "warmThroughput": {"readUnitsPerSecond": 13000, "writeUnitsPerSecond": 5000},
            "ttl": {"enabled": True, "attributeName": "expiresAt"},
            "pointInTimeRecovery": {"enabled": True, "recoveryPeriodInDays": 7},
        },
        None,
        steps=[
            (
                "CreateTable",
                REGION,
                {
                    "TableName": "orders",
                    "KeySchema": key("id", "ts"),
                    "AttributeDefinitions": defs(id="S", ts="N", cat="S", st="S"),
                    "BillingMode": "PROVISIONED",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
                    "GlobalSecondaryIndexes": [
                        {
                            "IndexName": "CategoryIndex",
                            "KeySchema": key("cat", "ts"),
                            "Projection": {"ProjectionType": "ALL"},
                            "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
                            "WarmThroughput": {"ReadUnitsPerSecond": 12000},
                        }
                    ],
                    "LocalSecondaryIndexes": [
                        {
                            "IndexName": "StatusIndex",
                            "KeySchema": key("id", "st"),
                            "Projection": {"ProjectionType": "KEYS_ONLY"},
                        }
                    ],
                    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                    "SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": CMK},
                    "Tags": [{"Key": "Env", "Value": "prod"}, {"Key": OWNER_TAG, "Value": OWNER}],
                    "TableClass": "STANDARD_INFREQUENT_ACCESS",
                    "DeletionProtectionEnabled": True,
                    "WarmThroughput": {"ReadUnitsPerSecond": 13000, "WriteUnitsPerSecond": 5000},
                },
            ),
            (
                "UpdateTimeToLive",
                REGION,
                {"TableName": "orders", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expiresAt"}},
            ),
            (
                "UpdateContinuousBackups",
                REGION,
                {
                    "TableName": "orders",
                    "PointInTimeRecoverySpecification": {
                        "PointInTimeRecoveryEnabled": True,
                        "RecoveryPeriodInDays": 7,
                    },
                },
            ),
        ],
    ),
    Case(
        "rule_create_then_replicas_and_their_settings_after_create",
        {
            "onDemandThroughput": {"maxReadRequestUnits": 100, "maxWriteRequestUnits": -1},
            "stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
            "replicas": [{"region": "us-west-2", "pointInTimeRecovery": True}],
        },
        None,
        steps=[
            (
                "CreateTable",
                REGION,
                {
                    "TableName": "orders",
                    "KeySchema": key("id"),
                    "AttributeDefinitions": defs(id="S"),
                    "BillingMode": "PAY_PER_REQUEST",
                    "OnDemandThroughput": {"MaxReadRequestUnits": 100},
                    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                    "Tags": [{"Key": OWNER_TAG, "Value": OWNER}],
                },
            ),
            upd(ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]),
            (
                "UpdateContinuousBackups",
                "us-west-2",
                {"TableName": "orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}},
            ),
        ],
    ),
    Case(
        "rule_nothing_while_table_is_updating",
        {"deletionProtection": True},
        live(status="UPDATING"),
        waiting=["table is UPDATING"],
    ),
    Case(
        "rule_nothing_while_a_gsi_is_creating",
        {**GSI_SPEC, "globalSecondaryIndexes": [spec_gsi("CategoryIndex", "cat")], "deletionProtection": True},
        live(
            attribute_types={"id": "S", "cat": "S"},
            gsis=(gsi("CategoryIndex", "cat", status="CREATING", backfilling=True),),
        ),
        waiting=["GSI CategoryIndex is CREATING (backfilling)"],
    ),
    Case(
        "rule_nothing_while_a_replica_is_creating",
        {
            "stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
            "replicas": [{"region": "us-west-2"}],
            "tags": {"a": "b"},
        },
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            replicas=(ObservedReplica("us-west-2", "CREATING"),),
        ),
        waiting=["replica in us-west-2 is CREATING"],
    ),
    Case(
        "rule_nothing_while_sse_is_updating",
        {"deletionProtection": True},
        live(sse=ObservedSse(kms_key_arn=CMK, status="UPDATING")),
        waiting=["encryption at rest is UPDATING"],
    ),
    Case(
        "rule_nothing_while_warm_throughput_is_updating",
        {"deletionProtection": True},
        live(warm=Warm(12000, 4000, "UPDATING")),
        waiting=["warm throughput is UPDATING"],
    ),
    Case(
        "rule_one_gsi_create_per_call",
        {
            "attributes": TWO_GSIS,
            "globalSecondaryIndexes": [spec_gsi("ByCat", "cat"), spec_gsi("ByTs", "ts", projectionType="KEYS_ONLY")],
        },
        live(),
        steps=[
            upd(
                AttributeDefinitions=defs(id="S", cat="S"),
                GlobalSecondaryIndexUpdates=[
                    {"Create": {"IndexName": "ByCat", "KeySchema": key("cat"), "Projection": {"ProjectionType": "ALL"}}}
                ],
            ),
            upd(
                AttributeDefinitions=defs(id="S", cat="S", ts="N"),
                GlobalSecondaryIndexUpdates=[
                    {
                        "Create": {
                            "IndexName": "ByTs",
                            "KeySchema": key("ts"),
                            "Projection": {"ProjectionType": "KEYS_ONLY"},
                        }
                    }
                ],
            ),
        ],
        says=["create GSI ByCat (the table stays usable; the index backfills)", "create GSI ByTs"],
    ),
    Case(
        "rule_gsi_deletes_before_creates_one_per_call",
        {"attributes": attrs(id="S", ts="N"), "globalSecondaryIndexes": [spec_gsi("ByTs", "ts")]},
        live(attribute_types={"id": "S", "cat": "S", "old": "S"}, gsis=(gsi("ByCat", "cat"), gsi("ByOld", "old"))),
        steps=[
            upd(GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "ByCat"}}]),
            upd(GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "ByOld"}}]),
            upd(
                AttributeDefinitions=defs(id="S", ts="N"),
                GlobalSecondaryIndexUpdates=[
                    {"Create": {"IndexName": "ByTs", "KeySchema": key("ts"), "Projection": {"ProjectionType": "ALL"}}}
                ],
            ),
        ],
    ),
    Case(
        "rule_gsi_key_or_projection_change_is_delete_then_create",
        {
            **GSI_SPEC,
            "globalSecondaryIndexes": [
                spec_gsi("ByCat", "cat", projectionType="INCLUDE", nonKeyAttributes=["price", "name"])
            ],
        },
        live(attribute_types={"id": "S", "cat": "S"}, gsis=(gsi("ByCat", "cat", projection_type="KEYS_ONLY"),)),
        steps=[
            upd(GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "ByCat"}}]),
            upd(
                AttributeDefinitions=defs(id="S", cat="S"),
                GlobalSecondaryIndexUpdates=[
                    {
                        "Create": {
                            "IndexName": "ByCat",
                            "KeySchema": key("cat"),
                            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name", "price"]},
                        }
                    }
                ],
            ),
        ],
        says=["unavailable until it is recreated", "recreate GSI ByCat"],
    ),
    Case(
        "rule_gsi_key_attribute_type_change_recreates_the_gsi",
        {**{"attributes": attrs(id="S", cat="N")}, "globalSecondaryIndexes": [spec_gsi("ByCat", "cat")]},
        live(attribute_types={"id": "S", "cat": "S"}, gsis=(gsi("ByCat", "cat"),)),
        steps=[
            upd(GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "ByCat"}}]),
            upd(
                AttributeDefinitions=defs(id="S", cat="N"),
                GlobalSecondaryIndexUpdates=[
                    {"Create": {"IndexName": "ByCat", "KeySchema": key("cat"), "Projection": {"ProjectionType": "ALL"}}}
                ],
            ),
        ],
    ),
    Case(
        "rule_attribute_definitions_are_the_union_of_keys_in_use_never_diffed",
        {
            "rangeKey": "ts",
            "attributes": attrs(id="S", ts="N", st="S", cat="S", new="B"),
            "localSecondaryIndexes": [{"name": "ByStatus", "rangeKey": "st"}],
            "globalSecondaryIndexes": [spec_gsi("ByCat", "cat"), spec_gsi("ByNew", "new", "ts")],
        },
        # live definitions carry a stale, unused attribute and miss nothing else: never a call for that alone
        live(
            range_key="ts",
            attribute_types={"id": "S", "ts": "N", "st": "S", "cat": "S", "stale": "S"},
            lsis=(ObservedLsi("ByStatus", "st", "ALL", frozenset()),),
            gsis=(gsi("ByCat", "cat"),),
        ),
        steps=[
            upd(
                AttributeDefinitions=defs(id="S", ts="N", st="S", cat="S", new="B"),
                GlobalSecondaryIndexUpdates=[
                    {
                        "Create": {
                            "IndexName": "ByNew",
                            "KeySchema": key("new", "ts"),
                            "Projection": {"ProjectionType": "ALL"},
                        }
                    }
                ],
            ),
        ],
    ),
    Case(
        "rule_gsi_capacity_updates_go_with_the_table_throughput_change",
        {
            "billingMode": "PROVISIONED",
            "readCapacity": 10,
            "writeCapacity": 5,
            **GSI_SPEC,
            "globalSecondaryIndexes": [spec_gsi("ByCat", "cat", readCapacity=4, writeCapacity=2)],
        },
        live(
            billing_mode="PROVISIONED",
            read_capacity=5,
            write_capacity=5,
            attribute_types={"id": "S", "cat": "S"},
            gsis=(gsi("ByCat", "cat", read_capacity=1, write_capacity=2),),
        ),
        steps=[
            upd(
                ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
                GlobalSecondaryIndexUpdates=[
                    {
                        "Update": {
                            "IndexName": "ByCat",
                            "ProvisionedThroughput": {"ReadCapacityUnits": 4, "WriteCapacityUnits": 2},
                        }
                    }
                ],
            )
        ],
    ),
    Case(
        "rule_capacity_decrease_names_the_daily_budget",
        {"billingMode": "PROVISIONED", "readCapacity": 5, "writeCapacity": 10},
        live(billing_mode="PROVISIONED", read_capacity=10, write_capacity=10, decreases_today=3),
        steps=[upd(ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 10})],
        says=["table 10/10 -> 5/10", "4 per UTC day", "3 made today"],
    ),
    Case(
        "rule_switch_to_provisioned_carries_table_and_every_gsi_throughput",
        {
            "billingMode": "PROVISIONED",
            "readCapacity": 3,
            "writeCapacity": 4,
            "attributes": TWO_GSIS,
            "globalSecondaryIndexes": [
                spec_gsi("ByCat", "cat", readCapacity=1, writeCapacity=2),
                spec_gsi("ByTs", "ts", readCapacity=5, writeCapacity=6),
            ],
        },
        live(attribute_types={"id": "S", "cat": "S", "ts": "N"}, gsis=(gsi("ByCat", "cat"), gsi("ByTs", "ts"))),
        steps=[
            upd(
                BillingMode="PROVISIONED",
                ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
                GlobalSecondaryIndexUpdates=[
                    {
                        "Update": {
                            "IndexName": "ByCat",
                            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2},
                        }
                    },
                    {
                        "Update": {
                            "IndexName": "ByTs",
                            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
                        }
                    },
                ],
            )
        ],
    ),
    Case(
        "rule_switch_to_pay_per_request_carries_no_throughput",
        {**GSI_SPEC, "globalSecondaryIndexes": [spec_gsi("ByCat", "cat")]},
        live(
            billing_mode="PROVISIONED",
            read_capacity=5,
            write_capacity=5,
            attribute_types={"id": "S", "cat": "S"},
            gsis=(gsi("ByCat", "cat", read_capacity=1, write_capacity=1),),
        ),
        steps=[upd(BillingMode="PAY_PER_REQUEST")],
    ),
    Case(
        "rule_sse_change_alone_owned_to_managed",
        {"serverSideEncryption": {"enabled": True}, "deletionProtection": True},
        live(),
        steps=[upd(DeletionProtectionEnabled=True), upd(SSESpecification={"Enabled": True, "SSEType": "KMS"})],
    ),
    Case(
        "rule_sse_change_alone_managed_to_customer_key",
        {"serverSideEncryption": {"enabled": True, "kmsKeyArn": CMK}},
        live(sse=ObservedSse(kms_key_arn=MANAGED_KEY, aws_managed=True, status="ENABLED")),
        steps=[upd(SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": CMK})],
    ),
    Case(
        "rule_sse_change_alone_customer_key_to_owned",
        {"serverSideEncryption": {"enabled": False}},
        live(sse=ObservedSse(kms_key_arn=CMK, aws_managed=False, status="ENABLED")),
        steps=[upd(SSESpecification={"Enabled": False})],
    ),
    Case(
        "rule_sse_customer_key_to_other_customer_key",
        {"serverSideEncryption": {"enabled": True, "kmsKeyArn": CMK2}},
        live(sse=ObservedSse(kms_key_arn=CMK, aws_managed=False, status="ENABLED")),
        steps=[upd(SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": CMK2})],
    ),
    Case(
        "rule_stream_view_type_change_is_disable_then_enable",
        {"stream": {"enabled": True, "viewType": "NEW_IMAGE"}},
        live(stream_enabled=True, stream_view_type="KEYS_ONLY", stream_arn=ARN + "/stream/1"),
        steps=[
            upd(StreamSpecification={"StreamEnabled": False}),
            upd(StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}),
        ],
        says=["new ARN", "repointed", "re-enable the stream"],
    ),
    Case(
        "rule_stream_enable",
        {"stream": {"enabled": True, "viewType": "KEYS_ONLY"}},
        live(),
        steps=[upd(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})],
    ),
    Case(
        "rule_stream_disable",
        {"stream": {"enabled": False}},
        live(stream_enabled=True, stream_view_type="KEYS_ONLY"),
        steps=[upd(StreamSpecification={"StreamEnabled": False})],
    ),
    Case(
        "rule_ttl_enable_through_update_time_to_live",
        {"ttl": {"enabled": True, "attributeName": "exp"}},
        live(ttl=ObservedTtl(False, None, "DISABLED")),
        steps=[
            (
                "UpdateTimeToLive",
                REGION,
                {"TableName": "orders", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}},
            )
        ],
    ),
    Case(
        "rule_ttl_attribute_rename_is_disable_with_current_name_then_enable",
        {"ttl": {"enabled": True, "attributeName": "expiresAt"}},
        live(ttl=ObservedTtl(True, "exp", "ENABLED")),
        steps=[
            (
                "UpdateTimeToLive",
                REGION,
                {"TableName": "orders", "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "exp"}},
            ),
            (
                "UpdateTimeToLive",
                REGION,
                {"TableName": "orders", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expiresAt"}},
            ),
        ],
        says=["one TTL change per hour"],
    ),
    Case(
        "rule_ttl_disable_with_current_name",
        {"ttl": {"enabled": False}},
        live(ttl=ObservedTtl(True, "exp", "ENABLING")),
        steps=[
            (
                "UpdateTimeToLive",
                REGION,
                {"TableName": "orders", "TimeToLiveSpecification": {"Enabled": False, "AttributeName": "exp"}},
            )
        ],
    ),
    Case(
        "rule_pitr_enable_with_recovery_period",
        {"pointInTimeRecovery": {"enabled": True, "recoveryPeriodInDays": 10}},
        live(pitr=ObservedPitr(False, None)),
        steps=[
            (
                "UpdateContinuousBackups",
                REGION,
                {
                    "TableName": "orders",
                    "PointInTimeRecoverySpecification": {
                        "PointInTimeRecoveryEnabled": True,
                        "RecoveryPeriodInDays": 10,
                    },
                },
            )
        ],
    ),
    Case(
        "rule_pitr_period_change",
        {"pointInTimeRecovery": {"enabled": True, "recoveryPeriodInDays": 7}},
        live(pitr=ObservedPitr(True, 35)),
        steps=[
            (
                "UpdateContinuousBackups",
                REGION,
                {
                    "TableName": "orders",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7},
                },
            )
        ],
    ),
    Case(
        "rule_pitr_disable",
        {"pointInTimeRecovery": {"enabled": False}},
        live(pitr=ObservedPitr(True, 35)),
        steps=[
            (
                "UpdateContinuousBackups",
                REGION,
                {"TableName": "orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": False}},
            )
        ],
    ),
    Case(
        "rule_tags_upsert_changed_and_untag_removed_never_ours_or_aws",
        {"tags": {"Env": "prod", "Team": "a"}},
        # aws: tags never reach ObservedTable (normalize drops them); other dynamotable.io/ keys are ours
        live(tags={OWNER_TAG: OWNER, "dynamotable.io/cluster": "c1", "Env": "dev", "Old": "x"}),
        steps=[
            (
                "TagResource",
                REGION,
                {"ResourceArn": ARN, "Tags": [{"Key": "Env", "Value": "prod"}, {"Key": "Team", "Value": "a"}]},
            ),
            ("UntagResource", REGION, {"ResourceArn": ARN, "TagKeys": ["Old"]}),
        ],
    ),
    Case(
        "rule_adoption_tags_the_table_with_our_owner_tag",
        {},
        live(tags={"Env": "dev"}),
        steps=[("TagResource", REGION, {"ResourceArn": ARN, "Tags": [{"Key": OWNER_TAG, "Value": OWNER}]})],
    ),
    Case(
        "rule_table_class",
        {"tableClass": "STANDARD_INFREQUENT_ACCESS"},
        live(),
        steps=[upd(TableClass="STANDARD_INFREQUENT_ACCESS")],
    ),
    Case(
        "rule_deletion_protection",
        {"deletionProtection": False},
        live(deletion_protection=True),
        steps=[upd(DeletionProtectionEnabled=False)],
    ),
    Case(
        "rule_on_demand_throughput_minus_one_removes_a_cap",
        {
            **GSI_SPEC,
            "onDemandThroughput": {"maxReadRequestUnits": -1, "maxWriteRequestUnits": 50},
            "globalSecondaryIndexes": [spec_gsi("ByCat", "cat", onDemandThroughput={"maxReadRequestUnits": 20})],
        },
        live(
            on_demand=OnDemand(max_read=100, max_write=50),
            attribute_types={"id": "S", "cat": "S"},
            gsis=(gsi("ByCat", "cat"),),
        ),
        steps=[
            upd(
                OnDemandThroughput={"MaxReadRequestUnits": -1},
                GlobalSecondaryIndexUpdates=[
                    {"Update": {"IndexName": "ByCat", "OnDemandThroughput": {"MaxReadRequestUnits": 20}}}
                ],
            )
        ],
    ),
    Case(
        "rule_warm_throughput_increase",
        {
            **GSI_SPEC,
            "warmThroughput": {"readUnitsPerSecond": 20000, "writeUnitsPerSecond": 4000},
            "globalSecondaryIndexes": [spec_gsi("ByCat", "cat", warmThroughput={"writeUnitsPerSecond": 9000})],
        },
        live(
            warm=Warm(12000, 4000),
            attribute_types={"id": "S", "cat": "S"},
            gsis=(gsi("ByCat", "cat", warm=Warm(12000, 4000)),),
        ),
        steps=[
            upd(WarmThroughput={"ReadUnitsPerSecond": 20000}),
            upd(
                GlobalSecondaryIndexUpdates=[
                    {"Update": {"IndexName": "ByCat", "WarmThroughput": {"WriteUnitsPerSecond": 9000}}}
                ]
            ),
        ],
    ),
    Case(
        "rule_warm_throughput_decrease_is_blocked",
        {"warmThroughput": {"readUnitsPerSecond": 12000}},
        live(warm=Warm(15000, 4000)),
        blocked=[("ReplacementRequired", "warmThroughput.readUnitsPerSecond")],
    ),
    Case(
        "rule_replicas_one_action_per_call",
        {
            "stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
            "replicas": [{"region": "us-west-2", "kmsKeyArn": WEST_CMK}, {"region": "eu-west-1"}],
        },
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            replicas=(ObservedReplica("ap-south-1", "ACTIVE", deletion_protection=False, pitr=False),),
        ),
        # the additions come before the removal (plan_replicas: rule_replicas_added_before_removed)
        steps=[
            upd(ReplicaUpdates=[{"Create": {"RegionName": "us-west-2", "KMSMasterKeyId": WEST_CMK}}]),
            upd(ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]),
            upd(ReplicaUpdates=[{"Delete": {"RegionName": "ap-south-1"}}]),
        ],
    ),
    Case(
        "rule_replicas_with_a_stream_of_any_view_type",
        {"stream": {"enabled": True, "viewType": "KEYS_ONLY"}, "replicas": [{"region": "us-west-2"}]},
        live(stream_enabled=True, stream_view_type="KEYS_ONLY"),
        steps=[upd(ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])],
        drift=[("replicas[us-west-2]", "present", "absent")],
        checked=False,
    ),
    Case(
        "rule_replicas_with_an_ignored_stream_of_another_view_type",
        {
            "stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
            "replicas": [{"region": "us-west-2"}],
            "ignoreChanges": ["stream"],
        },
        live(stream_enabled=True, stream_view_type="KEYS_ONLY"),
        steps=[upd(ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])],
        drift=[("replicas[us-west-2]", "present", "absent")],
    ),
    Case(
        "rule_replicas_without_a_stream_let_aws_enable_new_and_old_images",
        {"replicas": [{"region": "us-west-2"}, {"region": "eu-west-1"}]},
        live(),
        steps=[
            upd(ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]),
            upd(ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]),
        ],
        says=[
            "add a replica in us-west-2",
            "DynamoDB enables a NEW_AND_OLD_IMAGES stream",
            "add a replica in eu-west-1",
        ],
        drift=[("replicas[us-west-2]", "present", "absent"), ("replicas[eu-west-1]", "present", "absent")],
        checked=False,
    ),
    Case(
        "rule_replicas_stream_enabled_by_aws_is_never_drift",
        {"replicas": [{"region": "us-west-2"}]},
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            stream_arn=ARN + "/stream/1",
            replicas=(ObservedReplica("us-west-2", "ACTIVE"),),
        ),
        steps=[],
        drift=[],
        checked=False,
    ),
    Case(
        "rule_create_without_a_stream_then_replicas",
        {"replicas": [{"region": "us-west-2"}]},
        None,
        steps=[
            (
                "CreateTable",
                REGION,
                {
                    "TableName": "orders",
                    "KeySchema": key("id"),
                    "AttributeDefinitions": defs(id="S"),
                    "BillingMode": "PAY_PER_REQUEST",
                    "Tags": [{"Key": OWNER_TAG, "Value": OWNER}],
                },
            ),
            upd(ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]),
        ],
        says=["DynamoDB enables a NEW_AND_OLD_IMAGES stream"],
        checked=False,
    ),
    Case(
        "rule_replicas_managed_stream_is_enabled_before_the_first_replica",
        {"stream": {"enabled": True, "viewType": "KEYS_ONLY"}, "replicas": [{"region": "us-west-2"}]},
        live(),
        steps=[
            upd(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}),
            upd(ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]),
        ],
        says=["enable the stream (KEYS_ONLY)", "add a replica in us-west-2"],
        drift=[("stream.enabled", "true", "false"), ("replicas[us-west-2]", "present", "absent")],
        checked=False,
    ),
    Case(
        "rule_replicas_view_type_is_changed_before_they_are_added",
        {"stream": {"enabled": True, "viewType": "KEYS_ONLY"}, "replicas": [{"region": "us-west-2"}]},
        live(stream_enabled=True, stream_view_type="NEW_AND_OLD_IMAGES"),
        steps=[
            upd(StreamSpecification={"StreamEnabled": False}),
            upd(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}),
            upd(ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]),
        ],
        checked=False,
    ),
    Case(
        "rule_stream_view_type_change_blocked_while_replicas_exist",
        {
            "stream": {"enabled": True, "viewType": "NEW_IMAGE"},
            "replicas": [{"region": "us-west-2"}, {"region": "eu-west-1"}],
            "deletionProtection": True,
        },
        live(
            stream_enabled=True,
            stream_view_type="KEYS_ONLY",
            replicas=(ObservedReplica("us-west-2", "ACTIVE"),),
        ),
        # the other steps go ahead: a new replica needs no particular view type
        steps=[upd(DeletionProtectionEnabled=True), upd(ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}])],
        blocked=[("ReplacementRequired", "stream")],
        blocked_says=["from KEYS_ONLY to NEW_IMAGE", "replicas (us-west-2)", "Remove the replicas first"],
        drift=[
            ("stream.viewType", "NEW_IMAGE", "KEYS_ONLY"),
            ("deletionProtection", "true", "false"),
            ("replicas[eu-west-1]", "present", "absent"),
        ],
        checked=False,
    ),
    Case(
        "rule_stream_disable_blocked_while_unmanaged_replicas_exist",
        {"stream": {"enabled": False}, "tags": {"a": "b"}},
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            replicas=(ObservedReplica("eu-west-1", "ACTIVE"), ObservedReplica("us-west-2", "ACTIVE")),
        ),
        steps=[("TagResource", REGION, {"ResourceArn": ARN, "Tags": [{"Key": "a", "Value": "b"}]})],
        blocked=[("ReplacementRequired", "stream")],
        blocked_says=["cannot be disabled", "replicas (eu-west-1, us-west-2)", "Remove the replicas first"],
    ),
    Case(
        "rule_stream_change_blocked_while_a_replica_removal_is_blocked",
        {"stream": {"enabled": False}, "replicas": []},
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            replicas=(
                ObservedReplica("eu-west-1", "ACTIVE", deletion_protection=False),
                ObservedReplica("us-west-2", "ACTIVE", deletion_protection=True),
            ),
        ),
        steps=[upd(ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}])],
        blocked=[("ReplacementRequired", "stream"), ("DeletionBlocked", "replicas[us-west-2]")],
        blocked_says=["replicas (us-west-2)", "deletion protection"],
    ),
    Case(
        "rule_stream_change_waits_while_the_last_replica_is_deleting",
        {"stream": {"enabled": True, "viewType": "NEW_IMAGE"}, "replicas": []},
        live(
            stream_enabled=True,
            stream_view_type="KEYS_ONLY",
            replicas=(ObservedReplica("us-west-2", "DELETING"),),
        ),
        waiting=["replica in us-west-2 is DELETING"],
    ),
    Case(
        "rule_stream_change_comes_after_every_replica_is_removed",
        {"stream": {"enabled": True, "viewType": "NEW_IMAGE"}, "replicas": [{"region": "eu-west-1"}]},
        live(
            stream_enabled=True,
            stream_view_type="KEYS_ONLY",
            replicas=(ObservedReplica("us-west-2", "ACTIVE", deletion_protection=False),),
        ),
        steps=[
            upd(ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}]),
            upd(StreamSpecification={"StreamEnabled": False}),
            upd(StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}),
            upd(ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]),
        ],
        checked=False,
    ),
    Case(
        "rule_replicas_absent_from_the_spec_are_not_managed",
        {"stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"}},
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            replicas=(ObservedReplica("us-west-2", "ACTIVE"),),
        ),
        steps=[],
    ),
    Case(
        "rule_replicas_empty_list_deletes_them_all_before_the_stream_is_disabled",
        {"stream": {"enabled": False}, "replicas": []},
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            replicas=(ObservedReplica("eu-west-1", "ACTIVE"), ObservedReplica("us-west-2", "ACTIVE")),
        ),
        steps=[
            upd(ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]),
            upd(ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}]),
            upd(StreamSpecification={"StreamEnabled": False}),
        ],
    ),
    Case(
        "rule_replica_pitr_and_deletion_protection_in_the_replica_region",
        {
            "stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
            "tags": {"Env": "prod"},
            "replicas": [
                {"region": "us-west-2", "pointInTimeRecovery": True, "deletionProtection": True, "propagateTags": True}
            ],
        },
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            tags={OWNER_TAG: OWNER, "Env": "prod"},
            replicas=(
                ObservedReplica(
                    "us-west-2",
                    "ACTIVE",
                    arn=ARN.replace("us-east-1", "us-west-2"),
                    deletion_protection=False,
                    pitr=False,
                    tags={},
                ),
            ),
        ),
        steps=[
            ("UpdateTable", "us-west-2", {"TableName": "orders", "DeletionProtectionEnabled": True}),
            (
                "UpdateContinuousBackups",
                "us-west-2",
                {"TableName": "orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}},
            ),
            (
                "TagResource",
                "us-west-2",
                {"ResourceArn": ARN.replace("us-east-1", "us-west-2"), "Tags": [{"Key": "Env", "Value": "prod"}]},
            ),
        ],
    ),
    Case(
        "rule_replica_key_change_is_blocked",
        {
            "stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
            "replicas": [{"region": "us-west-2", "kmsKeyArn": WEST_CMK}],
        },
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            replicas=(ObservedReplica("us-west-2", "ACTIVE", kms_key_id="other-key", pitr=False),),
        ),
        blocked=[("ReplacementRequired", "replicas[us-west-2].kmsKeyArn")],
    ),
    Case(
        "rule_no_call_that_changes_nothing",
        {
            "billingMode": "PROVISIONED",
            "readCapacity": 5,
            "writeCapacity": 5,
            **GSI_SPEC,
            "globalSecondaryIndexes": [
                spec_gsi(
                    "ByCat",
                    "cat",
                    projectionType="INCLUDE",
                    nonKeyAttributes=["b", "a"],
                    readCapacity=1,
                    writeCapacity=1,
                )
            ],
            "stream": {"enabled": True, "viewType": "KEYS_ONLY"},
            "ttl": {"enabled": True, "attributeName": "exp"},
            "pointInTimeRecovery": {"enabled": True},
            "serverSideEncryption": {"enabled": True},
            "tableClass": "STANDARD",
            "deletionProtection": False,
            "tags": {"Env": "prod"},
            "warmThroughput": {"readUnitsPerSecond": 12000},
        },
        # live spelled differently: ENABLING TTL, key id instead of ARN undetermined, sets in another order
        live(
            billing_mode="PROVISIONED",
            read_capacity=5,
            write_capacity=5,
            attribute_types={"id": "S", "cat": "S"},
            gsis=(
                gsi(
                    "ByCat",
                    "cat",
                    projection_type="INCLUDE",
                    non_key_attributes=frozenset({"a", "b"}),
                    read_capacity=1,
                    write_capacity=1,
                ),
            ),
            stream_enabled=True,
            stream_view_type="KEYS_ONLY",
            ttl=ObservedTtl(True, "exp", "ENABLING"),
            pitr=ObservedPitr(True, 35),
            sse=ObservedSse(kms_key_arn=MANAGED_KEY, aws_managed=None, status="ENABLED"),
            tags={OWNER_TAG: OWNER, "Env": "prod"},
            warm=Warm(12000, 4000),
        ),
        steps=[],
    ),
    Case(
        "rule_ignore_changes_leaves_those_paths_alone",
        {
            "billingMode": "PROVISIONED",
            "readCapacity": 5,
            "writeCapacity": 5,
            "tags": {"a": "b"},
            "stream": {"enabled": True, "viewType": "KEYS_ONLY"},
            "ttl": {"enabled": True, "attributeName": "exp"},
            "ignoreChanges": ["readCapacity", "tags", "stream", "ttl"],
        },
        live(
            billing_mode="PROVISIONED",
            read_capacity=50,
            write_capacity=4,
            tags={OWNER_TAG: OWNER, "z": "y"},
            ttl=ObservedTtl(False, None, "DISABLED"),
        ),
        steps=[upd(ProvisionedThroughput={"ReadCapacityUnits": 50, "WriteCapacityUnits": 5})],
    ),
    Case(
        "rule_fields_left_out_of_the_spec_are_not_managed",
        {},
        live(
            stream_enabled=True,
            stream_view_type="KEYS_ONLY",
            deletion_protection=True,
            table_class="STANDARD_INFREQUENT_ACCESS",
            tags={OWNER_TAG: OWNER, "x": "y"},
            sse=ObservedSse(kms_key_arn=CMK, aws_managed=False),
            ttl=None,
            pitr=None,
            warm=Warm(99999, 99999),
            on_demand=OnDemand(5, 5),
            replicas=(ObservedReplica("us-west-2", "ACTIVE"),),
        ),
        steps=[],
    ),
    Case(
        "rule_replacement_required_for_a_hash_key_change",
        {"hashKey": "pk", "attributes": attrs(pk="S")},
        live(),
        blocked=[("ReplacementRequired", "hashKey")],
    ),
    Case(
        "rule_replacement_required_for_a_range_key_change",
        {"rangeKey": "ts", "attributes": attrs(id="S", ts="N"), "deletionProtection": True},
        live(),
        steps=[("UpdateTable", REGION, {"TableName": "orders", "DeletionProtectionEnabled": True})],
        blocked=[("ReplacementRequired", "rangeKey")],
    ),
    Case(
        "rule_replacement_required_for_a_key_attribute_type_change",
        {"attributes": attrs(id="N"), "deletionProtection": True},
        live(),
        steps=[("UpdateTable", REGION, {"TableName": "orders", "DeletionProtectionEnabled": True})],
        blocked=[("ReplacementRequired", "attributes[id].type")],
    ),
    Case(
        "rule_replacement_required_for_an_lsi_change",
        {
            "rangeKey": "ts",
            "attributes": attrs(id="S", ts="N", st="S"),
            "localSecondaryIndexes": [{"name": "ByStatus", "rangeKey": "st"}],
        },
        live(range_key="ts", attribute_types={"id": "S", "ts": "N"}),
        blocked=[("ReplacementRequired", "localSecondaryIndexes")],
    ),
    Case(
        "rule_unusable_table_is_reported_not_changed",
        {"deletionProtection": True},
        live(status="INACCESSIBLE_ENCRYPTION_CREDENTIALS"),
        blocked=[("AwsError", "tableStatus")],
    ),
    Case(
        "rule_suggested_order",
        {
            "billingMode": "PROVISIONED",
            "readCapacity": 5,
            "writeCapacity": 5,
            "attributes": attrs(id="S", ts="N"),
            "globalSecondaryIndexes": [spec_gsi("ByTs", "ts", readCapacity=1, writeCapacity=1)],
            "tags": {"a": "b"},
            "deletionProtection": True,
            "tableClass": "STANDARD_INFREQUENT_ACCESS",
            "serverSideEncryption": {"enabled": True},
            "stream": {"enabled": True, "viewType": "KEYS_ONLY"},
            "ttl": {"enabled": True, "attributeName": "exp"},
            "pointInTimeRecovery": {"enabled": True},
            "warmThroughput": {"readUnitsPerSecond": 13000},
        },
        live(
            attribute_types={"id": "S", "cat": "S"},
            gsis=(gsi("ByCat", "cat"),),
            ttl=ObservedTtl(False, None, "DISABLED"),
            pitr=ObservedPitr(False, None),
            warm=Warm(12000, 4000),
        ),
        steps=[
            ("TagResource", REGION, {"ResourceArn": ARN, "Tags": [{"Key": "a", "Value": "b"}]}),
            upd(DeletionProtectionEnabled=True),
            upd(GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "ByCat"}}]),
            upd(TableClass="STANDARD_INFREQUENT_ACCESS"),
            upd(BillingMode="PROVISIONED", ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}),
            upd(SSESpecification={"Enabled": True, "SSEType": "KMS"}),
            upd(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}),
            upd(
                AttributeDefinitions=defs(id="S", ts="N"),
                GlobalSecondaryIndexUpdates=[
                    {
                        "Create": {
                            "IndexName": "ByTs",
                            "KeySchema": key("ts"),
                            "Projection": {"ProjectionType": "ALL"},
                            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                        }
                    }
                ],
            ),
            (
                "UpdateTimeToLive",
                REGION,
                {"TableName": "orders", "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}},
            ),
            (
                "UpdateContinuousBackups",
                REGION,
                {"TableName": "orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}},
            ),
            upd(WarmThroughput={"ReadUnitsPerSecond": 13000}),
        ],
    ),
]


def _run(case: Case) -> Plan:
    built = manifest(**case.spec) if case.checked else schema_manifest(**case.spec)
    return plan(built, case.live, region=REGION, owner=OWNER)


def _in_order(text: str, words: list[str]) -> None:
    pos = 0
    for word in words:
        found = text.find(word, pos)
        assert found >= 0, f"{word!r} not in {text!r} after position {pos}"
        pos = found


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case) -> None:
    result = _run(case)
    assert [(st.operation, st.region, dict(st.request)) for st in result.steps] == case.steps
    assert result.waiting == case.waiting
    assert [(b.reason, b.field) for b in result.blocked] == case.blocked
    _in_order(" | ".join(result.descriptions()), case.says)
    _in_order(" | ".join(b.message for b in result.blocked), case.blocked_says)
    if case.drift is not None:
        assert [(d.field, d.desired, d.live) for d in result.drift] == case.drift


def test_rule_one_mutating_call_per_step_and_no_step_mixes_gsi_creates_and_deletes() -> None:
    """Across every case: at most one GSI Create/Delete and one replica action per UpdateTable, SSE alone,
    and a Create always carries the full AttributeDefinitions of the keys it uses."""
    for case in CASES:
        for st in _run(case).steps:
            req = st.request
            structural = [u for u in req.get("GlobalSecondaryIndexUpdates", []) if "Create" in u or "Delete" in u]
            assert len(structural) <= 1, case.id
            if structural:
                assert "ProvisionedThroughput" not in req and "BillingMode" not in req, case.id
            assert len(req.get("ReplicaUpdates", [])) <= 1, case.id
            if "SSESpecification" in req and st.operation == "UpdateTable":
                assert set(req) == {"TableName", "SSESpecification"}, case.id
            for update in structural:
                if "Create" in update:
                    defined = {d["AttributeName"] for d in req["AttributeDefinitions"]}
                    assert {k["AttributeName"] for k in update["Create"]["KeySchema"]} <= defined, case.id
            if req.get("BillingMode") == "PAY_PER_REQUEST":
                assert "ProvisionedThroughput" not in req and "GlobalSecondaryIndexUpdates" not in req, case.id


def test_rule_replicas_without_a_stream_only_the_first_replica_enables_it() -> None:
    (case,) = [c for c in CASES if c.id == "rule_replicas_without_a_stream_let_aws_enable_new_and_old_images"]
    first, second = _run(case).descriptions()
    assert "enables a NEW_AND_OLD_IMAGES stream" in first
    assert "stream" not in second


def test_rule_waiting_hides_the_steps_but_keeps_the_drift() -> None:
    result = plan(manifest(deletionProtection=True), live(status="UPDATING"), region=REGION, owner=OWNER)
    assert result.steps == []
    assert [(d.field, d.desired, d.live) for d in result.drift] == [("deletionProtection", "true", "false")]


def test_rule_table_renamed_is_replacement_not_a_second_table() -> None:
    m = manifest().model_copy(update={"status": {"tableName": "orders-old"}})
    result = plan(m, None, region=REGION, owner=OWNER)
    assert result.steps == []
    assert [(b.reason, b.field, b.stops_all) for b in result.blocked] == [("ReplacementRequired", "tableName", True)]


def test_rule_replacement_required_lets_the_other_steps_go_ahead() -> None:
    result = plan(
        manifest(
            hashKey="pk",
            attributes=attrs(pk="S", st="S"),
            tags={"a": "b"},
            deletionProtection=True,
            globalSecondaryIndexes=[{"name": "ByStatus", "hashKey": "st"}],
        ),
        live(),
        region=REGION,
        owner=OWNER,
    )
    assert [(b.reason, b.field, b.stops_all) for b in result.blocked] == [("ReplacementRequired", "hashKey", False)]
    assert [s.operation for s in result.steps] == ["TagResource", "UpdateTable", "UpdateTable"]
    create = result.steps[-1].request
    # the new GSI is defined on the live key schema: the live hash key keeps its definition, the blocked one is absent
    assert create["AttributeDefinitions"] == [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "st", "AttributeType": "S"},
    ]


def test_rule_key_type_change_keeps_the_live_type_in_attribute_definitions() -> None:
    result = plan(
        manifest(attributes=attrs(id="N", st="S"), globalSecondaryIndexes=[{"name": "ByStatus", "hashKey": "st"}]),
        live(),
        region=REGION,
        owner=OWNER,
    )
    assert [(b.reason, b.field) for b in result.blocked] == [("ReplacementRequired", "attributes[id].type")]
    (step,) = result.steps
    assert {"AttributeName": "id", "AttributeType": "S"} in step.request["AttributeDefinitions"]


def test_rule_drift_lists_field_desired_and_live() -> None:
    result = plan(
        manifest(pointInTimeRecovery={"enabled": True}, tags={"Env": "prod"}),
        live(pitr=ObservedPitr(False, None), tags={OWNER_TAG: OWNER, "Env": "dev"}),
        region=REGION,
        owner=OWNER,
    )
    assert [(d.field, d.desired, d.live) for d in result.drift] == [
        ("tags.Env", "prod", "dev"),
        ("pointInTimeRecovery.enabled", "true", "false"),
    ]


PROV = {"billingMode": "PROVISIONED", "readCapacity": 5, "writeCapacity": 5}
LIVE_PROV = {"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 5}
GSI_LIVE = {"attribute_types": {"id": "S", "cat": "S"}}
IGNORE_CASES: dict[str, tuple[dict[str, Any], ObservedTable]] = {
    "billingMode": ({}, live(**LIVE_PROV)),
    "readCapacity": (PROV, live(**{**LIVE_PROV, "read_capacity": 9})),
    "writeCapacity": (PROV, live(**{**LIVE_PROV, "write_capacity": 9})),
    "onDemandThroughput": ({"onDemandThroughput": {"maxReadRequestUnits": 10}}, live()),
    "warmThroughput": ({"warmThroughput": {"readUnitsPerSecond": 13000}}, live(warm=Warm(12000, 4000))),
    "globalSecondaryIndexes.readCapacity": (
        {**PROV, **GSI_SPEC, "globalSecondaryIndexes": [spec_gsi("ByCat", "cat", readCapacity=1, writeCapacity=1)]},
        live(**LIVE_PROV, **GSI_LIVE, gsis=(gsi("ByCat", "cat", read_capacity=2, write_capacity=1),)),
    ),
    "globalSecondaryIndexes.writeCapacity": (
        {**PROV, **GSI_SPEC, "globalSecondaryIndexes": [spec_gsi("ByCat", "cat", readCapacity=1, writeCapacity=1)]},
        live(**LIVE_PROV, **GSI_LIVE, gsis=(gsi("ByCat", "cat", read_capacity=1, write_capacity=2),)),
    ),
    "globalSecondaryIndexes.onDemandThroughput": (
        {
            **GSI_SPEC,
            "globalSecondaryIndexes": [spec_gsi("ByCat", "cat", onDemandThroughput={"maxReadRequestUnits": 9})],
        },
        live(**GSI_LIVE, gsis=(gsi("ByCat", "cat"),)),
    ),
    "globalSecondaryIndexes.warmThroughput": (
        {
            **GSI_SPEC,
            "globalSecondaryIndexes": [spec_gsi("ByCat", "cat", warmThroughput={"readUnitsPerSecond": 13000})],
        },
        live(**GSI_LIVE, gsis=(gsi("ByCat", "cat", warm=Warm(12000, 4000)),)),
    ),
    "stream": ({"stream": {"enabled": True, "viewType": "KEYS_ONLY"}}, live()),
    "pointInTimeRecovery": ({"pointInTimeRecovery": {"enabled": True}}, live(pitr=ObservedPitr(False, None))),
    "serverSideEncryption": ({"serverSideEncryption": {"enabled": True}}, live()),
    "ttl": ({"ttl": {"enabled": True, "attributeName": "exp"}}, live(ttl=ObservedTtl(False, None, "DISABLED"))),
    "tableClass": ({"tableClass": "STANDARD_INFREQUENT_ACCESS"}, live()),
    "deletionProtection": ({"deletionProtection": True}, live()),
    "replicas": (
        {"stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"}, "replicas": []},
        live(
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            replicas=(ObservedReplica("us-west-2", "ACTIVE"),),
        ),
    ),
    "tags": ({"tags": {"a": "b"}}, live()),
}


def test_ignore_cases_cover_every_ignorable_path() -> None:
    from dynamotable.api.spec import IGNORABLE_PATHS

    assert set(IGNORE_CASES) == set(IGNORABLE_PATHS)


@pytest.mark.parametrize("path", sorted(IGNORE_CASES))
def test_rule_ignore_changes_per_path(path: str) -> None:
    spec, observed = IGNORE_CASES[path]
    managed = plan(manifest(**spec), observed, region=REGION, owner=OWNER)
    assert len(managed.steps) == 1 and managed.drift, path
    ignored = plan(manifest(**spec, ignoreChanges=[path]), observed, region=REGION, owner=OWNER)
    assert (ignored.steps, ignored.drift, ignored.blocked) == ([], [], [])


# ------------------------------------------------------------------------------------- deletion rules


@dataclass
class DeleteCase:
    id: str
    spec: dict[str, Any]
    live: ObservedTable | None
    steps: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    waiting: bool = False
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (reason, field)
    kept: str | None = None  # words of the "left in place" reason


WEST = ObservedReplica(region="us-west-2", status="ACTIVE", arn="arn:aws:dynamodb:us-west-2:1:table/orders")
EU = ObservedReplica(region="eu-west-1", status="ACTIVE", arn="arn:aws:dynamodb:eu-west-1:1:table/orders")
UNTAG = ("UntagResource", REGION, {"ResourceArn": ARN, "TagKeys": [OWNER_TAG]})
DELETE_TABLE = ("DeleteTable", REGION, {"TableName": "orders"})


def _replica_delete(region: str) -> tuple[str, str, dict[str, Any]]:
    return upd(ReplicaUpdates=[{"Delete": {"RegionName": region}}])


DELETE_CASES: list[DeleteCase] = [
    DeleteCase("rule_delete_retain_removes_only_the_owner_tag", {"deletionPolicy": "Retain"}, live(), [UNTAG]),
    DeleteCase(
        "rule_delete_retain_of_a_table_without_our_tag_sends_nothing",
        {"deletionPolicy": "Retain"},
        live(tags={}),
        kept="retained",
    ),
    DeleteCase("rule_delete_deletes_the_table", {"deletionPolicy": "Delete"}, live(), [DELETE_TABLE]),
    DeleteCase(
        "rule_delete_plan_mode_leaves_the_table",
        {"deletionPolicy": "Delete", "managementPolicy": "Plan"},
        live(),
        kept="managementPolicy is Plan",
    ),
    DeleteCase(
        "rule_delete_blocked_by_live_table_protection",
        {"deletionPolicy": "Delete"},
        live(deletion_protection=True),
        blocked=[("DeletionBlocked", "deletionProtection")],
    ),
    DeleteCase(
        "rule_delete_blocked_by_protection_in_the_spec",
        {"deletionPolicy": "Delete", "deletionProtection": True},
        live(),
        blocked=[("DeletionBlocked", "deletionProtection")],
    ),
    DeleteCase(
        "rule_delete_retain_is_not_blocked_by_protection",
        {"deletionPolicy": "Retain", "deletionProtection": True},
        live(deletion_protection=True),
        [UNTAG],
    ),
    DeleteCase(
        "rule_delete_replicas_one_per_call_before_the_table",
        {"deletionPolicy": "Delete"},
        live(replicas=(WEST, EU), stream_enabled=True, stream_view_type="KEYS_ONLY"),
        [_replica_delete("us-west-2"), _replica_delete("eu-west-1"), DELETE_TABLE],
    ),
    DeleteCase(
        "rule_delete_blocked_by_replica_protection_before_any_replica_goes",
        {"deletionPolicy": "Delete"},
        live(replicas=(WEST, replace(EU, deletion_protection=True))),
        blocked=[("DeletionBlocked", "replicas")],
    ),
    DeleteCase(
        "rule_delete_waits_while_a_replica_is_transitioning",
        {"deletionPolicy": "Delete"},
        live(replicas=(replace(WEST, status="DELETING"),)),
        waiting=True,
    ),
    DeleteCase(
        "rule_delete_waits_while_a_gsi_is_transitioning",
        {"deletionPolicy": "Delete"},
        live(gsis=(gsi("g", "id", status="CREATING"),)),
        waiting=True,
    ),
    DeleteCase("rule_delete_table_already_gone", {"deletionPolicy": "Delete"}, None, kept="does not exist"),
    DeleteCase(
        "rule_delete_table_already_deleting", {"deletionPolicy": "Delete"}, live(status="DELETING"), waiting=True
    ),
]


@pytest.mark.parametrize("case", DELETE_CASES, ids=[c.id for c in DELETE_CASES])
def test_delete_rule(case: DeleteCase) -> None:
    from dynamotable.engine.plan_delete import plan_delete

    result = plan_delete(manifest(**case.spec), case.live, region=REGION, owner=OWNER)
    assert [(s.operation, s.region, dict(s.request)) for s in result.steps] == case.steps
    assert bool(result.waiting) == case.waiting
    assert [(b.reason, b.field) for b in result.blocked] == case.blocked
    if case.kept is None:
        assert result.kept is None
    else:
        assert result.kept is not None and case.kept in result.kept
    if case.blocked:
        assert not result.steps and all(b.stops_all for b in result.blocked)


def test_rule_replicas_with_a_disabled_stream_are_validation_s_to_refuse() -> None:
    """The planner does not repeat validation's rules: replicas with stream.enabled false never reach it."""
    from dynamotable.api.validation import validate_manifest

    doc = _doc({"stream": {"enabled": False}, "replicas": [{"region": "us-west-2"}]})
    manifest, errors = validate_manifest(doc, default_region=REGION)
    assert manifest is None and any("stream" in str(e) for e in errors)
    with pytest.raises(AssertionError, match="validated spec"):
        plan(
            schema_manifest(stream={"enabled": False}, replicas=[{"region": "us-west-2"}]),
            live(),
            region=REGION,
            owner=OWNER,
        )
