"""What every test gets: a machine of its own.

No test may see the developer's (or CI machine's) own state: a `dynamotable local` left running records itself in
$XDG_RUNTIME_DIR/dynamotable/local.json, and `--local` commands would use it (a test once applied its examples to
an endpoint someone had started by hand); ~/.aws would lend its profiles and region.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def hermetic_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    run = tmp_path_factory.mktemp("run")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run))
    missing = str(run / "no-aws-config")
    monkeypatch.setenv("AWS_CONFIG_FILE", missing)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", missing)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return run
