"""Planning contributor insights [A20] and the Kinesis streaming destination [A21] (pure): steps, waiting,
drift, blocked, and the status.attached record."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner_support import OWNER, REGION, live

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import parse_manifest
from dynamotable.engine.model import (
    ObservedGsi,
    ObservedInsights,
    ObservedKinesisDestination,
    Step,
    destructive_reason,
)
from dynamotable.engine.plan import plan
from dynamotable.engine.plan_insights import normalize_insights
from dynamotable.engine.plan_kinesis import normalize_destinations

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/changes"
OTHER = "arn:aws:kinesis:us-east-1:123456789012:stream/changes-v2"


def manifest(attached: list[str] | None = None, **spec: Any) -> DynamoTable:
    base: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    if spec.get("globalSecondaryIndexes"):
        base["attributes"].append({"name": "cat", "type": "S"})
    base.update(spec)
    doc: dict[str, Any] = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "orders", "namespace": "shop"},
        "spec": base,
    }
    if attached is not None:
        doc["status"] = {"attached": attached}
    return parse_manifest(doc, default_region=REGION)


def by_cat(status: str = "ACTIVE") -> ObservedGsi:
    return ObservedGsi(
        name="ByCat",
        hash_keys=("cat",),
        range_keys=(),
        projection_type="ALL",
        non_key_attributes=frozenset(),
        status=status,
    )


GSI = {"name": "ByCat", "hashKey": "cat"}


def calls(steps: list[Step]) -> list[tuple[str, dict[str, Any]]]:
    return [(s.operation, dict(s.request)) for s in steps]


# ------------------------------------------------------------------------------ contributor insights


def test_a20_insights_enable_with_mode_and_drift() -> None:
    m = manifest(contributorInsights={"enabled": True, "mode": "THROTTLED_KEYS"})
    p = plan(m, live(insights=(ObservedInsights(None, "DISABLED"),)), region=REGION, owner=OWNER)
    assert calls(p.steps) == [
        (
            "UpdateContributorInsights",
            {"TableName": "orders", "ContributorInsightsAction": "ENABLE", "ContributorInsightsMode": "THROTTLED_KEYS"},
        )
    ]
    assert p.descriptions() == ["enable contributor insights of table orders (THROTTLED_KEYS)"]
    assert [(d.field, d.desired, d.live) for d in p.drift] == [("contributorInsights.enabled", "True", "disabled")]
    assert p.attached == ("contributorInsights:table",)


def test_a20_insights_in_sync_plans_nothing_and_mode_change_is_one_enable() -> None:
    want = manifest(contributorInsights={"enabled": True})
    enabled = live(insights=(ObservedInsights(None, "ENABLED", "THROTTLED_KEYS"),))
    assert plan(want, enabled, region=REGION, owner=OWNER).converged  # no mode in the spec: any mode is fine
    change = manifest(contributorInsights={"enabled": True, "mode": "ACCESSED_AND_THROTTLED_KEYS"})
    p = plan(change, enabled, region=REGION, owner=OWNER)
    assert p.descriptions() == [
        "change the contributor insights mode of table orders from THROTTLED_KEYS to ACCESSED_AND_THROTTLED_KEYS"
    ]
    assert [d.field for d in p.drift] == ["contributorInsights.mode"]


def test_a20_insights_in_transition_waits() -> None:
    m = manifest(contributorInsights={"enabled": True}, tags={"a": "b"})
    p = plan(m, live(insights=(ObservedInsights(None, "ENABLING"),)), region=REGION, owner=OWNER)
    assert p.waiting == ["contributor insights of table orders is ENABLING"]
    assert p.steps == []  # the tag change waits too


def test_a20_insights_failed_is_enabled_again_with_the_reason() -> None:
    failed = ObservedInsights(None, "FAILED", failure="LimitExceededException: rule limit reached")
    p = plan(manifest(contributorInsights={"enabled": True}), live(insights=(failed,)), region=REGION, owner=OWNER)
    assert calls(p.steps)[0][1]["ContributorInsightsAction"] == "ENABLE"
    assert "FAILED before: LimitExceededException: rule limit reached" in p.descriptions()[0]


def test_a20_insights_removed_from_spec_is_disabled_only_when_attached() -> None:
    on = live(insights=(ObservedInsights(None, "ENABLED", "ACCESSED_AND_THROTTLED_KEYS"),))
    never = plan(manifest(), on, region=REGION, owner=OWNER)
    assert never.steps == [] and never.attached == ()
    removed = plan(manifest(attached=["contributorInsights:table"]), on, region=REGION, owner=OWNER)
    assert removed.descriptions() == ["disable contributor insights of table orders (no longer in the spec)"]
    assert removed.attached == ("contributorInsights:table",)
    done = live(insights=(ObservedInsights(None, "DISABLED"),))
    assert plan(manifest(attached=["contributorInsights:table"]), done, region=REGION, owner=OWNER).attached == ()


def test_a20_insights_not_read_keeps_the_record_and_plans_nothing() -> None:
    p = plan(manifest(attached=["contributorInsights:table"]), live(), region=REGION, owner=OWNER)
    assert p.steps == [] and p.attached == ("contributorInsights:table",)


def test_a20_gsi_insights_wait_for_the_gsi_to_be_active() -> None:
    m = manifest(globalSecondaryIndexes=[{**GSI, "contributorInsights": {"enabled": True}}])
    creating = plan(m, live(gsis=(by_cat("CREATING"),), insights=()), region=REGION, owner=OWNER)
    assert not any(s.operation == "UpdateContributorInsights" for s in creating.steps)
    assert creating.attached == ("contributorInsights:index/ByCat",)
    active = plan(m, live(gsis=(by_cat(),), insights=()), region=REGION, owner=OWNER)
    assert calls(active.steps) == [
        (
            "UpdateContributorInsights",
            {"TableName": "orders", "IndexName": "ByCat", "ContributorInsightsAction": "ENABLE"},
        )
    ]


def test_a20_insights_listed_after_create_table() -> None:
    m = manifest(
        contributorInsights={"enabled": True},
        globalSecondaryIndexes=[{**GSI, "contributorInsights": {"enabled": True}}],
    )
    p = plan(m, None, region=REGION, owner=OWNER)
    assert [s.operation for s in p.steps] == ["CreateTable", "UpdateContributorInsights", "UpdateContributorInsights"]
    assert p.attached == ("contributorInsights:index/ByCat", "contributorInsights:table")


def test_a20_normalize_insights() -> None:
    raw = {"ContributorInsightsStatus": "FAILED", "FailureException": {"ExceptionName": "AccessDeniedException"}}
    assert normalize_insights(raw, "ByCat") == ObservedInsights("ByCat", "FAILED", None, "AccessDeniedException")
    assert normalize_insights({"ContributorInsightsStatus": "ENABLED"}, None).mode == "ACCESSED_AND_THROTTLED_KEYS"


# ------------------------------------------------------------------------------ Kinesis destination


def dest(arn: str = STREAM, status: str = "ACTIVE", precision: str = "MILLISECOND") -> ObservedKinesisDestination:
    return ObservedKinesisDestination(arn, status, precision)


def test_a21_destination_enable_with_precision() -> None:
    m = manifest(
        kinesisStreamingDestination={"streamArn": STREAM, "approximateCreationDateTimePrecision": "MICROSECOND"}
    )
    p = plan(m, live(kinesis=()), region=REGION, owner=OWNER)
    assert calls(p.steps) == [
        (
            "EnableKinesisStreamingDestination",
            {
                "TableName": "orders",
                "StreamArn": STREAM,
                "EnableKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": "MICROSECOND"},
            },
        )
    ]
    assert p.attached == (f"kinesisStreamingDestination:{STREAM}",)
    assert not p.steps[0].destructive


def test_a21_destination_precision_change_and_in_sync() -> None:
    m = manifest(
        kinesisStreamingDestination={"streamArn": STREAM, "approximateCreationDateTimePrecision": "MICROSECOND"}
    )
    p = plan(m, live(kinesis=(dest(),)), region=REGION, owner=OWNER)
    assert [s.operation for s in p.steps] == ["UpdateKinesisStreamingDestination"]
    assert [(d.field, d.desired, d.live) for d in p.drift] == [
        ("kinesisStreamingDestination.approximateCreationDateTimePrecision", "MICROSECOND", "MILLISECOND")
    ]
    assert plan(m, live(kinesis=(dest(precision="MICROSECOND"),)), region=REGION, owner=OWNER).converged
    unset = manifest(kinesisStreamingDestination={"streamArn": STREAM})
    assert plan(unset, live(kinesis=(dest(precision="MICROSECOND"),)), region=REGION, owner=OWNER).converged


def test_a21_destination_transitions_wait() -> None:
    m = manifest(kinesisStreamingDestination={"streamArn": STREAM})
    for status in ("ENABLING", "UPDATING", "DISABLING"):
        p = plan(m, live(kinesis=(dest(status=status),)), region=REGION, owner=OWNER)
        assert p.waiting == [f"Kinesis streaming destination changes of table orders is {status}"]


def test_a21_destination_enable_failed_is_blocked_with_aws_description() -> None:
    failed = replace(dest(status="ENABLE_FAILED"), status_description="Stream is not accessible")
    p = plan(
        manifest(kinesisStreamingDestination={"streamArn": STREAM}), live(kinesis=(failed,)), region=REGION, owner=OWNER
    )
    assert p.steps == []
    (blocked,) = p.blocked
    assert blocked.field == "kinesisStreamingDestination.streamArn"
    assert "Stream is not accessible" in blocked.message


def test_a21_destination_moved_disables_the_old_one_first() -> None:
    m = manifest(attached=[f"kinesisStreamingDestination:{STREAM}"], kinesisStreamingDestination={"streamArn": OTHER})
    p = plan(m, live(kinesis=(dest(),)), region=REGION, owner=OWNER)
    assert calls(p.steps) == [("DisableKinesisStreamingDestination", {"TableName": "orders", "StreamArn": STREAM})]
    assert p.steps[0].destructive
    assert p.attached == tuple(
        sorted([f"kinesisStreamingDestination:{STREAM}", f"kinesisStreamingDestination:{OTHER}"])
    )
    after = plan(m, live(kinesis=(dest(status="DISABLED"),)), region=REGION, owner=OWNER)
    assert [s.operation for s in after.steps] == ["EnableKinesisStreamingDestination"]
    assert after.attached == (f"kinesisStreamingDestination:{OTHER}",)


def test_a21_destination_never_attached_is_never_touched() -> None:
    p = plan(manifest(), live(kinesis=(dest(),)), region=REGION, owner=OWNER)
    assert p.steps == [] and p.attached == ()


def test_a21_disable_is_destructive() -> None:
    reason = destructive_reason("DisableKinesisStreamingDestination", {"TableName": "orders", "StreamArn": STREAM})
    assert reason is not None and "stops streaming the changes of table orders" in reason


def test_a21_normalize_destinations_defaults_precision() -> None:
    raw = {"KinesisDataStreamDestinations": [{"StreamArn": STREAM, "DestinationStatus": "ACTIVE"}]}
    assert normalize_destinations(raw) == (dest(),)
