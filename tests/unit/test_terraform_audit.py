"""Audit equivalence: after `apply` on the local endpoint, the rendered Terraform plans no change.

Every example is converged by the engine on the embedded local DynamoDB; then its rendered Terraform (with
the import blocks) is planned by the real terraform binary and AWS provider against the same endpoint. The
plan must import every table and add, change and destroy nothing: the Terraform we publish for audit is
exactly the live table. Skips where terraform or the provider is absent (see test_terraform_validate.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from source_support import create_example_sources
from test_render_support import EXAMPLES, PROVIDER_REGION
from test_terraform_validate import _env, _run, plugin_dir, terraform_binary

from dynamotable.api.spec import DynamoTable
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.commands.engine import LOCAL_TIMING, Passes, Target
from dynamotable.engine.reconcile import reconcile
from dynamotable.engine.runner import Runner, RunState
from dynamotable.loader import check, load
from dynamotable.local import Latency, LocalEndpoint
from dynamotable.terraform.render import needs_key_schema, needs_provider_v6, render_files

pytestmark = pytest.mark.terraform
IMPORT_BLOCK = re.compile(r"^import \{$", re.M)
PLAN_LINE = re.compile(r"Plan: (\d+) to import, (\d+) to add, (\d+) to change, (\d+) to destroy\.")


def _local_provider(endpoint_url: str) -> str:
    return f"""provider "aws" {{
  region                      = "{PROVIDER_REGION}"
  access_key                  = "local"
  secret_key                  = "local"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {{
    applicationautoscaling = "{endpoint_url}"
    cloudwatch             = "{endpoint_url}"
    dynamodb               = "{endpoint_url}"
    kinesis                = "{endpoint_url}"
    kms                    = "{endpoint_url}"
    sts                    = "{endpoint_url}"
  }}
}}"""


# Provider 5.100 reads no confirm_remove_self_resource_access on import (a flag of the PutResourcePolicy request,
# not stored by DynamoDB) and plans it null -> false, with revision_id then known after apply. Nothing else of
# a resource policy may change.
_IMPORT_ARTIFACTS = re.compile(
    r"^\s*(\+ confirm_remove_self_resource_access\s+= false|~ revision_id\s+= .* -> \(known after apply\))$"
)
_CHANGE = re.compile(r"^\s*[+~-] (?!resource )")
_UPDATED = re.compile(r"^\s*# (\S+) will be updated in-place", re.M)


def _only_import_artifacts(output: str) -> bool:
    """Every in-place update is a resource policy's, and changes only the import artifacts above."""
    updated = _UPDATED.findall(output)
    if any(not address.startswith("aws_dynamodb_resource_policy.") for address in updated):
        return False
    changes = [line for line in output.splitlines() if _CHANGE.match(line) and "update in-place" not in line]
    return all(_IMPORT_ARTIFACTS.match(line) for line in changes)


def _create_streams(endpoint: LocalEndpoint, manifests: list[DynamoTable]) -> None:
    """Every Kinesis data stream the manifests stream to, on the endpoint (a destination needs its stream)."""
    for m in manifests:
        destination = m.spec.kinesis_streaming_destination
        if destination is None:
            continue
        region, name = destination.stream_arn.split(":")[3], destination.stream_arn.split("/", 1)[1]
        kinesis = boto3.client(
            "kinesis",
            endpoint_url=endpoint.url,
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"mode": "standard", "max_attempts": 1}),
        )
        kinesis.create_stream(StreamName=name, ShardCount=1)


KEY_SCHEMA_PROVIDER = (6, 29)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    latency = Latency(create=0.2, update=0.1, delete=0.1, gsi_create=0.2, gsi_delete=0.1, replica=0.2)
    with LocalEndpoint(latency=latency) as ep:
        yield ep


def test_rendered_terraform_of_every_applied_example_plans_no_change(endpoint: LocalEndpoint, tmp_path: Path) -> None:
    terraform = terraform_binary()
    if terraform is None:
        pytest.skip("terraform not found (set TERRAFORM or put it on PATH)")
    plugins = plugin_dir(tmp_path / "plugin-layout")
    if plugins is None:
        pytest.skip("no terraform-provider-aws found (set TF_PLUGIN_DIR to a plugin directory)")
    checked = check(load([str(EXAMPLES)]), default_region=PROVIDER_REGION)
    assert not checked.errors
    manifests = [m for _, m in checked.manifests]
    if not any(_version(v) >= KEY_SCHEMA_PROVIDER for v in plugins[1]):
        # a multi-attribute GSI key is written as key_schema blocks, which providers before 6.29 (5.100 among them)
        # cannot read: those examples are audited only where such a provider is installed
        manifests = [m for m in manifests if not needs_key_schema(m)]
    if not any(_version(v) >= (6,) for v in plugins[1]):
        # STRONG consistency is written as replica consistency_mode and global_table_witness: provider 6 only
        manifests = [m for m in manifests if not needs_provider_v6(m)]
    _create_streams(endpoint, manifests)
    create_example_sources(endpoint.url, manifests, credentials="local")  # [A24] restores and imports need them
    factory = ClientFactory(endpoint_url=endpoint.url, credentials=Credentials("local", "local"))
    target = Target(factory, LOCAL_TIMING, "local")
    runs = Runner(Passes(target, reconcile), timeout=120).run([(m, m.region_or(PROVIDER_REGION)) for m in manifests])
    assert {r.state for r in runs} == {RunState.DONE}, [(r.table, r.state, r.message) for r in runs]

    files = render_files(manifests, provider_region=PROVIDER_REGION)
    default_provider = f'provider "aws" {{\n  region = "{PROVIDER_REGION}"\n}}'
    assert default_provider in files["versions.tf"]
    files["versions.tf"] = files["versions.tf"].replace(default_provider, _local_provider(endpoint.url))
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    env = _env(tmp_path)
    init = _run([terraform, "init", f"-plugin-dir={plugins[0]}", "-input=false", "-no-color"], tmp_path, env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = _run([terraform, "plan", "-input=false", "-no-color", "-lock=false"], tmp_path, env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    match = PLAN_LINE.search(output)
    assert match, output
    imported, added, changed, destroyed = map(int, match.groups())
    # provider 5.100's one import artifact: confirm_remove_self_resource_access null -> false on each imported
    # resource policy (docs/resource-policy.md); nothing else changes
    policies = sum(text.count('resource "aws_dynamodb_resource_policy"') for text in files.values())
    assert (added, changed, destroyed) == (0, policies, 0), output
    assert _only_import_artifacts(output), output
    # every rendered resource has its import block (a table's file also holds its auto scaling targets and
    # policies, resource policy and alarms): all of them are imported, none is added
    expected = sum(len(IMPORT_BLOCK.findall(text)) for text in files.values())
    assert expected > len(manifests), "no example renders more than its table (examples/autoscaling.yaml does)"
    assert imported == expected, output
