"""`dynamotable apply` keeps below AWS's control-plane limits [A18] by design: with the endpoint enforcing
small limits, a run paced below them never gets LimitExceeded or ThrottlingException; one paced above gets
them (the endpoint's refusals are real) and still converges."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from dynamotable.api.spec import DynamoTable
from dynamotable.api.status import ConditionType
from dynamotable.api.validation import parse_manifest
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.aws.limits import ControlPlaneLimits
from dynamotable.cli import main
from dynamotable.engine.reconcile import Outcome, Timing, delete, reconcile
from dynamotable.local import Latency, LocalEndpoint, Rules

TABLES = 8
TABLE = """\
apiVersion: dynamotable.io/v1alpha1
kind: DynamoTable
metadata: {{name: t{i:02d}, namespace: pacing}}
spec:
  tableName: pacing-{i:02d}
  region: us-east-1
  hashKey: id
  attributes: [{{name: id, type: S}}, {{name: s, type: S}}]
  globalSecondaryIndexes: [{{name: ByS, hashKey: s, projectionType: KEYS_ONLY}}]
---
"""
REFUSALS = {"LimitExceededException", "ThrottlingException"}


@pytest.fixture
def endpoint() -> Iterator[LocalEndpoint]:
    # creates last a second: long enough that the 8 of an unpaced run overlap even on a loaded machine
    with LocalEndpoint(latency=Latency(create=1.0, gsi_create=1.0, update=0.2)) as ep:
        ep.set_rules(Rules(table_operations=4, indexed_creates=2, control_plane_rps=60, ttl_change_window=0))
        yield ep


def _apply(endpoint: LocalEndpoint, path: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [
            "apply",
            "-f",
            str(path),
            "--endpoint-url",
            endpoint.url,
            "--auto-approve",
            "--progress-interval",
            "0.2",
            *options,
        ],
    )
    return result.exit_code, result.output


def _manifests(tmp_path: Path) -> Path:
    path = tmp_path / "tables.yaml"
    path.write_text("".join(TABLE.format(i=i) for i in range(TABLES)))
    return path


def test_a18_apply_paced_below_the_limits_is_never_refused(endpoint: LocalEndpoint, tmp_path: Path) -> None:
    code, output = _apply(
        endpoint, _manifests(tmp_path), "--max-table-operations", "4", "--max-requests-per-second", "55"
    )
    assert code == 0, output
    # 8 creates with indexes, 2 at a time (half the cap): the others said what they waited for
    assert "waiting for a free table-operation slot in us-east-1" in output
    requests = endpoint.requests()
    assert sum(r.operation == "CreateTable" and r.ok for r in requests) == TABLES
    assert [r.error_code for r in requests if r.error_code in REFUSALS] == []


def test_a18_apply_paced_above_the_limits_is_refused_and_still_converges(
    endpoint: LocalEndpoint, tmp_path: Path
) -> None:
    code, output = _apply(
        endpoint, _manifests(tmp_path), "--max-table-operations", "8", "--max-requests-per-second", "500"
    )
    assert code == 0, output
    requests = endpoint.requests()
    assert sum(r.operation == "CreateTable" and r.ok for r in requests) == TABLES
    assert {r.error_code for r in requests} & REFUSALS, "the endpoint's limits did not bite: this test proves nothing"


def test_a18_a_table_let_go_mid_operation_frees_its_slot(endpoint: LocalEndpoint) -> None:
    """A DynamoTable deleted (Retain) before any pass saw its new table settle gives the slot back: nobody looks
    after the table any more, so it must not hold one of the cap's slots until the hour's expiry."""
    endpoint.set_latency(Latency())  # ACTIVE at once: the Retain pass can untag it right away
    doc = yaml.safe_load(TABLE.format(i=99).split("---")[0])
    doc["spec"]["deletionPolicy"] = "Retain"
    manifest = parse_manifest(doc)
    factory = ClientFactory(endpoint_url=endpoint.url, credentials=Credentials("t", "t"), max_attempts=0)
    created = reconcile(manifest, factory, region="us-east-1", timing=Timing.fast())
    assert created.executed is not None and created.executed.operation == "CreateTable"
    slots = factory.table_operations("us-east-1")
    assert slots.in_flight() == 1
    gone = delete(manifest, factory, region="us-east-1", timing=Timing.fast())
    assert gone.done
    assert slots.in_flight() == 0


def _reason(out: Outcome) -> str:
    return next(c.reason for c in out.status.conditions if c.type == ConditionType.READY)


def _second_refused_a_slot(
    endpoint: LocalEndpoint, first: DynamoTable, second: DynamoTable
) -> tuple[ClientFactory, Outcome]:
    """A process capped at one table operation creates `first`; `second`'s create is refused a slot."""
    factory = ClientFactory(
        endpoint_url=endpoint.url,
        credentials=Credentials("t", "t"),
        max_attempts=0,
        limits=ControlPlaneLimits(table_operations=1),
    )
    assert reconcile(first, factory, region="us-east-1", timing=Timing.fast()).executed is not None
    return factory, reconcile(second, factory, region="us-east-1", timing=Timing.fast())


