"""Benchmark: N DynamoTables created at once against the operator, and the same N objects handled by a no-op
kopf operator on the same emulator in the same run. Like a cluster, each part has a process of its own: the
operator, the Kubernetes API (kmock's emulator with the test harness's workarounds, bench_emulator.py) and, for
ours, AWS (the embedded local DynamoDB, `dynamotable local`, no latency).

Run:  .venv/bin/python tests/bench/bench_operator_scale.py [--objects 1000] [--drift-interval 30] [--intervals 3]
      [--operator both|dynamotable|noop]

Each operator runs in a fresh child process with a fresh emulator, so each peak RSS and CPU time is the
operator's own (the emulator's are printed beside them). Prints for ours: time until all are Ready, peak RSS,
CPU seconds of each process, Kubernetes requests per object by kind (start-up listings and watches excluded),
AWS requests per creation, duplicate creations (CreateTable calls minus N, engine passes on create, stale
CREATEs skipped), and the drift-check lag percentiles after a few drift intervals; for the no-op operator (an
on.create handler that writes Ready=True) time to Ready and peak RSS; then the ratios against the targets
(Ready within 2x the no-op's time at 1,000 objects, 2.5x at 10,000; peak RSS within 1.5x). The operator runs
with its production drift tick (30 s, or the drift interval when that is shorter).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures.thread
import contextlib
import cProfile
import json
import os
import pstats
import socket
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

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

import aiohttp  # noqa: E402
import kopf  # noqa: E402
from bench_measure import cpu_seconds, peak_rss_mib, rss_now_mib  # noqa: E402

from dynamotable.api.spec import GROUP, PLURAL, VERSION  # noqa: E402
from dynamotable.operator.runtime import Login, Operator  # noqa: E402
from dynamotable.operator.settings import OperatorSettings  # noqa: E402

RESULT = "RESULT "


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class EmulatorProcess:
    """The emulator's process, seen from an operator's process."""

    def __init__(self, objects: int) -> None:
        cmd = [sys.executable, str(Path(__file__).with_name("bench_emulator.py")), "--objects", str(objects)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "EMULATOR":
            self.proc.kill()
            raise SystemExit(f"the emulator did not start: {line}")
        self.url, self.control = line[1], line[2]
        self.session: aiohttp.ClientSession | None = None

    async def call(self, method: str, path: str) -> dict[str, Any]:
        if self.session is None:
            self.session = aiohttp.ClientSession()
        async with self.session.request(method, self.control + path) as rsp:
            return dict(await rsp.json())

    async def wait_ready(self) -> dict[str, Any]:
        while True:
            status = await self.call("GET", "/status")
            if status["ready_s"] is not None:
                return status
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def opened_watch(emulator: EmulatorProcess) -> None:
    """The operator's watch is open (objects posted before it would be replayed as ADDED, not created)."""
    while (await emulator.call("GET", "/watches"))["watches"] < 1:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)


def report_emulator(who: str, status: dict[str, Any], cpu_before: float) -> None:
    print(
        f"{who}: the emulator's process (not counted above) peak RSS {status['rss_mib']:.0f} MiB, "
        f"CPU while creating {status['cpu_s'] - cpu_before:.1f} s"
    )


async def run_noop(objects: int) -> None:
    """A kopf operator that does nothing but say Ready, holding the same objects on the same emulator."""
    emulator = EmulatorProcess(objects)
    registry = kopf.OperatorRegistry()

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf.ConnectionInfo(server=emulator.url)

    @kopf.on.create(GROUP, VERSION, PLURAL, registry=registry)
    def created(patch: kopf.Patch, body: kopf.Body, **_: Any) -> None:
        patch.status["observedGeneration"] = body.metadata.get("generation")
        patch.status["conditions"] = [{"type": "Ready", "status": "True", "reason": "Synced"}]

    stop, ready = asyncio.Event(), asyncio.Event()
    ignored = set(asyncio.all_tasks())
    tasks = await kopf.spawn_tasks(
        registry=registry, clusterwide=True, standalone=True, stop_flag=stop, ready_flag=ready
    )
    runner = asyncio.create_task(kopf.run_tasks(tasks, ignored=ignored))
    await asyncio.wait_for(ready.wait(), 10)
    await opened_watch(emulator)
    cpu_before, emulator_before = cpu_seconds(), (await emulator.call("GET", "/status"))["cpu_s"]
    await emulator.call("POST", "/create")
    status = await emulator.wait_ready()
    elapsed, rss = status["ready_s"], peak_rss_mib()
    print(f"no-op kopf operator: CPU while creating {cpu_seconds() - cpu_before:.1f} s")
    print(f"no-op kopf operator: {objects} objects Ready in {elapsed:.1f}s ({objects / elapsed:.0f}/s)")
    print(f"no-op kopf operator: peak RSS {rss:.0f} MiB")
    report_emulator("no-op kopf operator", status, emulator_before)
    await asyncio.sleep(10.0)  # kopf's trailing patches
    rest = rss_now_mib()
    print(f"no-op kopf operator: RSS at rest {rest:.0f} MiB")
    print(RESULT + json.dumps({"ready_s": elapsed, "rss_mib": rss, "rss_rest_mib": rest}))
    ignored.add(asyncio.current_task())  # type: ignore[arg-type]
    stop.set()
    await asyncio.wait_for(runner, 30)
    await emulator.close()


