"""The local endpoint's contributor insights [A20] and Kinesis streaming destinations [A21]."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from dynamotable.local import Latency, LocalEndpoint, Rules

CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


def _kinesis(endpoint: LocalEndpoint, region: str = "us-east-1") -> Any:
    return boto3.client(
        "kinesis",
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        config=CONFIG,
    )


def _stream(endpoint: LocalEndpoint, name: str = "changes", region: str = "us-east-1") -> str:
    client = _kinesis(endpoint, region)
    client.create_stream(StreamName=name, ShardCount=1)
    arn: str = client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    return arn


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_a20_insights_enable_settles_after_latency(
    local_fresh: LocalEndpoint,
    local_ddb: Callable[..., Any],
    local_table: Callable[..., Any],
    local_clock: Any,
) -> None:
    local_fresh.set_latency(Latency(insights=5))
    local_table("orders", gsi="by-g")
    ddb = local_ddb()
    assert ddb.describe_contributor_insights(TableName="orders")["ContributorInsightsStatus"] == "DISABLED"
    answer = ddb.update_contributor_insights(TableName="orders", ContributorInsightsAction="ENABLE")
    assert answer["ContributorInsightsStatus"] == "ENABLING"
    assert ddb.describe_contributor_insights(TableName="orders")["ContributorInsightsStatus"] == "ENABLING"
    local_clock.advance(5)
    live = ddb.describe_contributor_insights(TableName="orders")
    assert live["ContributorInsightsStatus"] == "ENABLED"
    assert live["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    assert live["ContributorInsightsRuleList"]
    assert "LastUpdateDateTime" in live
    # the GSI is separate from the table, and takes a mode
    assert ddb.describe_contributor_insights(TableName="orders", IndexName="by-g")["ContributorInsightsStatus"] == (
        "DISABLED"
    )
    ddb.update_contributor_insights(
        TableName="orders",
        IndexName="by-g",
        ContributorInsightsAction="ENABLE",
        ContributorInsightsMode="THROTTLED_KEYS",
    )
    local_clock.advance(5)
    index = ddb.describe_contributor_insights(TableName="orders", IndexName="by-g")
    assert (index["ContributorInsightsStatus"], index["ContributorInsightsMode"]) == ("ENABLED", "THROTTLED_KEYS")
    ddb.update_contributor_insights(TableName="orders", ContributorInsightsAction="DISABLE")
    assert ddb.describe_contributor_insights(TableName="orders")["ContributorInsightsStatus"] == "DISABLING"
    local_clock.advance(5)
    assert ddb.describe_contributor_insights(TableName="orders")["ContributorInsightsStatus"] == "DISABLED"
    listed = ddb.list_contributor_insights(TableName="orders")["ContributorInsightsSummaries"]
    assert {(s.get("IndexName"), s["ContributorInsightsStatus"]) for s in listed} == {
        (None, "DISABLED"),
        ("by-g", "ENABLED"),
    }


def test_a20_insights_errors(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    ddb = local_ddb()
    with pytest.raises(ClientError) as missing:
        ddb.describe_contributor_insights(TableName="nope")
    assert _code(missing) == "ResourceNotFoundException"
    local_table("orders")
    with pytest.raises(ClientError) as no_index:
        ddb.update_contributor_insights(TableName="orders", IndexName="nope", ContributorInsightsAction="ENABLE")
    assert _code(no_index) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as bad_action:
        ddb.update_contributor_insights(TableName="orders", ContributorInsightsAction="TOGGLE")
    assert _code(bad_action) == "ValidationException"
    assert ddb.describe_contributor_insights(TableName="orders")["ContributorInsightsStatus"] == "DISABLED"


def test_a20_insights_api_rate_is_5_per_second(
    local_fresh: LocalEndpoint,
    local_ddb: Callable[..., Any],
    local_table: Callable[..., Any],
    local_clock: Any,
) -> None:
    local_table("orders")
    ddb = local_ddb()
    for _ in range(5):
        ddb.describe_contributor_insights(TableName="orders")
    with pytest.raises(ClientError) as throttled:
        ddb.describe_contributor_insights(TableName="orders")
    assert _code(throttled) == "ThrottlingException"
    # each API has its own budget: UpdateContributorInsights still goes through
    ddb.update_contributor_insights(TableName="orders", ContributorInsightsAction="ENABLE")
    local_clock.advance(1)
    assert ddb.describe_contributor_insights(TableName="orders")["ContributorInsightsStatus"] == "ENABLED"
    local_fresh.set_rules(Rules(insights_rps=0))
    for _ in range(20):
        ddb.describe_contributor_insights(TableName="orders")


def test_a21_destination_lifecycle(
    local_fresh: LocalEndpoint,
    local_ddb: Callable[..., Any],
    local_table: Callable[..., Any],
    local_clock: Any,
) -> None:
    local_fresh.set_latency(Latency(kinesis=3))
    local_table("orders")
    arn = _stream(local_fresh)
    ddb = local_ddb()
    assert ddb.describe_kinesis_streaming_destination(TableName="orders")["KinesisDataStreamDestinations"] == []
    answer = ddb.enable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    assert answer["DestinationStatus"] == "ENABLING"

    def live() -> list[tuple[str, str, str]]:
        found = ddb.describe_kinesis_streaming_destination(TableName="orders")["KinesisDataStreamDestinations"]
        return [(d["StreamArn"], d["DestinationStatus"], d["ApproximateCreationDateTimePrecision"]) for d in found]

    assert live() == [(arn, "ENABLING", "MILLISECOND")]
    with pytest.raises(ClientError) as busy:
        ddb.update_kinesis_streaming_destination(
            TableName="orders",
            StreamArn=arn,
            UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"},
        )
    assert _code(busy) == "ResourceInUseException"
    local_clock.advance(3)
    assert live() == [(arn, "ACTIVE", "MILLISECOND")]
    ddb.update_kinesis_streaming_destination(
        TableName="orders",
        StreamArn=arn,
        UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"},
    )
    assert live() == [(arn, "UPDATING", "MICROSECOND")]
    local_clock.advance(3)
    ddb.disable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    assert live() == [(arn, "DISABLING", "MICROSECOND")]
    local_clock.advance(3)
    assert live() == [(arn, "DISABLED", "MICROSECOND")]
    with pytest.raises(ClientError) as gone:
        ddb.disable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    assert _code(gone) == "ResourceNotFoundException"


def test_a21_destination_needs_an_existing_stream_of_the_region(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    ddb = local_ddb()
    missing = "arn:aws:kinesis:us-east-1:123456789012:stream/not-there"
    with pytest.raises(ClientError) as not_found:
        ddb.enable_kinesis_streaming_destination(TableName="orders", StreamArn=missing)
    assert _code(not_found) == "ResourceNotFoundException"
    elsewhere = _stream(local_fresh, "far", region="us-west-2")
    with pytest.raises(ClientError) as wrong_region:
        ddb.enable_kinesis_streaming_destination(TableName="orders", StreamArn=elsewhere)
    assert _code(wrong_region) == "ValidationException"
    arn = _stream(local_fresh)
    ddb.enable_kinesis_streaming_destination(
        TableName="orders",
        StreamArn=arn,
        EnableKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"},
    )
    with pytest.raises(ClientError) as twice:
        ddb.enable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    assert _code(twice) == "ResourceInUseException"
    found = ddb.describe_kinesis_streaming_destination(TableName="orders")["KinesisDataStreamDestinations"]
    assert [(d["DestinationStatus"], d["ApproximateCreationDateTimePrecision"]) for d in found] == [
        ("ACTIVE", "MICROSECOND")
    ]


def test_the_sandbox_rule_makes_a_missing_stream_of_the_table_s_region(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    """Rules.make_missing_streams (what `apply --local` runs with) makes a missing stream of the table's account and
    region; a stream of another region is still refused, and AWS's rule holds by default (test above)."""
    local_fresh.set_rules(Rules(make_missing_streams=True))
    local_table("orders")
    ddb = local_ddb()
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/made-here"
    ddb.enable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    summary = _kinesis(local_fresh).describe_stream_summary(StreamName="made-here")["StreamDescriptionSummary"]
    assert summary["StreamARN"] == arn and summary["StreamStatus"] == "ACTIVE"
    with pytest.raises(ClientError) as wrong_region:
        ddb.enable_kinesis_streaming_destination(
            TableName="orders", StreamArn="arn:aws:kinesis:us-west-2:123456789012:stream/far"
        )
    assert _code(wrong_region) == "ValidationException"


def test_a21_a_deleted_table_drops_its_destinations_and_insights(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    arn = _stream(local_fresh)
    ddb = local_ddb()
    ddb.enable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    ddb.update_contributor_insights(TableName="orders", ContributorInsightsAction="ENABLE")
    assert ddb.describe_kinesis_streaming_destination(TableName="orders")["KinesisDataStreamDestinations"]
    ddb.delete_table(TableName="orders")
    with pytest.raises(ClientError) as deleted:  # over by the next request (no latency)
        ddb.describe_table(TableName="orders")
    assert _code(deleted) == "ResourceNotFoundException"
    local_table("orders")
    assert ddb.describe_kinesis_streaming_destination(TableName="orders")["KinesisDataStreamDestinations"] == []
    assert ddb.describe_contributor_insights(TableName="orders")["ContributorInsightsStatus"] == "DISABLED"
