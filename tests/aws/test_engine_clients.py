"""ClientFactory against the local endpoint: cached clients, endpoint resolution, hooks, call counters."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from dynamotable.aws.accounts import RoleToAssume
from dynamotable.aws.clients import ClientFactory, Credentials, endpoint_from_env
from dynamotable.local import LocalEndpoint


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    mp = pytest.MonkeyPatch()
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with LocalEndpoint() as ep:
        yield ep
    mp.undo()


def test_one_client_per_region_and_endpoint_shared_across_threads(endpoint: LocalEndpoint) -> None:
    factory = ClientFactory(endpoint_url=endpoint.url, max_attempts=1)
    seen: list[Any] = []
    threads = [threading.Thread(target=lambda: seen.append(factory.dynamodb("us-east-1"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1
    assert factory.dynamodb("us-west-2") is not seen[0]
    assert factory.dynamodb("us-east-1").meta.endpoint_url == endpoint.url
    assert factory.dynamodb("us-east-1").meta.config.retries == {"mode": "standard", "total_max_attempts": 2}


def test_static_credentials_get_their_own_client(endpoint: LocalEndpoint) -> None:
    factory = ClientFactory(endpoint_url=endpoint.url)
    other = Credentials("AKIDOTHER", "secret")
    assert factory.client("dynamodb", "us-east-1", credentials=other) is not factory.dynamodb("us-east-1")
    assert factory.client("dynamodb", "us-east-1", credentials=other) is factory.client(
        "dynamodb", "us-east-1", credentials=other
    )
    assert "secret" not in repr(other)


def test_every_session_shares_one_copy_of_botocore_s_models_and_endpoints(endpoint: LocalEndpoint) -> None:
    """Default credentials, static ones and an assumed role (an account) each get a session of their own, but
    endpoints.json (about 6.7 MiB decoded) and the service models are loaded once per process, not per session."""
    factory = ClientFactory(endpoint_url=endpoint.url, max_attempts=1)
    role = factory.assuming(RoleToAssume("arn:aws:iam::111122223333:role/dynamotable"), "us-east-1")
    clients = [
        factory.dynamodb("us-east-1"),
        factory.client("dynamodb", "us-east-1", credentials=Credentials("AKIDOTHER", "secret")),
        role.dynamodb("us-east-1"),
    ]
    sessions = {id(s): s for s in [*factory._sessions.values(), *role._sessions.values()]}
    assert len(sessions) == 3
    loaders = {id(s._session.get_component("data_loader")) for s in sessions.values()}
    assert len(loaders) == 1
    resolvers = [s._session._get_internal_component("endpoint_resolver") for s in sessions.values()]
    assert len({id(r._endpoint_data) for r in resolvers}) == 1
    loader = next(iter(sessions.values()))._session.get_component("data_loader")
    assert len(loader.search_paths) == len(set(loader.search_paths))
    assert all(c.list_tables()["TableNames"] == [] for c in clients[:2])


def test_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://generic:1")
    assert endpoint_from_env("dynamodb") == "http://generic:1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://ddb:2")
    assert endpoint_from_env("dynamodb") == "http://ddb:2"
    assert ClientFactory().endpoint_for("dynamodb") == "http://ddb:2"
    assert ClientFactory(endpoint_url="http://explicit:3").endpoint_for("dynamodb") == "http://explicit:3"


def test_hooks_reach_existing_and_future_clients_and_calls_are_counted(endpoint: LocalEndpoint) -> None:
    factory = ClientFactory(endpoint_url=endpoint.url, max_attempts=1)
    early = factory.dynamodb("us-east-1")
    recorded: list[tuple[str, str]] = []

    def hook(model: Any, context: Any, **_: Any) -> None:
        recorded.append((model.name, context["client_region"]))

    factory.add_hook("before-call.dynamodb.*", hook)
    early.list_tables()
    factory.dynamodb("eu-west-1").list_tables()
    assert recorded == [("ListTables", "us-east-1"), ("ListTables", "eu-west-1")]
    assert factory.calls["ListTables"] == 2
    assert factory.attempts["ListTables"] == 2
    factory.remove_hook("before-call.dynamodb.*", hook)
    early.list_tables()
    assert len(recorded) == 2
