"""reconcile() and delete() end to end against in-process moto, with AWS behaviour moto lacks (busy states,
error codes) injected through ClientFactory's hook point."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from dynamotable.api.spec import DynamoTable
from dynamotable.api.status import ConditionType
from dynamotable.api.validation import OWNER_TAG
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.model import is_mutating
from dynamotable.engine.reconcile import Outcome, Timing, delete, reconcile

REGION = "us-east-1"
OWNER = "shop/orders"
FAST = Timing.fast()


def manifest(**spec: Any) -> DynamoTable:
    base: dict[str, Any] = {
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}],
        "tags": {"Env": "prod"},
    }
    base.update(spec)
    return DynamoTable.model_validate(
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "metadata": {"name": "orders", "namespace": "shop", "generation": 1},
            "spec": base,
        }
    )


@pytest.fixture
def factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[ClientFactory]:
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield ClientFactory(max_attempts=1)


def mutations(factory: ClientFactory) -> dict[str, int]:
    return {op: n for op, n in factory.calls.items() if is_mutating(op)}


def with_status(m: DynamoTable, outcome: Outcome) -> DynamoTable:
    return m.model_copy(update={"status": outcome.status.model_dump(by_alias=True, exclude_none=True)})


def converge(m: DynamoTable, factory: ClientFactory, passes: int = 30) -> tuple[DynamoTable, list[Outcome]]:
    outcomes = []
    for _ in range(passes):
        out = reconcile(m, factory, region=REGION, timing=FAST)
        outcomes.append(out)
        m = with_status(m, out)
        if out.done or out.requeue_after is None:
            return m, outcomes
    raise AssertionError(f"not converged: {outcomes[-1].status.conditions}")


def ready(out: Outcome) -> tuple[str, str]:
    cond = next(c for c in out.status.conditions if c.type == ConditionType.READY)
    return cond.status.value, cond.reason.value


def inject(factory: ClientFactory, operation: str, code: str, message: str, times: int = 1) -> list[int]:
    """The next `times` calls of `operation` fail with `code` (botocore raises the modeled error)."""
    left = [times]

    def hook(model: Any, **_: Any) -> Any:
        if model.name != operation or left[0] <= 0:
            return None
        left[0] -= 1
        return AWSResponse("http://x", 400, {}, None), {"Error": {"Code": code, "Message": message}}

    factory.add_hook("before-call.dynamodb", hook)
    return left


def test_invalid_spec_makes_no_aws_call(factory: ClientFactory) -> None:
    out = reconcile(
        manifest(attributes=[{"name": "id", "type": "S"}, {"name": "x", "type": "S"}]), factory, region=REGION
    )
    assert ready(out) == ("False", "InvalidSpec")
    assert out.requeue_after is None
    assert "spec.attributes[1]" in out.status.conditions[0].message
    assert sum(factory.calls.values()) == 0
    assert [e.type for e in out.events] == ["Warning"]


def test_create_then_converge(factory: ClientFactory) -> None:
    m = manifest(ttl={"enabled": True, "attributeName": "exp"}, pointInTimeRecovery={"enabled": True})
    first = reconcile(m, factory, region=REGION, timing=FAST)
    assert first.executed is not None and first.executed.operation == "CreateTable"
    assert ready(first) == ("False", "Creating")
    assert first.status.table_arn and first.status.table_arn.endswith(":table/orders")
    assert first.status.plan == ["enable TTL on attribute exp", "enable point-in-time recovery (35 days)"]
    assert first.requeue_after == FAST.poll
    _, outcomes = converge(with_status(m, first), factory)
    last = outcomes[-1]
    assert last.done and ready(last) == ("True", "Synced")
    assert last.status.plan == [] and last.status.last_sync_time
    assert last.requeue_after == FAST.drift
    assert mutations(factory) == {"CreateTable": 1, "UpdateTimeToLive": 1, "UpdateContinuousBackups": 1}
    assert ("Normal", "Synced") in [(e.type, e.reason) for e in last.events]
    tags = factory.dynamodb(REGION).list_tags_of_resource(ResourceArn=last.status.table_arn)["Tags"]
    assert {"Key": OWNER_TAG, "Value": OWNER} in tags


def create_foreign(factory: ClientFactory, tags: list[dict[str, str]]) -> str:
    resp = factory.dynamodb(REGION).create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=tags,
    )
    factory.calls.clear()
    return str(resp["TableDescription"]["TableArn"])


def test_existing_untagged_table_needs_adoption(factory: ClientFactory) -> None:
    create_foreign(factory, [{"Key": "Env", "Value": "dev"}])
    out = reconcile(manifest(), factory, region=REGION, timing=FAST)
    assert ready(out) == ("False", "AdoptionRequired")
    assert out.requeue_after is None
    assert mutations(factory) == {}
    assert out.executed is None


def test_adopt_tags_the_table_first(factory: ClientFactory) -> None:
    arn = create_foreign(factory, [{"Key": "Env", "Value": "dev"}])
    first = reconcile(manifest(adopt=True), factory, region=REGION, timing=FAST)
    assert first.executed is not None
    assert first.executed.operation == "TagResource"
    assert {"Key": OWNER_TAG, "Value": OWNER} in first.executed.request["Tags"]
    assert first.requeue_after == 0.0  # tags do not make the table busy
    _, outcomes = converge(manifest(adopt=True), factory)
    assert outcomes[-1].done
    tags = {t["Key"]: t["Value"] for t in factory.dynamodb(REGION).list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags[OWNER_TAG] == OWNER and tags["Env"] == "prod"


def test_table_of_another_owner_is_never_touched(factory: ClientFactory) -> None:
    create_foreign(factory, [{"Key": OWNER_TAG, "Value": "other/orders"}])
    out = reconcile(manifest(adopt=True, deletionProtection=True), factory, region=REGION, timing=FAST)
    assert ready(out) == ("False", "OwnershipConflict")
    assert out.requeue_after is None
    assert "other/orders" in out.status.conditions[0].message
    assert mutations(factory) == {}
    gone = delete(manifest(deletionPolicy="Delete"), factory, region=REGION, timing=FAST)
    assert gone.done and mutations(factory) == {}


def test_plan_policy_never_mutates_and_publishes_the_plan(factory: ClientFactory) -> None:
    out = reconcile(manifest(managementPolicy="Plan"), factory, region=REGION, timing=FAST)
    assert ready(out) == ("False", "PlanOnly")
    assert out.status.plan == ["create table orders in us-east-1 (PAY_PER_REQUEST)"]
    create_foreign(factory, [{"Key": OWNER_TAG, "Value": OWNER}])
    out = reconcile(manifest(managementPolicy="Plan", deletionProtection=True), factory, region=REGION, timing=FAST)
    assert ready(out) == ("False", "PlanOnly")
    assert out.status.plan == ["tag the table: Env=prod", "turn deletion protection on"]
    assert out.requeue_after is None
    assert mutations(factory) == {}


def test_waits_without_mutating_while_the_table_is_busy(factory: ClientFactory) -> None:
    create_foreign(factory, [{"Key": OWNER_TAG, "Value": OWNER}])

    def busy(parsed: Any, model: Any, **_: Any) -> None:
        if model.name == "DescribeTable":
            parsed["Table"]["TableStatus"] = "UPDATING"

    factory.add_hook("after-call.dynamodb", busy)
    out = reconcile(manifest(deletionProtection=True), factory, region=REGION, timing=FAST)
    assert ready(out) == ("False", "Waiting")
    assert "table is UPDATING" in out.status.conditions[0].message
    assert out.requeue_after == FAST.poll
    assert mutations(factory) == {}
    assert [d.field for d in out.status.drift] == ["tags.Env", "deletionProtection"]


def test_poll_interval_grows_while_the_wait_lasts(factory: ClientFactory) -> None:
    create_foreign(factory, [{"Key": OWNER_TAG, "Value": OWNER}])
    factory.add_hook(
        "after-call.dynamodb.DescribeTable", lambda parsed, **_: parsed["Table"].update(TableStatus="UPDATING")
    )
    timing = Timing(poll=5, poll_max=20)
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    m = manifest()
    out = reconcile(m, factory, region=REGION, timing=timing, now=lambda: t0)
    assert out.requeue_after == 5
    later = reconcile(
        with_status(m, out), factory, region=REGION, timing=timing, now=lambda: t0 + timedelta(minutes=10)
    )
    assert later.requeue_after == 20


@pytest.mark.parametrize(
    ("code", "message", "reason", "requeue"),
    [
        ("ThrottlingException", "Rate exceeded", "Waiting", 2.0 * FAST.retry_scale),
        ("ResourceInUseException", "Table is being updated: orders", "Waiting", 5.0 * FAST.retry_scale),
        (
            "ValidationException",
            "Time to live has been modified multiple times within a fixed interval",
            "RateLimited",
            None,
        ),
        ("AccessDeniedException", "not authorized to perform dynamodb:UpdateTimeToLive", "AwsError", None),
    ],
)
def test_errors_of_a_step(factory: ClientFactory, code: str, message: str, reason: str, requeue: float | None) -> None:
    create_foreign(factory, [{"Key": OWNER_TAG, "Value": OWNER}, {"Key": "Env", "Value": "prod"}])
    inject(factory, "UpdateTimeToLive", code, message)
    out = reconcile(manifest(ttl={"enabled": True, "attributeName": "exp"}), factory, region=REGION, timing=FAST)
    assert ready(out) == ("False", reason)
    assert out.executed is None
    if reason == "RateLimited":
        assert out.requeue_after is not None and 3500 < out.requeue_after <= 3600
        assert "can go on at" in out.status.conditions[0].message
    elif reason == "AwsError":
        assert out.requeue_after is None
        assert f"{code}: {message}" in out.status.conditions[0].message
        assert [(e.type, e.reason) for e in out.events] == [("Warning", "AwsError")]
    else:
        assert out.requeue_after == pytest.approx(requeue)
        assert out.events == []


def test_create_table_that_already_exists_is_observed_again(factory: ClientFactory) -> None:
    inject(factory, "CreateTable", "ResourceInUseException", "Table already exists: orders")
    out = reconcile(manifest(), factory, region=REGION, timing=FAST)
    assert out.requeue_after == 0.0 and out.executed is None
    assert out.error is not None and type(out.error).__name__ == "AlreadyDone"


def test_not_found_right_after_create_is_not_read_as_gone(factory: ClientFactory) -> None:
    m = manifest()
    first = reconcile(m, factory, region=REGION, timing=FAST)
    assert first.executed is not None and first.executed.operation == "CreateTable"
    inject(factory, "DescribeTable", "ResourceNotFoundException", "Requested resource not found", times=2)
    _, outcomes = converge(m, factory)  # the runner passes the same manifest, without status
    assert outcomes[-1].done
    assert factory.calls["CreateTable"] == 1


def test_describe_access_denied_is_terminal(factory: ClientFactory) -> None:
    inject(factory, "DescribeTable", "AccessDeniedException", "no dynamodb:DescribeTable")
    out = reconcile(manifest(), factory, region=REGION, timing=FAST)
    assert ready(out) == ("False", "AwsError")
    assert out.requeue_after is None


def test_drift_is_detected_reported_and_corrected(factory: ClientFactory) -> None:
    m, outcomes = converge(manifest(deletionProtection=False), factory)
    arn = outcomes[-1].status.table_arn
    client = factory.dynamodb(REGION)
    client.update_table(TableName="orders", DeletionProtectionEnabled=True)
    client.untag_resource(ResourceArn=arn, TagKeys=["Env"])
    out = reconcile(m, factory, region=REGION, timing=FAST)
    assert ("Warning", "DriftDetected") in [(e.type, e.reason) for e in out.events]
    assert [(d.field, d.desired, d.live) for d in out.status.drift] == [
        ("tags.Env", "prod", "absent"),
        ("deletionProtection", "false", "true"),
    ]
    _, outcomes = converge(with_status(m, out), factory)
    assert outcomes[-1].done
    assert client.describe_table(TableName="orders")["Table"]["DeletionProtectionEnabled"] is False


def test_spec_change_is_not_reported_as_drift(factory: ClientFactory) -> None:
    m, _ = converge(manifest(), factory)
    changed = m.model_copy(update={"spec": m.spec.model_copy(update={"deletion_protection": True})})
    changed = changed.model_copy(update={"metadata": changed.metadata.model_copy(update={"generation": 2})})
    out = reconcile(changed, factory, region=REGION, timing=FAST)
    assert out.executed is not None
    assert "DriftDetected" not in [e.reason for e in out.events]


def test_delete_retain_releases_the_table(factory: ClientFactory) -> None:
    _, outcomes = converge(manifest(), factory)
    arn = outcomes[-1].status.table_arn
    out = delete(manifest(), factory, region=REGION, timing=FAST)
    assert out.done and out.executed is not None and out.executed.operation == "UntagResource"
    tags = factory.dynamodb(REGION).list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert OWNER_TAG not in {t["Key"] for t in tags}
    assert factory.calls["DeleteTable"] == 0


def test_delete_policy_delete_removes_the_table(factory: ClientFactory) -> None:
    m = manifest(deletionPolicy="Delete")
    converge(m, factory)
    out = delete(m, factory, region=REGION, timing=FAST)
    assert out.executed is not None and out.executed.operation == "DeleteTable" and not out.done
    out = delete(m, factory, region=REGION, timing=FAST)
    assert out.done


def test_a25_snapshot_a_backup_refused_for_good_deletes_nothing_and_says_why(factory: ClientFactory) -> None:
    m = manifest(deletionPolicy="Snapshot")
    m, _ = converge(m, factory)
    inject(factory, "CreateBackup", "AccessDeniedException", "not authorized to perform: dynamodb:CreateBackup", 2)
    for _ in range(2):
        out = delete(m, factory, region=REGION, timing=FAST)
        m = with_status(m, out)
        assert ready(out) == ("False", "AwsError") and not out.done and out.requeue_after is None
        condition = next(c for c in out.status.conditions if c.type == ConditionType.READY)
        assert "CreateBackup" in condition.message and "AccessDeniedException" in condition.message
    assert factory.calls["DeleteTable"] == 0 and out.status.final_backup is None
    assert factory.dynamodb(REGION).describe_table(TableName="orders")["Table"]["TableStatus"] == "ACTIVE"


@pytest.mark.parametrize("where", ["spec", "live"])
def test_delete_with_deletion_protection_is_blocked(factory: ClientFactory, where: str) -> None:
    m = manifest(deletionPolicy="Delete", deletionProtection=where == "spec")
    converge(m, factory)
    if where == "live":
        factory.dynamodb(REGION).update_table(TableName="orders", DeletionProtectionEnabled=True)
    before = mutations(factory)
    out = delete(m, factory, region=REGION, timing=FAST)
    assert ready(out) == ("False", "DeletionBlocked")
    assert not out.done and mutations(factory) == before


def test_delete_leaves_a_table_we_do_not_own(factory: ClientFactory) -> None:
    create_foreign(factory, [])
    out = delete(manifest(deletionPolicy="Delete", adopt=True), factory, region=REGION, timing=FAST)
    assert out.done and mutations(factory) == {}
    assert factory.dynamodb(REGION).describe_table(TableName="orders")["Table"]["TableName"] == "orders"


def test_delete_removes_replicas_one_by_one_first(factory: ClientFactory) -> None:
    m = manifest(deletionPolicy="Delete")
    converge(m, factory)

    def with_replicas(parsed: Any, model: Any, **_: Any) -> None:
        if model.name == "DescribeTable" and "Table" in parsed:
            parsed["Table"]["Replicas"] = [
                {"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"},
                {"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE"},
            ]

    factory.add_hook("after-call.dynamodb", with_replicas)
    out = delete(m, factory, region=REGION, timing=FAST)
    assert out.executed is not None
    assert out.executed.request == {"TableName": "orders", "ReplicaUpdates": [{"Delete": {"RegionName": "eu-west-1"}}]}


def test_transient_read_error_keeps_the_last_verdict(factory: ClientFactory) -> None:
    m, outcomes = converge(manifest(), factory)
    assert ready(outcomes[-1]) == ("True", "Synced")
    inject(factory, "DescribeTable", "ThrottlingException", "Rate exceeded")
    out = reconcile(m, factory, region=REGION, timing=FAST)
    assert ready(out) == ("True", "Synced")
    assert out.requeue_after == pytest.approx(2.0 * FAST.retry_scale)


def test_table_deleted_outside_the_operator_is_recreated_with_a_warning(factory: ClientFactory) -> None:
    m, _ = converge(manifest(), factory)
    factory.dynamodb(REGION).delete_table(TableName="orders")
    fresh = ClientFactory(max_attempts=1)  # another process: it did not create the table itself
    out = reconcile(m, fresh, region=REGION, timing=Timing.fast())
    assert out.executed is not None and out.executed.operation == "CreateTable"
    assert ("Warning", "TableMissing") in [(e.type, e.reason) for e in out.events]


def test_plan_shown_in_status_is_kept_while_waiting(factory: ClientFactory) -> None:
    create_foreign(factory, [{"Key": OWNER_TAG, "Value": OWNER}, {"Key": "Env", "Value": "prod"}])
    m = manifest(deletionProtection=True, tableClass="STANDARD_INFREQUENT_ACCESS")
    first = reconcile(m, factory, region=REGION, timing=FAST)
    assert first.executed is not None
    assert [p.split(" (")[0] for p in first.status.plan] == [
        "change table class from STANDARD to STANDARD_INFREQUENT_ACCESS"
    ]
    factory.add_hook(
        "after-call.dynamodb.DescribeTable", lambda parsed, **_: parsed["Table"].update(TableStatus="UPDATING")
    )
    waiting = reconcile(with_status(m, first), factory, region=REGION, timing=FAST)
    assert ready(waiting) == ("False", "Waiting")
    assert waiting.status.plan == first.status.plan


def test_creating_table_whose_tags_are_not_listed_yet_is_waited_on(factory: ClientFactory) -> None:
    create_foreign(factory, [])

    def creating(parsed: Any, model: Any, **_: Any) -> None:
        if model.name == "DescribeTable":
            parsed["Table"]["TableStatus"] = "CREATING"

    factory.add_hook("after-call.dynamodb", creating)
    out = reconcile(manifest(), factory, region=REGION, timing=FAST)  # created by "someone", not this factory
    assert ready(out) == ("False", "Creating")
    assert out.requeue_after == FAST.poll


def test_every_call_the_observers_make_is_a_read() -> None:
    """The read-only passes (`plan`, apply's verification) refuse mutating calls: each operation the observe modules
    make must count as a read (GetResourcePolicy once did not, and `plan` of a table with a policy failed)."""
    from dynamotable.commands.engine_operations import scan

    observed = {f.action.split(":", 1)[1] for f in scan() if f.module.startswith("dynamotable.engine.observe")}
    assert {"DescribeTable", "GetResourcePolicy", "DescribeAlarms", "DescribeScalableTargets"} <= observed
    assert [op for op in sorted(observed) if is_mutating(op)] == []
