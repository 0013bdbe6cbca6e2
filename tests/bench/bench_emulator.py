"""The Kubernetes API of bench_operator_scale.py, in a process of its own: kmock's emulator (with the test
harness's workarounds and an index by name), and a control API that creates the N objects, says when all are Ready
and counts the requests by kind. Run by bench_operator_scale.py, not by hand."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "operator"))

import kmock  # noqa: E402
from aiohttp import web  # noqa: E402
from bench_measure import cpu_seconds, peak_rss_mib  # noqa: E402
from kmock._internal import apps  # noqa: E402
from operator_harness import (  # noqa: E402
    TEST_HEADER,
    Emulator,
    Harness,
    eventually,
    kube_verb,
    register_resources,
    table_spec,
)

from dynamotable.api.spec import PLURAL  # noqa: E402

ONE_OFF = {"list", "watch"}  # start-up listings and watches: not counted


@dataclass(frozen=True, slots=True)
class Seen:
    """What the request counts need of one request, instead of the whole request with its body."""

    resource: Any
    action: Any
    method: Any
    subresource: str | None
    headers: dict[str, str]
    shape: str = ""  # what a DynamoTable patch touches (its keys), for telling the patches apart


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
                touched = ""
                verb = kube_verb(request)
                if verb is not None and verb[2] == "patch" and verb[1].startswith(PLURAL):
                    touched = shape(request.data)
                seen = Seen(request.resource, request.action, request.method, request.subresource, test, touched)
                self.log[index] = seen


class Remote:
    """The endpoint as the harness needs it: its URL (it runs in its own process)."""

    def __init__(self, url: str) -> None:
        self.url = url


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


# ------------------------------------------------------------------------------ the emulator's process


def shape(data: Any, depth: int = 0) -> str:
    """The keys of a patch body, nested two levels (what a patch touches, not its values)."""
    if not isinstance(data, dict) or depth == 3:
        return ""
    return ",".join(f"{key}{{{inner}}}" if (inner := shape(v, depth + 1)) else key for key, v in sorted(data.items()))


def patch_shapes(k: kmock.KubernetesEmulator) -> Counter[str]:
    """What the operator's patches of DynamoTables touch, by shape: which patches the counts are made of."""
    out: Counter[str] = Counter()
    for r in k.log:
        verb = kube_verb(r)
        if verb is not None and verb[2] == "patch" and verb[1].startswith(PLURAL) and TEST_HEADER not in r.headers:
            out[f"{verb[1]}: {r.shape}"] += 1
    return out


async def serve_emulator(objects: int) -> None:
    """The Kubernetes API of the run, in a process of its own (an API server is not in the operator's process:
    its CPU and memory are not the operator's). Prints `EMULATOR <api url> <control url>`; the control API
    creates the objects, says when all are Ready, and counts the requests by kind."""
    async with LeanEmulator() as k, apps.Server(k):
        register_resources(k)
        h = Harness(k=k, endpoint=Remote("http://127.0.0.1:9"), namespace="bench", settings=None)  # type: ignore[arg-type]
        names = [f"t{i:05d}" for i in range(objects)]
        ready_s: list[float] = []
        tasks: list[asyncio.Task[None]] = []

        async def create_and_wait() -> None:
            started = await create_all(h, names)
            await wait_ready(h, names)
            ready_s.append(time.monotonic() - started)

        async def watches(_: web.Request) -> web.Response:
            seen = [r for r in k.log if r.action == kmock.action.WATCH and r.resource and r.resource.plural == PLURAL]
            return web.json_response({"watches": len(seen)})

        async def create(_: web.Request) -> web.Response:
            tasks.append(asyncio.create_task(create_and_wait()))
            return web.json_response({})

        async def status(_: web.Request) -> web.Response:
            kube = Counter(f"{res} {verb}" for _, res, verb in h.kube_requests() if verb not in ONE_OFF)
            return web.json_response(
                {
                    "ready_s": ready_s[0] if ready_s else None,
                    "kube": dict(kube),
                    "patch_shapes": dict(patch_shapes(k).most_common(8)),
                    "rss_mib": peak_rss_mib(),
                    "cpu_s": cpu_seconds(),
                }
            )

        async def clear(_: web.Request) -> web.Response:
            k.log.clear()
            return web.json_response({})

        app = web.Application()
        app.add_routes(
            [
                web.get("/watches", watches),
                web.post("/create", create),
                web.get("/status", status),
                web.post("/clear", clear),
            ]
        )
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"EMULATOR {k.url} http://127.0.0.1:{port}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent goes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, required=True)
    asyncio.run(serve_emulator(parser.parse_args().objects))


if __name__ == "__main__":
    main()
