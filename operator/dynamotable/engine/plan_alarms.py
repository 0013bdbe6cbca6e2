"""Planning the CloudWatch alarms of the table. Pure: no I/O.

An alarm of the spec is named <tableName>-<name> and is this object's: PutMetricAlarm creates it or overwrites
it whole (A23). An alarm under the prefix that the spec does not name is deleted only when it is ours: tagged
with our ownership tag, or recorded in status.attached. Any other alarm, e.g. Application Auto Scaling's
TargetTracking-table/<name>-..., is never touched.
"""

from __future__ import annotations

from typing import Any

from dynamotable.api import spec as s
from dynamotable.api.alarms import NAMESPACE, alarm_name, dimensions, treat_missing_data
from dynamotable.api.validation import OWNER_TAG
from dynamotable.engine.model import CLOUDWATCH, Drift, ObservedAlarm, ObservedTable, Step, SurfacePlan

ALARM_ENTRY = "alarm:"  # status.attached entries: alarm:<full alarm name>


def desired(manifest: s.DynamoTable, alarm: s.Alarm) -> ObservedAlarm:
    """The alarm as DescribeAlarms shows it once the spec's PutMetricAlarm has run (normalized)."""
    return ObservedAlarm(
        name=alarm_name(manifest, alarm),
        metric=alarm.metric.value,
        namespace=NAMESPACE,
        statistic=alarm.statistic.value,
        period=alarm.period,
        evaluation_periods=alarm.evaluation_periods,
        comparison_operator=alarm.comparison_operator.value,
        threshold=float(alarm.threshold),
        dimensions=dimensions(manifest.table_name, alarm),
        treat_missing_data=treat_missing_data(alarm),
        alarm_actions=tuple(sorted(set(alarm.alarm_actions))),
        description=alarm.description or None,
    )


def put_request(manifest: s.DynamoTable, alarm: s.Alarm, owner: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "AlarmName": alarm_name(manifest, alarm),
        "Namespace": NAMESPACE,
        "MetricName": alarm.metric.value,
        "Statistic": alarm.statistic.value,
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "ComparisonOperator": alarm.comparison_operator.value,
        "Threshold": float(alarm.threshold),
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions(manifest.table_name, alarm).items()],
        "TreatMissingData": treat_missing_data(alarm),
        "AlarmActions": sorted(set(alarm.alarm_actions)),
        # [A23] tags are applied only when PutMetricAlarm creates the alarm
        "Tags": [{"Key": OWNER_TAG, "Value": owner}],
    }
    if alarm.description:
        request["AlarmDescription"] = alarm.description
    return request


_COMPARED = (
    ("metric", "metric"),
    ("namespace", "namespace"),
    ("statistic", "statistic"),
    ("period", "period"),
    ("evaluation_periods", "evaluationPeriods"),
    ("comparison_operator", "comparisonOperator"),
    ("threshold", "threshold"),
    ("dimensions", "index"),
    ("treat_missing_data", "treatMissingData"),
    ("alarm_actions", "alarmActions"),
    ("description", "description"),
    ("actions_enabled", "actionsEnabled"),
    ("datapoints_to_alarm", "datapointsToAlarm"),
    ("ok_actions", "okActions"),
    ("insufficient_data_actions", "insufficientDataActions"),
    ("extended_statistic", "extendedStatistic"),
    ("unit", "unit"),
)


def _shown(value: object) -> str:
    if value is None or value == ():
        return "absent"
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def differences(want: ObservedAlarm, have: ObservedAlarm) -> list[tuple[str, str, str]]:
    """(spec field, desired, live) for every setting of the live alarm that is not the spec's."""
    out = []
    for attr, field in _COMPARED:
        a, b = getattr(want, attr), getattr(have, attr)
        if attr == "dimensions":
            a, b = dict(a), dict(b)
        if a != b:
            out.append((field, _shown(a), _shown(b)))
    return out


def plan_alarms(manifest: s.DynamoTable, live: ObservedTable, previous: frozenset[str]) -> SurfacePlan:
    """The steps that take the live alarms to the spec; `previous`: status.attached of the last pass. The
    owner tag value is the table's (the surface plans against the table as its own steps leave it)."""
    out = SurfacePlan()
    if live.alarms is None:
        return out
    owner = live.tags.get(OWNER_TAG) or manifest.owner_id
    have = {a.name: a for a in live.alarms}
    spec_alarms = manifest.spec.alarms or []
    for alarm in spec_alarms:
        want = desired(manifest, alarm)
        out.attached.add(ALARM_ENTRY + want.name)
        current = have.get(want.name)
        if current is None:
            out.drift.append(Drift(f"alarms[{alarm.name}]", "present", "absent"))
            verb = "create"
        else:
            changed = differences(want, current)
            if not changed:
                continue
            out.drift += [Drift(f"alarms[{alarm.name}].{f}", d, lv) for f, d, lv in changed]
            verb = "update"
        where = f"GSI {alarm.index} of table {live.name}" if alarm.index else f"table {live.name}"
        out.steps.append(
            Step(
                "PutMetricAlarm",
                live.region,
                put_request(manifest, alarm, owner),
                f"{verb} alarm {want.name}: {alarm.metric.value} {alarm.statistic.value} "
                f"{alarm.comparison_operator.value} {alarm.threshold:g} over {alarm.evaluation_periods} x "
                f"{alarm.period}s on {where}",
                transitions=False,
                service=CLOUDWATCH,
            )
        )
    wanted = {alarm_name(manifest, a) for a in spec_alarms}
    gone = sorted(
        name
        for name, alarm in have.items()
        if name not in wanted and (alarm.owner == owner or ALARM_ENTRY + name in previous)
    )
    if gone:
        out.attached |= {ALARM_ENTRY + name for name in gone}
        out.drift += [
            Drift(f"alarms[{name.removeprefix(manifest.table_name + '-')}]", "absent", "present") for name in gone
        ]
        # [A23] DeleteAlarms takes up to 100 names per call
        for start in range(0, len(gone), 100):
            batch = gone[start : start + 100]
            out.steps.append(
                Step(
                    "DeleteAlarms",
                    live.region,
                    {"AlarmNames": batch},
                    f"delete alarm(s) {', '.join(batch)} of table {live.name} (removed from the spec)",
                    transitions=False,
                    service=CLOUDWATCH,
                )
            )
    return out
