"""Concurrent calls to the local endpoint, to any service, are answered as if they came one at a time.

The case that broke Terraform: AWS creates the AWS managed key alias/aws/dynamodb on first use, and so does
moto, with a find-then-create that concurrent first lookups all pass. Each then made its own "AWS managed"
key with the alias, and the provider's aws_kms_alias lookup failed with "too many results". Plain moto makes
up to one key per racing request (measured: 9-16 keys for 16 threads), so every region here is a fresh race.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from dynamotable.local import LocalEndpoint

THREADS = 16
REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1")
ALIAS = "alias/aws/dynamodb"
CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as ep:
        yield ep


@pytest.fixture
def fresh(endpoint: LocalEndpoint) -> LocalEndpoint:
    endpoint.reset()
    return endpoint


def client(endpoint: LocalEndpoint, service: str, region: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=CONFIG,
    )


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, all released at once; re-raise the first failure."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def managed_aliases(kms: Any) -> list[dict[str, Any]]:
    return [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == ALIAS]


def test_concurrent_first_lookups_of_the_aws_managed_key_make_exactly_one_key(fresh: LocalEndpoint) -> None:
    for region in REGIONS:
        clients = [client(fresh, "kms", region) for _ in range(THREADS)]

        def lookup(kms: Any, i: int) -> str:
            if i % 2:  # Terraform's data "aws_kms_alias": ListAliases, then DescribeKey of the alias
                assert len(managed_aliases(kms)) == 1
            return str(kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["Arn"])

        arns = race([lambda kms=kms, i=i: lookup(kms, i) for i, kms in enumerate(clients)])
        kms = clients[0]
        keys = kms.list_keys()["Keys"]
        assert len(keys) == 1, f"{region}: {len(keys)} keys"
        assert set(arns) == {keys[0]["KeyArn"]}
        aliases = managed_aliases(kms)
        assert [a["TargetKeyId"] for a in aliases] == [keys[0]["KeyId"]], region
        metadata = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]
        assert metadata["KeyManager"] == "AWS"
        assert metadata["Arn"].startswith(f"arn:aws:kms:{region}:123456789012:key/")


def test_encrypted_tables_and_kms_lookups_racing_share_one_managed_key(fresh: LocalEndpoint) -> None:
    """DynamoDB's path to the key (CreateTable with SSE on) and KMS's, at the same time."""
    region = "ap-south-1"
    kms_clients = [client(fresh, "kms", region) for _ in range(THREADS // 2)]
    ddb_clients = [client(fresh, "dynamodb", region) for _ in range(THREADS // 2)]

    def create(ddb: Any, i: int) -> str:
        created = ddb.create_table(
            TableName=f"sse-{i}",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            SSESpecification={"Enabled": True},
        )
        return str(created["TableDescription"]["SSEDescription"]["KMSMasterKeyArn"])

    calls: list[Callable[[], Any]] = [lambda kms=kms: kms.describe_key(KeyId=ALIAS) for kms in kms_clients]
    calls += [lambda ddb=ddb, i=i: create(ddb, i) for i, ddb in enumerate(ddb_clients)]
    results = race(calls)
    keys = kms_clients[0].list_keys()["Keys"]
    assert len(keys) == 1
    key_arn = keys[0]["KeyArn"]
    assert {r["KeyMetadata"]["Arn"] for r in results[: len(kms_clients)]} == {key_arn}
    assert set(results[len(kms_clients) :]) == {key_arn}
    described = ddb_clients[0].describe_table(TableName="sse-0")["Table"]["SSEDescription"]
    assert described == {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key_arn}


def test_predefined_alias_is_listed_without_a_target_until_its_key_exists(fresh: LocalEndpoint) -> None:
    """[KMS API ListAliases] predefined aliases without a key carry no TargetKeyId (moto invents one)."""
    kms = client(fresh, "kms", "eu-west-1")
    before = managed_aliases(kms)
    assert before == [{"AliasArn": f"arn:aws:kms:eu-west-1:123456789012:{ALIAS}", "AliasName": ALIAS}]
    assert kms.list_keys()["Keys"] == []
    key_id = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["KeyId"]
    assert [a.get("TargetKeyId") for a in managed_aliases(kms)] == [key_id]
    assert len(kms.list_keys()["Keys"]) == 1
