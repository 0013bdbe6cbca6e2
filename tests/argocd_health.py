"""Runs the Argo CD health check (argocd/resource_customizations/dynamotable.io/DynamoTable/health.lua) the way
Argo CD does: the object as a Lua table in the global `obj`, the script's returned table as the health. Argo CD
runs gopher-lua, a Lua 5.1: so does this (lupa's bundled Lua 5.1)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lupa.lua51 as lupa

HEALTH_DIR = Path(__file__).resolve().parents[1] / "argocd/resource_customizations/dynamotable.io/DynamoTable"
HEALTH_LUA = HEALTH_DIR / "health.lua"
# One Lua state, and `obj` is a global in it: the operator's passes run in threads, one call at a time here.
_lock = threading.Lock()


@functools.cache
def _runtime() -> tuple[Any, Any]:
    lua = lupa.LuaRuntime(unpack_returned_tuples=True)
    return lua, lua.compile(HEALTH_LUA.read_text())


def health(obj: Mapping[str, Any]) -> tuple[str, str]:
    """(status, message) health.lua gives `obj`."""
    with _lock:
        lua, script = _runtime()
        lua.globals().obj = lua.table_from(dict(obj), recursive=True)
        result = script()
        return str(result["status"]), str(result["message"] or "")
