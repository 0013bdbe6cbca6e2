"""Assembling and running the operator: settings, AWS client factory, metrics, Kubernetes login, kopf.

`Operator` wires one instance (its own kopf registry, settings, metrics registry, thread pool); `run()` is
what `dynamotable run` calls. Tests use `Operator.spawn()` to run it in-process on their own event loop.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import socket
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, cast

import kopf
from prometheus_client import start_http_server

from dynamotable.aws.clients import ClientFactory
from dynamotable.aws.limits import ControlPlaneLimits
from dynamotable.operator import handlers, logs, shards
from dynamotable.operator.kube import KubeApi, LoginFailed, login_in_cluster, login_kubeconfig
from dynamotable.operator.metrics import DriftCollector, Metrics
from dynamotable.operator.persistence import DiffBaseStorage, ProgressStorage, StaleBodies
from dynamotable.operator.reconciler import Reconciler, aws_connections
from dynamotable.operator.settings import (
    ANNOTATION_PREFIX,
    DIFFBASE_KEY,
    FINALIZER,
    REPORTING_COMPONENT,
    OperatorSettings,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Login:
    """Where the Kubernetes API is: an explicit server (tests), a kubeconfig, or in-cluster then kubeconfig."""

    server: str | None = None
    kubeconfig: str | None = None
    context: str | None = None

    def __call__(self) -> kopf.ConnectionInfo:
        if self.server is not None:
            return kopf.ConnectionInfo(server=self.server)
        if self.kubeconfig is not None:
            return login_kubeconfig(self.kubeconfig, self.context)
        info = login_in_cluster()
        if info is not None:
            return info
        try:
            return login_kubeconfig(None, self.context)
        except LoginFailed as exc:
            raise LoginFailed(f"not in a cluster, and {exc}") from exc


def kopf_settings(
    settings: OperatorSettings, *, peering: str | None = None, stale: StaleBodies | None = None
) -> kopf.OperatorSettings:
    """kopf's settings; `stale` is the reconciler's record of stale bodies, for which kopf writes nothing."""
    stale = stale if stale is not None else StaleBodies()
    ks = kopf.OperatorSettings()
    ks.persistence.finalizer = FINALIZER
    ks.persistence.progress_storage = ProgressStorage(stale, prefix=ANNOTATION_PREFIX)
    ks.persistence.diffbase_storage = DiffBaseStorage(stale, prefix=ANNOTATION_PREFIX, key=DIFFBASE_KEY)
    ks.persistence.consistency_timeout = settings.consistency_timeout
    ks.posting.reporting_component = REPORTING_COMPONENT
    ks.posting.reporting_instance = socket.gethostname()
    ks.posting.event_name_prefix = f"{REPORTING_COMPONENT}-"
    # A LIST of 10k DynamoTables in one response is a memory spike on both sides; page it.
    ks.watching.chunk_size = 500
    ks.peering.standalone = peering is None
    if peering is not None:
        ks.peering.name = peering
        ks.peering.mandatory = True
    return ks


def _identity() -> str:
    """Unique per process, like kopf's own default (host, start time, random): the pod name alone (POD_ID) could
    be shared by the old and the new process of a restarted container."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
    return f"{os.environ.get('POD_ID') or socket.gethostname()}/{stamp}/{uuid.uuid4().hex[:6]}"


class ShardingNeedsPeering(ValueError):
    pass


