"""Logs: a normal life (create, update, delete) logs nothing at WARNING or above, and every line about an
object names its namespace and name, in every log format."""

from __future__ import annotations

import json
import logging

import pytest
from operator_harness import Harness, eventually, table_spec

from dynamotable.operator import logs


def _about_object(record: logging.LogRecord) -> bool:
    return hasattr(record, "k8s_ref")


async def test_a_normal_life_logs_nothing_at_warning_or_above(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    h = harness
    await h.start()
    table = f"{h.namespace}-calm"
    await h.create("calm", table_spec(tableName=table, deletionPolicy="Delete"))
    await eventually(lambda: h.ready("calm"))
    await h.patch("calm", {"spec": {"tags": {"team": "shop"}, "pointInTimeRecovery": {"enabled": True}}})
    await eventually(lambda: h.obj("calm")["metadata"]["generation"] == 2 and h.ready("calm"))
    await h.delete("calm")
    await eventually(lambda: not h.exists("calm"), timeout=10)
    await h.stop()

    loud = [f"{r.name} {r.levelname}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == []
    waits = [r for r in caplog.records if "failed temporarily" in r.getMessage()]
    assert waits and all(r.levelno == logging.INFO for r in waits)  # the requeues were logged, at INFO


async def test_every_line_about_an_object_names_it_in_every_format(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = harness
    await h.start()
    table = f"{h.namespace}-named"
    await h.create("named", table_spec(tableName=table))
    await eventually(lambda: h.ready("named"))
    await h.stop()

    mentions = [r for r in caplog.records if "named" in r.getMessage() and r.name.startswith(("kopf", "dynamotable"))]
    assert mentions
    assert [r.getMessage() for r in mentions if not _about_object(r)] == []
    ours = [r for r in caplog.records if _about_object(r)]
    for fmt in ("full", "plain"):
        formatter = logs_formatter(fmt)
        for record in ours:
            assert f"[{h.namespace}/named]" in formatter.format(logging.makeLogRecord(record.__dict__))
    formatter = logs_formatter("json")
    for record in ours:
        line = json.loads(formatter.format(logging.makeLogRecord(record.__dict__)))
        assert line[logs.OBJECT_KEY]["namespace"] == h.namespace and line[logs.OBJECT_KEY]["name"] == "named"


def logs_formatter(fmt: str) -> logging.Formatter:
    """The formatter `dynamotable run --log-format FMT` installs."""
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        logs.configure(fmt)
        added = [h for h in root.handlers if h not in before[0]]
        assert added and added[0].formatter is not None
        return added[0].formatter
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
