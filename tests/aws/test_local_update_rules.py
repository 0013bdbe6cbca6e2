"""UpdateTable rules AWS enforces and moto does not, and AttributeDefinitions merging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dynamotable.local import LocalEndpoint, Rules

PT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def gsi_create(name: str, attribute: str, throughput: dict[str, int] | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {
        "IndexName": name,
        "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    if throughput:
        action["ProvisionedThroughput"] = throughput
    return {"Create": action}


def attrs(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": n, "AttributeType": "S"} for n in names]


def rejected(client: Any, code: str, **kwargs: Any) -> str:
    with pytest.raises(client.exceptions.ClientError) as excinfo:
        client.update_table(**kwargs)
    error = excinfo.value.response["Error"]
    assert error["Code"] == code, error
    return str(error["Message"])


def test_update_table_rejects_two_gsi_creates_in_one_call(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    client = local_ddb()
    message = rejected(
        client,
        "LimitExceededException",
        TableName="orders",
        AttributeDefinitions=attrs("a", "b"),
        GlobalSecondaryIndexUpdates=[gsi_create("by-a", "a"), gsi_create("by-b", "b")],
    )
    assert "Only 1 online index can be created or deleted simultaneously" in message
    assert "GlobalSecondaryIndexes" not in client.describe_table(TableName="orders")["Table"]


def test_update_table_rejects_gsi_create_and_delete_in_one_call(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", gsi="by-g")
    client = local_ddb()
    rejected(
        client,
        "LimitExceededException",
        TableName="orders",
        AttributeDefinitions=attrs("a"),
        GlobalSecondaryIndexUpdates=[gsi_create("by-a", "a"), {"Delete": {"IndexName": "by-g"}}],
    )
    table = client.describe_table(TableName="orders")["Table"]
    assert [g["IndexName"] for g in table["GlobalSecondaryIndexes"]] == ["by-g"]


def test_update_table_rejects_gsi_create_with_table_throughput_change(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED")
    message = rejected(
        local_ddb(),
        "ValidationException",
        TableName="orders",
        AttributeDefinitions=attrs("a"),
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        GlobalSecondaryIndexUpdates=[gsi_create("by-a", "a", PT)],
    )
    assert "cannot create or delete index while updating table IOPS" in message


def test_update_table_rejects_sse_change_with_anything_else(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    message = rejected(
        local_ddb(),
        "ValidationException",
        TableName="orders",
        SSESpecification={"Enabled": True},
        DeletionProtectionEnabled=True,
    )
    assert message.endswith("Server-Side Encryption modification must be the only operation in the request")


def test_update_table_rejects_same_provisioned_throughput(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED")
    message = rejected(local_ddb(), "ValidationException", TableName="orders", ProvisionedThroughput=PT)
    assert message.startswith("The provisioned throughput for the table will not change.")


def test_update_table_rejects_same_gsi_throughput(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED", gsi="by-g")
    message = rejected(
        local_ddb(),
        "ValidationException",
        TableName="orders",
        GlobalSecondaryIndexUpdates=[{"Update": {"IndexName": "by-g", "ProvisionedThroughput": PT}}],
    )
    assert message.startswith("The provisioned throughput for the index by-g will not change.")


def test_update_table_rejects_a_call_that_changes_nothing(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    client = local_ddb()
    assert rejected(client, "ValidationException", TableName="orders").startswith(
        "At least one of ProvisionedThroughput, BillingMode"
    )
    # AttributeDefinitions alone are not a change either (they only travel with a GSI create).
    rejected(client, "ValidationException", TableName="orders", AttributeDefinitions=attrs("pk"))


def test_update_table_rejects_pay_per_request_with_throughput(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED")
    client = local_ddb()
    message = rejected(
        client, "ValidationException", TableName="orders", BillingMode="PAY_PER_REQUEST", ProvisionedThroughput=PT
    )
    assert "can be specified when BillingMode is PAY_PER_REQUEST" in message
    local_table("ondemand")
    rejected(client, "ValidationException", TableName="ondemand", ProvisionedThroughput=PT)


def test_update_table_rejects_switch_to_provisioned_without_throughput(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    message = rejected(local_ddb(), "ValidationException", TableName="orders", BillingMode="PROVISIONED")
    assert message.endswith("ProvisionedThroughput must be specified when BillingMode is PROVISIONED")


def test_update_table_rejects_switch_to_provisioned_without_every_gsi_throughput(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", gsi="by-g")
    client = local_ddb()
    message = rejected(
        client, "ValidationException", TableName="orders", BillingMode="PROVISIONED", ProvisionedThroughput=PT
    )
    assert message.endswith("ProvisionedThroughput must be specified for index: by-g")
    client.update_table(
        TableName="orders",
        BillingMode="PROVISIONED",
        ProvisionedThroughput=PT,
        GlobalSecondaryIndexUpdates=[{"Update": {"IndexName": "by-g", "ProvisionedThroughput": PT}}],
    )
    table = client.describe_table(TableName="orders")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 5


def test_update_table_rejects_gsi_create_without_throughput_on_provisioned_table(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED")
    message = rejected(
        local_ddb(),
        "ValidationException",
        TableName="orders",
        AttributeDefinitions=attrs("a"),
        GlobalSecondaryIndexUpdates=[gsi_create("by-a", "a")],
    )
    assert "Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: by-a" in message


def test_update_table_rejects_two_replica_actions_in_one_call(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", stream="NEW_AND_OLD_IMAGES")
    message = rejected(
        local_ddb(),
        "ValidationException",
        TableName="orders",
        ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}, {"Create": {"RegionName": "eu-west-1"}}],
    )
    assert "more than one create or delete replica actions" in message


def test_update_table_rejects_replica_update_naming_the_local_region(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", stream="NEW_AND_OLD_IMAGES")
    message = rejected(
        local_ddb(), "ValidationException", TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "us-east-1"}}]
    )
    assert message.startswith("Cannot add or delete the local region through ReplicaUpdates")


def test_update_table_rejects_replica_change_with_other_changes(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", stream="NEW_AND_OLD_IMAGES")
    message = rejected(
        local_ddb(),
        "ValidationException",
        TableName="orders",
        DeletionProtectionEnabled=True,
        ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}],
    )
    assert message.endswith("Replica modification must be the only operation in the request")


def test_update_table_delete_of_unknown_gsi_is_a_400_not_found(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    message = rejected(
        local_ddb(),
        "ResourceNotFoundException",
        TableName="orders",
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}}],
    )
    assert message == "Requested resource not found: Index nope for table orders"


def test_update_table_stream_enable_when_enabled_is_rejected(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", stream="NEW_IMAGE")
    message = rejected(
        local_ddb(),
        "ValidationException",
        TableName="orders",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    assert message == "Table already has an enabled stream: TableName: orders"


def test_update_table_stream_disable_when_none_is_rejected(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    message = rejected(
        local_ddb(), "ValidationException", TableName="orders", StreamSpecification={"StreamEnabled": False}
    )
    assert message == "Table has no stream to disable: TableName: orders"


def test_update_table_stream_enable_without_view_type_is_rejected(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    message = rejected(
        local_ddb(), "ValidationException", TableName="orders", StreamSpecification={"StreamEnabled": True}
    )
    assert "If stream is being enabled then UpdateViewType is required" in message


def test_update_table_strict_rules_refuse_table_class_with_billing_change(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED")
    client = local_ddb()
    change = {"TableName": "orders", "BillingMode": "PAY_PER_REQUEST", "TableClass": "STANDARD_INFREQUENT_ACCESS"}
    local_fresh.set_rules(Rules(strict_single_change=True))
    assert "TableClass modification must be the only operation" in rejected(client, "ValidationException", **change)
    local_fresh.set_rules(Rules())
    client.update_table(**change)  # the reference (A3.8) lets these two travel together


def test_attribute_definitions_are_merged_not_replaced(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", range_key=True, gsi="by-g")
    client = local_ddb()
    # Only the new key is sent, as AWS allows; moto alone would replace the list with [h].
    client.update_table(
        TableName="orders", AttributeDefinitions=attrs("h"), GlobalSecondaryIndexUpdates=[gsi_create("by-h", "h")]
    )
    table = client.describe_table(TableName="orders")["Table"]
    assert table["AttributeDefinitions"] == [
        {"AttributeName": "g", "AttributeType": "S"},
        {"AttributeName": "h", "AttributeType": "S"},
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ]
    client.update_table(TableName="orders", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    names = [a["AttributeName"] for a in client.describe_table(TableName="orders")["Table"]["AttributeDefinitions"]]
    assert names == ["h", "pk", "sk"]


def test_attribute_definitions_without_the_new_gsi_keys_are_rejected(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    client = local_ddb()
    message = rejected(
        client,
        "ValidationException",
        TableName="orders",
        AttributeDefinitions=attrs("other"),
        GlobalSecondaryIndexUpdates=[gsi_create("by-h", "h")],
    )
    assert "Some index key attributes are not defined in AttributeDefinitions. Keys: [h]" in message
    message = rejected(
        client, "ValidationException", TableName="orders", GlobalSecondaryIndexUpdates=[gsi_create("by-h", "h")]
    )
    assert message.endswith("AttributeDefinitions is not specified for index: by-h")


def test_rejected_update_changes_nothing(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED")
    client = local_ddb()
    before = client.describe_table(TableName="orders")["Table"]
    rejected(
        client,
        "ValidationException",
        TableName="orders",
        AttributeDefinitions=attrs("a"),
        DeletionProtectionEnabled=True,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        GlobalSecondaryIndexUpdates=[gsi_create("by-a", "a", PT)],
    )
    after = client.describe_table(TableName="orders")["Table"]
    assert after == before
    assert [r.error_code for r in local_fresh.requests() if r.operation == "UpdateTable"] == ["ValidationException"]