class Operator:
    def __init__(
        self,
        settings: OperatorSettings | None = None,
        *,
        login: Callable[[], kopf.ConnectionInfo],
        peering: str | None = None,
        namespaces: Collection[str] = (),
    ) -> None:
        """`peering` and `namespaces` are what spawn()/run() will get; sharding (settings.shard_count) needs them
        up front, since the shard's census reads the peering objects of that base name in those namespaces."""
        self.settings = settings or OperatorSettings()
        self.factory = ClientFactory(
            endpoint_url=self.settings.endpoint_url,
            max_attempts=self.settings.aws_max_attempts,
            max_pool_connections=aws_connections(self.settings.max_concurrent_reconciles),
            limits=ControlPlaneLimits(
                requests_per_second=self.settings.aws_requests_per_second,
                table_operations=self.settings.max_table_operations,
                indexed_creates=self.settings.max_indexed_creates,
            ),
        )
        self.metrics = Metrics()
        self.metrics.attach(self.factory)
        self.connection: kopf.ConnectionInfo | None = None
        self._login_source = login
        self.kube = KubeApi(lambda: self.connection)
        self.reconciler = Reconciler(self.settings, self.factory, self.metrics, self.kube)
        drift = self.reconciler.drift
        self.metrics.registry.register(
            DriftCollector(self.reconciler.states.scheduled, lambda: drift.in_flight, lambda: drift.started)
        )
        self.registry = kopf.OperatorRegistry()
        # kopf's name for this process in the peering objects; passed to kopf so the shard census can find it.
        self.identity = _identity()
        self.peering = peering
        self.shard = self._shard(peering, namespaces)
        handlers.register(self.registry, self.reconciler, self._login, self.shard)
        logs.install_filters()

    def _shard(self, peering: str | None, namespaces: Collection[str]) -> shards.Shard | None:
        count = self.settings.shard_count
        globs = any(ch in ns for ns in namespaces for ch in "*?[")
        if count is None and peering is not None and not globs:
            # Hot standby, one shard: the census pauses what runs outside kopf's handlers (drift checks, slot
            # waits) while kopf pauses this process for a peer of a higher priority. (With namespace globs the
            # peering objects cannot be listed: kopf's pause then covers its handlers only.)
            count = 1
        if count is None:
            return None
        if peering is None:
            raise ShardingNeedsPeering("sharding (shard_count) needs peering (--peering NAME)")
        if globs:
            raise ShardingNeedsPeering("sharding needs exact namespace names (no globs)")
        gate = shards.ShardGate(
            self.kube,
            base=peering,
            index=self.settings.shard_index,
            count=count,
            identity=str(self.identity),
            namespaces=namespaces,
            interval=self.settings.shard_census_interval,
        )
        shards.register(self.registry, gate)
        shards.ShardMetrics(self.metrics.registry, gate)
        return shards.Shard(self.settings.shard_index, count, gate)

    def kopf_peering(self, peering: str | None) -> str | None:
        """The peering object kopf uses: the shard's own one when sharded, else `peering` as given."""
        if self.shard is None or peering is None:
            return peering
        return shards.peering_name(peering, self.shard.index, self.shard.count)

    def _login(self) -> kopf.ConnectionInfo:
        # kopf calls this at startup and again whenever its credentials stop working (e.g. a rotated token);
        # the operator's own client follows the latest connection.
        self.connection = self._login_source()
        return self.connection

    async def spawn(
        self,
        *,
        namespaces: Collection[str] = (),
        peering: str | None = None,
        priority: int = 0,
        liveness_endpoint: str | None = None,
        stop_flag: asyncio.Event | None = None,
        ready_flag: asyncio.Event | None = None,
    ) -> Collection[asyncio.Task[None]]:
        """kopf's root tasks for this operator, on the running loop (for embedding and tests)."""
        peering = self.kopf_peering(peering if peering is not None else self.peering)
        return await kopf.spawn_tasks(
            registry=self.registry,
            identity=cast(Any, self.identity),  # kopf's Identity is a NewType of str it does not export
            settings=kopf_settings(self.settings, peering=peering, stale=self.reconciler.stale),
            clusterwide=not namespaces,
            namespaces=list(namespaces),
            standalone=peering is None,
            priority=priority,
            peering_name=peering,
            liveness_endpoint=liveness_endpoint,
            stop_flag=stop_flag,
            ready_flag=ready_flag,
        )

    def run(
        self,
        *,
        namespaces: Collection[str] = (),
        peering: str | None = None,
        priority: int = 0,
        liveness_endpoint: str | None = None,
        metrics_port: int | None = None,
        metrics_address: str = "0.0.0.0",
    ) -> None:
        """Run until SIGINT/SIGTERM (kopf installs the signal handlers). Raises LoginFailed before starting
        anything when there is no usable Kubernetes connection (kopf itself would wait for one forever)."""
        self._login()
        peering = self.kopf_peering(peering if peering is not None else self.peering)
        server = None
        if metrics_port:
            server, thread = start_http_server(metrics_port, addr=metrics_address, registry=self.metrics.registry)
            log.info("metrics on http://%s:%d/metrics", metrics_address, metrics_port)
        try:
            kopf.run(
                registry=self.registry,
                identity=cast(Any, self.identity),
                settings=kopf_settings(self.settings, peering=peering, stale=self.reconciler.stale),
                clusterwide=not namespaces,
                namespaces=list(namespaces),
                standalone=peering is None,
                priority=priority,
                peering_name=peering,
                liveness_endpoint=liveness_endpoint,
            )
        finally:
            if server is not None:
                server.shutdown()
                thread.join(timeout=5)


def configure_logging(log_format: str = "full", *, verbose: bool = False, debug: bool = False) -> None:
    logs.configure(log_format, verbose=verbose, debug=debug)
