"""End-to-end fixtures: a kind cluster, the operator image, the embedded DynamoDB endpoint, the Helm release.

Needs a running Docker engine, `kind` and `kubectl` on PATH, and helm-python-sdk (it installs the chart, so no
`helm` binary is needed). Every test here is marked `e2e` and skips with the missing piece named otherwise.

    make e2e                                  # or: .venv/bin/pytest -m e2e tests/e2e -v -rs
    DYNAMOTABLE_E2E_CLUSTER=dev make e2e      # reuse an existing kind cluster named "dev" (kept afterwards)
    DYNAMOTABLE_E2E_KEEP=1 make e2e           # keep the throwaway cluster for debugging
    DYNAMOTABLE_E2E_HOST=host.docker.internal make e2e   # Docker Desktop: how pods reach the host

The embedded endpoint runs on the host (`dynamotable local --host 0.0.0.0 --port P`); pods reach it through the
kind network's gateway address, the host as seen from the kind node containers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import (
    APPS_NAMESPACE,
    CHART,
    IMAGE,
    OPERATOR_NAMESPACE,
    REGION,
    RELEASE,
    ROOT,
    Cluster,
    eventually,
    missing_tool,
    run,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    ours = [item for item in items if Path(str(item.fspath)).is_relative_to(here)]
    if not ours:
        return
    reason = missing_tool()
    for item in ours:
        item.add_marker(pytest.mark.e2e)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"e2e needs Docker, kind and kubectl: {reason}"))


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    kubeconfig = tmp_path_factory.mktemp("kind") / "kubeconfig"
    reuse = os.environ.get("DYNAMOTABLE_E2E_CLUSTER")
    name = reuse or f"dynamotable-e2e-{os.getpid()}"
    if reuse:
        run("kind", "export", "kubeconfig", "--name", name, "--kubeconfig", str(kubeconfig))
    else:
        run("kind", "create", "cluster", "--name", name, "--kubeconfig", str(kubeconfig), "--wait", "180s", timeout=600)
    try:
        yield Cluster(name, kubeconfig)
    finally:
        if not reuse and not os.environ.get("DYNAMOTABLE_E2E_KEEP"):
            run("kind", "delete", "cluster", "--name", name, timeout=300)


@pytest.fixture(scope="session")
def image(cluster: Cluster) -> str:
    run("docker", "build", "-t", IMAGE, str(ROOT), timeout=1200)
    run("kind", "load", "docker-image", IMAGE, "--name", cluster.name, timeout=600)
    return IMAGE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Endpoint:
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def endpoint(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """`dynamotable local` on the host, on all addresses so the kind nodes reach it through the gateway. Short
    CREATING/UPDATING/... phases, so the operator's waiting paths run too."""
    port = _free_port()
    latency = "create=2,update=2,delete=2,gsi_create=2,gsi_delete=2,replica=2"
    command = [sys.executable, "-m", "dynamotable.cli", "local", "--host", "0.0.0.0", "--port", str(port)]
    log = tmp_path_factory.mktemp("local") / "dynamotable-local.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*command, "--latency", latency], stdout=out, stderr=subprocess.STDOUT)
    try:
        eventually(lambda: _listening(port), timeout=60, interval=0.5, what=f"dynamotable local on port {port}")
        yield Endpoint(port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def ddb(endpoint: Endpoint) -> Callable[[str], Any]:
    """A boto3 DynamoDB client on the endpoint, as the test process sees it (localhost)."""
    import boto3
    from botocore.config import Config

    def client(region: str = REGION) -> Any:
        return boto3.client(
            "dynamodb",
            endpoint_url=endpoint.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"mode": "standard", "max_attempts": 1}),
        )

    return client


@pytest.fixture(scope="session")
def operator(cluster: Cluster, image: str, endpoint: Endpoint) -> Iterator[str]:
    """The chart installed with Helm (helm-python-sdk), watching APPS_NAMESPACE, pointed at the endpoint."""
    import helm_python as helm

    setup = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        for ns in (OPERATOR_NAMESPACE, APPS_NAMESPACE)
    ]
    setup.append(
        {  # the endpoint accepts any credentials, but botocore signs every request and needs some
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "aws-credentials", "namespace": OPERATOR_NAMESPACE},
            "stringData": {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
        }
    )
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": setup}))
    repository, tag = image.split(":")
    values = {
        "image": {"repository": repository, "tag": tag, "pullPolicy": "Never"},
        "aws": {
            "region": REGION,
            "endpointUrl": f"http://{cluster.gateway()}:{endpoint.port}",
            "credentialsSecret": "aws-credentials",
        },
        "operator": {"watchNamespaces": [APPS_NAMESPACE], "driftInterval": 30, "logLevel": "verbose"},
    }
    config = helm.Config(kubeconfig_path=str(cluster.kubeconfig), namespace=OPERATOR_NAMESPACE)
    config.install(str(CHART), RELEASE, values, namespace=OPERATOR_NAMESPACE)
    deployment = f"deployment/{RELEASE}"
    try:
        cluster.kubectl("-n", OPERATOR_NAMESPACE, "rollout", "status", deployment, "--timeout=180s", timeout=200)
        yield deployment
    finally:
        print(cluster.kubectl("-n", OPERATOR_NAMESPACE, "logs", deployment, "--tail=200"))  # shown on failure
        config.uninstall(RELEASE, ignore_not_found=True)
        config.close()
