"""spec.export: the ConfigMap of connection details is written with the table, follows a new stream ARN, is
never written for a table this object does not own nor over someone else's ConfigMap, goes when spec.export
goes, and costs no Kubernetes request on a quiet drift check."""

from __future__ import annotations

from collections import Counter

import kmock
from operator_harness import TEST_HEADER, TEST_HEADERS, Harness, eventually, fast_settings, table_spec

from dynamotable.operator.rbac import rules_for
from dynamotable.operator.reconciler import VERIFY_EVERY

OWNER_TAG = "dynamotable.io/owner"
STREAMED = {
    "rangeKey": "at",
    "attributes": [{"name": "id", "type": "S"}, {"name": "at", "type": "N"}, {"name": "cat", "type": "S"}],
    "stream": {"enabled": True, "viewType": "NEW_IMAGE"},
    "globalSecondaryIndexes": [{"name": "ByCategory", "hashKey": "cat", "projectionType": "KEYS_ONLY"}],
}


def _data(h: Harness, config_map: str) -> dict[str, str] | None:
    cm = h.configmap_named(config_map)
    return None if cm is None else dict(cm.get("data") or {})


def _requests(h: Harness, config_map: str) -> Counter[str]:
    """The operator's requests about one ConfigMap, by verb (the test's own excluded)."""
    out: Counter[str] = Counter()
    for r in h.k.log:
        if r.resource is None or r.resource.plural != "configmaps" or TEST_HEADER in r.headers:
            continue
        if config_map in (r.name, ((r.data or {}) if isinstance(r.data, dict) else {}).get("metadata", {}).get("name")):
            out[str(r.action)] += 1
    return out


async def _put_foreign(h: Harness, name: str, data: dict[str, str]) -> None:
    body = {"metadata": {"name": name, "namespace": h.namespace, "labels": {"app": "shop"}}, "data": data}
    async with h.k.post(f"/api/v1/namespaces/{h.namespace}/configmaps", json=body, headers=TEST_HEADERS) as rsp:
        assert rsp.status < 300


def _create_behind(h: Harness, table: str, tags: dict[str, str]) -> None:
    h.ddb().create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


