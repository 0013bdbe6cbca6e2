"""What a web page or another local user's browser may not do with the local endpoint.

moto's server is made for tests: flask-cors answers every origin with `Access-Control-Allow-Origin: *`, and
/moto-api/ dumps (data.json), wipes (reset) or rewires (seed, state manager, recorder, config) everything
without authentication. Behind `dynamotable local` that would let any page open in a browser on the same
machine read or drop the tables. So:

- no response carries an `Access-Control-*` header, and requests from another origin (an `Origin` header
  that is not the endpoint's own) are refused: a page can neither read answers nor send writes;
- /moto-api/ (and everything else moto routes to its admin app) answers 404 unless asked for;
- when the endpoint listens on a loopback address, a `Host` header that is not a loopback name or address
  is refused (DNS rebinding: a page's own host name made to resolve to 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from .gateway import WsgiApp

MOTO_API_SERVICE = "moto_api"  # moto's name for the Flask app of /moto-api/ and /favicon.ico
CORS_PREFIX = "access-control-"


def is_loopback(host: str) -> bool:
    """True for `localhost`, `*.localhost` (RFC 6761: never resolved by DNS) and loopback IPv4/IPv6 addresses."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str | None:
    """The host of a `Host` header (`name`, `name:port`, `[v6]:port`); None if it cannot be parsed."""
    try:
        return urlsplit(f"//{header}").hostname
    except ValueError:
        return None


def _refuse(start_response: Callable[..., Any], status: int, code: str, message: str) -> Iterable[bytes]:
    body = json.dumps({"__type": code, "message": message}).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))],
    )
    return [body]


class MotoApiGate:
    """moto's domain dispatcher, minus its admin app unless `enabled`."""

    def __init__(self, dispatcher: Any, *, enabled: bool) -> None:
        self.dispatcher = dispatcher
        self.enabled = enabled

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        app = self.dispatcher.get_application(environ)
        if not self.enabled and getattr(app, "service", None) == MOTO_API_SERVICE:
            return _refuse(
                start_response,
                404,
                "NotFoundException",
                "moto's /moto-api/ is off; start the endpoint with --enable-moto-api to serve it",
            )
        result: Iterable[bytes] = app(environ, start_response)
        return result


class BrowserGuard:
    """Outermost WSGI layer: no CORS, no cross-origin requests, no foreign Host names on a loopback bind."""

    def __init__(self, app: WsgiApp, *, loopback_only: bool) -> None:
        self.app = app
        self.loopback_only = loopback_only

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if self.loopback_only and host is not None:
            name = host_name(str(host))
            if name is None or not is_loopback(name):
                return _refuse(
                    start_response,
                    403,
                    "AccessDeniedException",
                    f"Host {host!r} is not a loopback name; the endpoint listens on loopback only "
                    "(start it with --host 0.0.0.0 or the address clients use to serve other names)",
                )
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin != f"{environ.get('wsgi.url_scheme', 'http')}://{host}":
            return _refuse(start_response, 403, "AccessDeniedException", "cross-origin requests are refused")

        def without_cors(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if not name.lower().startswith(CORS_PREFIX)]
            return start_response(status, kept, exc_info) if exc_info is not None else start_response(status, kept)

        return self.app(environ, without_cors)
