"""The planner's idea of a table right after CreateTable (`plan._as_created`) and what observe/normalize read
back from the endpoint once that CreateTable has run must agree, for every example: the steps the planner
queues after a create are computed from the first, and must be what the second would give."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import validate_manifest
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.execute import execute
from dynamotable.engine.model import ObservedSse, ObservedTable
from dynamotable.engine.observe import observe
from dynamotable.engine.plan import _as_created, plan
from dynamotable.loader import load
from dynamotable.local import LocalEndpoint

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REGION = "us-east-1"


def _examples() -> list[DynamoTable]:
    out = []
    for doc in load([str(EXAMPLES)]).documents:
        manifest, errors = validate_manifest(doc.body, default_region=REGION)
        assert manifest is not None, errors
        if manifest.spec.source is None:  # a restore or import creates those: tests/aws/test_source_converge.py
            out.append(manifest)
    return out


def _comparable(table: ObservedTable, manifest: DynamoTable) -> dict[str, Any]:
    """What CreateTable decides; identifiers AWS assigns (ARNs, ids, the managed key's ARN) left out, and warm
    throughput where the spec does not manage it (AWS reports a default for every on-demand table and GSI)."""
    sse = table.sse
    managed_warm = {g.name for g in manifest.spec.global_secondary_indexes if g.warm_throughput is not None}
    gsis = tuple(g if g.name in managed_warm else dataclasses.replace(g, warm=None) for g in table.gsis)
    warm = table.warm if manifest.spec.warm_throughput is not None else None
    plain = dataclasses.replace(table, arn="", table_id=None, stream_arn=None, replicas=(), gsis=gsis, warm=warm)
    fields = dataclasses.asdict(plain)
    # observe leaves aws_managed undetermined (None) for a customer key it names: the same as False here
    fields["sse"] = (sse.kms_key_arn is None, bool(sse.aws_managed), sse.kms_key_arn if not sse.aws_managed else None)
    for optional in ("ttl", "pitr"):  # only read when the spec manages them
        if fields[optional] is None:
            del fields[optional]
    return fields


@pytest.fixture(scope="module")
def endpoint() -> Any:
    with LocalEndpoint() as ep:
        yield ep


SURFACE = ("scaling", "insights", "resource_policy", "kinesis", "alarms")


@pytest.mark.parametrize("manifest", _examples(), ids=lambda m: f"{m.namespace}-{m.metadata.name}")
def test_as_created_agrees_with_what_observe_reads_back(manifest: DynamoTable, endpoint: LocalEndpoint) -> None:
    endpoint.reset()
    region = manifest.region_or(REGION)
    factory = ClientFactory(endpoint_url=endpoint.url, credentials=Credentials("local", "local"), max_attempts=1)
    create = plan(manifest, None, region=region, owner="ns/name").steps[0]
    assert create.operation == "CreateTable"
    execute(factory, create)
    live = observe(factory, manifest, region=region, expect_exists=True)
    assert live is not None and live.status == "ACTIVE"  # latency off: ACTIVE at once
    expected = _as_created(manifest, region=region, owner="ns/name")
    got, want = _comparable(live, manifest), _comparable(expected, manifest)
    for key in sorted(set(got) | set(want)):
        if key in ("ttl", "pitr") and (key not in got or key not in want):
            continue
        if key in SURFACE and got.get(key) is None:  # read only when the spec manages the part
            continue
        assert got.get(key) == want.get(key), key
    assert isinstance(live.sse, ObservedSse)
