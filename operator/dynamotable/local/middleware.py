"""The WSGI middleware in front of moto: records requests, injects faults, routes DynamoDB calls.

moto is not thread-safe (its backends are plain dicts, with find-or-create on first use in many places: KMS's
AWS managed keys, per-account/region backends, auto scaling targets, DynamoDB Streams shards...), while the
server runs a thread per connection. So every call, to any service, runs in moto under the one lock, and its
reply is complete before the lock is let go.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import autoscaling, kms, sts
from .config import Clock, Faults
from .controlplane import ControlPlane
from .faults import FaultInjector, drop_connection, fault_error
from .gateway import WsgiApp
from .wire import DynamoRequest, Reply, error_reply, is_dynamodb_call, parse_request

MAX_RECORDED = 100_000


@dataclass(frozen=True)
class RecordedRequest:
    """One DynamoDB request the endpoint answered (or dropped)."""

    operation: str
    region: str
    account: str
    payload: dict[str, Any]
    status: int  # HTTP status; 0 when the connection was dropped by fault injection
    error_code: str | None
    time: float  # the endpoint clock when the request arrived
    fault: str | None = None  # the injected fault, if any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if length > 0:
        return bytes(stream.read(length))
    if environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream at the last chunk
        return bytes(stream.read())
    return b""


class RealismMiddleware:
    def __init__(self, app: WsgiApp, control: ControlPlane, faults: Faults, clock: Clock) -> None:
        self.app = app
        self.control = control
        self.clock = clock
        self.lock = threading.RLock()
        self.injector = FaultInjector(faults)
        self._recorded: deque[RecordedRequest] = deque(maxlen=MAX_RECORDED)

    def set_faults(self, faults: Faults) -> None:
        with self.lock:
            self.injector = FaultInjector(faults)

    def recorded(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self._recorded)

    def clear_recorded(self) -> None:
        with self.lock:
            self._recorded.clear()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not is_dynamodb_call(environ):
            return self._other_service(environ, start_response)
        request = parse_request(environ, _read_body(environ))
        with self.lock:
            arrived = self.clock()
            fault = self.injector.pick(request.operation)
            reply: Reply | None = None
            if fault is None:
                reply = self.control.handle(request)
            elif fault != "drop_connection":
                reply = error_reply(fault_error(fault, request))
            self._record(request, reply, fault, arrived)
        if reply is None:
            drop_connection(environ)
            return []
        start_response(reply.status_line, reply.headers)
        return [reply.body]

    def _other_service(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Other services, moto-api, DynamoDB Streams: straight to moto, one call at a time."""
        body = _read_body(environ)
        reply: Reply | None
        with self.lock:
            if kms.is_kms_call(environ):
                reply = kms.handle(self.control.gateway, environ, body)
            elif sts.is_assume_role(environ, body):
                reply = sts.handle(self.control.gateway, environ, body)
            elif autoscaling.is_autoscaling_call(environ):
                fault = self.injector.pick(autoscaling.operation_of(environ))
                if fault is None:
                    reply = autoscaling.handle(self.control.gateway, environ, body)
                else:
                    reply = autoscaling.fault_reply(fault)
            else:
                reply = self.control.gateway.send(environ, body)
        if reply is None:
            drop_connection(environ)
            return []
        start_response(reply.status_line, reply.headers)
        return [reply.body]

    def _record(self, request: DynamoRequest, reply: Reply | None, fault: str | None, arrived: float) -> None:
        self._recorded.append(
            RecordedRequest(
                operation=request.operation,
                region=request.region,
                account=request.account,
                payload=request.payload,
                status=reply.status if reply else 0,
                error_code=reply.error_code() if reply else None,
                time=arrived,
                fault=fault,
            )
        )
