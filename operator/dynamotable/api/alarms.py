"""What an alarm of the spec is called and measures on CloudWatch: shared by the planner and the renderer."""

from __future__ import annotations

from dynamotable.api import spec as s

NAMESPACE = "AWS/DynamoDB"
DEFAULT_TREAT_MISSING_DATA = s.TreatMissingData.MISSING.value  # [A23] CloudWatch's default


def alarm_name(manifest: s.DynamoTable, alarm: s.Alarm) -> str:
    return f"{manifest.table_name}-{alarm.name}"


def dimensions(table: str, alarm: s.Alarm) -> dict[str, str]:
    """TableName, and GlobalSecondaryIndexName for an alarm on an index (A23)."""
    out = {"TableName": table}
    if alarm.index is not None:
        out["GlobalSecondaryIndexName"] = alarm.index
    return out


def treat_missing_data(alarm: s.Alarm) -> str:
    return alarm.treat_missing_data.value if alarm.treat_missing_data else DEFAULT_TREAT_MISSING_DATA
