"""The stream of a global table in the rendered Terraform (reference A7).

A spec with replicas and no `stream` leaves the stream to AWS, which enables NEW_AND_OLD_IMAGES with the first
replica: the Terraform states that stream, or `terraform plan` would want to disable it (which AWS refuses
while replicas exist) [TF #43625]. A declared stream of any view type is rendered as declared. The audit test
applies both kinds on the local endpoint and has the real terraform + AWS provider plan no change (skips
without them, as test_terraform_audit.py does).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_render_support import PROVIDER_REGION, hcl_loads, resources
from test_terraform_audit import PLAN_LINE, _local_provider
from test_terraform_validate import _env, _run, plugin_dir, terraform_binary

from dynamotable.api import spec as s
from dynamotable.aws.clients import ClientFactory, Credentials
from dynamotable.engine.execute import execute
from dynamotable.engine.observe import observe
from dynamotable.engine.plan import plan
from dynamotable.local import Latency, LocalEndpoint
from dynamotable.terraform.render import render_files, render_table

WEST = "us-west-2"


def schema_manifest(name: str, **spec: Any) -> s.DynamoTable:
    """A manifest as the schema admits it (api/validation's replica rule is not what is tested here)."""
    body: dict[str, Any] = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    body.update(spec)
    doc = {"apiVersion": s.API_VERSION, "kind": s.KIND, "metadata": {"name": name, "namespace": "shop"}, "spec": body}
    return s.DynamoTable.model_validate(doc, by_alias=True, by_name=False)


def _body(text: str) -> dict[str, Any]:
    (body,) = resources(hcl_loads(text)).values()
    return body


def test_replicas_without_a_spec_stream_render_the_stream_aws_enables() -> None:
    text = render_table(schema_manifest("orders", replicas=[{"region": WEST}]), provider_region=PROVIDER_REGION)
    body = _body(text)
    assert (body["stream_enabled"], body["stream_view_type"]) == (True, "NEW_AND_OLD_IMAGES")
    assert "# Not in the spec: DynamoDB enabled this stream when the first replica was added" in text
    assert text.index("stream_view_type") < text.index("replica {")


@pytest.mark.parametrize("view_type", [v.value for v in s.StreamViewType])
def test_replicas_with_a_spec_stream_render_its_view_type(view_type: str) -> None:
    m = schema_manifest("orders", stream={"enabled": True, "viewType": view_type}, replicas=[{"region": WEST}])
    text = render_table(m, provider_region=PROVIDER_REGION)
    body = _body(text)
    assert (body["stream_enabled"], body["stream_view_type"]) == (True, view_type)
    assert "Not in the spec" not in text


@pytest.mark.parametrize("spec", [{}, {"replicas": []}], ids=["replicas_unmanaged", "no_replicas"])
def test_no_stream_is_rendered_without_replicas(spec: dict[str, Any]) -> None:
    body = _body(render_table(schema_manifest("orders", **spec), provider_region=PROVIDER_REGION))
    assert "stream_enabled" not in body and "stream_view_type" not in body


# ------------------------------------------------------------------------------------------- audit


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    latency = Latency(create=0.05, update=0.05, delete=0.05, gsi_create=0.05, gsi_delete=0.05, replica=0.1)
    with LocalEndpoint(latency=latency) as ep:
        yield ep


def _converge(factory: ClientFactory, m: s.DynamoTable) -> None:
    """Observe, plan, execute the first step, wait while AWS is busy: until nothing is left (as reconcile does)."""
    deadline = time.monotonic() + 20
    while True:
        assert time.monotonic() < deadline, f"{m.table_name} did not converge"
        live = observe(factory, m, region=PROVIDER_REGION)
        the_plan = plan(m, live, region=PROVIDER_REGION, owner=m.owner_id)
        assert the_plan.blocked == [], the_plan.blocked
        if the_plan.waiting:
            time.sleep(0.03)
        elif the_plan.steps:
            execute(factory, the_plan.steps[0])
        else:
            assert the_plan.drift == []
            return


@pytest.mark.terraform
def test_rendered_global_tables_plan_no_change_after_apply(endpoint: LocalEndpoint, tmp_path: Path) -> None:
    terraform = terraform_binary()
    if terraform is None:
        pytest.skip("terraform not found (set TERRAFORM or put it on PATH)")
    plugins = plugin_dir(tmp_path / "plugin-layout")
    if plugins is None:
        pytest.skip("no terraform-provider-aws found (set TF_PLUGIN_DIR to a plugin directory)")
    manifests = [
        schema_manifest("aws-stream", replicas=[{"region": WEST}]),
        schema_manifest("keys-stream", stream={"enabled": True, "viewType": "KEYS_ONLY"}, replicas=[{"region": WEST}]),
    ]
    factory = ClientFactory(endpoint_url=endpoint.url, max_attempts=1, credentials=Credentials("local", "local"))
    for m in manifests:
        _converge(factory, m)
    described = {
        m.table_name: factory.dynamodb(PROVIDER_REGION).describe_table(TableName=m.table_name)["Table"]
        for m in manifests
    }
    assert {n: t["StreamSpecification"]["StreamViewType"] for n, t in described.items()} == {
        "aws-stream": "NEW_AND_OLD_IMAGES",
        "keys-stream": "KEYS_ONLY",
    }

    files = render_files(manifests, provider_region=PROVIDER_REGION)
    default_provider = f'provider "aws" {{\n  region = "{PROVIDER_REGION}"\n}}'
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
    assert tuple(map(int, match.groups())) == (2, 0, 0, 0), output
