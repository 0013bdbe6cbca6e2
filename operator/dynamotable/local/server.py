"""LocalEndpoint: moto's WSGI app behind the realism middleware and the browser guard, served by werkzeug."""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from . import motobackend
from .config import Clock, Faults, Latency, Rules, WallClock
from .controlplane import ControlPlane
from .gateway import MotoGateway
from .guard import BrowserGuard, MotoApiGate, is_loopback
from .limits import RequestRate
from .middleware import RealismMiddleware, RecordedRequest

log = logging.getLogger(__name__)

NO_LATENCY = Latency()
NO_FAULTS = Faults()
AWS_RULES = Rules()


KEEP_ALIVE_BODY_LIMIT = 16 * 1024 * 1024  # bytes; DynamoDB's largest request (BatchWriteItem) is 16 MB
IDLE_TIMEOUT = 300.0  # seconds an idle keep-alive connection is kept open


class _QuietHandler(MotoRequestHandler):
    """moto's request handler (keeps underscored headers) with per-request access logs at DEBUG level, and
    HTTP/1.1 keep-alive, as AWS's endpoints have it.

    werkzeug closes every connection after one response: after the app it drains whatever the socket still holds
    (it cannot tell an unread body from the next request). Here the body (Content-Length, at most
    KEEP_ALIVE_BODY_LIMIT) is read whole before the app runs and the app reads it from memory, so that drain finds
    nothing of the request and the connection stays at the next request line. A chunked body, one larger than the
    limit, `Expect: 100-continue` or HTTP/1.0 keep werkzeug's close. Without keep-alive every AWS call costs a TCP
    connection and a server thread: most of the operator benchmark's AWS time went to reconnecting.
    """

    timeout = IDLE_TIMEOUT
    _keep_alive = False

    def setup(self) -> None:
        super().setup()
        # werkzeug writes the status line, headers and body in separate small sends: on a kept-alive connection
        # Nagle's algorithm would hold each response for the client's delayed ACK (~40 ms).
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connections = getattr(self.server, "connections", None)
        if connections is not None:
            connections.add(self.connection)

    def finish(self) -> None:
        connections = getattr(self.server, "connections", None)
        if connections is not None:
            connections.discard(self.connection)
        super().finish()

    def _whole_body(self) -> bytes | None:
        """The request body, read from the connection; None when this request keeps werkzeug's close."""
        if self.request_version != "HTTP/1.1" or self.headers.get("Expect") or self.headers.get("Transfer-Encoding"):
            return None
        try:
            size = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if not 0 <= size <= KEEP_ALIVE_BODY_LIMIT:
            return None
        body = self.rfile.read(size) if size else b""
        return body if len(body) == size else None

    def run_wsgi(self) -> None:
        body = self._whole_body()
        if body is None:
            super().run_wsgi()
            return
        connection_file, self.rfile = self.rfile, io.BytesIO(body)
        self._keep_alive = True
        try:
            super().run_wsgi()
        finally:
            self.rfile, self._keep_alive = connection_file, False

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self._keep_alive:
            return  # the body was read whole: the connection can serve the next request
        super().send_header(keyword, value)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path, code)


class LocalEndpoint:
    """The embedded DynamoDB endpoint (use as a context manager, or start()/stop()).

    moto keeps its data in process-wide state: endpoints in one process share it, and start() and reset()
    clear all of it (tables, KMS keys, auto scaling targets). Run one endpoint per process at a time.

    Over HTTP it serves the AWS APIs only: moto's /moto-api/ (dump, reset, seed, ...) answers 404 unless
    `enable_moto_api`, and web pages can neither read its answers nor reach it by another host name (see guard).

    `clock` (seconds, monotonic) times the transitions; the dates the endpoint reports and limits by follow it
    from `epoch` (the Unix time its first reading stands for; default: now), so a test that advances a fake
    clock by a day sees the next UTC day (wall_time()).
    """

    def __init__(
        self,
        *,
        latency: Latency = NO_LATENCY,
        faults: Faults = NO_FAULTS,
        host: str = "127.0.0.1",
        port: int = 0,
        rules: Rules = AWS_RULES,
        clock: Clock | None = None,
        epoch: float | None = None,
        enable_moto_api: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self._clock: Clock = clock or time.monotonic
        self._wall = WallClock(origin=self._clock(), epoch=time.time() if epoch is None else epoch)
        self._app = MotoApiGate(DomainDispatcherApplication(create_backend_app), enabled=enable_moto_api)
        self._control = ControlPlane(MotoGateway(self._app), latency, rules, self._clock, self._wall)
        self._middleware = RealismMiddleware(self._app, self._control, faults, self._clock)
        self._guard = BrowserGuard(self._middleware, loopback_only=is_loopback(host))
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("LocalEndpoint.url is only known after start()")
        return self._url

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LocalEndpoint:
        if self._server is not None:
            return self
        self.reset()
        server = make_server(self.host, self.port, self._guard, threaded=True, request_handler=_QuietHandler)
        server.connections = set()  # type: ignore[attr-defined]  # the open keep-alive connections, closed by stop()
        self._server = server
        self._url = f"http://{self.host}:{server.server_port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="dynamotable-local", daemon=True
        )
        self._thread.start()
        log.info("local DynamoDB endpoint listening on %s", self._url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
            # Idle keep-alive connections would otherwise go on answering from a stopped endpoint.
            for connection in list(getattr(server, "connections", ())):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=10)

    def reset(self) -> None:
        """Drop every table, everything else moto holds, and all transition state (recorded requests are kept)."""
        with self._middleware.lock:
            motobackend.reset_moto()
            self._control.registry.clear()
            self._control.rate = RequestRate()
            self._control.imports.clear()

    def set_faults(self, faults: Faults) -> None:
        self._middleware.set_faults(faults)

    def set_latency(self, latency: Latency) -> None:
        """New latencies apply to transitions started from now on."""
        with self._middleware.lock:
            self._control.latency = latency

    def set_rules(self, rules: Rules) -> None:
        with self._middleware.lock:
            self._control.rules = rules

    def wall_time(self) -> float:
        """The endpoint's current date as Unix time (moves with its clock)."""
        return self._wall.at(self._clock())

    def requests(self) -> list[RecordedRequest]:
        return self._middleware.recorded()

    def clear_requests(self) -> None:
        self._middleware.clear_recorded()

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_forever(endpoint: LocalEndpoint, *, announce: Callable[[str], None] | None = None) -> None:
    """Run `endpoint` until Ctrl-C (or until another thread stops it), for `dynamotable local --port P`."""
    endpoint.start()
    if announce is not None:
        announce(endpoint.url)
    try:
        while endpoint.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        log.info("stopping the local DynamoDB endpoint")
    finally:
        endpoint.stop()
