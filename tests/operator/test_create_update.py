"""Create and update through kopf: table in the endpoint, status, conditions, Events, Terraform ConfigMap."""

from __future__ import annotations

import hashlib

from operator_harness import REGION, Harness, eventually, table_spec

from dynamotable.api.validation import parse_manifest
from dynamotable.local import Latency
from dynamotable.operator.rbac import rules_for
from dynamotable.terraform.render import render_table


async def test_create_converges_and_publishes_everything(harness: Harness) -> None:
    h = harness
    await h.start()
    spec = table_spec(
        tableName=f"{h.namespace}-orders",
        pointInTimeRecovery={"enabled": True},
        tags={"team": "shop"},
        stream={"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"},
    )
    await h.create("orders", spec)
    await eventually(lambda: h.ready("orders"))

    table = f"{h.namespace}-orders"
    desc = h.describe(table)
    assert desc is not None and desc["TableStatus"] == "ACTIVE"
    assert h.tags(table) == {"team": "shop", "dynamotable.io/owner": f"{h.namespace}/orders"}
    pitr = h.ddb().describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"

    status = h.status("orders")
    assert status["observedGeneration"] == 1
    assert status["tableName"] == table
    assert status["region"] == REGION
    assert status["tableArn"] == desc["TableArn"]
    assert status["tableStatus"] == "ACTIVE"
    assert status["streamArn"] == desc["LatestStreamArn"]
    assert status["plan"] == [] or "plan" not in status
    assert status["lastSyncTime"]
    ready, progressing = h.condition("orders", "Ready"), h.condition("orders", "Progressing")
    assert (ready["status"], ready["reason"], ready["observedGeneration"]) == ("True", "Synced", 1)
    assert (progressing["status"], progressing["reason"]) == ("False", "Synced")

    # Terraform: the renderer's exact output, owned by the DynamoTable, sha256 in status.
    obj = h.obj("orders")
    manifest = parse_manifest(
        {
            "apiVersion": obj["apiVersion"],
            "kind": obj["kind"],
            "metadata": {"name": "orders", "namespace": h.namespace},
            "spec": obj["spec"],
        },
        default_region=REGION,
    )
    expected = render_table(manifest, provider_region=REGION, owner=f"{h.namespace}/orders")
    cm = h.configmap("orders")
    assert cm is not None and cm["data"] == {"main.tf": expected}
    assert cm["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "dynamotable.io/v1alpha1",
            "kind": "DynamoTable",
            "name": "orders",
            "uid": obj["metadata"]["uid"],
            "controller": True,
        }
    ]
    assert status["terraform"] == {
        "configMap": "orders-terraform",
        "sha256": hashlib.sha256(expected.encode()).hexdigest(),
        "inSync": True,
    }

    # kopf's bookkeeping lives under our names.
    assert obj["metadata"]["finalizers"] == ["dynamotable.io/finalizer"]
    annotations = obj["metadata"].get("annotations", {})
    assert "dynamotable.io/last-handled-configuration" in annotations
    assert not any(k.startswith("kopf.zalando.org") for k in annotations)

    # One Event per finished step, the last one also saying Synced (a step's start and the first rendering are
    # in status, not worth an Event each).
    await eventually(lambda: "matches the spec" in (h.events("orders") or [("", "", "")])[-1][2])
    types = {reason: kind for kind, reason, _ in h.events("orders")}
    assert "Created" in types and set(types.values()) == {"Normal"}, h.events("orders")
    assert not {"Creating", "Updating", "TerraformRendered"} & set(types), h.events("orders")
    assert not [e for e in h.events("orders") if e[0] == "Warning"]
    h.assert_rbac_covers(rules_for(all_namespaces=True, peering=False))


async def test_update_adds_gsi_and_ttl_step_by_step(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-events"
    await h.create("events", table_spec(tableName=table))
    await eventually(lambda: h.ready("events"))
    first_version = len(h.history("events"))

    spec = table_spec(
        tableName=table,
        attributes=[{"name": "id", "type": "S"}, {"name": "kind", "type": "S"}],
        globalSecondaryIndexes=[{"name": "ByKind", "hashKey": "kind", "projectionType": "ALL"}],
        ttl={"enabled": True, "attributeName": "expiresAt"},
        pointInTimeRecovery={"enabled": True},
    )
    # The index backfills for 2 s: a pass sees it CREATING (and announces the wait) however loaded the machine;
    # with 0.1 s a slow machine's next pass could find it ACTIVE already and never wait.
    h.endpoint.set_latency(Latency(create=0.05, update=0.05, delete=0.05, gsi_create=2.0, gsi_delete=0.05))
    await h.patch("events", {"spec": spec})
    await eventually(lambda: h.obj("events")["metadata"]["generation"] == 2 and h.ready("events"))

    desc = h.describe(table)
    assert desc is not None and [g["IndexName"] for g in desc["GlobalSecondaryIndexes"]] == ["ByKind"]
    ttl = h.ddb().describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}

    pitr = h.ddb().describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"

    # status.plan is what is still to do: the first pass starts step 1 of 3 and publishes the other two,
    # then the list shrinks to empty. Progressing was True on the way, Ready at the end.
    plans: list[list[str]] = []
    progressing: list[str] = []
    for version in h.history("events")[first_version:]:
        status = version.get("status") or {}
        plan = status.get("plan") or []
        if (plans and plans[-1] != plan) or (not plans and plan):
            plans.append(plan)
        progressing += [c["status"] for c in status.get("conditions") or [] if c["type"] == "Progressing"]
    assert [len(p) for p in plans] == [2, 1, 0], [
        (
            [
                c["reason"] + ":" + c["message"][:80]
                for c in (v.get("status") or {}).get("conditions") or []
                if c["type"] == "Ready"
            ],
            (v.get("status") or {}).get("plan"),
        )
        for v in h.history("events")[first_version:]
    ]
    assert plans[1] == plans[0][1:]
    assert "True" in progressing and progressing[-1] == "False"
    assert h.condition("events")["observedGeneration"] == 2

    # An Event when each step is done (not when it starts); one when the operator starts waiting on AWS.
    # (kopf posts Events in the background: the last one may land just after the status patch.)
    await eventually(lambda: len([r for _, r, _ in h.events("events") if r == "Updated"]) >= 3)
    events = h.events("events")
    finished = [m for _, r, m in events if r == "Updated"]
    assert len(finished) == 3 and not [r for _, r, _ in events if r in ("Updating", "Creating")], events
    assert any("ByKind" in m for m in finished) and any("TTL" in m for m in finished)
    assert all(m.startswith("done: ") for m in finished)
    assert "Waiting" in h.reasons("events")
    # Each mutating call exactly once.
    ops = [r.operation for r in h.aws(table, mutating=True)]
    assert ops.count("UpdateTimeToLive") == 1
    assert sum(1 for r in h.aws(table, mutating=True) if "GlobalSecondaryIndexUpdates" in r.payload) == 1
