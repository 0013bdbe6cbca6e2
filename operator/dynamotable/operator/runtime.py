"""Assembling and running the operator: settings, AWS client factory, metrics, Kubernetes login, kopf.

`Operator` wires one instance (its own kopf registry, settings, metrics registry, thread pool); `run()` is
what `dynamotable run` calls. Tests use `Operator.spawn()` to run it in-process on their own event loop.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass

import kopf
from prometheus_client import start_http_server

from dynamotable.aws.clients import ClientFactory
from dynamotable.operator import handlers, logs
from dynamotable.operator.kube import KubeApi, LoginFailed, login_in_cluster, login_kubeconfig
from dynamotable.operator.metrics import Metrics
from dynamotable.operator.reconciler import Reconciler
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


def kopf_settings(settings: OperatorSettings, *, peering: str | None = None) -> kopf.OperatorSettings:
    ks = kopf.OperatorSettings()
    ks.persistence.finalizer = FINALIZER
    ks.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
    ks.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix=ANNOTATION_PREFIX, key=DIFFBASE_KEY)
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


class Operator:
    def __init__(self, settings: OperatorSettings | None = None, *, login: Callable[[], kopf.ConnectionInfo]) -> None:
        self.settings = settings or OperatorSettings()
        self.factory = ClientFactory(
            endpoint_url=self.settings.endpoint_url,
            max_attempts=self.settings.aws_max_attempts,
            max_pool_connections=self.settings.max_concurrent_reconciles,
        )
        self.metrics = Metrics()
        self.metrics.attach(self.factory)
        self.connection: kopf.ConnectionInfo | None = None
        self._login_source = login
        self.kube = KubeApi(lambda: self.connection)
        self.reconciler = Reconciler(self.settings, self.factory, self.metrics, self.kube)
        self.registry = kopf.OperatorRegistry()
        handlers.register(self.registry, self.reconciler, self._login)
        logs.install_filters()

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
        return await kopf.spawn_tasks(
            registry=self.registry,
            settings=kopf_settings(self.settings, peering=peering),
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
        server = None
        if metrics_port:
            server, thread = start_http_server(metrics_port, addr=metrics_address, registry=self.metrics.registry)
            log.info("metrics on http://%s:%d/metrics", metrics_address, metrics_port)
        try:
            kopf.run(
                registry=self.registry,
                settings=kopf_settings(self.settings, peering=peering),
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
