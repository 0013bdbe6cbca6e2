"""boto3 sessions and clients: one per (credentials, region, endpoint, service), shared and thread-safe.

Every AWS call of the engine goes through a `ClientFactory`. It fixes the retry policy (botocore `standard`
mode, so throttling, 5xx and connection errors are retried inside the call), resolves the endpoint (an
explicit URL, else `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`), and is the single hook point where
tests, metrics and benchmarks attach botocore event handlers to every client, present and future.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

Handler = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Credentials:
    """Static credentials; leave them out to use boto3's default chain (IRSA, instance profile, env...)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never print secrets in logs
        return f"Credentials(access_key_id={self.access_key_id[:4]}...)"


def endpoint_from_env(service: str) -> str | None:
    """The endpoint boto3 would pick from the environment for `service` (service-specific first)."""
    specific = os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}")
    return specific or os.environ.get("AWS_ENDPOINT_URL") or None


class ClientFactory:
    """Hands out cached boto3 clients. Create one per process and pass it around.

    `calls` counts logical API calls by operation name (botocore retries inside a call are not counted
    again); `attempts` counts HTTP attempts, retries included.
    """

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        credentials: Credentials | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        max_pool_connections: int = 10,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.max_attempts = max_attempts
        self.credentials = credentials
        self._config = Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # one HTTP connection per call in flight, or urllib3 discards the surplus connections
            max_pool_connections=max_pool_connections,
        )
        self._lock = threading.RLock()
        self._sessions: dict[Credentials | None, Any] = {}
        self._clients: dict[tuple[Credentials | None, str, str | None, str], Any] = {}
        self._hooks: list[tuple[str, Handler]] = []
        self._counter_lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()

    # ------------------------------------------------------------------------------------------ clients

    def endpoint_for(self, service: str) -> str | None:
        return self.endpoint_url or endpoint_from_env(service)

    def dynamodb(self, region: str) -> Any:
        return self.client("dynamodb", region)

    def kms(self, region: str) -> Any:
        return self.client("kms", region)

    def client(self, service: str, region: str, *, credentials: Credentials | None = None) -> Any:
        creds = credentials if credentials is not None else self.credentials
        endpoint = self.endpoint_for(service)
        key = (creds, region, endpoint, service)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:  # boto3 session and client creation are not thread-safe
            client = self._clients.get(key)
            if client is None:
                client = self._session(creds).client(
                    service, region_name=region, endpoint_url=endpoint, config=self._config
                )
                client.meta.events.register("before-call", self._count_call)
                client.meta.events.register("before-send", self._count_attempt)
                for event_name, handler in self._hooks:
                    client.meta.events.register(event_name, handler)
                self._clients[key] = client
            return client

    def _session(self, creds: Credentials | None) -> Any:
        session = self._sessions.get(creds)
        if session is None:
            if creds is None:
                session = boto3.session.Session()
            else:
                session = boto3.session.Session(
                    aws_access_key_id=creds.access_key_id,
                    aws_secret_access_key=creds.secret_access_key,
                    aws_session_token=creds.session_token,
                )
            self._sessions[creds] = session
        return session

    # -------------------------------------------------------------------------------------------- hooks

    def add_hook(self, event_name: str, handler: Handler) -> None:
        """Register a botocore event handler (e.g. 'before-call.dynamodb.*') on every client, now and later."""
        with self._lock:
            self._hooks.append((event_name, handler))
            for client in self._clients.values():
                client.meta.events.register(event_name, handler)

    def remove_hook(self, event_name: str, handler: Handler) -> None:
        with self._lock:
            self._hooks = [(e, h) for e, h in self._hooks if not (e == event_name and h is handler)]
            for client in self._clients.values():
                client.meta.events.unregister(event_name, handler)

    def _count_call(self, model: Any = None, **_: Any) -> None:
        if model is not None:
            with self._counter_lock:
                self.calls[model.name] += 1

    def _count_attempt(self, request: Any = None, **_: Any) -> None:
        name = _operation_from_request(request)
        with self._counter_lock:
            self.attempts[name] += 1


def _operation_from_request(request: Any) -> str:
    """Operation name of a prepared JSON-protocol request (X-Amz-Target: DynamoDB_20120810.UpdateTable)."""
    headers = getattr(request, "headers", None) or {}
    target = headers.get("X-Amz-Target")
    if isinstance(target, bytes):
        target = target.decode()
    if target:
        return str(target).rsplit(".", 1)[-1]
    return "unknown"
