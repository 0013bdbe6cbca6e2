"""The `latest` index keeps a compact copy of each body: what a drift pass reads, without kopf's diff-base copy of
the spec or managedFields, and its resourceVersion for the status-patch waits."""

from __future__ import annotations

from typing import Any

from dynamotable.operator.latest import DIFFBASE_ANNOTATION, stored


def _body() -> dict[str, Any]:
    return {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {
            "name": "orders",
            "namespace": "shop",
            "uid": "u-1",
            "generation": 3,
            "resourceVersion": "812",
            "labels": {"team": "payments"},
            "annotations": {
                DIFFBASE_ANNOTATION: '{"spec":{"hashKey":"id"}}',
                "dynamotable.io/drift-interval": "60",
                "note": "ünïcode",
            },
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
            "finalizers": ["dynamotable.io/finalizer"],
        },
        "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
        "status": {"tableName": "orders", "conditions": [{"type": "Ready", "status": "True"}]},
    }


def test_the_stored_body_is_what_a_pass_reads_without_the_diff_base_and_managed_fields() -> None:
    body = _body()
    entry = stored(body)
    back = entry.body()
    assert entry.resource_version == "812"
    assert back.metadata.name == "orders" and back.metadata.namespace == "shop"
    expected = _body()
    del expected["metadata"]["managedFields"]
    del expected["metadata"]["annotations"][DIFFBASE_ANNOTATION]
    assert dict(back) == expected
    assert body == _body(), "the watch event's body is not changed"


def test_a_body_without_annotations_or_version_is_stored_as_it_is() -> None:
    body = {"metadata": {"name": "t", "namespace": "n"}, "spec": {}}
    entry = stored(body)
    assert entry.resource_version is None
    assert dict(entry.body()) == body
