"""Calls into moto's WSGI app from inside the middleware, capturing the reply."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from .wire import TARGET_PREFIX, AwsError, Reply

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class MotoGateway:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def send(self, environ: dict[str, Any], body: bytes) -> Reply:
        """Run moto's app on `environ` with `body` as the request body."""
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured["status"] = int(status.split(maxsplit=1)[0])
            captured["headers"] = list(headers)
            return lambda data: None

        chunks = self.app(env, start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return Reply(captured.get("status", 500), captured.get("headers", []), data)

    def call(self, environ: dict[str, Any], operation: str, payload: dict[str, Any]) -> Reply:
        """Send `operation` with `payload` to moto under the same credentials and region as `environ`."""
        env = dict(environ)
        env["HTTP_X_AMZ_TARGET"] = TARGET_PREFIX + operation
        return self.send(env, json.dumps(payload).encode())

    def call_ok(self, environ: dict[str, Any], operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Like `call`, but a moto error becomes an AwsError carrying moto's code and message."""
        reply = self.call(environ, operation, payload)
        if reply.status >= 400:
            message = ""
            try:
                message = str(reply.json().get("message", ""))
            except ValueError:
                message = reply.body.decode(errors="replace")[:500]
            raise AwsError(reply.error_code() or "InternalFailure", message, reply.status)
        return reply.json()
