"""`dynamotable run` as a process, against a kubeconfig that points at kmock: /healthz, /metrics, a table."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import yaml
from operator_harness import TEST_HEADERS, Harness, eventually, table_spec

from dynamotable.operator.rbac import rules_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get(url: str) -> tuple[int, str]:
    try:
        async with aiohttp.ClientSession() as session, session.get(url, timeout=aiohttp.ClientTimeout(1)) as rsp:
            return rsp.status, await rsp.text()
    except aiohttp.ClientError:
        return 0, ""


async def test_run_serves_health_and_metrics_and_reconciles(harness: Harness, tmp_path: Path) -> None:
    h = harness
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "kmock", "cluster": {"server": str(h.k.url)}}],
                "users": [{"name": "op", "user": {"token": "dummy"}}],
                "contexts": [{"name": "kmock", "context": {"cluster": "kmock", "user": "op"}}],
                "current-context": "kmock",
            }
        )
    )
    async with h.k.post("/api/v1/namespaces", json={"metadata": {"name": h.namespace}}, headers=TEST_HEADERS):
        pass
    liveness, metrics = _free_port(), _free_port()
    env = {
        **os.environ,
        "DYNAMOTABLE_REGION": "us-east-1",
        "DYNAMOTABLE_ENDPOINT_URL": h.endpoint.url,
        "DYNAMOTABLE_POLL_INTERVAL": "0.05",
        "DYNAMOTABLE_POLL_MAX": "0.1",
        "DYNAMOTABLE_AWS_MAX_ATTEMPTS": "1",
        "KUBECONFIG": "/nonexistent",  # --kubeconfig must be what is used
    }
    args = ["run", "--kubeconfig", str(kubeconfig), "-n", h.namespace, "--liveness-port", str(liveness)]
    args += ["--metrics-port", str(metrics), "--log-format", "json"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dynamotable.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        status, body = 0, ""
        async with asyncio.timeout(
            90
        ):  # a bound against a hang: start-up imports kopf, boto3 and moto (slow under load)
            while status != 200:
                status, body = await _get(f"http://127.0.0.1:{liveness}/healthz")
                await asyncio.sleep(0.1)
        assert json.loads(body)["objects"] == 0  # our probe's content

        await eventually(lambda: any(r.action is not None and r.action.name == "WATCH" for r in h.k.log), timeout=10)
        await h.create("cli", table_spec(tableName=f"{h.namespace}-cli"))
        await eventually(lambda: h.ready("cli"), timeout=60)

        status, text = await _get(f"http://127.0.0.1:{metrics}/metrics")
        assert status == 200
        assert 'dynamotable_reconciles_total{result="Synced",trigger="create"} 1.0' in text
        assert 'dynamotable_aws_calls_total{operation="CreateTable",outcome="ok"} 1.0' in text
        assert "dynamotable_plan_steps_pending 0.0" in text
        assert "dynamotable_reconcile_duration_seconds_bucket" in text
        h.assert_rbac_covers(rules_for(all_namespaces=False, peering=False))
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()[-2000:]
    lines = [line for line in stderr.decode().splitlines() if line.startswith("{")]
    assert lines and all("message" in json.loads(line) for line in lines)
