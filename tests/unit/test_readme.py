"""The README's manifest and the Terraform it shows stay what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dynamotable.api.validation import parse_manifest
from dynamotable.terraform.render import render_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_terraform_is_what_render_prints() -> None:
    text = README.read_text()
    manifest_yaml = re.search(r"```yaml\n(apiVersion: dynamotable.io/v1alpha1.*?)```", text, re.S)
    hcl = re.search(r"```hcl\n(.*?)```", text, re.S)
    assert manifest_yaml and hcl
    manifest = parse_manifest(yaml.safe_load(manifest_yaml.group(1)))
    assert render_table(manifest, provider_region="us-east-1") == hcl.group(1)
