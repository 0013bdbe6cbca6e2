"""The rendered Terraform against the real tools: `terraform fmt -check`, `terraform init` + `validate`.

terraform comes from $TERRAFORM or PATH; the AWS provider from $TF_PLUGIN_DIR, /opt/tf-plugins, or a
terraform-provider-aws_v* binary found in the usual plugin directories (no network: `init -plugin-dir`).
Tests skip with the reason when either is missing. To stay fast, every example table goes into one root
module, so terraform init (~2 s) and validate (~3 s) run once per provider major version.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_render_support import (
    KEY_ARN_WEST,
    PROVIDER_REGION,
    example_sources,
    full_manifest,
    manifest,
)

from dynamotable.api import spec as s
from dynamotable.terraform.render import needs_provider_beyond_5, needs_provider_v6, render_files

pytestmark = pytest.mark.terraform

PLUGIN_SEARCH = (
    Path.home() / ".terraform.d" / "plugins",
    Path.home() / ".local" / "share" / "terraform" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
)
PROVIDER_BINARY = re.compile(r"^terraform-provider-aws_v(?P<version>\d+\.\d+\.\d+)(_x\d+)?$")


def terraform_binary() -> str | None:
    return shutil.which(os.environ.get("TERRAFORM") or "terraform")


def _provider_binaries(root: Path) -> Iterator[tuple[str, Path]]:
    if root.is_dir():
        for path in root.rglob("terraform-provider-aws_v*"):
            match = PROVIDER_BINARY.match(path.name)
            if match and path.is_file():
                yield match["version"], path


def _platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return f"{platform.system().lower()}_{arch}"


def plugin_dir(tmp: Path) -> tuple[Path, list[str]] | None:
    """A plugin directory for `terraform init -plugin-dir` and the AWS provider versions it holds."""
    explicit = os.environ.get("TF_PLUGIN_DIR")
    candidates = [Path(explicit)] if explicit else [Path("/opt/tf-plugins"), *PLUGIN_SEARCH]
    for root in candidates:
        found = list(_provider_binaries(root))
        if not found:
            continue
        layout = root / "registry.terraform.io" / "hashicorp" / "aws"
        if all(layout in path.parents for _, path in found):
            return root, sorted({v for v, _ in found})
        # A loose binary: give it the layout terraform expects.
        built = tmp / "plugins"
        for version, path in found:
            target = built / "registry.terraform.io" / "hashicorp" / "aws" / version / _platform() / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(path)
        return built, sorted({v for v, _ in found})
    return None


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0", TF_DATA_DIR=str(tmp / ".terraform"))
    env.pop("TF_CLI_ARGS", None)
    return env


@pytest.fixture(scope="module")
def terraform() -> str:
    binary = terraform_binary()
    if binary is None:
        pytest.skip("terraform not found (set TERRAFORM or put it on PATH)")
    return binary


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    found = plugin_dir(tmp_path_factory.mktemp("plugins"))
    if found is None:
        pytest.skip("no terraform-provider-aws found (set TF_PLUGIN_DIR to a plugin directory)")
    return found


def _odd_tag_manifest() -> s.DynamoTable:
    """Built without semantic validation: the renderer must align any tag key the way terraform fmt does."""
    keys = [
        "abc",
        "Ünï",
        "日本語",
        "a\u0301bc",
        "\u1100\u1161\u1100\u1161",
        "\uac00\u11a8",
        "🙂\u200d🙂",
        "👍\U0001f3fd",
    ]
    tags = {k: f"value of {k}" for k in keys} | {"with space": "x", "true": "y", 'quote"back\\slash': "${x}%{y}"}
    return s.DynamoTable.model_validate(
        {
            "apiVersion": s.API_VERSION,
            "kind": s.KIND,
            "metadata": {"name": "odd-tags"},
            "spec": {"hashKey": 'i"d${x}', "attributes": [{"name": 'i"d${x}', "type": "S"}], "tags": tags},
        }
    )


def _v6_manifest() -> s.DynamoTable:
    return full_manifest(
        "warm",
        region="us-west-2",
        ignoreChanges=["warmThroughput", "globalSecondaryIndexes.warmThroughput"],
        warmThroughput={"readUnitsPerSecond": 12000, "writeUnitsPerSecond": 4000},
        serverSideEncryption={"enabled": True, "kmsKeyArn": KEY_ARN_WEST},
        replicas=[
            {
                "region": "eu-west-1",
                "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/abcd",
                "deletionProtection": True,
            }
        ],
    )


def _other_region_manifests() -> list[s.DynamoTable]:
    """Tables outside the provider region (aliased providers, provider on import) and every ignorable path."""
    v5_ignorable = [p for p in s.IGNORABLE_PATHS if p != "warmThroughput"]
    return [
        full_manifest("west", region="us-west-2", ignoreChanges=v5_ignorable),
        manifest("frankfurt", region="eu-central-1", billingMode="PROVISIONED", readCapacity=1, writeCapacity=1),
    ]


def test_rendered_examples_are_terraform_fmt_canonical(terraform: str, tmp_path: Path) -> None:
    outputs = {src.id: render_files(src.manifests(), provider_region=PROVIDER_REGION) for src in example_sources()}
    outputs["odd-tags"] = render_files([_odd_tag_manifest()], provider_region=PROVIDER_REGION)
    outputs["v6"] = render_files([_v6_manifest()], provider_region=PROVIDER_REGION)
    outputs["regions"] = render_files(_other_region_manifests(), provider_region=PROVIDER_REGION)
    for source_id, files in outputs.items():
        for name, text in files.items():
            path = tmp_path / source_id / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    result = _run([terraform, "fmt", "-check", "-diff", "-recursive", "-no-color", "."], tmp_path, _env(tmp_path))
    assert result.returncode == 0, f"not fmt-canonical:\n{result.stdout}\n{result.stderr}"


def _validate(terraform: str, plugins: Path, workdir: Path, files: dict[str, str]) -> dict[str, Any]:
    for name, text in files.items():
        (workdir / name).write_text(text, encoding="utf-8")
    env = _env(workdir)
    init = _run(
        [terraform, "init", "-backend=false", "-input=false", "-no-color", f"-plugin-dir={plugins}"], workdir, env
    )
    assert init.returncode == 0, f"terraform init failed:\n{init.stdout}\n{init.stderr}"
    result = _run([terraform, "validate", "-json", "-no-color"], workdir, env)
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _problems(report: dict[str, Any]) -> list[str]:
    return [
        f"{d['severity']}: {d['summary']}: {d.get('detail', '')} ({d.get('range', {}).get('filename', '?')})"
        for d in report.get("diagnostics", [])
    ]


def test_every_rendered_example_validates_with_the_local_provider(
    terraform: str, plugins: tuple[Path, list[str]], tmp_path: Path
) -> None:
    directory, versions = plugins
    if not any(v.startswith("5.") for v in versions):
        pytest.skip(f"the examples are checked against AWS provider 5.x; found {versions}")
    examples = [m for src in example_sources() for m in src.manifests()]
    # provider 5.x has no global_secondary_index.key_schema (a multi-attribute GSI key), no replica consistency_mode
    # and no global_table_witness (STRONG consistency): only those examples need more than provider 5.100
    beyond_5 = {m.metadata.name for m in examples if needs_provider_beyond_5(m)}
    assert beyond_5 == {"tenant-orders", "global-table-strong"}  # multi-attribute-gsi.yaml, global-table-strong.yaml
    manifests = [m for m in examples if m.metadata.name not in beyond_5] + _other_region_manifests()
    assert not any(needs_provider_v6(m) for m in manifests)
    files = render_files(manifests, provider_region=PROVIDER_REGION)
    assert len(files) == len(manifests) + 1
    report = _validate(terraform, directory, tmp_path, files)
    assert report["valid"], _problems(report)
    assert report["warning_count"] == 0, _problems(report)


def test_provider_6_features_validate_when_provider_6_is_available(
    terraform: str, plugins: tuple[Path, list[str]], tmp_path: Path
) -> None:
    directory, versions = plugins
    if not any(v.startswith("6.") for v in versions):
        pytest.skip(f"warm_throughput and replica deletion_protection_enabled need AWS provider 6; found {versions}")
    report = _validate(terraform, directory, tmp_path, render_files([_v6_manifest()], provider_region=PROVIDER_REGION))
    assert report["valid"], _problems(report)


def test_provider_5_rejects_what_render_marks_as_needing_6(
    terraform: str, plugins: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """The `>= 6.0` constraint is not needless: provider 5 does not know these arguments."""
    directory, versions = plugins
    if not any(v.startswith("5.") for v in versions):
        pytest.skip(f"needs AWS provider 5.x; found {versions}")
    files = render_files([_v6_manifest()], provider_region=PROVIDER_REGION)
    files["versions.tf"] = files["versions.tf"].replace('">= 6.0, < 7.0"', '">= 5.100, < 7.0"')
    report = _validate(terraform, directory, tmp_path, files)
    assert not report["valid"]
    unsupported = " ".join(_problems(report))
    assert "warm_throughput" in unsupported and "deletion_protection_enabled" in unsupported
