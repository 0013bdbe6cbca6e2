"""examples/: every DynamoTable validates, every seed pattern has one, the kustomize overlays build."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_render_support import (
    EXAMPLES,
    EXAMPLES_BEYOND_SEED,
    GITOPS_EXAMPLES,
    KUSTOMIZATION,
    PROVIDER_REGION,
    SEED_EXAMPLES,
    SEED_PATH,
    SEED_WITHOUT_EXAMPLE,
    example_manifest,
    example_sources,
    kustomize,
    seed_tables,
)

from dynamotable import loader
from dynamotable.api import spec as s
from dynamotable.api.validation import validate_manifest

INVALID = Path(__file__).parent / "invalid"
YAML_FILES = sorted(p for p in EXAMPLES.rglob("*.yaml") if GITOPS_EXAMPLES not in p.parents)
OVERLAYS = sorted(p for p in (EXAMPLES / "multi-environment" / "overlays").iterdir() if p.is_dir())


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_every_yaml_file_is_valid_manifests_or_not_a_dynamotable(path: Path) -> None:
    """The CLI reads every *.yaml under a directory: a file is whole valid manifests or another kind."""
    docs = _documents(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        if doc.get("kind") == s.KIND:
            manifest, errors = validate_manifest(doc, default_region=PROVIDER_REGION)
            assert errors == [], [str(e) for e in errors]
            assert manifest is not None and manifest.spec.region == "us-east-1"
            assert manifest.spec.table_name is not None, "examples name their table explicitly"
        else:
            assert path.name == KUSTOMIZATION and doc.get("kind") == "Kustomization"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_every_overlay_builds_valid_manifests(overlay: Path) -> None:
    docs = kustomize(overlay)
    assert [d["kind"] for d in docs] == [s.KIND]
    manifest, errors = validate_manifest(docs[0], default_region=PROVIDER_REGION)
    assert errors == [], [str(e) for e in errors]
    assert manifest is not None
    assert manifest.namespace == overlay.name
    assert manifest.table_name == f"{overlay.name}-table"
    assert manifest.spec.tags is not None and manifest.spec.tags["Environment"] == overlay.name


def test_the_overlays_differ_as_the_seed_environments_do() -> None:
    built = {o.name: kustomize(o)[0]["spec"] for o in OVERLAYS}
    assert set(built) == {"dev", "staging", "prod"}
    assert built["dev"]["stream"] == {"enabled": False}
    assert built["dev"]["serverSideEncryption"] == {"enabled": False}
    for env in ("staging", "prod"):
        assert built[env]["stream"] == {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"}
        assert built[env]["serverSideEncryption"]["enabled"] is True
    assert (built["prod"]["billingMode"], built["prod"]["readCapacity"], built["prod"]["writeCapacity"]) == (
        "PROVISIONED",
        10,
        10,
    )
    assert built["staging"]["billingMode"] == built["dev"]["billingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_kubectl_kustomize_builds_what_the_test_helper_builds(overlay: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not found")
    result = subprocess.run(
        [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert [d for d in yaml.safe_load_all(result.stdout) if d is not None] == kustomize(overlay)


def test_the_cli_loader_reads_the_examples_directory_without_errors() -> None:
    loaded = loader.load([str(EXAMPLES)])
    checked = loader.check(loaded, default_region=PROVIDER_REGION)
    assert checked.error_lines() == []
    # examples/gitops holds Argo CD and Flux objects: skipped too (test_gitops_examples.py)
    notes = [n for n in loaded.notes if not n.startswith(str(GITOPS_EXAMPLES))]
    assert all(note.endswith("skipped Kustomization") for note in notes), loaded.notes
    assert len(notes) == len(list(EXAMPLES.rglob(KUSTOMIZATION)))
    direct = [d for p in YAML_FILES for d in _documents(p) if d.get("kind") == s.KIND]
    assert len(checked.manifests) == len(direct)


def test_every_seed_pattern_has_an_example() -> None:
    for address, (source_id, owner_id) in SEED_EXAMPLES.items():
        manifest = example_manifest(source_id, owner_id)
        assert manifest.table_name, address
    used = {source_id for source_id, _ in SEED_EXAMPLES.values()}
    unused = {src.id for src in example_sources()} - used - {"multi-environment/base"} - set(EXAMPLES_BEYOND_SEED)
    assert unused == set(), f"examples not tied to a seed pattern: {unused}"
    assert set(seed_tables(SEED_PATH.read_text())) == set(SEED_EXAMPLES) | set(SEED_WITHOUT_EXAMPLE)


def test_the_seed_provisioned_table_as_written_is_kept_invalid_next_to_its_correction() -> None:
    """The as-written copy differs from examples/provisioned.yaml only by the corrections."""
    as_written = yaml.safe_load((INVALID / "seed_provisioned_as_written.yaml").read_text())
    corrected = yaml.safe_load((EXAMPLES / "provisioned.yaml").read_text())
    _, errors = validate_manifest(as_written)
    assert {e.path for e in errors} == {
        "spec.globalSecondaryIndexes[0].hashKey",
        "spec.globalSecondaryIndexes[0].rangeKey",
    }
    as_written["spec"]["attributes"] += [{"name": "category", "type": "S"}, {"name": "timestamp", "type": "N"}]
    as_written["spec"]["globalSecondaryIndexes"][0]["projectionType"] = "ALL"
    assert as_written == corrected
