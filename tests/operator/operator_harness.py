"""The operator in-process: kopf on the test's event loop, against kmock's KubernetesEmulator, with the
embedded local DynamoDB endpoint as AWS.

kmock needs five workarounds:
1. `v1/namespaces` must be discoverable, even cluster-wide (kopf's namespace observer waits for it);
2. kmock sets no resourceVersion (kopf's finalizer JSON patch `test`s it) and answers a failed `test` with 500:
   the Emulator below stamps one on every write and answers 422 like an API server;
3. every watch replays all objects as ADDED: objects are created only after kopf's watch is open;
4. kopf cancels every task created after it started (pytest's teardown, kmock's keep-alive handlers):
   `run_tasks(ignored=...)` gets them;
5. kopf logs in through our explicit login handler (`Login(server=kmock.url)`), not a kubeconfig.
Beyond those: kmock 0.8 parses `/api/v1/namespaces` as "objects in a namespace" and fails (HTTP 500), so a
namespaced kopf (`-n`) could not list namespaces; `_parse_path` below reads it as the namespaces resource.
The Emulator also does what an API server does and kmock does not: metadata.generation (bumped on spec
changes), uid, creationTimestamp, and generateName (kopf posts Events with it).
"""

from __future__ import annotations

import asyncio
import datetime
import io
import itertools
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import jsonpatch
import kmock
import kmock._internal.parsing as kmock_parsing
import kopf
from botocore.config import Config

from dynamotable.api.spec import API_VERSION, GROUP, KIND, PLURAL, VERSION
from dynamotable.engine.model import is_mutating
from dynamotable.local import LocalEndpoint, RecordedRequest
from dynamotable.operator.rbac import Rule, allows
from dynamotable.operator.runtime import Login, Operator
from dynamotable.operator.settings import OperatorSettings

RES = f"{GROUP}/{VERSION}/{PLURAL}"
CONFIGMAPS = "v1/configmaps"
EVENTS = "v1/events"
# ObjectsArray's `in` does not parse strings: membership needs resource objects.
RES_KEY = kmock.resource(group=GROUP, version=VERSION, plural=PLURAL)
CONFIGMAPS_KEY = kmock.resource(group="", version="v1", plural="configmaps")
REGION = "us-east-1"
TEST_HEADER = "X-Dynamotable-Test"  # marks the test's own API requests (not the operator's)
TEST_HEADERS = {TEST_HEADER: "1"}
TEST_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


_kmock_parse_path = kmock_parsing.parse_path


def _parse_path(path: str) -> Any:
    parts = path.split("?", 1)[0].strip("/").split("/")
    if parts[:3] == ["api", "v1", "namespaces"] and len(parts) <= 4:
        name = parts[3] if len(parts) == 4 else None
        return kmock_parsing.ParsedPath(group="", version="v1", plural="namespaces", name=name)
    return _kmock_parse_path(path)


kmock_parsing.parse_path = _parse_path


class _RecentRequestsOnly(kmock.RawHandler):
    """kmock matches each request against every reaction by scanning ALL requests served so far (O(N) per
    request, O(N^2) per test: 20 tables took 12 s, mostly in kmock's filters). The matching only needs the
    request at hand, so the scanned list is cut to that one request here, right before kmock's matching (which
    is synchronous up to the matched reaction, so no other request can slip in); the full history is kept in
    `Emulator.log`."""

    async def _handle(self, request: Any) -> Any:
        self._requests[:] = [request]
        return await super()._handle(request)


class Emulator(kmock.KubernetesEmulator, _RecentRequestsOnly):
    _rv = itertools.count(1)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.log: list[Any] = []  # every request, in arrival order (kmock's own list is trimmed)
        self.written: list[dict[str, Any]] = []  # every DynamoTable as stored after a write (_keep_written)

    async def _handle(self, request: Any) -> Any:
        self.log.append(request)
        data = request.data
        if request.resource is not None and request.action == kmock.action.CREATE and isinstance(data, dict):
            meta = data.setdefault("metadata", {})
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = f"{meta['generateName']}{uuid.uuid4().hex[:10]}"
            meta["resourceVersion"] = str(next(self._rv))
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("generation", 1)
            meta.setdefault("creationTimestamp", datetime.datetime.now(datetime.UTC).isoformat())
        elif request.resource is not None and request.action == kmock.action.UPDATE:
            rv = str(next(self._rv))
            if isinstance(data, dict):
                meta = data.setdefault("metadata", {})
                meta["resourceVersion"] = rv
                key = (request.resource, request.namespace, request.name)
                if request.subresource is None and "spec" in data and key in self.objects:
                    current = self.objects[key].get("metadata", {}).get("generation", 1)
                    meta["generation"] = current + 1
            elif isinstance(data, list):  # JSON patch: after kopf's `test` of the old version
                data.append({"op": "replace", "path": "/metadata/resourceVersion", "value": rv})
        try:
            response = await super()._handle(request)
        except jsonpatch.JsonPatchTestFailed as exc:
            raise kmock.KubernetesError(status=422, reason="Invalid", message=str(exc)) from exc
        self._keep_written(request)
        return response

    def _keep_written(self, request: Any) -> None:
        """Keep the DynamoTable as stored after a write: what GitOps tools would read then (status_checks.py).
        Not after the test's own status writes (hand-made statuses the operator never wrote)."""
        res = request.resource
        if res is None or res.plural != PLURAL or request.name is None:
            return
        if request.action not in (kmock.action.CREATE, kmock.action.UPDATE):
            return
        if request.subresource == "status" and TEST_HEADER in request.headers:
            return
        key = (RES_KEY, request.namespace, request.name)
        if key in self.objects and not self.objects[key].deleted:
            self.written.append(json.loads(json.dumps(dict(self.objects[key].raw), default=str)))


