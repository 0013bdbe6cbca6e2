"""Timestamps in AWS's formats: stream labels `2026-12-01T08:35:42.690` (UTC, milliseconds, no zone) at the end of
every stream ARN, and epoch seconds with at most millisecond decimals in the JSON. Dates follow the endpoint's
clock from its `epoch`, so they are exact here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.local import LocalEndpoint

EPOCH = datetime(2026, 12, 1, 8, 35, 42, 690000, tzinfo=UTC).timestamp()
LABEL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$")  # the provider's streamLabelRegex, anchored
# a JSON number of epoch seconds: digits, then at most three decimals
EPOCH_NUMBER = re.compile(r"^\d{10}(\.\d{1,3})?$")
CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def endpoint(clock: Clock) -> Iterator[LocalEndpoint]:
    with LocalEndpoint(clock=clock, epoch=EPOCH) as ep:
        yield ep


@pytest.fixture
def fresh(endpoint: LocalEndpoint, clock: Clock) -> LocalEndpoint:
    endpoint.reset()
    clock.now = 50.0
    return endpoint


class Raw:
    """Keeps the raw JSON body of every answer, to check numbers as AWS writes them (not as botocore parses them)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, http_response: Any, **kwargs: Any) -> None:
        self.bodies.append(json.loads(http_response.text or "{}", parse_float=str, parse_int=str))


def client(endpoint: LocalEndpoint, service: str = "dynamodb", region: str = "us-east-1") -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=CONFIG,
    )


def create(ddb: Any, name: str, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        **extra,
    }
    description: dict[str, Any] = ddb.create_table(**spec)["TableDescription"]
    return description


