"""Benchmark: N DynamoTables created at once against the operator in-process (the test harness: kmock's
Kubernetes emulator, the embedded local DynamoDB endpoint with no latency).

Run:  .venv/bin/python tests/bench/bench_operator_scale.py [--objects 1000] [--drift-interval 30] [--intervals 3]

Prints: time until all are Ready, peak RSS of the process (operator, emulator and endpoint together), the
operator's Kubernetes requests per object by kind (start-up listings and watches excluded), AWS requests per
creation, duplicate creations (CreateTable calls minus N, engine passes on create, stale CREATEs skipped),
and the drift-check lag percentiles after a few drift intervals.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "operator"))

for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
    os.environ.pop(_var, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    AWS_CONFIG_FILE="/dev/null",
)

from kmock._internal import apps  # noqa: E402
from operator_harness import Emulator, Harness, eventually, fast_settings, register_resources, table_spec  # noqa: E402

from dynamotable.local import Latency, LocalEndpoint  # noqa: E402

ONE_OFF = {"list", "watch"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(objects: int, drift_interval: float, intervals: int) -> None:
    with LocalEndpoint() as endpoint:
        endpoint.set_latency(Latency())
        async with Emulator() as k, apps.Server(k):
            register_resources(k)
            settings = fast_settings(
                endpoint, drift_interval=drift_interval, drift_tick=min(1.0, drift_interval), poll_interval=0.2
            )
            h = Harness(k=k, endpoint=endpoint, namespace="bench", settings=settings)
            op = await h.start()
            lags: list[float] = []
            observe = op.metrics.drift_check_lag.observe

            def record(value: float) -> None:
                lags.append(value)
                observe(value)

            op.metrics.drift_check_lag.observe = record  # type: ignore[method-assign]
            names = [f"t{i:05d}" for i in range(objects)]
            posting = asyncio.Semaphore(100)

            async def create(name: str) -> None:
                async with posting:
                    await h.create(name, table_spec(tableName=f"bench-{name}"))

            started = time.monotonic()
            await asyncio.gather(*(create(n) for n in names))
            pending = set(names)

            def all_ready() -> bool:
                pending.difference_update([n for n in pending if h.ready(n)])
                return not pending

            await eventually(all_ready, timeout=3600, interval=1.0)
            elapsed = time.monotonic() - started
            await asyncio.sleep(10.0)  # kopf's trailing patches and Events (it posts Events in the background)
            kube = Counter(f"{res} {verb}" for _, res, verb in h.kube_requests() if verb not in ONE_OFF)
            aws = Counter(r.operation for r in h.aws())
            samples = op.metrics.registry.get_sample_value
            create_passes = sum(
                sample.value
                for family in op.metrics.reconciles.collect()
                for sample in family.samples
                if sample.name.endswith("_total")
                and sample.labels.get("trigger") == "create"
                and sample.labels.get("result") != "Skipped"
            )
            skipped = samples("dynamotable_reconciles_total", {"trigger": "create", "result": "Skipped"}) or 0

            print(f"{objects} DynamoTables Ready in {elapsed:.1f}s ({objects / elapsed:.0f}/s)")
            print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
            total = sum(kube.values())
            print(f"Kubernetes requests per object: {total / objects:.2f}")
            for kind, count in sorted(kube.items()):
                print(f"  {kind}: {count / objects:.2f}")
            print(f"AWS requests per create: {sum(aws.values()) / objects:.2f} {dict(aws)}")
            print(
                f"duplicate creations: CreateTable - N = {aws['CreateTable'] - objects}; engine passes on create "
                f"(normally 2: CreateTable, one re-check): {create_passes:.0f} for {objects} objects; "
                f"stale CREATEs skipped: {skipped:.0f}"
            )

            k.log.clear()
            lags.clear()
            await asyncio.sleep(drift_interval * intervals)
            drift_kube = Counter(f"{res} {verb}" for _, res, verb in h.kube_requests() if verb not in ONE_OFF)
            print(
                f"after {intervals} drift intervals of {drift_interval:g}s: {len(lags)} drift checks, "
                f"Kubernetes requests meanwhile {dict(drift_kube)}; lag p50 {percentile(lags, 0.5):.3f}s "
                f"p90 {percentile(lags, 0.9):.3f}s p99 {percentile(lags, 0.99):.3f}s max {max(lags, default=0):.3f}s"
            )
            await h.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--drift-interval", type=float, default=30.0)
    parser.add_argument("--intervals", type=int, default=3)
    args = parser.parse_args()
    print(
        f"reproduce: .venv/bin/python tests/bench/bench_operator_scale.py --objects {args.objects} "
        f"--drift-interval {args.drift_interval:g} --intervals {args.intervals}"
    )
    asyncio.run(run(args.objects, args.drift_interval, args.intervals))


if __name__ == "__main__":
    main()