def register_resources(k: kmock.KubernetesEmulator) -> None:
    k.resources[RES] = kmock.ResourceInfo(
        kind=KIND, namespaced=True, verbs={"list", "watch", "patch", "get"}, subresources={"status"}
    )
    k.resources["v1/namespaces"] = kmock.ResourceInfo(kind="Namespace", namespaced=False, verbs={"list", "watch"})
    k.resources[EVENTS] = kmock.ResourceInfo(kind="Event", namespaced=True, verbs={"create"})
    k.resources[CONFIGMAPS] = kmock.ResourceInfo(
        kind="ConfigMap", namespaced=True, verbs={"get", "create", "patch", "delete"}
    )
    k.resources["apiextensions.k8s.io/v1/customresourcedefinitions"] = kmock.ResourceInfo(
        kind="CustomResourceDefinition", namespaced=False, verbs={"list", "watch"}
    )


async def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Wait until check() is truthy; return its value."""
    async with asyncio.timeout(timeout):
        while True:
            value = check()
            if value:
                return value
            await asyncio.sleep(interval)


def describe_loop(loop: asyncio.AbstractEventLoop, *, watch_clock: bool = True) -> str:
    """What an event loop is doing, from another thread (for hang reports): whether its clock moves (looptime
    stops it while anything is ready), its ready handles and timers, executor futures looptime waits for, and
    every task's stack."""
    out = io.StringIO()
    before = loop.time()
    if watch_clock:  # from another thread only: the loop's own thread would stop the clock it watches
        time.sleep(1.0)
    ready = len(getattr(loop, "_ready", ()))
    scheduled = list(getattr(loop, "_scheduled", []))
    first = min((h.when() for h in scheduled), default=None)
    sync = [f for f in list(getattr(loop, "_LoopTimeEventLoop__sync_futures", ())) if not f.done()]
    print(
        f"--- loop report: loop time {before:.6f} -> {loop.time():.6f} over 1 s, {ready} ready handles, "
        f"{len(scheduled)} timers (earliest at {first}), {len(sync)} executor futures pending: {sync!r}",
        file=out,
    )
    for task in list(asyncio.all_tasks(loop)):
        print(f"--- {task!r}", file=out)
        task.print_stack(limit=12, file=out)
    return out.getvalue()


def fast_settings(endpoint: LocalEndpoint, **overrides: Any) -> OperatorSettings:
    values: dict[str, Any] = {
        "region": REGION,
        "endpoint_url": endpoint.url,
        "drift_interval": 3600.0,
        "drift_tick": 0.2,
        "poll_interval": 0.02,
        "poll_max": 0.1,
        "retry_scale": 0.01,
        "rate_limit_min": 0.05,
        "aws_max_attempts": 1,
        "blocked_retry_delay": 0.2,
        "error_backoff": 0.2,
    }
    values.update(overrides)
    return OperatorSettings(**values)


def kube_verb(request: Any) -> tuple[str, str, str] | None:
    """(apiGroup, resource[/subresource], verb) of an API request, as RBAC sees it; None for discovery."""
    if request.resource is None or request.action is None:
        return None
    res = request.resource
    if res.plural is None:
        return None  # discovery (/api/v1, /apis/<group>/<version>): allowed to every authenticated user
    plural = res.plural + (f"/{request.subresource}" if request.subresource else "")
    method = str(request.method.value if hasattr(request.method, "value") else request.method).upper()
    if request.action == kmock.action.WATCH:
        verb = "watch"
    elif request.action == kmock.action.LIST:
        verb = "list"
    elif request.action == kmock.action.FETCH:
        verb = "get"
    elif request.action == kmock.action.CREATE:
        verb = "create"
    elif request.action == kmock.action.DELETE:
        verb = "delete"
    else:
        verb = "update" if method == "PUT" else "patch"
    return (res.group or "", plural, verb)


