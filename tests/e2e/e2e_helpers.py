"""Shared by the e2e fixtures and tests: the names used, command running, a kubectl wrapper, polling."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "dynamotable-operator"
IMAGE = "dynamotable-operator:e2e"
OPERATOR_NAMESPACE = "dynamotable-system"
APPS_NAMESPACE = "e2e-apps"
RELEASE = "dynamotable-operator"  # contains the chart name, so objects are named just "dynamotable-operator"
REGION = "us-east-1"


def missing_tool() -> str | None:
    for tool in ("docker", "kind", "kubectl"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False, timeout=30)
    except subprocess.TimeoutExpired:
        return "the Docker engine does not answer (`docker info` timed out)"
    if info.returncode != 0:
        return "the Docker engine is not running (`docker info` failed)"
    try:
        import helm_python  # noqa: F401
    except ImportError:
        return "helm-python-sdk is not installed (it installs the chart)"
    return None


def run(*args: str, timeout: float = 300, stdin: str | None = None) -> str:
    """Run a command; on failure raise with its output, which is what a failing e2e needs to show."""
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, input=stdin, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Cluster:
    name: str
    kubeconfig: Path

    def kubectl(self, *args: str, timeout: float = 120, stdin: str | None = None) -> str:
        return run("kubectl", "--kubeconfig", str(self.kubeconfig), *args, timeout=timeout, stdin=stdin)

    def kubectl_warnings(self, *args: str) -> str:
        """stderr of a successful kubectl call: where the API server's warnings are printed."""
        done = subprocess.run(
            ["kubectl", "--kubeconfig", str(self.kubeconfig), *args], capture_output=True, text=True, check=True
        )
        return done.stderr

    def get(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", "-o", "json", *args))

    def gateway(self) -> str:
        """IPv4 gateway of the `kind` Docker network: the host address the node containers can reach.
        Docker Desktop (macOS, Windows) routes differently: set DYNAMOTABLE_E2E_HOST=host.docker.internal."""
        if os.environ.get("DYNAMOTABLE_E2E_HOST"):
            return os.environ["DYNAMOTABLE_E2E_HOST"]
        out = run("docker", "network", "inspect", "kind", "-f", "{{range .IPAM.Config}}{{.Gateway}} {{end}}")
        ipv4 = [g for g in out.split() if "." in g]
        assert ipv4, f"no IPv4 gateway on the kind network: {out!r}"
        return ipv4[0]


def eventually(check: Callable[[], Any], *, timeout: float, interval: float = 2.0, what: str = "") -> Any:
    """Poll `check` until it returns something truthy; fail with the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except AssertionError as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or check}: last {last!r}")
