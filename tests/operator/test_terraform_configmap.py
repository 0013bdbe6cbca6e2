"""The <name>-terraform ConfigMap: rewritten only when the rendering changes, restored by the drift check,
never taken from someone else."""

from __future__ import annotations

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

    # A spec change that changes the rendering: while it is applied the ConfigMap keeps the converged rendering
    # marked NOT IN SYNC (one write), then holds the new one (one more), with the new sha256 in status.
    await h.patch("tf", {"spec": {"tags": {"team": "shop"}}})
    await eventually(lambda: h.obj("tf")["metadata"]["generation"] == 2 and h.ready("tf"))
    await eventually(lambda: h.status("tf")["terraform"]["sha256"] != sha1)
    cm = h.configmap("tf")
    assert cm is not None and '"shop"' in cm["data"]["main.tf"] and "NOT IN SYNC" not in cm["data"]["main.tf"]
    assert h.status("tf")["terraform"]["inSync"] is True
    assert _writes(h, "tf") == 3

    # Someone edits it: the next drift check puts the rendering back.
    url = f"/api/v1/namespaces/{h.namespace}/configmaps/tf-terraform"
    headers = {**TEST_HEADERS, "Content-Type": "application/merge-patch+json"}
    async with h.k.patch(url, json={"data": {"main.tf": "# edited"}}, headers=headers) as rsp:
        assert rsp.status == 200
    await eventually(lambda: (h.configmap("tf") or {}).get("data", {}).get("main.tf", "").startswith("# DynamoTable"))
    assert _writes(h, "tf") == 4
    await h.passes("tf", 3)  # further drift checks read it back and find it equal
    assert _writes(h, "tf") == 4


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


async def test_a_refused_spec_keeps_the_last_converged_terraform_and_says_so(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-audit"
    await h.create("audit", table_spec(tableName=table, tags={"team": "shop"}))
    await eventually(lambda: h.ready("audit"))
    converged = (h.configmap("audit") or {})["data"]["main.tf"]

    # a key change is refused (ReplacementRequired): the audit copy must not show the refused spec
    await h.patch(
        "audit", {"spec": {"hashKey": "pk", "attributes": [{"name": "pk", "type": "S"}], "tags": {"team": "x"}}}
    )
    await eventually(lambda: h.reason("audit") in ("ReplacementRequired", "InvalidSpec"))
    await eventually(lambda: h.status("audit")["terraform"].get("inSync") is False)
    terraform = h.status("audit")["terraform"]
    assert terraform["reason"] == h.reason("audit")
    text = (h.configmap("audit") or {})["data"]["main.tf"]
    assert text.startswith("# NOT IN SYNC") and text.endswith(converged)
    assert '"x"' not in text and 'hash_key     = "pk"' not in text

    # back to a spec that converges: the fresh rendering, in sync
    await h.patch(
        "audit", {"spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], "tags": {"team": "y"}}}
    )
    await eventually(lambda: h.obj("audit")["metadata"]["generation"] == 3 and h.ready("audit"))
    await eventually(lambda: h.status("audit")["terraform"].get("inSync") is True)
    text = (h.configmap("audit") or {})["data"]["main.tf"]
    assert not text.startswith("# NOT IN SYNC") and '"y"' in text
    assert "reason" not in h.status("audit")["terraform"]


async def test_no_terraform_is_written_before_the_table_first_converges(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.create("never", table_spec(tableName=f"{h.namespace}-never", rangeKey="missing"))  # invalid
    await eventually(lambda: h.reason("never") == "InvalidSpec")
    await eventually(lambda: "terraform" in h.status("never") or True)
    assert h.configmap("never") is None
    assert _writes(h, "never") == 0
