"""boto3 sessions and clients: one per (credentials, region, endpoint, service), shared and thread-safe.

Every AWS call of the engine goes through a `ClientFactory`. It fixes the retry policy (botocore `standard`
mode, so throttling, 5xx and connection errors are retried inside the call), resolves the endpoint (an
explicit URL, else `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`), and is the single hook point where
tests, metrics and benchmarks attach botocore event handlers to every client, present and future.

Every DynamoDB HTTP attempt takes a token from the factory's bucket for its region (`aws.limits`), and
`table_operations(region)` holds the region's cap on tables in a table operation.

`assuming(role)` gives the factory of another account: the same settings, hooks, counters and limits, with the
credentials of an assumed IAM role (aws.assume_role); its bucket and slots are that account's own.

`Reachability` watches every HTTP attempt of a factory's clients and tells for how long the endpoint has not
answered at all (connection refused, DNS failure, connect timeout, proxy down), as opposed to answering with
an error; `unreachable_message` turns such a failure into one line that says what to check.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ProxyConnectionError

from .accounts import RoleToAssume
from .assume_role import Clock, assumed_role_session
from .limits import ControlPlaneLimits, TableOperations
from .sessions import boto3_session

Handler = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Credentials:
    """Static credentials; leave them out to use boto3's default chain (IRSA, instance profile, env...)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never print secrets in logs
        return f"Credentials(access_key_id={self.access_key_id[:4]}...)"


# boto3's service-specific endpoint variables are named after the service id ("Application Auto Scaling").
_ENDPOINT_VARIABLE = {"application-autoscaling": "APPLICATION_AUTO_SCALING"}


def endpoint_from_env(service: str) -> str | None:
    """The endpoint boto3 would pick from the environment for `service` (service-specific first)."""
    suffix = _ENDPOINT_VARIABLE.get(service, service.upper().replace("-", "_"))
    specific = os.environ.get(f"AWS_ENDPOINT_URL_{suffix}")
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
        limits: ControlPlaneLimits | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.limits = limits if limits is not None else ControlPlaneLimits()
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
        self.role: RoleToAssume | None = None  # set on the factories `assuming` makes
        self._root: ClientFactory = self
        self._assumed: dict[RoleToAssume, ClientFactory] = {}
        self.wall_clock: Clock | None = None  # what assumed credentials' expiry is judged by (tests set it)

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
                if service == "dynamodb":
                    client.meta.events.register("before-send", self._pace(region, creds))
                for event_name, handler in self._hooks:
                    client.meta.events.register(event_name, handler)
                self._clients[key] = client
            return client

    def assuming(self, role: RoleToAssume, sts_region: str) -> ClientFactory:
        """The factory for `role`'s account, made once per role; its STS calls go through this factory."""
        root = self._root
        with root._lock:
            child = root._assumed.get(role)
            if child is None:
                child = copy.copy(root)  # shares settings, lock, hooks, counters and limits
                child.role, child.credentials = role, None
                child._clients, child._assumed = {}, {}
                child._sessions = {
                    None: assumed_role_session(role, lambda: root.client("sts", sts_region), clock=root.wall_clock)
                }
                root._assumed[role] = child
            return child

    def _every_client(self) -> list[Any]:
        root = self._root
        return [*root._clients.values(), *(c for child in root._assumed.values() for c in child._clients.values())]

    def _session(self, creds: Credentials | None) -> Any:
        session = self._sessions.get(creds)
        if session is None:
            if creds is None:
                session = boto3_session()
            else:
                session = boto3_session(
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
            for client in self._every_client():
                client.meta.events.register(event_name, handler)

    def remove_hook(self, event_name: str, handler: Handler) -> None:
        with self._lock:  # in place: the factories of assumed roles share the list
            self._hooks[:] = [(e, h) for e, h in self._hooks if not (e == event_name and h is handler)]
            for client in self._every_client():
                client.meta.events.unregister(event_name, handler)

    def table_operations(self, region: str) -> TableOperations:
        """The table-operation slots of this factory's account in `region` (see aws.limits)."""
        return self.limits.operations(region, self._account_key(self.credentials))

    def _account_key(self, creds: Credentials | None) -> object:
        """What the limits key an account by: its credentials, or the assumed role."""
        return creds if creds is not None or self.role is None else self.role

    def _pace(self, region: str, creds: Credentials | None) -> Handler:
        bucket = self.limits.bucket(region, self._account_key(creds))

        def take_token(**_: Any) -> None:  # every HTTP attempt, retries included, as AWS counts them
            bucket.take()

        return take_token

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


# ------------------------------------------------------------------------------------------ reachability

UNREACHABLE_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ProxyConnectionError)


