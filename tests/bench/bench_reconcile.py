"""Benchmark: AWS calls per no-drift reconcile, and `apply` wall time for many tables on the local endpoint.

Run:  .venv/bin/python tests/bench/bench_reconcile.py [--tables 200] [--parallelism 10]

1. For manifests that manage more and more optional fields, converges one table, then runs one more
   reconcile pass on the converged table and counts the AWS calls it made, by operation. Target: DescribeTable
   plus one read per additionally managed field (TTL, PITR, tags); our ownership check reads the tags on every
   pass, so that read is always there. Anchors: Terraform's refresh makes 4 calls, ACK's reconcile 6.
2. Applies N tables (a mix of the examples, latency off) through the same runner as `dynamotable apply`
   and prints the wall time, tables/second and AWS calls per table.
"""

from __future__ import annotations

import argparse
import copy
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from dynamotable.api import spec as s
from dynamotable.api.validation import parse_manifest
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.reconcile import Timing, reconcile
from dynamotable.engine.runner import Runner, RunState
from dynamotable.local import LocalEndpoint

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
BASE: dict[str, Any] = {
    "apiVersion": "dynamotable.io/v1alpha1",
    "kind": "DynamoTable",
    "metadata": {"name": "bench", "namespace": "bench"},
    "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
}
VARIANTS: dict[str, dict[str, Any]] = {
    "keys only": {},
    "+ stream, SSE, class, deletion protection": {
        "stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
        "serverSideEncryption": {"enabled": False},
        "tableClass": "STANDARD",
        "deletionProtection": False,
    },
    "+ tags": {"tags": {"team": "bench"}},
    "+ tags, TTL": {"tags": {"team": "bench"}, "ttl": {"enabled": True, "attributeName": "exp"}},
    "+ tags, TTL, PITR": {
        "tags": {"team": "bench"},
        "ttl": {"enabled": True, "attributeName": "exp"},
        "pointInTimeRecovery": {"enabled": True},
    },
}
TIMING = Timing.fast()


def converge(manifest: s.DynamoTable, factory: ClientFactory) -> s.DynamoTable:
    for _ in range(200):
        outcome = reconcile(manifest, factory, region=REGION, timing=TIMING)
        status = outcome.status.model_dump(by_alias=True, mode="json", exclude_none=True)
        manifest = manifest.model_copy(update={"status": status})
        if outcome.done:
            return manifest
        time.sleep(outcome.requeue_after or 0)
    raise RuntimeError(f"{manifest.table_name} did not converge")


def calls_per_no_drift_pass(factory: ClientFactory) -> None:
    print("AWS calls of one reconcile pass on a converged table (no drift):")
    for i, (label, extra) in enumerate(VARIANTS.items()):
        doc = copy.deepcopy(BASE)
        doc["metadata"]["name"] = f"bench-calls-{i}"
        doc["spec"].update(extra)
        manifest = converge(parse_manifest(doc), factory)
        before = Counter(factory.calls)
        outcome = reconcile(manifest, factory, region=REGION, timing=TIMING)
        assert outcome.done and outcome.executed is None, outcome.status
        used = Counter(factory.calls) - before
        detail = ", ".join(f"{op} {n}" for op, n in sorted(used.items()))
        print(f"  {label:<45} {sum(used.values())} calls  ({detail})")
    print("  anchors: Terraform refresh 4 calls per table, ACK 6")


def mixed_manifests(count: int) -> list[s.DynamoTable]:
    templates = []
    for path in sorted((REPO / "examples").rglob("*.yaml")):
        templates += [d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == s.KIND]
    out = []
    for i in range(count):
        doc = copy.deepcopy(templates[i % len(templates)])
        doc["metadata"] = {"name": f"bench-{i:05d}", "namespace": "bench"}
        doc["spec"]["tableName"] = f"bench-{i:05d}"
        out.append(parse_manifest(doc))
    return out


def apply_many(factory: ClientFactory, count: int, parallelism: int) -> None:
    manifests = mixed_manifests(count)
    statuses: dict[str, dict[str, Any]] = {}

    def one_pass(manifest: s.DynamoTable, region: str) -> Any:
        if manifest.table_name in statuses:
            manifest = manifest.model_copy(update={"status": statuses[manifest.table_name]})
        outcome = reconcile(manifest, factory, region=region, timing=TIMING)
        statuses[manifest.table_name] = outcome.status.model_dump(by_alias=True, mode="json", exclude_none=True)
        return outcome

    before = sum(factory.calls.values())
    started = time.perf_counter()
    runs = Runner(one_pass, max_in_flight=parallelism).run([(m, m.region_or(REGION)) for m in manifests])
    seconds = time.perf_counter() - started
    calls = sum(factory.calls.values()) - before
    done = sum(1 for r in runs if r.state == RunState.DONE)
    print(f"apply of {count} tables (mix of the examples, latency off, parallelism {parallelism}):")
    rate = count / seconds
    print(f"  {done}/{count} converged in {seconds:.2f} s = {rate:.0f} tables/s, {calls / count:.1f} calls/table")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--parallelism", type=int, default=10)
    args = parser.parse_args()
    with LocalEndpoint() as endpoint:
        factory = ClientFactory(endpoint_url=endpoint.url, credentials=Credentials("bench", "bench"))
        calls_per_no_drift_pass(factory)
        apply_many(factory, args.tables, args.parallelism)
    print("reproduce: .venv/bin/python tests/bench/bench_reconcile.py --tables 200")


if __name__ == "__main__":
    main()
