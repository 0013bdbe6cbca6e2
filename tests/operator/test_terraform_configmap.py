"""The <name>-terraform ConfigMap: rewritten only when the rendering changes, restored by the drift check,
never taken from someone else."""

from __future__ import annotations

import asyncio

import kmock
from operator_harness import TEST_HEADER, TEST_HEADERS, Harness, eventually, fast_settings, table_spec


def _writes(h: Harness, name: str) -> int:
    """Creates and patches of the ConfigMap by the operator (not by the test)."""
    cm = f"{name}-terraform"
    return len(
        [
            r
            for r in h.k.log
            if r.resource
            and r.resource.plural == "configmaps"
            and TEST_HEADER not in r.headers
            and r.action in (kmock.action.CREATE, kmock.action.UPDATE)
            and cm in (r.name, (r.data or {}).get("metadata", {}).get("name"))
        ]
    )


async def test_configmap_follows_the_rendering_and_is_restored(harness: Harness) -> None:
    h = harness
    await h.start(fast_settings(h.endpoint, drift_interval=0.3))
    await h.create("tf", table_spec(tableName=f"{h.namespace}-tf"))
    await eventually(lambda: h.ready("tf"))
    sha1 = h.status("tf")["terraform"]["sha256"]
    assert _writes(h, "tf") == 1

    # A spec change that changes the rendering: one more write, new sha256 in status.
    await h.patch("tf", {"spec": {"tags": {"team": "shop"}}})
    await eventually(lambda: h.obj("tf")["metadata"]["generation"] == 2 and h.ready("tf"))
    await eventually(lambda: h.status("tf")["terraform"]["sha256"] != sha1)
    cm = h.configmap("tf")
    assert cm is not None and '"shop"' in cm["data"]["main.tf"]
    assert _writes(h, "tf") == 2

    # Someone edits it: the next drift check puts the rendering back.
    url = f"/api/v1/namespaces/{h.namespace}/configmaps/tf-terraform"
    headers = {**TEST_HEADERS, "Content-Type": "application/merge-patch+json"}
    async with h.k.patch(url, json={"data": {"main.tf": "# edited"}}, headers=headers) as rsp:
        assert rsp.status == 200
    await eventually(lambda: (h.configmap("tf") or {}).get("data", {}).get("main.tf", "").startswith("# DynamoTable"))
    assert _writes(h, "tf") == 3
    await asyncio.sleep(0.8)  # further drift checks read it back and find it equal
    assert _writes(h, "tf") == 3


async def test_someone_elses_configmap_is_left_alone(harness: Harness) -> None:
    h = harness
    foreign = {"metadata": {"name": "mine-terraform", "namespace": h.namespace}, "data": {"main.tf": "# hand-written"}}
    async with h.k.post(f"/api/v1/namespaces/{h.namespace}/configmaps", json=foreign, headers=TEST_HEADERS) as rsp:
        assert rsp.status < 300
    await h.start()
    await h.create("mine", table_spec(tableName=f"{h.namespace}-mine"))
    await eventually(lambda: h.ready("mine"))
    await eventually(lambda: "TerraformConfigMapConflict" in h.reasons("mine"))
    assert h.configmap("mine")["data"] == {"main.tf": "# hand-written"}  # type: ignore[index]
    assert "terraform" not in h.status("mine")