def is_unreachable(exc: BaseException | None) -> bool:
    """Whether an attempt failed without reaching the endpoint at all (no HTTP answer came back)."""
    return isinstance(exc, UNREACHABLE_ERRORS)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "localhost" or host.startswith("127.") or host == "::1"


def unreachable_message(exc: BaseException, endpoint: str, seconds: float) -> str:
    """One line: what could not be reached, why, for how long, and what to check."""
    kwargs: dict[str, Any] = getattr(exc, "kwargs", None) or {}
    cause = str(kwargs.get("error") or exc)
    waited = f"for {seconds:.0f}s" if seconds >= 1 else "at all"
    if isinstance(exc, ProxyConnectionError):
        proxy = kwargs.get("proxy_url") or "the proxy"
        return (
            f"cannot connect to the proxy {proxy} (from HTTPS_PROXY / HTTP_PROXY) {waited}: check that it runs, "
            "or unset it or list the endpoint in NO_PROXY"
        )
    if "resolve" in cause or "Name or service not known" in cause or "nodename nor servname" in cause:
        why = f"cannot resolve {urlsplit(endpoint).hostname or endpoint}"
    elif isinstance(exc, ConnectTimeoutError):
        why = "connect timeout"
    elif "refused" in cause.lower():
        why = "connection refused"
    else:
        why = cause
    if is_loopback_url(endpoint):
        fix = "check that the local DynamoDB (e.g. `dynamotable local`) is running on that port, or use --local"
    elif "amazonaws.com" in endpoint:
        fix = "check your network and the region, or use --local to try without AWS"
    else:
        fix = "check the --endpoint-url and your network, or use --local to try without AWS"
    return f"cannot reach DynamoDB at {endpoint} ({why}) {waited}: {fix}"


class Reachability:
    """Whether a factory's endpoint answers, judged from every HTTP attempt (botocore's retries included).

    Any HTTP answer, an error status too, counts as reachable; only attempts that got no answer count against.
    """

    def __init__(self, factory: ClientFactory, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None
        self._error: BaseException | None = None
        self._url: str | None = None
        self._answered = False
        factory.add_hook("needs-retry", self._attempt)

    def _attempt(self, response: Any = None, caught_exception: BaseException | None = None, **_: Any) -> None:
        with self._lock:
            if is_unreachable(caught_exception):
                if self._since is None:
                    self._since = self._clock()
                self._error = caught_exception
                kwargs = getattr(caught_exception, "kwargs", None) or {}
                self._url = str(kwargs.get("endpoint_url") or self._url or "")
            elif response is not None:
                self._since, self._error, self._answered = None, None, True

    def unreachable_for(self) -> float:
        """Seconds since the endpoint last answered, counted from the first attempt that got no answer; 0 while
        it answers."""
        with self._lock:
            return 0.0 if self._since is None else max(0.0, self._clock() - self._since)

    @property
    def answered(self) -> bool:
        """Whether the endpoint ever answered (a blip in a run that worked is not "unreachable")."""
        with self._lock:
            return self._answered

    @property
    def error(self) -> BaseException | None:
        with self._lock:
            return self._error

    @property
    def url(self) -> str | None:
        """The endpoint URL of the last attempt that got no answer (botocore's own, e.g. AWS's regional URL)."""
        with self._lock:
            return self._url or None
