"""spec.export: the connection details computed for the ConfigMap (keys, absent values, checksum), and the
validation of the ConfigMap name, with the same verdict at admission (the CRD) as from `validate`."""

from __future__ import annotations

from typing import Any

import pytest
from test_surface_validation import admitted, errors

from dynamotable.api.connection import KEYS, checksum, connection_details, stream_label
from dynamotable.api.status import DynamoTableStatus, ReplicaStatus
from dynamotable.api.validation import parse_manifest

ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-orders"
STREAM = f"{ARN}/stream/2026-12-01T08:35:42.690"


def manifest(**spec: Any) -> Any:
    base = {
        "tableName": "shop-orders",
        "region": "eu-west-1",
        "hashKey": "id",
        "attributes": [{"name": "id", "type": "S"}],
    }
    doc = {"apiVersion": "dynamotable.io/v1alpha1", "kind": "DynamoTable", "metadata": {"name": "orders"}}
    return parse_manifest({**doc, "spec": {**base, **spec}})


def live(**fields: Any) -> DynamoTableStatus:
    return DynamoTableStatus(table_name="shop-orders", region="eu-west-1", table_arn=ARN, **fields)


def test_every_value_is_under_a_plain_and_an_envfrom_key() -> None:
    m = manifest(
        rangeKey="at",
        attributes=[
            {"name": "id", "type": "S"},
            {"name": "at", "type": "N"},
            {"name": "cat", "type": "S"},
            {"name": "st", "type": "S"},
        ],
        stream={"enabled": True, "viewType": "NEW_IMAGE"},
        globalSecondaryIndexes=[{"name": "ByCategory", "hashKey": "cat"}, {"name": "ByAt", "hashKey": "at"}],
        localSecondaryIndexes=[{"name": "ByStatus", "rangeKey": "st"}],
    )
    status = live(stream_arn=STREAM, replicas=[ReplicaStatus(region="us-west-2", status="ACTIVE")])
    data = connection_details(m, status)
    assert data == {
        "tableName": "shop-orders",
        "TABLE_NAME": "shop-orders",
        "tableArn": ARN,
        "TABLE_ARN": ARN,
        "region": "eu-west-1",
        "TABLE_REGION": "eu-west-1",
        "streamArn": STREAM,
        "STREAM_ARN": STREAM,
        "streamLabel": "2026-12-01T08:35:42.690",
        "STREAM_LABEL": "2026-12-01T08:35:42.690",
        "globalSecondaryIndexes": "ByCategory,ByAt",
        "GSI_NAMES": "ByCategory,ByAt",
        "localSecondaryIndexes": "ByStatus",
        "LSI_NAMES": "ByStatus",
        "replicaRegions": "us-west-2",
        "REPLICA_REGIONS": "us-west-2",
    }
    assert set(data) == set(KEYS) | set(KEYS.values())


def test_what_the_table_does_not_have_is_absent_not_empty() -> None:
    data = connection_details(manifest(), live())
    assert data == {
        "tableName": "shop-orders",
        "TABLE_NAME": "shop-orders",
        "tableArn": ARN,
        "TABLE_ARN": ARN,
        "region": "eu-west-1",
        "TABLE_REGION": "eu-west-1",
    }


def test_nothing_is_exported_before_the_status_records_the_table() -> None:
    assert connection_details(manifest(), DynamoTableStatus(table_name="shop-orders", region="eu-west-1")) is None


def test_the_stream_label_is_the_end_of_the_stream_arn() -> None:
    assert stream_label(STREAM) == "2026-12-01T08:35:42.690"
    assert stream_label(ARN) is None
    assert stream_label(f"{ARN}/stream/") is None


def test_a_new_stream_arn_changes_the_checksum() -> None:
    before = connection_details(manifest(), live(stream_arn=STREAM))
    after = connection_details(manifest(), live(stream_arn=f"{ARN}/stream/2026-12-02T00:00:00.000"))
    assert before is not None and after is not None
    assert checksum("orders-table", before) != checksum("orders-table", after)
    assert checksum("orders-table", before) == checksum("orders-table", dict(reversed(before.items())))
    assert checksum("orders-table", before) != checksum("other", before)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("orders-terraform", "spec.export.configMap: 'orders-terraform' ends in '-terraform'"),
        ("-terraform", "spec.export.configMap: '-terraform'"),
        ("Orders", "spec.export.configMap: 'Orders' is not a valid ConfigMap name"),
        ("orders_table", "is not a valid ConfigMap name"),
        ("orders-", "is not a valid ConfigMap name"),
        ("a" * 254, "spec.export.configMap"),
        ("", "spec.export.configMap"),
    ],
)
def test_a_bad_configmap_name_is_refused_by_validate_and_at_admission(name: str, error: str) -> None:
    spec = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], "export": {"configMap": name}}
    found = errors(spec)
    assert any(error in e for e in found), found
    assert not admitted(spec)


@pytest.mark.parametrize("name", ["orders-table", "orders", "shop.orders.v2", "terraform", "orders-terraform-x", "a"])
def test_a_good_configmap_name_is_accepted_by_validate_and_at_admission(name: str) -> None:
    spec = {"tableName": "orders", "hashKey": "id", "attributes": [{"name": "id", "type": "S"}]}
    spec["export"] = {"configMap": name}
    assert errors(spec) == []
    assert admitted(spec)


def test_export_takes_nothing_but_the_configmap_name() -> None:
    spec = {"hashKey": "id", "attributes": [{"name": "id", "type": "S"}], "export": {"configMap": "x", "secret": "y"}}
    assert any("spec.export.secret" in e for e in errors(spec))  # the API server prunes it (kubectl refuses it)
    assert any("spec.export.configMap" in e for e in errors({**spec, "export": {}}))
    assert not admitted({**spec, "export": {}})
