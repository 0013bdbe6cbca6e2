"""Hot standby: with --peering the operator works through kopf's peering object, within the peering RBAC."""

from __future__ import annotations

import kmock
from operator_harness import TEST_HEADERS, Harness, eventually, table_spec

from dynamotable.operator.rbac import rules_for


async def test_peering_mode_reconciles_and_stays_within_its_rbac(harness: Harness) -> None:
    h = harness
    h.k.resources["kopf.dev/v1/clusterkopfpeerings"] = kmock.ResourceInfo(
        kind="ClusterKopfPeering", namespaced=False, verbs={"list", "watch", "patch"}
    )
    peering = {"apiVersion": "kopf.dev/v1", "kind": "ClusterKopfPeering", "metadata": {"name": "dynamotable"}}
    async with h.k.post("/apis/kopf.dev/v1/clusterkopfpeerings", json=peering, headers=TEST_HEADERS) as rsp:
        assert rsp.status < 300
    await h.start(peering="dynamotable")
    await h.create("peered", table_spec(tableName=f"{h.namespace}-peered"))
    await eventually(lambda: h.ready("peered"), timeout=15)
    used = h.assert_rbac_covers(rules_for(all_namespaces=True, peering=True))
    assert ("kopf.dev", "clusterkopfpeerings", "patch") in used  # the heartbeat
    assert not any(resource == "kopfpeerings" for _, resource, _ in used)