async def run(objects: int, drift_interval: float, intervals: int, endpoint_url: str, endpoint_pid: int) -> None:
    emulator = EmulatorProcess(objects)
    settings = OperatorSettings(  # the test harness's fast settings, with production drift tick and polling
        region="us-east-1",
        endpoint_url=endpoint_url,
        drift_interval=drift_interval,
        drift_tick=min(30.0, drift_interval),
        poll_interval=0.2,
        poll_max=0.2,
        retry_scale=0.01,
        rate_limit_min=0.05,
        aws_max_attempts=1,
        blocked_retry_delay=0.2,
        error_backoff=0.2,
    )
    op = Operator(settings, login=Login(server=emulator.url))
    stop, ready = asyncio.Event(), asyncio.Event()
    ignored = set(asyncio.all_tasks())
    tasks = await op.spawn(stop_flag=stop, ready_flag=ready, priority=10)
    runner = asyncio.create_task(kopf.run_tasks(tasks, ignored=ignored))
    await asyncio.wait_for(ready.wait(), 10)
    await opened_watch(emulator)
    lags: list[float] = []
    observe = op.metrics.drift_check_lag.observe

    def record(value: float) -> None:
        lags.append(value)
        observe(value)

    op.metrics.drift_check_lag.observe = record  # type: ignore[method-assign]
    cpu_before, endpoint_before = cpu_seconds(), cpu_seconds(endpoint_pid)
    emulator_before = (await emulator.call("GET", "/status"))["cpu_s"]
    await emulator.call("POST", "/create")
    status = await emulator.wait_ready()
    elapsed, rss_ready = status["ready_s"], peak_rss_mib()
    print(
        f"CPU while creating: the operator's process {cpu_seconds() - cpu_before:.1f} s, the endpoint's "
        f"{cpu_seconds(endpoint_pid) - endpoint_before:.1f} s, the emulator's "
        f"{status['cpu_s'] - emulator_before:.1f} s, in {elapsed:.1f} s of wall time"
    )
    aws = Counter(op.factory.calls)  # before any drift check adds its reads
    if tracemalloc.is_tracing():
        report_tracemalloc("at Ready", objects)
    await asyncio.sleep(10.0)  # kopf's trailing patches and Events (it posts Events in the background)
    at_ready = await emulator.call("GET", "/status")
    kube = Counter(at_ready["kube"])
    print(f"what the operator's DynamoTable patches touched (most common): {at_ready['patch_shapes']}")
    create_passes = sum(
        sample.value
        for family in op.metrics.reconciles.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
        and sample.labels.get("trigger") == "create"
        and sample.labels.get("result") != "Skipped"
    )
    skipped = op.metrics.registry.get_sample_value(
        "dynamotable_reconciles_total", {"trigger": "create", "result": "Skipped"}
    )

    print(f"{objects} DynamoTables Ready in {elapsed:.1f}s ({objects / elapsed:.0f}/s)")
    print(f"peak RSS {rss_ready:.0f} MiB (the operator's process)")
    report_emulator("dynamotable", status, emulator_before)
    total = sum(kube.values())
    print(f"Kubernetes requests per object: {total / objects:.2f}")
    for kind, count in sorted(kube.items()):
        print(f"  {kind}: {count / objects:.2f}")
    print(f"AWS requests per create: {sum(aws.values()) / objects:.2f} {dict(aws)}")
    print(
        f"duplicate creations: CreateTable - N = {aws['CreateTable'] - objects}; engine passes on create "
        f"(normally 2: CreateTable, one re-check): {create_passes:.0f} for {objects} objects; "
        f"stale CREATEs skipped: {skipped or 0:.0f}"
    )

    await emulator.call("POST", "/clear")
    lags.clear()
    await asyncio.sleep(drift_interval * intervals)
    after_drift = await emulator.call("GET", "/status")
    drift_kube = after_drift["kube"]
    if drift_kube:
        print(f"what the patches in the drift intervals touched: {after_drift['patch_shapes']}")
    print(
        f"after {intervals} drift intervals of {drift_interval:g}s: {len(lags)} drift checks, "
        f"Kubernetes requests meanwhile {drift_kube}; lag p50 {percentile(lags, 0.5):.3f}s "
        f"p90 {percentile(lags, 0.9):.3f}s p99 {percentile(lags, 0.99):.3f}s max {max(lags, default=0):.3f}s"
    )
    rest = rss_now_mib()
    print(f"RSS at rest (after the drift intervals) {rest:.0f} MiB, peak {peak_rss_mib():.0f} MiB")
    if tracemalloc.is_tracing():
        report_tracemalloc("at rest", objects)
    print(f"RSS at rest after gc and malloc_trim (how much of it is free heap kept by malloc) {trimmed_rss():.0f} MiB")
    print(
        RESULT
        + json.dumps(
            {
                "ready_s": elapsed,
                "rss_mib": rss_ready,
                "rss_rest_mib": rest,
                "aws_per_create": sum(aws.values()) / objects,
                "duplicates": aws["CreateTable"] - objects,
                "kube_per_object": total / objects,
                "lag_p99": percentile(lags, 0.99),
                "lag_max": max(lags, default=0.0),
            }
        )
    )
    ignored.add(asyncio.current_task())  # type: ignore[arg-type]
    stop.set()
    try:
        await asyncio.wait_for(runner, 30)
    except TimeoutError:
        print("note: the operator did not stop within 30 s (the figures above are complete)")
    await emulator.close()


