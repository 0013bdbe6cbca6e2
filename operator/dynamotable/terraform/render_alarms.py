"""`aws_cloudwatch_metric_alarm` per alarm of a table, each with its `import {}` block. Pure: no I/O."""

from __future__ import annotations

from dynamotable.api import spec as s
from dynamotable.api.alarms import NAMESPACE, alarm_name, dimensions, treat_missing_data
from dynamotable.api.validation import OWNER_TAG
from dynamotable.terraform.hcl import Writer, identifier, key, quote, string_list

RESOURCE_TYPE = "aws_cloudwatch_metric_alarm"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def alarm_labels(table_label: str, alarms: list[s.Alarm]) -> list[str]:
    """`<table label>_<alarm name>`, numbered where two names give the same identifier."""
    seen: set[str] = set()
    out = []
    for alarm in alarms:
        base = identifier(f"{table_label}_{alarm.name}")
        label, n = base, 1
        while label in seen:
            n += 1
            label = f"{base}_{n}"
        seen.add(label)
        out.append(label)
    return out


def render_alarms(w: Writer, manifest: s.DynamoTable, *, label: str, owner: str, provider: str | None) -> None:
    """Every alarm of the spec as the engine puts it (plan_alarms.put_request), with our ownership tag
    unless `owner` is ""."""
    alarms = manifest.spec.alarms or []
    for alarm, alarm_label in zip(alarms, alarm_labels(label, alarms), strict=True):
        name = alarm_name(manifest, alarm)
        w.blank()
        w.open(f'resource "{RESOURCE_TYPE}" "{alarm_label}"')
        if provider is not None:
            w.attr("provider", provider)
            w.blank()
        w.attr("alarm_name", quote(name))
        if alarm.description:
            w.attr("alarm_description", quote(alarm.description))
        w.attr("namespace", quote(NAMESPACE))
        w.attr("metric_name", quote(alarm.metric.value))
        w.attr("statistic", quote(alarm.statistic.value))
        w.attr("period", str(alarm.period))
        w.attr("evaluation_periods", str(alarm.evaluation_periods))
        w.attr("comparison_operator", quote(alarm.comparison_operator.value))
        w.attr("threshold", _number(alarm.threshold))
        w.attr("treat_missing_data", quote(treat_missing_data(alarm)))
        if alarm.alarm_actions:
            w.attr("alarm_actions", string_list(sorted(set(alarm.alarm_actions))))
        w.blank()
        w.open("dimensions =")
        for dimension, value in dimensions(manifest.table_name, alarm).items():
            w.attr(dimension, quote(value))
        w.close()
        if owner:
            w.blank()
            w.open("tags =")
            w.attr(key(OWNER_TAG), quote(owner))
            w.close()
        w.close()
        w.blank()
        w.open("import")
        if provider is not None:
            w.attr("provider", provider)
        w.attr("to", f"{RESOURCE_TYPE}.{alarm_label}")
        w.attr("id", quote(name))
        w.close()
