"""Settings moto ignores, recorded and described by the local endpoint; DescribeTable's AWS shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.local import Latency, LocalEndpoint


@pytest.fixture
def local_kms(local_fresh: LocalEndpoint) -> Any:
    return boto3.client(
        "kms",
        endpoint_url=local_fresh.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


def describe(client: Any, name: str = "orders") -> dict[str, Any]:
    return dict(client.describe_table(TableName=name)["Table"])


def test_sse_update_is_recorded_and_described_with_key_arn(
    local_fresh: LocalEndpoint,
    local_ddb: Callable[..., Any],
    local_table: Callable[..., Any],
    local_kms: Any,
    local_clock: Any,
) -> None:
    key = local_kms.create_key()["KeyMetadata"]
    local_table("orders")
    client = local_ddb()
    assert "SSEDescription" not in describe(client)  # AWS owned key
    local_fresh.set_latency(Latency(update=3))
    client.update_table(
        TableName="orders", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key["KeyId"]}
    )
    assert describe(client)["SSEDescription"]["Status"] == "ENABLING"
    local_clock.advance(3)
    assert describe(client)["SSEDescription"] == {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key["Arn"]}
    local_clock.advance(1)
    client.update_table(TableName="orders", SSESpecification={"Enabled": False})
    assert describe(client)["SSEDescription"]["Status"] == "DISABLING"
    local_clock.advance(3)
    assert "SSEDescription" not in describe(client)


def test_sse_aws_managed_key_is_the_alias_aws_dynamodb_key_of_the_region(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_kms: Any
) -> None:
    local_table("orders")
    client = local_ddb()
    client.update_table(TableName="orders", SSESpecification={"Enabled": True})
    managed = local_kms.describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]["Arn"]
    assert describe(client)["SSEDescription"]["KMSMasterKeyArn"] == managed
    with pytest.raises(client.exceptions.ClientError, match="already encrypted with given KMSMasterKeyId"):
        client.update_table(TableName="orders", SSESpecification={"Enabled": True})


def test_sse_key_id_given_at_create_is_described_as_key_arn(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_kms: Any
) -> None:
    key = local_kms.create_key()["KeyMetadata"]
    sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key["KeyId"]}
    created = local_table("orders", SSESpecification=sse)
    assert created["SSEDescription"]["KMSMasterKeyArn"] == key["Arn"]
    assert describe(local_ddb())["SSEDescription"]["KMSMasterKeyArn"] == key["Arn"]


def test_table_class_is_described_in_table_class_summary(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    local_table("cold", TableClass="STANDARD_INFREQUENT_ACCESS")
    client = local_ddb()
    assert "TableClassSummary" not in describe(client)
    assert describe(client, "cold")["TableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    client.update_table(TableName="orders", TableClass="STANDARD_INFREQUENT_ACCESS")
    summary = describe(client)["TableClassSummary"]
    assert summary["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert "LastUpdateDateTime" in summary


def test_on_demand_throughput_is_recorded_for_table_and_gsi(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", gsi="by-g", OnDemandThroughput={"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50})
    client = local_ddb()
    assert describe(client)["OnDemandThroughput"] == {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50}
    client.update_table(
        TableName="orders",
        GlobalSecondaryIndexUpdates=[
            {"Update": {"IndexName": "by-g", "OnDemandThroughput": {"MaxReadRequestUnits": 20}}}
        ],
    )
    assert describe(client)["GlobalSecondaryIndexes"][0]["OnDemandThroughput"] == {"MaxReadRequestUnits": 20}
    client.update_table(TableName="orders", OnDemandThroughput={"MaxWriteRequestUnits": 70})
    assert describe(client)["OnDemandThroughput"] == {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 70}
    pt = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    client.update_table(
        TableName="orders",
        BillingMode="PROVISIONED",
        ProvisionedThroughput=pt,
        GlobalSecondaryIndexUpdates=[{"Update": {"IndexName": "by-g", "ProvisionedThroughput": pt}}],
    )
    table = describe(client)
    assert "OnDemandThroughput" not in table
    assert "OnDemandThroughput" not in table["GlobalSecondaryIndexes"][0]


def test_stream_reenable_after_disable_gets_a_new_stream_arn(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    first = local_table("orders", stream="NEW_IMAGE")["LatestStreamArn"]
    client = local_ddb()
    client.update_table(TableName="orders", StreamSpecification={"StreamEnabled": False})
    disabled = describe(client)
    assert "StreamSpecification" not in disabled
    assert disabled["LatestStreamArn"] == first  # the old stream stays visible after a disable
    client.put_item(TableName="orders", Item={"pk": {"S": "a"}})  # moto alone crashes here (HTTP 500)
    client.update_table(
        TableName="orders", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    )
    table = describe(client)
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["LatestStreamArn"] != first
    assert table["LatestStreamArn"].endswith("/stream/" + table["LatestStreamLabel"])
    client.put_item(TableName="orders", Item={"pk": {"S": "b"}})


def test_pay_per_request_reports_zero_throughput_and_billing_summary(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED", gsi="by-g")
    client = local_ddb()
    client.update_table(TableName="orders", BillingMode="PAY_PER_REQUEST")
    table = describe(client)
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 0
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert "LastUpdateToPayPerRequestDateTime" in table["BillingModeSummary"]


def test_billing_mode_summary_is_absent_when_billing_mode_was_never_given(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    spec = {"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}
    client = local_ddb()
    client.create_table(
        TableName="legacy",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        **spec,
    )
    assert "BillingModeSummary" not in describe(client, "legacy")
    local_table("modern", billing="PROVISIONED")
    assert describe(client, "modern")["BillingModeSummary"] == {"BillingMode": "PROVISIONED"}


def test_describe_table_omits_empty_index_lists_and_reports_index_arns(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("plain")
    local_table("indexed", gsi="by-g")
    client = local_ddb()
    plain = describe(client, "plain")
    assert "GlobalSecondaryIndexes" not in plain
    assert "LocalSecondaryIndexes" not in plain
    assert plain["TableId"]
    gsi = describe(client, "indexed")["GlobalSecondaryIndexes"][0]
    assert gsi["IndexArn"] == describe(client, "indexed")["TableArn"] + "/index/by-g"
    assert gsi["WarmThroughput"]["Status"] == "ACTIVE"


def test_decrease_is_counted_in_number_of_decreases_today(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders", billing="PROVISIONED")
    client = local_ddb()
    client.update_table(TableName="orders", ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 5})
    throughput = describe(client)["ProvisionedThroughput"]
    assert throughput["ReadCapacityUnits"] == 2
    assert throughput["NumberOfDecreasesToday"] == 1
    assert "LastDecreaseDateTime" in throughput
