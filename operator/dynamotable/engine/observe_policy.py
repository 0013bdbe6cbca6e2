"""Reading the table's resource-based policy from AWS."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dynamotable.api import spec as s
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.errors import AwsCallFailed, classify, error_code
from dynamotable.engine.model import ObservedPolicy
from dynamotable.engine.plan_policy import RESOURCE_POLICY


def observe_policy(
    factory: ClientFactory, manifest: s.DynamoTable, table: Mapping[str, Any], region: str, previous: frozenset[str]
) -> dict[str, Any]:
    """ObservedTable fields of the policy (none when the spec does not manage it and `previous` records none)."""
    if manifest.spec.resource_policy is None and RESOURCE_POLICY not in previous:
        return {}
    dynamodb = factory.client("dynamodb", region)
    try:
        reply = dynamodb.get_resource_policy(ResourceArn=table["TableArn"])
    except ClientError as exc:
        # [A22] no policy on the table is PolicyNotFoundException, not an empty answer
        if error_code(exc) == "PolicyNotFoundException":
            return {"resource_policy": ObservedPolicy(document=None)}
        raise AwsCallFailed("GetResourcePolicy", region, classify(exc, operation="GetResourcePolicy")) from exc
    except BotoCoreError as exc:
        raise AwsCallFailed("GetResourcePolicy", region, classify(exc, operation="GetResourcePolicy")) from exc
    # the revision id is not kept: the planner compares documents, and a fingerprint must not change with it
    return {"resource_policy": ObservedPolicy(document=parse_policy(reply.get("Policy")))}


def parse_policy(text: object) -> Mapping[str, Any]:
    """The policy document AWS returned; text that is not a JSON object is kept as {"<unparsed>": text}, which
    equals no spec (so the spec's policy is put again)."""
    if isinstance(text, str):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict):
            return document
    return {"<unparsed>": text}