def report_tracemalloc(when: str, objects: int) -> None:
    """The live Python allocations now, per object: by file, then by the allocating call stack."""
    snapshot = tracemalloc.take_snapshot()
    dump = f"bench_operator_scale.{when.replace(' ', '-')}.tracemalloc"
    snapshot.dump(dump)
    total = sum(stat.size for stat in snapshot.statistics("filename"))
    per_object = total / objects / 1024
    print(f"tracemalloc {when}: {total / 2**20:.1f} MiB traced, {per_object:.2f} KB per object of {objects}")
    print("  top files (KB per object):")
    for stat in snapshot.statistics("filename")[:15]:
        print(f"  {stat.size / objects / 1024:7.2f}  {stat.traceback[0].filename}")
    if tracemalloc.get_traceback_limit() > 1:
        print("  top call stacks (KB per object), innermost frame last:")
        for stat in snapshot.statistics("traceback")[:12]:
            print(f"  {stat.size / objects / 1024:7.2f}")
            for line in stat.traceback.format()[-2 * tracemalloc.get_traceback_limit() :]:
                print(f"      {line}")
    print(f"  the whole snapshot: {dump}, read it with tracemalloc.Snapshot.load")


def trimmed_rss() -> float:
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_now_mib()


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
    rest_ratio = ours["rss_rest_mib"] / noop["rss_rest_mib"]
    creating = ours["rss_mib"] / ours["rss_rest_mib"]
    print(
        f"ratios at {args.objects} objects: time to Ready {time_ratio:.2f}x the no-op kopf operator's "
        f"(target <= {target:g}x), peak RSS {rss_ratio:.2f}x (target <= 1.5x), RSS at rest {rest_ratio:.2f}x "
        f"(target <= 1.5x), ours while creating {creating:.2f}x ours at rest (target <= 1.3x); AWS requests per "
        f"create {ours['aws_per_create']:.2f} (target <= 5); duplicate creations {ours['duplicates']:.0f} (target 0)"
    )


def profiled(coro: Any) -> None:
    """Run `coro` under cProfile, in the event loop's thread and in every thread of the engine's pools, each
    timed by its own thread's CPU clock (wall time would charge each function for the GIL waits of others);
    print where the CPU went and keep the merged profile."""
    profilers = [cProfile.Profile(time.thread_time)]
    worker = concurrent.futures.thread._worker  # type: ignore[attr-defined]

    def profiled_worker(*args: Any, **kwargs: Any) -> Any:
        profiler = cProfile.Profile(time.thread_time)
        profilers.append(profiler)
        profiler.enable()
        try:
            return worker(*args, **kwargs)
        finally:
            profiler.disable()

    concurrent.futures.thread._worker = profiled_worker  # type: ignore[attr-defined]
    profilers[0].enable()
    try:
        asyncio.run(coro)
    finally:
        profilers[0].disable()
        stats = pstats.Stats(profilers[0])
        for other in profilers[1:]:
            with contextlib.suppress(TypeError):  # a worker thread still running: its profile is incomplete
                stats.add(other)
        stats.dump_stats("bench_operator_scale.prof")
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(60)
        print("the whole profile (CPU time, all threads): bench_operator_scale.prof, read it with pstats")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--drift-interval", type=float, default=30.0)
    parser.add_argument("--intervals", type=int, default=3)
    parser.add_argument("--operator", choices=["both", "dynamotable", "noop"], default="both")
    parser.add_argument("--tracemalloc", action="store_true", help="Where the memory goes (slow; ours only).")
    parser.add_argument(
        "--tracemalloc-frames", type=int, default=1, help="Frames kept per allocation (more: slower, call stacks)."
    )
    parser.add_argument("--profile", action="store_true", help="Where the CPU goes: cProfile of ours (slow).")
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start(args.tracemalloc_frames)
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
