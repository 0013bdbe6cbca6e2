"""Tags, TTL and point-in-time recovery rules on the local endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dynamotable.local import LocalEndpoint, Rules

TTL_ON = {"Enabled": True, "AttributeName": "expires"}
TTL_OFF = {"Enabled": False, "AttributeName": "expires"}


def tags(client: Any, arn: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for page in client.get_paginator("list_tags_of_resource").paginate(ResourceArn=arn):
        found.extend(page["Tags"])
    return found


def test_tag_resource_overwrites_an_existing_key(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    arn = local_table("orders", Tags=[{"Key": "team", "Value": "a"}])["TableArn"]
    client = local_ddb()
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}])
    assert tags(client, arn) == [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}]
    client.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert tags(client, arn) == [{"Key": "env", "Value": "prod"}]


def test_tag_resource_rejects_aws_prefixed_keys(local_ddb: Callable[..., Any], local_table: Callable[..., Any]) -> None:
    arn = local_table("orders")["TableArn"]
    client = local_ddb()
    with pytest.raises(client.exceptions.ClientError, match="Tag Key cannot be prefixed with aws:"):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:cloudformation:stack", "Value": "x"}])
    assert tags(client, arn) == []


def test_tag_resource_rejects_more_than_50_tags(local_ddb: Callable[..., Any], local_table: Callable[..., Any]) -> None:
    arn = local_table("orders", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(45)])["TableArn"]
    client = local_ddb()
    with pytest.raises(client.exceptions.ClientError, match="Number of Tags exceed the current limit"):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": f"n{i}", "Value": "v"} for i in range(6)])
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": f"n{i}", "Value": "v"} for i in range(5)])
    assert len(tags(client, arn)) == 50


def test_tag_resource_on_missing_table_is_resource_not_found(local_ddb: Callable[..., Any]) -> None:
    client = local_ddb()
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/missing"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}])


def test_update_ttl_rejects_enable_when_already_enabled(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_fresh.set_rules(Rules(ttl_change_window=0))
    local_table("orders")
    client = local_ddb()
    client.update_time_to_live(TableName="orders", TimeToLiveSpecification=TTL_ON)
    with pytest.raises(client.exceptions.ClientError, match="TimeToLive is already enabled"):
        client.update_time_to_live(TableName="orders", TimeToLiveSpecification=TTL_ON)


def test_update_ttl_rejects_disable_when_already_disabled(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    client = local_ddb()
    with pytest.raises(client.exceptions.ClientError, match="TimeToLive is already disabled"):
        client.update_time_to_live(TableName="orders", TimeToLiveSpecification=TTL_OFF)


def test_update_ttl_rejects_attribute_change_while_enabled(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_fresh.set_rules(Rules(ttl_change_window=0))
    local_table("orders")
    client = local_ddb()
    client.update_time_to_live(TableName="orders", TimeToLiveSpecification=TTL_ON)
    with pytest.raises(client.exceptions.ClientError, match="current AttributeName is expires"):
        client.update_time_to_live(
            TableName="orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
        )


def test_update_ttl_allows_one_change_per_window(
    local_fresh: LocalEndpoint, local_ddb: Callable[..., Any], local_table: Callable[..., Any], local_clock: Any
) -> None:
    local_table("orders")
    client = local_ddb()
    client.update_time_to_live(TableName="orders", TimeToLiveSpecification=TTL_ON)
    local_clock.advance(3599)
    with pytest.raises(client.exceptions.ClientError, match="modified multiple times within a fixed interval"):
        client.update_time_to_live(TableName="orders", TimeToLiveSpecification=TTL_OFF)
    local_clock.advance(1)
    client.update_time_to_live(TableName="orders", TimeToLiveSpecification=TTL_OFF)
    assert client.describe_time_to_live(TableName="orders")["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"


def test_update_ttl_on_missing_table_uses_the_aws_error_code(local_ddb: Callable[..., Any]) -> None:
    client = local_ddb()
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.update_time_to_live(TableName="missing", TimeToLiveSpecification=TTL_ON)


def test_update_continuous_backups_rejects_recovery_period_outside_1_to_35(
    local_ddb: Callable[..., Any], local_table: Callable[..., Any]
) -> None:
    local_table("orders")
    client = local_ddb()
    spec = {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 36}
    with pytest.raises(client.exceptions.ClientError, match="less than or equal to 35"):
        client.update_continuous_backups(TableName="orders", PointInTimeRecoverySpecification=spec)
    spec["RecoveryPeriodInDays"] = 35
    result = client.update_continuous_backups(TableName="orders", PointInTimeRecoverySpecification=spec)
    assert result["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 35
