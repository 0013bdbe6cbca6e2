"""What every test gets: a machine of its own.

No test may see the developer's (or CI machine's) own state: a `dynamotable local` left running records itself in
$XDG_RUNTIME_DIR/dynamotable/local.json, and `--local` commands would use it (a test once applied its examples to
an endpoint someone had started by hand); ~/.aws would lend its profiles and region.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from status_checks import RECORD_ENV, as_stored, check, write_testdata


@pytest.fixture(autouse=True)
def hermetic_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    run = tmp_path_factory.mktemp("run")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run))
    missing = str(run / "no-aws-config")
    monkeypatch.setenv("AWS_CONFIG_FILE", missing)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", missing)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return run


@pytest.fixture(autouse=True)
def statuses_read_right(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every status the engine builds in this test reads right in kstatus and Argo CD (status_checks.py)."""
    from dynamotable.engine import reconcile

    built = reconcile._Report.outcome
    where = request.node.nodeid

    def outcome(report: Any, requeue_after: float | None, **kwargs: Any) -> Any:
        result = built(report, requeue_after, **kwargs)
        check(as_stored(report.manifest, result.status), where)
        return result

    monkeypatch.setattr(reconcile._Report, "outcome", outcome)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if os.environ.get(RECORD_ENV) == "1" and session.testsfailed == 0:
        write_testdata()
