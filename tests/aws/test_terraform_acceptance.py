"""Terraform's own acceptance-test configurations for aws_dynamodb_table, against the embedded local endpoint.

tests/data/terraform-acceptance/ holds one root module: a sample of the provider's acceptance-test configurations
(README.md names each one's test) and, next to each, the DynamoTable manifest of the same table. Both ways round:

(a) `terraform apply` creates the tables; the engine then plans each manifest (adopt: true) and has nothing to do
    but tag the table as its own;
(b) the engine creates the tables from the manifests; `terraform plan` of the configuration with import blocks
    imports every table and adds, changes and destroys nothing.

terraform comes from $DYNAMOTABLE_TERRAFORM (else $TERRAFORM or PATH), the AWS provider 5.x from
$DYNAMOTABLE_TF_PLUGIN_DIR (else what tests/unit/test_terraform_validate.py finds: $TF_PLUGIN_DIR, /opt/tf-plugins,
the usual plugin directories); the tests skip when either is missing. One `terraform init` for the module.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.api.spec import DynamoTable
from dynamotable.api.validation import OWNER_TAG
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.commands.engine import LOCAL_TIMING, Passes, Target
from dynamotable.engine.observe import observe
from dynamotable.engine.plan import plan
from dynamotable.engine.reconcile import reconcile
from dynamotable.engine.runner import Runner, RunState
from dynamotable.loader import check, load
from dynamotable.local import LocalEndpoint

pytestmark = pytest.mark.terraform

DATA = Path(__file__).resolve().parents[1] / "data" / "terraform-acceptance"
UNIT_TESTS = Path(__file__).resolve().parents[1] / "unit"
REGION = "us-east-1"
PLAN_SUMMARY = "Plan: {n} to import, 0 to add, 0 to change, 0 to destroy."


def _validate_helpers() -> ModuleType:
    """tests/unit/test_terraform_validate.py, whose helpers find terraform and the provider."""
    if str(UNIT_TESTS) not in sys.path:
        sys.path.append(str(UNIT_TESTS))
    return importlib.import_module("test_terraform_validate")


def _terraform() -> str | None:
    explicit = os.environ.get("DYNAMOTABLE_TERRAFORM")
    if explicit:
        return shutil.which(explicit)
    found: str | None = _validate_helpers().terraform_binary()
    return found


def _plugin_dir(tmp: Path) -> tuple[Path, list[str]] | None:
    with pytest.MonkeyPatch.context() as mp:
        explicit = os.environ.get("DYNAMOTABLE_TF_PLUGIN_DIR")
        if explicit:
            mp.setenv("TF_PLUGIN_DIR", explicit)
        found: tuple[Path, list[str]] | None = _validate_helpers().plugin_dir(tmp)
        return found


def resource_name(m: DynamoTable) -> str:
    """aws_dynamodb_table.<this> in the .tf file of the manifest (tf-acc-on-demand -> on_demand)."""
    return m.table_name.removeprefix("tf-acc-").replace("-", "_")


class Module:
    """The configurations copied to a work directory, initialised once, and terraform run against the endpoint."""

    def __init__(self, terraform: str, plugins: Path, workdir: Path, endpoint: LocalEndpoint) -> None:
        self.terraform = terraform
        self.workdir = workdir
        self.endpoint = endpoint
        for source in DATA.glob("*.tf"):
            shutil.copy(source, workdir / source.name)
        self.env = dict(os.environ)
        self.env.update(
            CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0", TF_DATA_DIR=str(workdir / ".terraform")
        )
        self.env.pop("TF_CLI_ARGS", None)
        self.run("init", f"-plugin-dir={plugins}", "-input=false", "-no-color")

    def run(self, *args: str) -> str:
        """stdout and stderr of a successful run."""
        result = self._run(args)
        return result.stdout + result.stderr

    def json(self, *args: str) -> Any:
        return json.loads(self._run(args).stdout)

    def _run(self, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.terraform, *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"terraform {' '.join(args)}:\n{result.stdout}{result.stderr}"
        return result

    def with_endpoint(self, *args: str) -> str:
        return self.run(*args, "-input=false", "-no-color", "-lock=false", f"-var=endpoint={self.endpoint.url}")

    def forget_state(self) -> None:
        for state in self.workdir.glob("terraform.tfstate*"):
            state.unlink()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as ep:
        yield ep


@pytest.fixture(scope="module")
def module(endpoint: LocalEndpoint, tmp_path_factory: pytest.TempPathFactory) -> Module:
    terraform = _terraform()
    if terraform is None:
        pytest.skip("terraform not found (set DYNAMOTABLE_TERRAFORM or put it on PATH)")
    found = _plugin_dir(tmp_path_factory.mktemp("plugins"))
    if found is None:
        pytest.skip("no terraform-provider-aws found (set DYNAMOTABLE_TF_PLUGIN_DIR to a plugin directory)")
    plugins, versions = found
    if not any(v.startswith("5.") for v in versions):
        pytest.skip(f"the configurations are written for provider 5.x; found {versions}")
    return Module(terraform, plugins, tmp_path_factory.mktemp("terraform-acceptance"), endpoint)


@pytest.fixture(scope="module")
def manifests() -> list[DynamoTable]:
    checked = check(load([str(DATA)]), default_region=REGION)
    assert not checked.errors, checked.errors
    found = [m for _, m in checked.manifests]
    configured = {p.stem for p in DATA.glob("*.tf")} - {"providers"}
    assert {resource_name(m) for m in found} == configured  # one manifest per configuration
    return found


@pytest.fixture
def factory(endpoint: LocalEndpoint, module: Module) -> ClientFactory:
    endpoint.reset()
    module.forget_state()
    return ClientFactory(endpoint_url=endpoint.url, max_attempts=1, credentials=Credentials("testing", "testing"))


def test_tables_terraform_created_are_adopted_with_nothing_but_the_ownership_tag(
    module: Module, manifests: list[DynamoTable], factory: ClientFactory
) -> None:
    module.with_endpoint("apply", "-auto-approve")
    steps: dict[str, Any] = {}
    for m in manifests:
        live = observe(factory, m, region=REGION)
        assert live is not None, m.table_name
        the_plan = plan(m, live, region=REGION, owner=m.owner_id)
        steps[m.table_name] = (
            [(s.operation, s.request) for s in the_plan.steps],
            the_plan.drift,
            the_plan.blocked,
            the_plan.waiting,
        )
        ownership = {"ResourceArn": live.arn, "Tags": [{"Key": OWNER_TAG, "Value": m.owner_id}]}
        assert steps[m.table_name] == ([("TagResource", ownership)], [], [], []), m.table_name

    # the provider's aws_kms_alias lookup and the encrypted table agree on one AWS managed key
    output = module.json("output", "-json")["aws_managed_key_arn"]["value"]
    kms = boto3.client(
        "kms",
        endpoint_url=module.endpoint.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    assert [k["KeyArn"] for k in kms.list_keys()["Keys"]] == [output]
    encrypted = factory.dynamodb(REGION).describe_table(TableName="tf-acc-encryption")["Table"]
    assert encrypted["SSEDescription"]["KMSMasterKeyArn"] == output


def test_tables_the_engine_created_import_into_terraform_with_no_change(
    module: Module, manifests: list[DynamoTable], factory: ClientFactory
) -> None:
    runs = Runner(Passes(Target(factory, LOCAL_TIMING, "local"), reconcile), timeout=60).run(
        [(m, REGION) for m in manifests]
    )
    assert {r.state for r in runs} == {RunState.DONE}, [(r.table, r.state, r.message) for r in runs]
    imports = module.workdir / "imports.tf"
    imports.write_text(
        "".join(
            f'import {{\n  to = aws_dynamodb_table.{resource_name(m)}\n  id = "{m.table_name}"\n}}\n\n'
            for m in manifests
        )
    )
    try:
        output = module.with_endpoint("plan", "-out=acceptance.plan")
        shown = module.json("show", "-json", "acceptance.plan")
    finally:
        imports.unlink()
    changes = {
        rc["address"]: (rc["change"]["actions"], "importing" in rc["change"])
        for rc in shown.get("resource_changes", [])
    }
    assert changes == {f"aws_dynamodb_table.{resource_name(m)}": (["no-op"], True) for m in manifests}, output
    assert PLAN_SUMMARY.format(n=len(manifests)) in output
