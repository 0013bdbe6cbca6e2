"""Reading the CloudWatch alarms of the table from AWS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dynamotable.api import spec as s
from dynamotable.api.alarms import alarm_name
from dynamotable.api.validation import OWNER_TAG
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.errors import AwsCallFailed, classify
from dynamotable.engine.model import ObservedAlarm
from dynamotable.engine.plan_alarms import ALARM_ENTRY


def observe_alarms(
    factory: ClientFactory, manifest: s.DynamoTable, table: Mapping[str, Any], region: str, previous: frozenset[str]
) -> dict[str, Any]:
    """ObservedTable fields of the alarms (none when the spec does not manage it and `previous` records none).
    The alarms named under the table's prefix; the tags only of those the spec does not name (whether they
    are this object's to delete)."""
    if manifest.spec.alarms is None and not any(p.startswith(ALARM_ENTRY) for p in previous):
        return {}
    cloudwatch = factory.client("cloudwatch", region)
    wanted = {alarm_name(manifest, a) for a in manifest.spec.alarms or []}
    alarms: list[ObservedAlarm] = []
    token: str | None = None
    while True:
        request: dict[str, Any] = {"AlarmNamePrefix": f"{manifest.table_name}-", "AlarmTypes": ["MetricAlarm"]}
        if token:
            request["NextToken"] = token
        try:
            page = cloudwatch.describe_alarms(**request)
        except (ClientError, BotoCoreError) as exc:
            raise AwsCallFailed("DescribeAlarms", region, classify(exc, operation="DescribeAlarms")) from exc
        for raw in page.get("MetricAlarms") or []:
            owner = None
            if raw["AlarmName"] not in wanted:
                try:
                    tags = cloudwatch.list_tags_for_resource(ResourceARN=raw["AlarmArn"]).get("Tags") or []
                except (ClientError, BotoCoreError) as exc:
                    operation = "cloudwatch ListTagsForResource"
                    raise AwsCallFailed(operation, region, classify(exc, operation=operation)) from exc
                owner = next((t["Value"] for t in tags if t.get("Key") == OWNER_TAG), None)
            alarms.append(normalize_alarm(raw, owner))
        token = page.get("NextToken")
        if not token:
            break
    return {"alarms": tuple(sorted(alarms, key=lambda a: a.name))}


def normalize_alarm(raw: Mapping[str, Any], owner: str | None) -> ObservedAlarm:
    """DescribeAlarms' MetricAlarm with CloudWatch's defaults resolved (A23): no TreatMissingData = missing,
    dimensions as a mapping (their order carries no meaning), Threshold a float."""
    return ObservedAlarm(
        name=str(raw["AlarmName"]),
        metric=str(raw.get("MetricName") or ""),
        namespace=str(raw.get("Namespace") or ""),
        statistic=raw.get("Statistic"),
        period=int(raw.get("Period") or 0),
        evaluation_periods=int(raw.get("EvaluationPeriods") or 0),
        comparison_operator=str(raw.get("ComparisonOperator") or ""),
        threshold=float(raw.get("Threshold") or 0.0),
        dimensions={str(d["Name"]): str(d["Value"]) for d in raw.get("Dimensions") or []},
        treat_missing_data=raw.get("TreatMissingData") or "missing",
        alarm_actions=tuple(sorted(raw.get("AlarmActions") or [])),
        description=raw.get("AlarmDescription") or None,
        owner=owner,
        actions_enabled=bool(raw.get("ActionsEnabled", True)),
        datapoints_to_alarm=raw.get("DatapointsToAlarm"),
        ok_actions=tuple(sorted(raw.get("OKActions") or [])),
        insufficient_data_actions=tuple(sorted(raw.get("InsufficientDataActions") or [])),
        extended_statistic=raw.get("ExtendedStatistic"),
        unit=raw.get("Unit"),
    )
