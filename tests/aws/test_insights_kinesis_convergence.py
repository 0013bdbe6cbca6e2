"""Contributor insights [A20] and the Kinesis streaming destination [A21] converge through the engine on the
embedded endpoint: add, change, remove (through status.attached) and drift, clean and with faults injected; the
AWS side is checked with boto3 (describe_contributor_insights, describe_kinesis_streaming_destination)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from surface_support import Passes, aws_client, endpoint_without_aws_env, fresh_endpoint

from dynamotable.api.spec import DynamoTable
from dynamotable.engine import observe_insights
from dynamotable.engine.reconcile import Outcome, Timing
from dynamotable.local import Faults, Latency, LocalEndpoint, Rules

TIMING = replace(Timing.fast(), drift=0.0)  # no reading is reused: drift made out of band shows at once
LATENCY = Latency(create=0.05, update=0.05, gsi_create=0.05, insights=0.05, kinesis=0.05)
FAULTS = Faults(throttle=0.1, server_error=0.03, drop_connection=0.02, seed=11)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    # Timing.fast() polls every 20 ms, 250 times the default's 5 s: at AWS's 5 DescribeContributorInsights a
    # second [A20] (tested in test_local_insights_kinesis.py) the second read of a pass would always be throttled.
    with endpoint_without_aws_env(LATENCY, Rules(insights_rps=0)) as ep:
        yield ep


def _client(endpoint: LocalEndpoint, service: str) -> Any:
    return aws_client(endpoint, service)


@dataclass
class Run(Passes):
    faults: bool = False

    def converge(self, spec: dict[str, Any], timing: Timing = TIMING) -> Outcome:
        """Passes until Synced, each on the status the last one wrote (as the operator does)."""
        return self.until_done(lambda status: manifest(spec, status), timing)

    def ddb(self) -> Any:
        return _client(self.endpoint, "dynamodb")

    def insights(self, index: str | None = None) -> tuple[str, str | None]:
        request = {"TableName": "orders", **({"IndexName": index} if index else {})}
        live = self.ddb().describe_contributor_insights(**request)
        return live["ContributorInsightsStatus"], live.get("ContributorInsightsMode")

    def destinations(self) -> list[tuple[str, str, str]]:
        found = self.ddb().describe_kinesis_streaming_destination(TableName="orders")["KinesisDataStreamDestinations"]
        return sorted(
            (d["StreamArn"], d["DestinationStatus"], d["ApproximateCreationDateTimePrecision"]) for d in found
        )

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [r.payload for r in self.endpoint.requests() if r.operation == operation and r.status == 200]


def manifest(spec: dict[str, Any], status: dict[str, Any] | None) -> DynamoTable:
    attributes = [{"name": "id", "type": "S"}]
    if spec.get("globalSecondaryIndexes"):
        attributes.append({"name": "cat", "type": "S"})
    base: dict[str, Any] = {"hashKey": "id", "attributes": attributes}
    base.update(spec)
    body: dict[str, Any] = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop", "generation": 1},
        "spec": base,
    }
    if status is not None:
        body["status"] = status
    return DynamoTable.model_validate(body)


@pytest.fixture(params=["clean", "faults"])
def run(request: pytest.FixtureRequest, endpoint: LocalEndpoint) -> Iterator[Run]:
    faults = request.param == "faults"
    with fresh_endpoint(endpoint, FAULTS if faults else Faults()) as factory:
        yield Run(endpoint, factory, faults=faults)


def _stream(endpoint: LocalEndpoint, name: str) -> str:
    kinesis = _client(endpoint, "kinesis")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    arn: str = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    return arn


GSI = {"name": "ByCat", "hashKey": "cat"}


def test_a20_insights_add_change_remove(run: Run) -> None:
    run.converge({"globalSecondaryIndexes": [GSI]})
    out = run.converge(
        {
            "contributorInsights": {"enabled": True},
            "globalSecondaryIndexes": [{**GSI, "contributorInsights": {"enabled": True, "mode": "THROTTLED_KEYS"}}],
        }
    )
    assert run.insights() == ("ENABLED", "ACCESSED_AND_THROTTLED_KEYS")
    assert run.insights("ByCat") == ("ENABLED", "THROTTLED_KEYS")
    assert out.status.attached == ["contributorInsights:index/ByCat", "contributorInsights:table"]
    run.converge(
        {
            "contributorInsights": {"enabled": True, "mode": "THROTTLED_KEYS"},
            "globalSecondaryIndexes": [{**GSI, "contributorInsights": {"enabled": True, "mode": "THROTTLED_KEYS"}}],
        }
    )
    assert run.insights() == ("ENABLED", "THROTTLED_KEYS")
    # removed from the spec: recorded as attached, so disabled; then no longer recorded
    out = run.converge({"globalSecondaryIndexes": [GSI]})
    assert run.insights() == ("DISABLED", None)
    assert run.insights("ByCat") == ("DISABLED", None)
    assert not out.status.attached
    updates = run.calls("UpdateContributorInsights")
    assert [
        (u.get("IndexName"), u["ContributorInsightsAction"], u.get("ContributorInsightsMode")) for u in updates
    ] == [
        (None, "ENABLE", None),
        ("ByCat", "ENABLE", "THROTTLED_KEYS"),
        (None, "ENABLE", "THROTTLED_KEYS"),
        (None, "DISABLE", None),
        ("ByCat", "DISABLE", None),
    ]
    # converged: one more pass sends nothing, and it did read the insights
    run.endpoint.clear_requests()
    run.converge({"contributorInsights": {"enabled": False}, "globalSecondaryIndexes": [GSI]})
    assert not run.calls("UpdateContributorInsights")
    assert run.calls("DescribeContributorInsights")


def test_a20_insights_never_managed_are_never_read_or_touched(run: Run) -> None:
    run.converge({})
    run.ddb().update_contributor_insights(TableName="orders", ContributorInsightsAction="ENABLE")
    run.endpoint.clear_requests()
    run.converge({"deletionProtection": False})
    assert run.calls("DescribeTable")
    assert not [r for r in run.endpoint.requests() if "ContributorInsights" in r.operation]
    assert run.insights()[0] in ("ENABLING", "ENABLED")


def test_a20_insights_drift_is_corrected(run: Run) -> None:
    run.converge({"contributorInsights": {"enabled": True}})
    run.ddb().update_contributor_insights(TableName="orders", ContributorInsightsAction="DISABLE")
    out = run.converge({"contributorInsights": {"enabled": True}})
    assert run.insights()[0] == "ENABLED"
    assert [u["ContributorInsightsAction"] for u in run.calls("UpdateContributorInsights")] == [
        "ENABLE",
        "DISABLE",
        "ENABLE",
    ]
    assert out.done


def test_a20_a_converged_reading_is_reused_within_the_drift_interval(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    timing = replace(Timing.fast(), drift=300.0)
    now = [1000.0]
    monkeypatch.setattr(observe_insights, "clock", lambda: now[0])
    run.converge({"contributorInsights": {"enabled": True}}, timing)
    run.endpoint.clear_requests()
    run.converge({"contributorInsights": {"enabled": True}}, timing)
    assert run.calls("DescribeTable")
    assert not run.calls("DescribeContributorInsights")
    now[0] += 300.0
    run.converge({"contributorInsights": {"enabled": True}}, timing)
    assert len(run.calls("DescribeContributorInsights")) == 1


def test_a21_destination_add_change_precision_move_remove(run: Run) -> None:
    first, second = _stream(run.endpoint, "changes"), _stream(run.endpoint, "changes-v2")
    run.converge({})
    out = run.converge({"kinesisStreamingDestination": {"streamArn": first}})
    assert run.destinations() == [(first, "ACTIVE", "MILLISECOND")]
    assert out.status.attached == [f"kinesisStreamingDestination:{first}"]
    run.converge(
        {"kinesisStreamingDestination": {"streamArn": first, "approximateCreationDateTimePrecision": "MICROSECOND"}}
    )
    assert run.destinations() == [(first, "ACTIVE", "MICROSECOND")]
    # another stream: the old destination is disabled first, then the new one enabled
    out = run.converge({"kinesisStreamingDestination": {"streamArn": second}})
    assert run.destinations() == [(first, "DISABLED", "MICROSECOND"), (second, "ACTIVE", "MILLISECOND")]
    assert out.status.attached == [f"kinesisStreamingDestination:{second}"]
    out = run.converge({})
    assert run.destinations() == [(first, "DISABLED", "MICROSECOND"), (second, "DISABLED", "MILLISECOND")]
    assert not out.status.attached
    ops = [
        (r.operation, r.payload["StreamArn"])
        for r in run.endpoint.requests()
        if r.status == 200 and r.operation.endswith("KinesisStreamingDestination") and "Describe" not in r.operation
    ]
    assert ops == [
        ("EnableKinesisStreamingDestination", first),
        ("UpdateKinesisStreamingDestination", first),
        ("DisableKinesisStreamingDestination", first),
        ("EnableKinesisStreamingDestination", second),
        ("DisableKinesisStreamingDestination", second),
    ]


def test_a21_destination_drift_is_corrected(run: Run) -> None:
    arn = _stream(run.endpoint, "changes")
    run.converge({"kinesisStreamingDestination": {"streamArn": arn}})
    run.ddb().disable_kinesis_streaming_destination(TableName="orders", StreamArn=arn)
    out = run.converge({"kinesisStreamingDestination": {"streamArn": arn}})
    assert run.destinations() == [(arn, "ACTIVE", "MILLISECOND")]
    assert len(run.calls("EnableKinesisStreamingDestination")) == 2
    assert out.done


def test_a21_destination_created_with_the_table(run: Run) -> None:
    arn = _stream(run.endpoint, "changes")
    spec = {"contributorInsights": {"enabled": True}, "kinesisStreamingDestination": {"streamArn": arn}}
    run.converge(spec)
    assert run.destinations() == [(arn, "ACTIVE", "MILLISECOND")]
    assert run.insights()[0] == "ENABLED"