@dataclass
class Harness:
    """One test's world: kmock, the local endpoint, and an operator that can be stopped and started again."""

    k: Emulator
    endpoint: LocalEndpoint
    namespace: str
    settings: OperatorSettings
    operator: Operator | None = None
    _stop: asyncio.Event | None = None
    _runner: asyncio.Task[None] | None = None
    _ignored: set[asyncio.Task[Any]] = field(default_factory=set)
    _clients: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------- operator

    async def start(self, settings: OperatorSettings | None = None, *, peering: str | None = None) -> Operator:
        assert self.operator is None
        if settings is not None:
            self.settings = settings
        self.operator = Operator(self.settings, login=Login(server=str(self.k.url)))
        watches_before = self._watches()
        ready, self._stop = asyncio.Event(), asyncio.Event()
        self._ignored = set(asyncio.all_tasks())
        tasks = await self.operator.spawn(stop_flag=self._stop, ready_flag=ready, peering=peering, priority=10)
        self._runner = asyncio.create_task(kopf.run_tasks(tasks, ignored=self._ignored))
        await asyncio.wait_for(ready.wait(), 10)
        await eventually(lambda: self._watches() > watches_before, timeout=10)
        return self.operator

    def _watches(self) -> int:
        return len(
            [r for r in self.k.log if r.action == kmock.action.WATCH and r.resource and r.resource.plural == PLURAL]
        )

    async def stop(self) -> None:
        if self.operator is None:
            return
        assert self._stop is not None and self._runner is not None
        try:
            current = asyncio.current_task()
            if current is not None:
                self._ignored.add(current)
            self._ignored.update(
                t for t in asyncio.all_tasks() if "RequestHandler" in getattr(t.get_coro(), "__qualname__", "")
            )
        finally:
            self._stop.set()
            self.operator = None
            done, _ = await asyncio.wait({self._runner}, timeout=15)
            if not done:  # say what is still running before the cancellation changes it
                sys.stderr.write("the operator did not stop within 15 s:\n")
                sys.stderr.write(describe_loop(asyncio.get_running_loop(), watch_clock=False))
            await asyncio.wait_for(self._runner, 0 if not done else None)

    # ---------------------------------------------------------------------------------- Kubernetes

    def url(self, name: str | None = None, namespace: str | None = None) -> str:
        base = f"/apis/{GROUP}/{VERSION}/namespaces/{namespace or self.namespace}/{PLURAL}"
        return f"{base}/{name}" if name else base

    async def create(
        self,
        name: str,
        spec: dict[str, Any],
        *,
        annotations: dict[str, str] | None = None,
        namespace: str | None = None,
    ) -> None:
        ns = namespace or self.namespace
        meta: dict[str, Any] = {"name": name, "namespace": ns}
        if annotations:
            meta["annotations"] = annotations
        body = {"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": spec}
        async with self.k.post(self.url(namespace=ns), json=body, headers=TEST_HEADERS) as rsp:
            assert rsp.status < 300, await rsp.text()

    async def patch(self, name: str, body: dict[str, Any], *, subresource: str | None = None) -> None:
        url = self.url(name) + (f"/{subresource}" if subresource else "")
        headers = {**TEST_HEADERS, "Content-Type": "application/merge-patch+json"}
        async with self.k.patch(url, json=body, headers=headers) as rsp:
            assert rsp.status < 300, await rsp.text()

    async def delete(self, name: str) -> None:
        async with self.k.delete(self.url(name), headers=TEST_HEADERS) as rsp:
            assert rsp.status < 300, await rsp.text()

    def obj(self, name: str, namespace: str | None = None) -> Any:
        return self.k.objects[RES, namespace or self.namespace, name]

    def exists(self, name: str) -> bool:
        key = (RES_KEY, self.namespace, name)
        return key in self.k.objects and not self.k.objects[key].deleted

    def status(self, name: str) -> dict[str, Any]:
        return dict(self.obj(name).get("status") or {})

    def condition(self, name: str, ctype: str = "Ready") -> dict[str, Any]:
        for cond in self.status(name).get("conditions") or []:
            if cond["type"] == ctype:
                return dict(cond)
        return {}

    def history(self, name: str) -> list[dict[str, Any]]:
        """Every stored version of the object, oldest first."""
        return [dict(v.raw) if v is not None else {} for v in self.obj(name).history]

    def ready(self, name: str) -> bool:
        cond = self.condition(name)
        gen = self.obj(name).get("metadata", {}).get("generation")
        return cond.get("status") == "True" and self.status(name).get("observedGeneration") == gen

    def reason(self, name: str) -> str | None:
        return self.condition(name).get("reason")

    def events(self, name: str) -> list[tuple[str, str, str]]:
        """(type, reason, message) of the Events posted for the object, in order."""
        out = []
        for r in self.k.log:
            if r.action == kmock.action.CREATE and r.resource is not None and r.resource.plural == "events":
                data = r.data or {}
                if data.get("involvedObject", {}).get("name") == name:
                    out.append((str(data.get("type")), str(data.get("reason")), str(data.get("message"))))
        return out

    def reasons(self, name: str) -> list[str]:
        return [reason for _, reason, _ in self.events(name)]

    def configmap(self, name: str) -> dict[str, Any] | None:
        return self.configmap_named(f"{name}-terraform")

    def configmap_named(self, config_map: str) -> dict[str, Any] | None:
        key = (CONFIGMAPS_KEY, self.namespace, config_map)
        if key not in self.k.objects or self.k.objects[key].deleted:
            return None
        return dict(self.k.objects[key].raw)

    def kube_requests(self) -> list[tuple[str, str, str]]:
        """What the operator asked of the API server (the test's own requests excluded)."""
        out = []
        for r in self.k.log:
            verb = kube_verb(r)
            if verb is not None and TEST_HEADER not in r.headers:
                out.append(verb)
        return out

    def assert_rbac_covers(self, rules: tuple[Rule, ...]) -> set[tuple[str, str, str]]:
        used = set(self.kube_requests())
        missing = {u for u in used if not allows(rules, api_group=u[0], resource=u[1], verb=u[2])}
        assert not missing, f"requests not covered by the RBAC rules: {sorted(missing)}"
        return used

    # ------------------------------------------------------------------------- the operator's clockwork

    def state(self, name: str, namespace: str | None = None) -> Any:
        """The operator's in-memory record of an object (passes made, drift checks, requested delay)."""
        assert self.operator is not None
        return self.operator.reconciler.states.get((namespace or self.namespace, name))

    async def passes(self, name: str, more: int, *, timeout: float = 10.0) -> None:
        """Wait until the operator made `more` further engine passes for the object (drift checks, retries)."""
        target = self.state(name).passes + more
        await eventually(lambda: self.state(name).passes >= target, timeout=timeout)

    async def drift_ticks(self, more: int, *, timeout: float = 10.0) -> None:
        """Wait until the drift scheduler looked for due checks `more` more times (it does at least once a drift
        tick): whatever a drift check would have done by then, it had the chance to (the proof that a 'nothing
        happened' window actually watched something)."""
        assert self.operator is not None
        drift = self.operator.reconciler.drift
        target = drift.ticks + more
        await eventually(lambda: drift.ticks >= target, timeout=timeout)

    # ----------------------------------------------------------------------------------------- AWS

    def ddb(self, region: str = REGION) -> Any:
        if region not in self._clients:
            self._clients[region] = boto3.client(
                "dynamodb",
                endpoint_url=self.endpoint.url,
                region_name=region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=TEST_CLIENT_CONFIG,
            )
        return self._clients[region]

    def aws(self, table: str | None = None, *, mutating: bool = False) -> list[RecordedRequest]:
        """Requests that reached the endpoint (optionally: about one table; only mutating ones)."""
        out = []
        for req in self.endpoint.requests():
            if mutating and not is_mutating(req.operation):
                continue
            if table is not None and _table_of(req) != table:
                continue
            out.append(req)
        return out

    def describe(self, table: str, region: str = REGION) -> dict[str, Any] | None:
        try:
            desc: dict[str, Any] = self.ddb(region).describe_table(TableName=table)["Table"]
        except self.ddb(region).exceptions.ResourceNotFoundException:
            return None
        return desc

    def tags(self, table: str, region: str = REGION) -> dict[str, str]:
        desc = self.describe(table, region)
        assert desc is not None
        tags = self.ddb(region).list_tags_of_resource(ResourceArn=desc["TableArn"]).get("Tags", [])
        return {t["Key"]: t["Value"] for t in tags}


def _table_of(req: RecordedRequest) -> str | None:
    payload = req.payload or {}
    if "TableName" in payload:
        return str(payload["TableName"])
    arn = payload.get("ResourceArn")
    if isinstance(arn, str) and ":table/" in arn:
        return arn.split(":table/", 1)[1].split("/", 1)[0]
    return None


def table_spec(**extra: Any) -> dict[str, Any]:
    """A small valid spec: hash key `id` (S), on-demand."""
    spec: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    spec.update(extra)
    return spec
