"""Helpers for tests/cli: the real `dynamotable` command in a subprocess, in an environment of the test's own
(no AWS config of the machine, no real AWS), against the embedded local endpoint; and on a pseudo-terminal."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import socket
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from dynamotable.engine.model import is_mutating
from dynamotable.local import LocalEndpoint

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "operator" / "dynamotable" / "commands" / "plan.schema.json"
RUN_TIMEOUT = 30.0  # a hang fails the test; nothing here is a timing assertion


def manifest(
    name: str = "cli-carts",
    *,
    region: str | None = "us-east-1",
    extra: str = "",
    attributes: str = "{name: id, type: S}",
    policy: str = "Retain",
    resource: str = "carts",
) -> str:
    lines = [
        "apiVersion: dynamotable.io/v1alpha1",
        "kind: DynamoTable",
        f"metadata: {{name: {resource}, namespace: shop}}",
        "spec:",
        f"  tableName: {name}",
        *([f"  region: {region}"] if region else []),
        "  hashKey: id",
        f"  attributes: [{attributes}]",
        f"  deletionPolicy: {policy}",
    ]
    return "\n".join(lines) + "\n" + extra


GSI_ATTRS = "{name: id, type: S}, {name: status, type: S}"
GSI = "  globalSecondaryIndexes: [{name: ByStatus, hashKey: status, projectionType: KEYS_ONLY}]\n"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]


class Cli:
    """Runs `python -m dynamotable.cli` with HOME, XDG_RUNTIME_DIR and the AWS config files in tmp_path."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        (tmp_path / "run").mkdir(exist_ok=True)
        self.aws_config = tmp_path / "aws-config"
        self.aws_config.write_text("")
        (tmp_path / "aws-credentials").write_text("")
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "DYNAMOTABLE_")) and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")
        }
        self.env = {
            **base,
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(tmp_path / "run"),
            "AWS_CONFIG_FILE": str(self.aws_config),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }

    def write(self, text: str, name: str = "table.yaml") -> Path:
        path = self.tmp / name
        path.write_text(text)
        return path

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "dynamotable.cli", *args]

    def many(self, *runs: tuple[list[str], dict[str, str]], timeout: float = RUN_TIMEOUT) -> list[Result]:
        """Several independent commands at once (start-up dominates a command's time); results in order."""
        procs = [
            subprocess.Popen(
                self.command(*args),
                env={**self.env, **env},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=self.tmp,
            )
            for args, env in runs
        ]
        results = []
        try:
            for proc in procs:
                out, err = proc.communicate(timeout=timeout)
                results.append(Result(proc.returncode, out, err))
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        return results

    def __call__(self, *args: str, env: dict[str, str] | None = None, timeout: float = RUN_TIMEOUT) -> Result:
        proc = subprocess.run(
            self.command(*args),
            check=False,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.tmp,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


def boto(endpoint: LocalEndpoint, region: str = "us-east-1") -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def create_ours(
    endpoint: LocalEndpoint,
    name: str = "cli-carts",
    *,
    resource: str = "carts",
    gsi: bool = False,
    stream: str | None = None,
    protected: bool = False,
) -> None:
    """Create a table as `apply` of manifest(name, resource=...) would have (ours: it carries our tag), quicker
    than running apply to set a test up."""
    attributes = [{"AttributeName": "id", "AttributeType": "S"}]
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "Tags": [{"Key": "dynamotable.io/owner", "Value": f"shop/{resource}"}],
        "DeletionProtectionEnabled": protected,
    }
    if gsi:
        attributes.append({"AttributeName": "status", "AttributeType": "S"})
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "ByStatus",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ]
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    boto(endpoint).create_table(AttributeDefinitions=attributes, **request)


def mutating(endpoint: LocalEndpoint) -> list[Any]:
    return [r for r in endpoint.requests() if is_mutating(r.operation)]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Terminal:
    """A command on a pseudo-terminal (stdin, stdout and stderr), read as it writes."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        env = {k: v for k, v in env.items() if k not in ("NO_COLOR", "COLUMNS")}
        self.proc = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env={**env, "TERM": "xterm"}, cwd=cwd, close_fds=True
        )
        os.close(slave)
        self.output = ""

    def read_until(self, predicate: Callable[[str], bool], timeout: float = RUN_TIMEOUT) -> str:
        end = time.monotonic() + timeout
        while not predicate(self.output):
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"not seen on the terminal in time; got:\n{self.output}")
            ready, _, _ = select.select([self.master], [], [], min(remaining, 0.2))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the other side closed: the command ended
                    chunk = b""
                if not chunk:
                    if self.proc.poll() is not None and not predicate(self.output):
                        raise AssertionError(f"the command ended first; got:\n{self.output}")
                    continue
                self.output += chunk.decode("utf-8", "replace")
        return self.output

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > end:
                self.proc.kill()
                raise AssertionError(f"the command did not end; got:\n{self.output}")
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                with contextlib.suppress(OSError):
                    self.output += os.read(self.master, 65536).decode("utf-8", "replace")
        try:
            while select.select([self.master], [], [], 0.05)[0]:
                chunk = os.read(self.master, 65536)
                if not chunk:
                    break
                self.output += chunk.decode("utf-8", "replace")
        except OSError:
            pass
        os.close(self.master)
        return int(self.proc.returncode)
