"""Benchmark: N DynamoTables created at once against the operator, and the same N objects handled by a no-op
kopf operator on the same emulator in the same run (kmock's Kubernetes emulator in-process; the embedded local
DynamoDB served by `dynamotable local` in its own process with no latency, as AWS is remote too).

Run:  .venv/bin/python tests/bench/bench_operator_scale.py [--objects 1000] [--drift-interval 30] [--intervals 3]
      [--operator both|dynamotable|noop]

Each operator runs in a fresh child process (so each peak RSS is its own: operator plus emulator holding the
N objects). Prints for ours: time until all are Ready, peak RSS, Kubernetes requests per object by kind
(start-up listings and watches excluded), AWS requests per creation, duplicate creations (CreateTable calls
minus N, engine passes on create, stale CREATEs skipped), and the drift-check lag percentiles after a few
drift intervals; for the no-op operator (an on.create handler that writes Ready=True) time to Ready and peak
RSS; then the ratios against the targets (Ready within 2x the no-op's time at 1,000 objects, 2.5x at 10,000;
peak RSS within 1.5x). The operator runs with its production drift tick (30 s, or the drift interval when that is
shorter): a shorter tick wakes every object's drift timer more often than a deployment would.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import os
import pstats
import resource
import socket
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

import kopf  # noqa: E402
from kmock._internal import apps  # noqa: E402
from operator_harness import (  # noqa: E402
    TEST_HEADER,
    Emulator,
    Harness,
    eventually,
    fast_settings,
    register_resources,
    table_spec,
)

from dynamotable.api.spec import GROUP, PLURAL, VERSION  # noqa: E402

RESULT = "RESULT "

ONE_OFF = {"list", "watch"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True, slots=True)
class Seen:
    """What the request counts need of one request, instead of the whole request with its body."""

    resource: Any
    action: Any
    method: Any
    subresource: str | None
    headers: dict[str, str]


class LeanEmulator(Emulator):
    """The harness's emulator, logging each request as a few fields only (over thousands of objects the full
    requests, bodies included, would make the benchmark's own memory the largest part of the peak RSS), and
    finding a named object through an index instead of comparing every stored object with the request (kmock
    scans them all for each request: O(N) per request, which an API server is not, and which would charge
    each operator for the emulator in proportion to the requests it makes)."""

    _by_name: dict[tuple[Any, Any], list[Any]]
    _indexed = 0

    def _KubernetesEmulator__get_objs(self, request: Any, strict: bool) -> list[Any]:
        inner = self._objects._objects
        if request.name is None or (request.namespace is None and not strict):
            return [o for k, o in inner.items() if self._KubernetesEmulator__check(request, *k, strict=strict)]
        if len(inner) < self._indexed or not hasattr(self, "_by_name"):
            self._by_name, self._indexed = {}, 0
        for key in itertools.islice(inner.keys(), self._indexed, None):
            self._by_name.setdefault((key[1], key[2]), []).append(key)
        self._indexed = len(inner)
        keys = self._by_name.get((request.namespace, request.name), [])
        return [inner[k] for k in keys if k in inner and self._KubernetesEmulator__check(request, *k, strict=strict)]

    async def _handle(self, request: Any) -> Any:
        index = len(self.log)
        try:
            return await super()._handle(request)
        finally:
            if index < len(self.log) and self.log[index] is request:
                test = {TEST_HEADER: "1"} if TEST_HEADER in request.headers else {}
                self.log[index] = Seen(request.resource, request.action, request.method, request.subresource, test)


class Remote:
    """The endpoint as the harness needs it: its URL (it runs in its own process)."""

    def __init__(self, url: str) -> None:
        self.url = url


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system) used so far by `pid` (from /proc), or by this process."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def create_all(h: Harness, names: list[str]) -> float:
    """Post every object (100 at a time); return when posting started."""
    posting = asyncio.Semaphore(100)

    async def create(name: str) -> None:
        async with posting:
            await h.create(name, table_spec(tableName=f"bench-{name}"))

    started = time.monotonic()
    await asyncio.gather(*(create(n) for n in names))
    return started


async def wait_ready(h: Harness, names: list[str]) -> None:
    pending = set(names)

    def all_ready() -> bool:
        pending.difference_update([n for n in pending if h.ready(n)])
        return not pending

    await eventually(all_ready, timeout=7200, interval=1.0)


async def run_noop(objects: int) -> None:
    """A kopf operator that does nothing but say Ready, holding the same objects on the same emulator."""
    async with LeanEmulator() as k, apps.Server(k):
        register_resources(k)
        registry = kopf.OperatorRegistry()

        @kopf.on.login(registry=registry)
        def login(**_: Any) -> kopf.ConnectionInfo:
            return kopf.ConnectionInfo(server=str(k.url))

        @kopf.on.create(GROUP, VERSION, PLURAL, registry=registry)
        def created(patch: kopf.Patch, body: kopf.Body, **_: Any) -> None:
            patch.status["observedGeneration"] = body.metadata.get("generation")
            patch.status["conditions"] = [{"type": "Ready", "status": "True", "reason": "Synced"}]

        h = Harness(k=k, endpoint=Remote("http://127.0.0.1:9"), namespace="bench", settings=None)  # type: ignore[arg-type]
        stop, ready = asyncio.Event(), asyncio.Event()
        ignored = set(asyncio.all_tasks())
        tasks = await kopf.spawn_tasks(
            registry=registry, clusterwide=True, standalone=True, stop_flag=stop, ready_flag=ready
        )
        runner = asyncio.create_task(kopf.run_tasks(tasks, ignored=ignored))
        await asyncio.wait_for(ready.wait(), 10)
        await asyncio.sleep(1.0)  # the watch is open (objects posted before it would be replayed, not created)
        names = [f"t{i:05d}" for i in range(objects)]
        cpu_before = cpu_seconds()
        started = await create_all(h, names)
        await wait_ready(h, names)
        elapsed = time.monotonic() - started
        print(f"no-op kopf operator: CPU while creating {cpu_seconds() - cpu_before:.1f} s (operator and emulator)")
        print(f"no-op kopf operator: {objects} objects Ready in {elapsed:.1f}s ({objects / elapsed:.0f}/s)")
        print(f"no-op kopf operator: peak RSS {peak_rss_mib():.0f} MiB")
        print(RESULT + json.dumps({"ready_s": elapsed, "rss_mib": peak_rss_mib()}))
        ignored.add(asyncio.current_task())  # type: ignore[arg-type]
        ignored.update(t for t in asyncio.all_tasks() if "RequestHandler" in getattr(t.get_coro(), "__qualname__", ""))
        stop.set()
        await asyncio.wait_for(runner, 30)


async def run(objects: int, drift_interval: float, intervals: int, endpoint_url: str, endpoint_pid: int) -> None:
    endpoint = Remote(endpoint_url)
    async with LeanEmulator() as k, apps.Server(k):
        register_resources(k)
        settings = fast_settings(
            endpoint, drift_interval=drift_interval, drift_tick=min(30.0, drift_interval), poll_interval=0.2
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
        cpu_before, endpoint_before = cpu_seconds(), cpu_seconds(endpoint_pid)
        started = await create_all(h, names)
        await wait_ready(h, names)
        elapsed = time.monotonic() - started
        rss_ready = peak_rss_mib()
        print(
            f"CPU while creating: this process (operator and emulator) {cpu_seconds() - cpu_before:.1f} s, the "
            f"endpoint {cpu_seconds(endpoint_pid) - endpoint_before:.1f} s, in {elapsed:.1f} s of wall time"
        )
        aws = Counter(op.factory.calls)  # before any drift check adds its reads
        if tracemalloc.is_tracing():
            top = tracemalloc.take_snapshot().statistics("filename")[:15]
            print(f"tracemalloc at Ready, top files (KB per object of {objects}):")
            for stat in top:
                print(f"  {stat.size / objects / 1024:7.2f}  {stat.traceback[0].filename}")
        await asyncio.sleep(10.0)  # kopf's trailing patches and Events (it posts Events in the background)
        kube = Counter(f"{res} {verb}" for _, res, verb in h.kube_requests() if verb not in ONE_OFF)
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
        print(f"peak RSS {rss_ready:.0f} MiB")
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
        print(
            RESULT
            + json.dumps(
                {
                    "ready_s": elapsed,
                    "rss_mib": rss_ready,
                    "aws_per_create": sum(aws.values()) / objects,
                    "duplicates": aws["CreateTable"] - objects,
                    "kube_per_object": total / objects,
                    "lag_p99": percentile(lags, 0.99),
                    "lag_max": max(lags, default=0.0),
                }
            )
        )
        try:
            await h.stop()
        except TimeoutError:  # kopf's shutdown of thousands of daemons can outlast the harness's 15 s
            print("note: the operator did not stop within 15 s (the figures above are complete)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_endpoint() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).with_name("dynamotable")
    proc = subprocess.Popen([str(exe), "local", "--port", str(port)], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("dynamotable local did not start")


def child(kind: str, args: argparse.Namespace) -> dict[str, float]:
    """Run one operator in a fresh process; pass its lines through; return its RESULT."""
    cmd = [sys.executable, __file__, "--operator", kind, "--objects", str(args.objects)]
    cmd += ["--drift-interval", str(args.drift_interval), "--intervals", str(args.intervals)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    result: dict[str, float] = {}
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT):
            result = json.loads(line[len(RESULT) :])
        else:
            print(line)
    if proc.returncode != 0 or not result:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{kind} run failed (exit {proc.returncode})")
    return result


def compare(args: argparse.Namespace) -> None:
    noop = child("noop", args)
    ours = child("dynamotable", args)
    target = 2.0 if args.objects <= 1000 else 2.5
    time_ratio = ours["ready_s"] / noop["ready_s"]
    rss_ratio = ours["rss_mib"] / noop["rss_mib"]
    print(
        f"ratios at {args.objects} objects: time to Ready {time_ratio:.2f}x the no-op kopf operator's "
        f"(target <= {target:g}x), peak RSS {rss_ratio:.2f}x (target <= 1.5x); AWS requests per create "
        f"{ours['aws_per_create']:.2f} (target <= 5); duplicate creations {ours['duplicates']:.0f} (target 0)"
    )


def profiled(coro: Any) -> None:
    """Run `coro` under cProfile and print the functions that cost the most CPU of their own."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(coro)
    finally:
        profiler.disable()
        profiler.dump_stats("bench_operator_scale.prof")
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)
        print("the whole profile (the event loop's thread only): bench_operator_scale.prof, read it with pstats")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--drift-interval", type=float, default=30.0)
    parser.add_argument("--intervals", type=int, default=3)
    parser.add_argument("--operator", choices=["both", "dynamotable", "noop"], default="both")
    parser.add_argument("--tracemalloc", action="store_true", help="Where the memory goes (slow; ours only).")
    parser.add_argument("--profile", action="store_true", help="Where the CPU goes: cProfile of ours (slow).")
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start(1)
    if args.operator == "noop":
        asyncio.run(run_noop(args.objects))
        return
    if args.operator == "dynamotable":
        proc, url = serve_endpoint()
        try:
            if args.profile:
                profiled(run(args.objects, args.drift_interval, args.intervals, url, proc.pid))
            else:
                asyncio.run(run(args.objects, args.drift_interval, args.intervals, url, proc.pid))
        finally:
            proc.terminate()
            proc.wait(10)
        return
    print(
        f"reproduce: .venv/bin/python tests/bench/bench_operator_scale.py --objects {args.objects} "
        f"--drift-interval {args.drift_interval:g} --intervals {args.intervals}"
    )
    compare(args)


if __name__ == "__main__":
    main()
