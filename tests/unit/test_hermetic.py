"""The suite never reads the machine's own state (tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

from dynamotable.commands import local_state


def test_the_local_endpoint_state_file_is_the_tests_own(hermetic_environment: Path) -> None:
    # Before: a `dynamotable local` started by hand on the same machine was found and used by `--local` tests.
    assert local_state.state_path().is_relative_to(hermetic_environment)
    assert not local_state.state_path().is_relative_to(Path.home() / ".cache")


def test_no_aws_configuration_of_the_machine_is_read(hermetic_environment: Path) -> None:
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        assert Path(os.environ[name]).is_relative_to(hermetic_environment)
        assert not Path(os.environ[name]).exists()
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