async def test_created_with_the_table_and_owned_by_it(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-orders"
    await h.create("orders", table_spec(tableName=table, export={"configMap": "orders-table"}, **STREAMED))
    await eventually(lambda: h.ready("orders") and _data(h, "orders-table") is not None)
    status = h.status("orders")
    data = _data(h, "orders-table")
    assert data is not None
    desc = h.describe(table)
    assert desc is not None
    assert data["TABLE_NAME"] == data["tableName"] == table
    assert data["TABLE_ARN"] == data["tableArn"] == desc["TableArn"] == status["tableArn"]
    assert data["TABLE_REGION"] == data["region"] == "us-east-1"
    assert data["STREAM_ARN"] == data["streamArn"] == desc["LatestStreamArn"]
    assert data["STREAM_LABEL"] == data["streamLabel"] == desc["LatestStreamLabel"]
    assert data["GSI_NAMES"] == data["globalSecondaryIndexes"] == "ByCategory"
    assert "LSI_NAMES" not in data and "REPLICA_REGIONS" not in data

    meta = (h.configmap_named("orders-table") or {})["metadata"]
    (ref,) = meta["ownerReferences"]
    assert ref["kind"] == "DynamoTable" and ref["name"] == "orders" and ref["controller"] is True
    assert ref["uid"] == h.obj("orders")["metadata"]["uid"]
    assert meta["labels"]["app.kubernetes.io/managed-by"] == "dynamotable-operator"
    assert meta["labels"]["dynamotable.io/connection-details"] == "true"
    assert status["export"]["configMap"] == "orders-table" and len(status["export"]["sha256"]) == 64
    assert _requests(h, "orders-table") == Counter({str(kmock.action.CREATE): 1})
    h.assert_rbac_covers(rules_for(all_namespaces=True, peering=False))


async def test_a_stream_view_type_change_gives_consumers_the_new_stream_arn(harness: Harness) -> None:
    h = harness
    await h.start()
    table = f"{h.namespace}-cdc"
    await h.create("cdc", table_spec(tableName=table, export={"configMap": "cdc-table"}, **STREAMED))
    await eventually(lambda: h.ready("cdc") and _data(h, "cdc-table") is not None)
    old = (_data(h, "cdc-table") or {})["STREAM_ARN"]
    sha = h.status("cdc")["export"]["sha256"]

    await h.patch("cdc", {"spec": {"stream": {"enabled": True, "viewType": "NEW_AND_OLD_IMAGES"}}})
    await eventually(lambda: h.obj("cdc")["metadata"]["generation"] == 2 and h.ready("cdc"))
    await eventually(lambda: (_data(h, "cdc-table") or {}).get("STREAM_ARN") != old)
    data = _data(h, "cdc-table") or {}
    desc = h.describe(table) or {}
    assert data["STREAM_ARN"] == data["streamArn"] == desc["LatestStreamArn"] == h.status("cdc")["streamArn"]
    assert data["STREAM_LABEL"] == desc["LatestStreamLabel"]
    assert h.status("cdc")["export"]["sha256"] != sha
    await eventually(lambda: "ConnectionDetailsWritten" in h.reasons("cdc"))

    # the stream goes: so do its keys (absent, not empty)
    await h.patch("cdc", {"spec": {"stream": {"enabled": False, "viewType": None}}})
    await eventually(lambda: h.obj("cdc")["metadata"]["generation"] == 3 and h.ready("cdc"))
    await eventually(lambda: "STREAM_ARN" not in (_data(h, "cdc-table") or {"STREAM_ARN": ""}))
    data = _data(h, "cdc-table") or {}
    assert not {"streamArn", "streamLabel", "STREAM_LABEL"} & set(data) and data["TABLE_NAME"] == table


async def test_not_written_for_a_table_this_object_does_not_own(harness: Harness) -> None:
    h = harness
    legacy, shared = f"{h.namespace}-legacy", f"{h.namespace}-shared"
    _create_behind(h, legacy, {"team": "old"})
    _create_behind(h, shared, {OWNER_TAG: "other-team/shared"})
    await h.start()
    await h.create("legacy", table_spec(tableName=legacy, export={"configMap": "legacy-table"}))
    await h.create("shared", table_spec(tableName=shared, adopt=True, export={"configMap": "shared-table"}))
    await eventually(lambda: h.reason("legacy") == "AdoptionRequired" and h.reason("shared") == "OwnershipConflict")
    await h.drift_ticks(3)
    assert _data(h, "legacy-table") is None and _data(h, "shared-table") is None
    assert "export" not in h.status("legacy") and "export" not in h.status("shared")
    assert "tableArn" not in h.status("shared")

    # adopted: now it is this object's table, and its details are exported
    await h.patch("legacy", {"spec": {"adopt": True}})
    await eventually(lambda: h.ready("legacy") and _data(h, "legacy-table") is not None)
    assert (_data(h, "legacy-table") or {})["TABLE_ARN"] == (h.describe(legacy) or {})["TableArn"]


async def test_someone_elses_configmap_is_never_overwritten(harness: Harness) -> None:
    h = harness
    await _put_foreign(h, "mine", {"TABLE_NAME": "hand-written"})
    await h.start()
    await h.create("mine", table_spec(tableName=f"{h.namespace}-mine", export={"configMap": "mine"}))
    await eventually(lambda: h.ready("mine"))
    await eventually(lambda: "ConnectionDetailsConflict" in h.reasons("mine"))
    assert _data(h, "mine") == {"TABLE_NAME": "hand-written"}
    assert "export" not in h.status("mine")
    message = next(m for _, r, m in h.events("mine") if r == "ConnectionDetailsConflict")
    assert "mine" in message and "spec.export.configMap" in message
    assert _requests(h, "mine").get(str(kmock.action.UPDATE), 0) == 0

    # removing spec.export must not delete it either: it was never ours
    await h.patch("mine", {"spec": {"export": None}})
    await eventually(lambda: h.obj("mine")["metadata"]["generation"] == 2 and h.ready("mine"))
    await h.drift_ticks(2)
    assert _data(h, "mine") == {"TABLE_NAME": "hand-written"}
    assert _requests(h, "mine").get(str(kmock.action.DELETE), 0) == 0


async def test_removing_or_renaming_the_export_deletes_the_configmap_we_wrote(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.create("gone", table_spec(tableName=f"{h.namespace}-gone", export={"configMap": "gone-a"}))
    await eventually(lambda: h.ready("gone") and _data(h, "gone-a") is not None)

    await h.patch("gone", {"spec": {"export": {"configMap": "gone-b"}}})
    await eventually(lambda: _data(h, "gone-b") is not None and _data(h, "gone-a") is None)
    await eventually(lambda: h.status("gone").get("export", {}).get("configMap") == "gone-b")

    await h.patch("gone", {"spec": {"export": None}})
    await eventually(lambda: h.obj("gone")["metadata"]["generation"] == 3 and h.ready("gone"))
    await eventually(lambda: _data(h, "gone-b") is None and "export" not in h.status("gone"))
    assert _requests(h, "gone-a")[str(kmock.action.DELETE)] == _requests(h, "gone-b")[str(kmock.action.DELETE)] == 1
    assert h.configmap("gone") is not None  # the Terraform ConfigMap is another matter


async def test_quiet_drift_checks_with_an_export_make_no_kubernetes_request(harness: Harness) -> None:
    h = harness
    await h.start(fast_settings(h.endpoint, drift_interval=0.2, drift_jitter=0.0))
    await h.create("calm", table_spec(tableName=f"{h.namespace}-calm", export={"configMap": "calm-table"}))
    await eventually(lambda: h.ready("calm") and _data(h, "calm-table") is not None)
    await h.passes("calm", 1)
    while h.state("calm").drift_passes % VERIFY_EVERY >= VERIFY_EVERY - 3:  # not next to a read-back check
        await h.passes("calm", 1)
    before = len(h.kube_requests())
    await h.passes("calm", 3)
    assert [r for r in h.kube_requests()[before:] if r[2] not in ("list", "watch")] == []  # three checks, none

    # the periodic read-back restores an edited copy
    url = f"/api/v1/namespaces/{h.namespace}/configmaps/calm-table"
    headers = {**TEST_HEADERS, "Content-Type": "application/merge-patch+json"}
    async with h.k.patch(url, json={"data": {"TABLE_NAME": "edited"}}, headers=headers) as rsp:
        assert rsp.status == 200
    table = f"{h.namespace}-calm"
    await eventually(lambda: (_data(h, "calm-table") or {}).get("TABLE_NAME") == table, timeout=VERIFY_EVERY * 0.2 * 3)


async def test_a_restarted_operator_does_not_rewrite_it(harness: Harness) -> None:
    """The checksum is in status, not only in the memory of the process that wrote it."""
    h = harness
    await h.start()
    await h.create("kept", table_spec(tableName=f"{h.namespace}-kept", export={"configMap": "kept-table"}))
    await eventually(lambda: h.ready("kept") and _data(h, "kept-table") is not None)
    await h.stop()
    await h.start(fast_settings(h.endpoint, drift_interval=0.2, drift_jitter=0.0))
    await h.passes("kept", 3)  # drift checks 1-3 of this process: none is a read-back (every VERIFY_EVERY-th)
    assert h.state("kept").drift_passes < VERIFY_EVERY
    assert _requests(h, "kept-table") == Counter({str(kmock.action.CREATE): 1})