def stream(view: str = "KEYS_ONLY") -> dict[str, Any]:
    return {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": view}}


def test_stream_label_is_the_creation_time_in_milliseconds_and_ends_every_stream_arn(fresh: LocalEndpoint) -> None:
    ddb, streams = client(fresh), client(fresh, "dynamodbstreams")
    created = create(ddb, "orders", **stream())
    label = created["LatestStreamLabel"]
    assert label == "2026-12-01T08:35:42.690"
    assert LABEL.match(label)
    assert created["LatestStreamArn"] == f"{created['TableArn']}/stream/{label}"
    assert ddb.describe_table(TableName="orders")["Table"]["LatestStreamLabel"] == label
    assert created["CreationDateTime"] == datetime(2026, 12, 1, 8, 35, 42, 690000, tzinfo=UTC)
    described = streams.describe_stream(StreamArn=created["LatestStreamArn"])["StreamDescription"]
    assert (described["StreamArn"], described["StreamLabel"]) == (created["LatestStreamArn"], label)
    listed = streams.list_streams(TableName="orders")["Streams"]
    assert [(s["StreamArn"], s["StreamLabel"]) for s in listed] == [(created["LatestStreamArn"], label)]


def test_a_stream_enabled_later_is_labelled_when_it_was_enabled(fresh: LocalEndpoint, clock: Clock) -> None:
    ddb = client(fresh)
    create(ddb, "orders")
    clock.now += 3723.5  # 1 h 2 min 3.5 s later
    ddb.update_table(TableName="orders", **stream("NEW_IMAGE"))
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["LatestStreamLabel"] == "2026-12-01T09:37:46.190"
    assert table["LatestStreamArn"].endswith("/stream/2026-12-01T09:37:46.190")


def test_a_stream_enabled_again_in_the_same_millisecond_still_gets_a_new_later_label(fresh: LocalEndpoint) -> None:
    """[DG-STR, A7] every enable is a new stream with a new ARN; the clock does not move between the calls."""
    ddb = client(fresh)
    first = create(ddb, "orders", **stream())["LatestStreamLabel"]
    ddb.update_table(TableName="orders", StreamSpecification={"StreamEnabled": False})
    ddb.update_table(TableName="orders", **stream("NEW_AND_OLD_IMAGES"))
    second = ddb.describe_table(TableName="orders")["Table"]["LatestStreamLabel"]
    assert LABEL.match(second)
    assert second == "2026-12-01T08:35:42.691" and second > first


def test_replica_streams_have_their_own_arn_and_a_label_in_the_same_format(fresh: LocalEndpoint) -> None:
    east, west = client(fresh), client(fresh, region="us-west-2")
    create(east, "orders", **stream("NEW_IMAGE"))
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    replica = west.describe_table(TableName="orders")["Table"]
    assert LABEL.match(replica["LatestStreamLabel"])
    assert replica["LatestStreamArn"] == f"{replica['TableArn']}/stream/{replica['LatestStreamLabel']}"
    assert replica["LatestStreamArn"].startswith("arn:aws:dynamodb:us-west-2:")
    listed = client(fresh, "dynamodbstreams", "us-west-2").list_streams(TableName="orders")["Streams"]
    assert [s["StreamArn"] for s in listed] == [replica["LatestStreamArn"]]


def test_json_timestamps_are_epoch_seconds_with_at_most_milliseconds(fresh: LocalEndpoint, clock: Clock) -> None:
    ddb = client(fresh)
    raw = Raw()
    ddb.meta.events.register("after-call.dynamodb", raw)
    create(
        ddb,
        "orders",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
            }
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
    )
    clock.now += 0.1234567
    ddb.update_table(TableName="orders", ProvisionedThroughput={"ReadCapacityUnits": 4, "WriteCapacityUnits": 6})
    clock.now += 1.0000004
    index_update = {
        "Update": {"IndexName": "by-g", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 5}}
    }
    ddb.update_table(TableName="orders", GlobalSecondaryIndexUpdates=[index_update])
    clock.now += 2.5555555
    ddb.update_table(TableName="orders", BillingMode="PAY_PER_REQUEST")
    ddb.update_table(TableName="orders", TableClass="STANDARD_INFREQUENT_ACCESS")
    ddb.update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    ddb.describe_continuous_backups(TableName="orders")
    before = len(raw.bodies)
    ddb.describe_table(TableName="orders")
    table = raw.bodies[before]["Table"]

    stamps = {
        "CreationDateTime": table["CreationDateTime"],
        "LastUpdateToPayPerRequestDateTime": table["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"],
        "TableClassSummary.LastUpdateDateTime": table["TableClassSummary"]["LastUpdateDateTime"],
    }
    for body in raw.bodies:
        description = body.get("TableDescription") or body.get("Table") or {}
        for name, value in (description.get("ProvisionedThroughput") or {}).items():
            if name.endswith("DateTime"):
                stamps[f"ProvisionedThroughput.{name}"] = value
        for gsi in description.get("GlobalSecondaryIndexes") or []:
            for name, value in (gsi.get("ProvisionedThroughput") or {}).items():
                if name.endswith("DateTime"):
                    stamps[f"GSI.ProvisionedThroughput.{name}"] = value
        pitr = (body.get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
        for name in ("EarliestRestorableDateTime", "LatestRestorableDateTime"):
            if name in pitr:
                stamps[f"PITR.{name}"] = pitr[name]
    assert {
        "ProvisionedThroughput.LastDecreaseDateTime",
        "ProvisionedThroughput.LastIncreaseDateTime",
        "GSI.ProvisionedThroughput.LastDecreaseDateTime",
        "PITR.EarliestRestorableDateTime",
    } <= set(stamps)
    wrong = {name: value for name, value in stamps.items() if not EPOCH_NUMBER.match(str(value))}
    assert wrong == {}
    assert stamps["CreationDateTime"] == "1796114142.69"
    assert stamps["ProvisionedThroughput.LastDecreaseDateTime"] == "1796114142.813"  # 42.690 + 0.1234567
    assert stamps["LastUpdateToPayPerRequestDateTime"] == "1796114146.369"