def test_a18_a_pass_still_waiting_for_a_slot_makes_no_aws_call(endpoint: LocalEndpoint) -> None:
    """Tables queued for a table-operation slot retry without observing while the cap is still full: 1,000
    queued tables would otherwise cost 1,000 DescribeTables per retry round, for nothing."""
    first, second = (parse_manifest(yaml.safe_load(TABLE.format(i=i).split("---")[0])) for i in (1, 2))
    factory, refused = _second_refused_a_slot(endpoint, first, second)
    assert _reason(refused) == "RateLimited" and refused.executed is None
    assert refused.slot_region == "us-east-1"  # the caller (the operator) may queue for a slot there
    waiting = second.model_copy(update={"status": refused.status.model_dump(by_alias=True, exclude_none=True)})
    sent = len(endpoint.requests())
    again = reconcile(waiting, factory, region="us-east-1", timing=Timing.fast())
    assert _reason(again) == "RateLimited" and again.requeue_after is not None and again.slot_region == "us-east-1"
    assert endpoint.requests()[sent:] == [], "a retry while the cap is full observed the table anyway"
    factory.table_operations("us-east-1").settled("pacing-01")  # the first table settled: its slot is free
    went = reconcile(waiting, factory, region="us-east-1", timing=Timing.fast())
    assert went.executed is not None and went.executed.operation == "CreateTable"


def test_a18_an_edited_spec_waiting_for_a_slot_is_planned_anew(endpoint: LocalEndpoint) -> None:
    """The no-observation shortcut holds only for the generation that was refused: an edit is observed and
    planned again (it may no longer need a table operation at all)."""
    docs = [yaml.safe_load(TABLE.format(i=i).split("---")[0]) for i in (3, 4)]
    for doc in docs:
        doc["metadata"]["generation"] = 1
    first, second = (parse_manifest(doc) for doc in docs)
    factory, refused = _second_refused_a_slot(endpoint, first, second)
    assert _reason(refused) == "RateLimited"
    edited = docs[1] | {"status": refused.status.model_dump(by_alias=True, exclude_none=True)}
    edited["metadata"] = edited["metadata"] | {"generation": 2}
    sent = len(endpoint.requests())
    again = reconcile(parse_manifest(edited), factory, region="us-east-1", timing=Timing.fast())
    assert _reason(again) == "RateLimited"
    assert "DescribeTable" in [r.operation for r in endpoint.requests()[sent:]], "the edit was not observed"


def test_a11_polls_of_a_table_this_process_is_creating_do_not_list_its_tags(endpoint: LocalEndpoint) -> None:
    """While the table it just created is CREATING, a pass costs one DescribeTable: the tags are CreateTable's
    own, and a listing is not trusted before ACTIVE anyway. The pass that sees the very table it created (its
    TableId) ACTIVE takes CreateTable's tags as well; every later pass reads ownership from the listed tags."""
    manifest = parse_manifest(yaml.safe_load(TABLE.format(i=7).split("---")[0]))
    factory = ClientFactory(endpoint_url=endpoint.url, credentials=Credentials("t", "t"), max_attempts=0)
    assert reconcile(manifest, factory, region="us-east-1", timing=Timing.fast()).executed is not None
    operations: list[list[str]] = []
    for _ in range(100):
        sent = len(endpoint.requests())
        out = reconcile(manifest, factory, region="us-east-1", timing=Timing.fast())
        operations.append([r.operation for r in endpoint.requests()[sent:]])
        if _reason(out) == "Synced":
            break
        assert _reason(out) == "Creating", out.status
        time.sleep(0.05)
    assert len(operations) > 2, "the table was never seen CREATING: this test proves nothing"
    assert all(ops == ["DescribeTable"] for ops in operations), operations
    sent = len(endpoint.requests())
    assert _reason(reconcile(manifest, factory, region="us-east-1", timing=Timing.fast())) == "Synced"
    assert [r.operation for r in endpoint.requests()[sent:]][:2] == ["DescribeTable", "ListTagsOfResource"]


def test_a11_a_table_made_again_under_the_name_after_our_create_has_its_tags_listed(
    local_fresh: LocalEndpoint, local_ddb: Any, local_clock: Any
) -> None:
    """CreateTable's tags stand for a table's only while it is the table created (same TableId): one deleted and
    created again by someone else under the name has its own tags read."""
    local_fresh.set_latency(Latency(create=1.0, delete=1.0))
    manifest = parse_manifest(yaml.safe_load(TABLE.format(i=8).split("---")[0]))
    factory = ClientFactory(endpoint_url=local_fresh.url, credentials=Credentials("t", "t"), max_attempts=0)
    assert reconcile(manifest, factory, region="us-east-1", timing=Timing.fast()).executed is not None
    client, name = local_ddb(), manifest.table_name
    local_clock.advance(2)
    client.delete_table(TableName=name)
    local_clock.advance(2)
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "team", "Value": "someone-else"}],
    )
    local_clock.advance(2)
    assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    sent = len(local_fresh.requests())
    out = reconcile(manifest, factory, region="us-east-1", timing=Timing.fast())
    assert "ListTagsOfResource" in [r.operation for r in local_fresh.requests()[sent:]]
    # the live tags, not CreateTable's, were planned against: the other party's tag differs from the spec
    assert out.executed is not None and out.executed.operation in {"TagResource", "UntagResource"}, out.status
