"""The operator on a real cluster: install with Helm, apply the examples, change them, drift, delete.

The tests run in file order on one cluster and one release; each step builds on the previous one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
import yaml
from e2e_helpers import APPS_NAMESPACE, OPERATOR_NAMESPACE, ROOT, Cluster, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("operator")]

OWNER_TAG = "dynamotable.io/owner"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))  # top level only: the kustomize overlays are not manifests
READY_TIMEOUT = 300


def ddb_objects(cluster: Cluster) -> list[dict[str, Any]]:
    return list(cluster.get("dynamotables.dynamotable.io", "-n", APPS_NAMESPACE)["items"])


def ddb_object(cluster: Cluster, name: str) -> dict[str, Any]:
    return dict(cluster.get("dynamotable", name, "-n", APPS_NAMESPACE))


def condition(obj: dict[str, Any], kind: str = "Ready") -> dict[str, Any]:
    return next((c for c in obj.get("status", {}).get("conditions", []) if c["type"] == kind), {})


def is_ready(obj: dict[str, Any]) -> bool:
    status = obj.get("status", {})
    return condition(obj).get("status") == "True" and status.get("observedGeneration") == obj["metadata"]["generation"]


def wait_ready(cluster: Cluster, name: str) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        obj = ddb_object(cluster, name)
        return obj if is_ready(obj) else None

    return dict(eventually(ready, timeout=READY_TIMEOUT, what=f"{name} Ready at its latest generation"))


def patch(cluster: Cluster, name: str, body: str) -> None:
    cluster.kubectl("patch", "dynamotable", name, "-n", APPS_NAMESPACE, "--type", "merge", "-p", body)


def tags(client: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in client.list_tags_of_resource(ResourceArn=arn).get("Tags", [])}


def test_operator_pod_runs_and_meets_the_restricted_standard(cluster: Cluster) -> None:
    pods = cluster.get("pods", "-n", OPERATOR_NAMESPACE, "-l", "app.kubernetes.io/name=dynamotable-operator")
    (pod,) = pods["items"]
    (status,) = pod["status"]["containerStatuses"]
    assert pod["status"]["phase"] == "Running" and status["ready"] and status["restartCount"] == 0
    # The API server checks the running pods against a Pod Security level before it is enforced, and warns.
    label = "pod-security.kubernetes.io/enforce=restricted"
    warnings = cluster.kubectl_warnings("label", "--dry-run=server", "--overwrite", "ns", OPERATOR_NAMESPACE, label)
    assert "violate" not in warnings, warnings


def _create_streams(ddb: Callable[..., Any]) -> None:
    """The Kinesis data streams the examples stream to, on the endpoint (the operator creates no streams)."""
    for path in EXAMPLES:
        for doc in yaml.safe_load_all(path.read_text()):
            arn = ((doc or {}).get("spec") or {}).get("kinesisStreamingDestination", {}).get("streamArn")
            if arn:
                client = ddb(arn.split(":")[3])
                kinesis = boto3.client(
                    "kinesis",
                    endpoint_url=client.meta.endpoint_url,
                    region_name=arn.split(":")[3],
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )
                kinesis.create_stream(StreamName=arn.split("/", 1)[1], ShardCount=1)


def test_examples_become_ready(cluster: Cluster, ddb: Callable[..., Any]) -> None:
    _create_streams(ddb)
    expected = 0
    for path in EXAMPLES:
        cluster.kubectl("apply", "-n", APPS_NAMESPACE, "-f", str(path))
        expected += sum(1 for doc in yaml.safe_load_all(path.read_text()) if doc and doc["kind"] == "DynamoTable")

    def all_ready() -> list[dict[str, Any]]:
        objs = ddb_objects(cluster)
        pending = [(o["metadata"]["name"], condition(o).get("reason")) for o in objs if not is_ready(o)]
        assert len(objs) == expected and not pending, pending
        return objs

    for obj in eventually(all_ready, timeout=READY_TIMEOUT, interval=5, what="every example Ready"):
        name, status = obj["metadata"]["name"], obj["status"]
        client = ddb(obj["spec"].get("region", "us-east-1"))
        live = client.describe_table(TableName=status["tableName"])["Table"]
        assert live["TableStatus"] == "ACTIVE" and live["TableArn"] == status["tableArn"]
        assert tags(client, live["TableArn"])[OWNER_TAG] == f"{APPS_NAMESPACE}/{name}"
        config_map = cluster.get("configmap", "-n", APPS_NAMESPACE, f"{name}-terraform")
        assert 'resource "aws_dynamodb_table"' in config_map["data"]["main.tf"]
        assert config_map["metadata"]["ownerReferences"][0]["name"] == name
        for replica in obj["spec"].get("replicas") or []:
            replica_live = ddb(replica["region"]).describe_table(TableName=status["tableName"])["Table"]
            assert replica_live["TableStatus"] == "ACTIVE"


def test_a_spec_change_reaches_the_table(cluster: Cluster, ddb: Callable[..., Any]) -> None:
    patch(cluster, "simple", '{"spec": {"tags": {"Changed": "yes"}, "pointInTimeRecovery": {"enabled": true}}}')
    obj = wait_ready(cluster, "simple")
    client = ddb()
    assert tags(client, obj["status"]["tableArn"])["Changed"] == "yes"
    backups = client.describe_continuous_backups(TableName=obj["status"]["tableName"])["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_drift_is_detected_and_corrected(cluster: Cluster, ddb: Callable[..., Any]) -> None:
    client, arn = ddb(), ddb_object(cluster, "simple")["status"]["tableArn"]
    client.untag_resource(ResourceArn=arn, TagKeys=["Changed"])  # someone edits the table behind our back
    eventually(lambda: tags(client, arn).get("Changed") == "yes", timeout=180, interval=5, what="drift corrected")
    events = cluster.get("events", "-n", APPS_NAMESPACE, "--field-selector", "involvedObject.name=simple")
    assert {"DriftDetected", "DriftCorrected"} <= {e.get("reason") for e in events["items"]}


def test_invalid_spec_is_reported(cluster: Cluster) -> None:
    bad = {
        "apiVersion": "dynamotable.io/v1alpha1",
        "kind": "DynamoTable",
        "metadata": {"name": "e2e-invalid"},
        "spec": {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}, {"name": "unused", "type": "S"}]},
    }
    cluster.kubectl("apply", "-n", APPS_NAMESPACE, "-f", "-", stdin=yaml.safe_dump(bad))

    def judged() -> dict[str, Any] | None:
        obj = ddb_object(cluster, "e2e-invalid")
        return obj if condition(obj) else None

    obj = eventually(judged, timeout=120, what="a Ready condition on e2e-invalid")
    assert (condition(obj)["status"], condition(obj)["reason"]) == ("False", "InvalidSpec")
    assert "unused" in condition(obj)["message"]
    cluster.kubectl("delete", "dynamotable", "e2e-invalid", "-n", APPS_NAMESPACE, "--timeout=60s", timeout=90)


def test_delete_policy_deletes_the_table(cluster: Cluster, ddb: Callable[..., Any]) -> None:
    table = ddb_object(cluster, "gsi-table")["status"]["tableName"]
    patch(cluster, "gsi-table", '{"spec": {"deletionPolicy": "Delete"}}')
    cluster.kubectl("delete", "dynamotable", "gsi-table", "-n", APPS_NAMESPACE, "--timeout=180s", timeout=200)
    client = ddb()
    eventually(lambda: table not in client.list_tables()["TableNames"], timeout=120, what=f"{table} gone in AWS")


def test_retain_policy_keeps_the_table_and_releases_it(cluster: Cluster, ddb: Callable[..., Any]) -> None:
    status = ddb_object(cluster, "streams-table")["status"]
    cluster.kubectl("delete", "dynamotable", "streams-table", "-n", APPS_NAMESPACE, "--timeout=120s", timeout=150)
    client = ddb()
    assert status["tableName"] in client.list_tables()["TableNames"]
    assert OWNER_TAG not in tags(client, status["tableArn"]), "a retained table is released (owner tag dropped)"


def test_everything_deletes_without_stuck_finalizers(cluster: Cluster) -> None:
    cluster.kubectl(
        "delete", "dynamotables.dynamotable.io", "--all", "-n", APPS_NAMESPACE, "--timeout=240s", timeout=260
    )
    assert ddb_objects(cluster) == []
