"""The running `dynamotable local`, so that `--local` commands share its tables.

`dynamotable local` records its URL and process id in a state file while it runs and removes it on exit:
$XDG_RUNTIME_DIR/dynamotable/local.json, or ~/.cache/dynamotable/local.json without XDG_RUNTIME_DIR. A `--local`
command uses the recorded endpoint when that process is alive and the port answers; otherwise it starts an
embedded endpoint of its own, which lives as long as the command (and so do its tables).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

STATE_FILE = "local.json"
ANSWER_TIMEOUT = 0.5  # seconds to wait for the recorded port to accept a connection


def state_path() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime else Path.home() / ".cache"
    return base / "dynamotable" / STATE_FILE


@dataclass(frozen=True, slots=True)
class Running:
    url: str
    pid: int


def reachable_url(url: str) -> str:
    """A URL a client on this machine can use: a server on every address (0.0.0.0, ::) answers on loopback."""
    parts = urlsplit(url)
    if parts.hostname in ("0.0.0.0", "::"):
        port = f":{parts.port}" if parts.port else ""
        return urlunsplit((parts.scheme, f"127.0.0.1{port}", parts.path, parts.query, parts.fragment))
    return url


def record(url: str, pid: int | None = None) -> Path:
    """Write the state file (atomically: a reader never sees half of it)."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{STATE_FILE}.{os.getpid()}")
    tmp.write_text(json.dumps({"url": reachable_url(url), "pid": pid or os.getpid()}), encoding="utf-8")
    tmp.replace(path)
    return path


def forget(pid: int | None = None) -> None:
    """Remove the state file if it still records this process (a newer `dynamotable local` may have replaced it)."""
    found = read()
    if found is not None and found.pid == (pid or os.getpid()):
        with contextlib.suppress(OSError):
            state_path().unlink()


def read() -> Running | None:
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
        return Running(url=str(data["url"]), pid=int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, but not ours to use
        return False
    return True


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=ANSWER_TIMEOUT):
            return True
    except OSError:
        return False


def running() -> Running | None:
    """The recorded `dynamotable local`, when its process is alive and its port answers."""
    found = read()
    if found is None or not _alive(found.pid) or not _answers(found.url):
        return None
    return found
