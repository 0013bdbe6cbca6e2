"""The Terraform of every example is compared byte for byte with tests/unit/golden/.

Layout: tests/unit/golden/<source id>/ holds exactly what `render_files` returns for that example source
(versions.tf plus one <label>.tf per table), e.g. golden/basic/main.tf or
golden/multi-environment/overlays/prod/environment.tf; each golden directory is a Terraform root module.
After an intended change to the renderer or the examples, regenerate and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_render_golden.py
"""

from __future__ import annotations

import os
import shutil

import pytest
from test_render_support import GOLDEN, PROVIDER_REGION, Source, example_sources

from dynamotable.terraform.render import render_files

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("src", example_sources(), ids=lambda src: src.id)
def test_rendered_example_matches_golden(src: Source) -> None:
    files = render_files(src.manifests(), provider_region=PROVIDER_REGION)
    directory = GOLDEN / src.id
    if UPDATE:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
    assert directory.is_dir(), f"no golden for {src.id}; run UPDATE_GOLDEN=1 pytest {__file__}"
    golden = {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.tf"))}
    assert sorted(files) == sorted(golden), f"{src.id}: files differ from golden"
    for name, text in files.items():
        assert text == golden[name], f"{src.id}/{name} differs from golden (UPDATE_GOLDEN=1 to regenerate)"


def test_every_golden_directory_belongs_to_an_example() -> None:
    ids = {src.id for src in example_sources()}
    golden_dirs = {p.parent.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.tf")}
    assert golden_dirs <= ids, f"stale golden directories: {sorted(golden_dirs - ids)}"
