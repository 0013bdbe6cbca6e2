"""The Argo CD health check in Argo CD's layout: health.lua gives what health_test.yaml says on every testdata
file (as Argo CD's own resource_customizations test does), the testdata were recorded from the test suite
(status_checks.py; regenerate with DYNAMOTABLE_RECORD_STATUSES=1, see docs/gitops.md), and they cover every
Ready reason and every health the check can give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from argocd_health import HEALTH_DIR, health
from dynamotable.api.status import Reason
from status_checks import ALLOWED, NO_STATUS, NOT_OBSERVED, file_name_for, judge

TESTS: list[dict[str, Any]] = yaml.safe_load((HEALTH_DIR / "health_test.yaml").read_text())["tests"]
TESTDATA = sorted((HEALTH_DIR / "testdata").glob("*.yaml"))
RECORDED_FROM = "# Recorded by the test suite (tests/status_checks.py) from tests/"


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def test_health_test_yaml_lists_every_testdata_file_once() -> None:
    listed = [t["inputPath"] for t in TESTS]
    assert sorted(listed) == [f"testdata/{p.name}" for p in TESTDATA]


@pytest.mark.parametrize("case", TESTS, ids=lambda t: t["inputPath"])
def test_health_lua_gives_what_health_test_yaml_says(case: dict[str, Any]) -> None:
    status, message = health(_load(HEALTH_DIR / case["inputPath"]))
    assert {"status": status, "message": message} == case["healthStatus"]


@pytest.mark.parametrize("path", TESTDATA, ids=lambda p: p.name)
def test_every_testdata_file_was_recorded_from_the_suite_and_reads_right(path: Path) -> None:
    assert path.read_text().startswith(RECORDED_FROM), f"{path.name}: not recorded by the test suite"
    obj = _load(path)
    judged = judge(obj, path.name)
    assert path.name == file_name_for((judged.reason, judged.kstatus, judged.argocd))


def test_the_testdata_cover_every_reason_and_every_health() -> None:
    judged = [judge(_load(p), p.name) for p in TESTDATA]
    assert {j.reason for j in judged} == {r.value for r in Reason} | {NO_STATUS, NOT_OBSERVED}
    assert {j.argocd for j in judged} == {"Healthy", "Progressing", "Degraded", "Suspended"}
    assert set(ALLOWED) == {r.value for r in Reason} | {NO_STATUS, NOT_OBSERVED}


def test_a_status_written_before_reconciling_and_stalled_existed_still_reads_right() -> None:
    """An operator upgrade: until the first pass of the new version, a stopped table has Ready and Progressing."""
    old = {
        "metadata": {"generation": 1},
        "status": {
            "observedGeneration": 1,
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "InvalidSpec", "message": "spec.hashKey: ..."},
                {"type": "Progressing", "status": "False", "reason": "InvalidSpec", "message": "spec.hashKey: ..."},
            ],
        },
    }
    assert health(old) == ("Degraded", "InvalidSpec: spec.hashKey: ...")
    old["status"]["conditions"][0]["reason"] = old["status"]["conditions"][1]["reason"] = "Updating"
    old["status"]["conditions"][1]["status"] = "True"
    assert health(old)[0] == "Progressing"
