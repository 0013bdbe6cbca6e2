"""The operator's own Kubernetes calls, over the very connection kopf logged in with.

kopf exposes no generic API client, so the few calls the operator makes itself (the Terraform ConfigMap) go
through a small aiohttp client built from the `kopf.ConnectionInfo` our login handler returned to kopf: same
server, same CA, same token or client certificate. When kopf logs in again (e.g. after a 401 with a rotated
service-account token) the login handler hands out a new ConnectionInfo and the client follows it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import ssl
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import kopf
import kubernetes.client
import kubernetes.config
from kubernetes.config.config_exception import ConfigException


class LoginFailed(Exception):
    pass


def _connection_from_client_config(cfg: kubernetes.client.Configuration) -> kopf.ConnectionInfo:
    # Newer kubernetes clients keep the token under BearerToken, older ones under authorization.
    header: str | None = cfg.get_api_key_with_prefix("BearerToken") or cfg.get_api_key_with_prefix("authorization")
    parts = header.split(" ", 1) if header else []
    scheme, token = (None, None) if not parts else (None, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    return kopf.ConnectionInfo(
        server=cfg.host,
        ca_path=cfg.ssl_ca_cert or None,
        insecure=not cfg.verify_ssl,
        username=cfg.username or None,
        password=cfg.password or None,
        scheme=scheme,
        token=token,
        certificate_path=cfg.cert_file or None,
        private_key_path=cfg.key_file or None,
    )


def login_kubeconfig(path: str | None, context: str | None = None) -> kopf.ConnectionInfo:
    """A kubeconfig file (None: $KUBECONFIG or ~/.kube/config), with everything the official client supports."""
    cfg = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=path, context=context, client_configuration=cfg
        )
    except (ConfigException, OSError) as exc:
        raise LoginFailed(f"cannot use kubeconfig {path or '(default)'}: {exc}") from exc
    return _connection_from_client_config(cfg)


def login_in_cluster() -> kopf.ConnectionInfo | None:
    """The pod's service account, or None when not running in a cluster."""
    cfg = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
    except ConfigException:
        return None
    return _connection_from_client_config(cfg)


class KubeApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"HTTP {status}: {message}")


def _pem(data: str | bytes) -> bytes:
    """kubeconfig `*-data` fields hold base64 of PEM; accept PEM as is too."""
    raw = data.encode() if isinstance(data, str) else data
    return raw if raw.lstrip().startswith(b"-----") else base64.b64decode(raw)


def _as_file(data: str | bytes, suffix: str) -> str:
    """ssl loads client certificates from files only; inline data is written once per login."""
    fd, path = tempfile.mkstemp(prefix="dynamotable-", suffix=suffix)
    with os.fdopen(fd, "wb") as f:
        f.write(_pem(data))
    return path


def _ssl_context(info: kopf.ConnectionInfo) -> ssl.SSLContext | bool:
    if not info.server.startswith("https"):
        return True
    if info.insecure:
        return False
    ctx = ssl.create_default_context()
    if info.ca_path:
        ctx.load_verify_locations(cafile=os.fsdecode(info.ca_path))
    elif info.ca_data:
        ctx.load_verify_locations(cadata=_pem(info.ca_data).decode())
    certfile = os.fsdecode(info.certificate_path) if info.certificate_path else None
    if certfile is None and info.certificate_data:
        certfile = _as_file(info.certificate_data, ".crt")
    keyfile = os.fsdecode(info.private_key_path) if info.private_key_path else None
    if keyfile is None and info.private_key_data:
        keyfile = _as_file(info.private_key_data, ".key")
    if certfile:
        ctx.load_cert_chain(certfile=certfile, keyfile=keyfile)
    return ctx


def _headers(info: kopf.ConnectionInfo) -> dict[str, str]:
    if info.token:
        return {"Authorization": f"{info.scheme or 'Bearer'} {info.token}"}
    if info.username and info.password:
        return {"Authorization": aiohttp.BasicAuth(info.username, info.password).encode()}
    return {}


class KubeApi:
    """A minimal JSON client for the handful of calls the operator makes outside kopf."""

    def __init__(self, connection: Callable[[], kopf.ConnectionInfo | None], *, timeout: float = 30.0) -> None:
        self._connection = connection
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._session_for: kopf.ConnectionInfo | None = None
        self._lock = asyncio.Lock()

    async def _current(self) -> tuple[aiohttp.ClientSession, kopf.ConnectionInfo]:
        info = self._connection()
        if info is None:
            raise KubeApiError(0, "not logged in to Kubernetes yet")
        async with self._lock:
            if self._session is None or self._session_for is not info:
                if self._session is not None:
                    await self._session.close()
                connector = aiohttp.TCPConnector(ssl=_ssl_context(info), limit=0)
                self._session = aiohttp.ClientSession(
                    connector=connector, headers=_headers(info), timeout=self._timeout
                )
                self._session_for = info
            return self._session, info

    async def request(
        self, method: str, path: str, *, body: Any = None, content_type: str = "application/json"
    ) -> Mapping[str, Any]:
        session, info = await self._current()
        url = info.server.rstrip("/") + path
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        async with session.request(method, url, data=payload, headers=headers) as rsp:
            if rsp.status >= 400:
                text = await rsp.text()
                raise KubeApiError(rsp.status, text[:500])
            data: Mapping[str, Any] = await rsp.json(content_type=None)
            return data

    async def close(self) -> None:
        async with self._lock:
            if self._session is not None:
                await self._session.close()
            self._session = None
            self._session_for = None
