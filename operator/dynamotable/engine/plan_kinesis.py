"""Planning the Kinesis streaming destination, and normalizing what DescribeKinesisStreamingDestination answers.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamotable.api import spec as s
from dynamotable.engine.model import Blocked, Drift, ObservedKinesisDestination, ObservedTable, Step, SurfacePlan

KINESIS_PREFIX = "kinesisStreamingDestination:"
ACTIVE, DISABLED, ENABLE_FAILED = "ACTIVE", "DISABLED", "ENABLE_FAILED"
IN_TRANSITION = ("ENABLING", "UPDATING", "DISABLING")
DEFAULT_PRECISION = s.TimestampPrecision.MILLISECOND.value  # [A21] when the enable request names none
FIELD = "kinesisStreamingDestination"


def kinesis_entry(stream_arn: str) -> str:
    return f"{KINESIS_PREFIX}{stream_arn}"


def normalize_destinations(raw: Mapping[str, Any]) -> tuple[ObservedKinesisDestination, ...]:
    return tuple(
        ObservedKinesisDestination(
            stream_arn=str(d.get("StreamArn")),
            status=str(d.get("DestinationStatus")),
            precision=str(d.get("ApproximateCreationDateTimePrecision") or DEFAULT_PRECISION),
            status_description=d.get("DestinationStatusDescription"),
        )
        for d in raw.get("KinesisDataStreamDestinations") or []
        if d.get("StreamArn")
    )


def _stream_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def plan_kinesis(manifest: s.DynamoTable, live: ObservedTable, previous: frozenset[str]) -> SurfacePlan:
    """The steps that take the live kinesis to the spec; `previous`: status.attached of the last pass."""
    out = SurfacePlan()
    want = manifest.spec.kinesis_streaming_destination
    previous_arns = [e.removeprefix(KINESIS_PREFIX) for e in sorted(previous) if e.startswith(KINESIS_PREFIX)]
    if live.kinesis is None:
        out.attached.update(kinesis_entry(a) for a in previous_arns)
        if want is not None:
            out.attached.add(kinesis_entry(want.stream_arn))
        return out
    by_arn = {d.stream_arn: d for d in live.kinesis}
    table = live.name
    # Removals first: a destination this resource put in place and the spec no longer names (removed, or its
    # streamArn changed) is disabled before another is enabled, so the table never feeds two streams.
    removing = False
    for arn in previous_arns:
        if want is not None and arn == want.stream_arn:
            continue
        have = by_arn.get(arn)
        if have is None or have.status == DISABLED:
            continue  # removal seen done
        out.attached.add(kinesis_entry(arn))
        removing = True
        if have.status in IN_TRANSITION:
            out.waiting.append(f"Kinesis streaming destination {_stream_name(arn)} of table {table} is {have.status}")
            continue
        out.steps.append(
            Step(
                "DisableKinesisStreamingDestination",
                live.region,
                {"TableName": table, "StreamArn": arn},
                f"disable the Kinesis streaming destination {arn} of table {table} (no longer in the spec)",
                transitions=True,
            )
        )
    if want is None:
        return out
    arn = want.stream_arn
    out.attached.add(kinesis_entry(arn))
    have = by_arn.get(arn)
    precision = want.approximate_creation_date_time_precision
    wanted_precision = precision.value if precision is not None else None
    if have is not None and have.status in IN_TRANSITION:
        out.waiting.append(f"Kinesis streaming destination {_stream_name(arn)} of table {table} is {have.status}")
        return out
    if have is not None and have.status == ENABLE_FAILED:
        # [A21] ENABLE_FAILED does not retry by itself, and AWS's description says why (e.g. the stream's
        # permissions or its deletion): enabling again without a fix fails the same way.
        out.blocked.append(
            Blocked(
                "AwsError",
                f"{FIELD}.streamArn",
                f"streaming table {table} to {arn} failed (ENABLE_FAILED): "
                f"{have.status_description or 'AWS gave no description'}; fix the cause and enable it again "
                f"(aws dynamodb enable-kinesis-streaming-destination --table-name {table} --stream-arn {arn})",
            )
        )
        return out
    if have is not None and have.status == ACTIVE:
        if wanted_precision is None or wanted_precision == have.precision:
            return out
        out.drift.append(Drift(f"{FIELD}.approximateCreationDateTimePrecision", wanted_precision, str(have.precision)))
        out.steps.append(
            Step(
                "UpdateKinesisStreamingDestination",
                live.region,
                {
                    "TableName": table,
                    "StreamArn": arn,
                    "UpdateKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": wanted_precision},
                },
                f"change the timestamp precision of the Kinesis streaming destination {_stream_name(arn)} of table "
                f"{table} from {have.precision} to {wanted_precision}",
                transitions=True,
            )
        )
        return out
    if removing:
        return out  # the old destination goes first (see above); the new one is enabled on a later pass
    out.drift.append(Drift(f"{FIELD}.streamArn", arn, "none" if have is None else f"{arn} {have.status}"))
    request: dict[str, Any] = {"TableName": table, "StreamArn": arn}
    if wanted_precision is not None:
        request["EnableKinesisStreamingConfiguration"] = {"ApproximateCreationDateTimePrecision": wanted_precision}
    out.steps.append(
        Step(
            "EnableKinesisStreamingDestination",
            live.region,
            request,
            f"stream the changes of table {table} to Kinesis data stream {_stream_name(arn)} "
            f"({wanted_precision or DEFAULT_PRECISION} timestamps)",
            transitions=True,
        )
    )
    return out
