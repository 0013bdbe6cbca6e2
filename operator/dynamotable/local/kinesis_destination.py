"""[A21] Kinesis Data Streams for DynamoDB: a table's Kinesis streaming destinations (moto has none of its APIs).

The stream is looked up in moto's Kinesis backend of the same account and region; a destination's status
settles by time when read, so these calls never make the table busy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.kinesis.models import kinesis_backends

from . import messages
from .state import ACTIVE, Destination, TableState
from .wire import AwsError, DynamoRequest, Reply, json_reply, table_name_of

if TYPE_CHECKING:
    from .controlplane import ControlPlane

PRECISIONS = ("MILLISECOND", "MICROSECOND")
DEFAULT_PRECISION = "MILLISECOND"  # [A21] when EnableKinesisStreamingConfiguration names none


def _precision(config: Any, field: str) -> str | None:
    value = (config or {}).get("ApproximateCreationDateTimePrecision") if isinstance(config, dict) else None
    if value is not None and value not in PRECISIONS:
        raise messages.validation(
            f"1 validation error detected: Value '{value}' at '{field}.approximateCreationDateTimePrecision' failed "
            "to satisfy constraint: Member must satisfy enum value set: [MILLISECOND, MICROSECOND]"
        )
    return None if value is None else str(value)


def _table(control: ControlPlane, request: DynamoRequest) -> tuple[str, TableState]:
    name = table_name_of(request.payload.get("TableName"))
    _table_obj, state = control.lookup(request, name)
    return name, state


def _stream_arn(request: DynamoRequest) -> str:
    arn = str(request.payload.get("StreamArn") or "")
    if len(arn) < 37:
        # [API] StreamArn is 37 to 1024 characters.
        raise messages.validation(
            f"1 validation error detected: Value '{arn}' at 'streamArn' failed to satisfy constraint: "
            "Member must have length greater than or equal to 37"
        )
    return arn


def _check_stream(request: DynamoRequest, arn: str, *, make_missing: bool = False) -> None:
    """[A21] The stream must be a Kinesis data stream of the table's account and region, and ACTIVE."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "kinesis" or not parts[5].startswith("stream/"):
        raise messages.validation(f"Invalid StreamArn: {arn}")
    if parts[3] != request.region or parts[4] != request.account:
        raise messages.validation(f"The Kinesis data stream {arn} must be in the table's account and Region")
    backend = kinesis_backends[request.account][request.region]
    name = parts[5].split("/", 1)[1]
    stream = backend.streams.get(name)
    if stream is None and make_missing:
        stream = backend.create_stream(name, shard_count=1)  # Rules.make_missing_streams: the sandbox's stand-in
    if stream is None or stream.arn != arn:
        raise AwsError("ResourceNotFoundException", f"Requested resource not found: Stream: {arn} not found")
    if getattr(stream, "status", ACTIVE) != ACTIVE:
        raise messages.in_use(f"Stream {arn} is not ACTIVE")


def _busy(state: TableState, name: str) -> None:
    if state.status != ACTIVE:
        raise messages.table_busy(state.status, name)


def enable(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    arn = _stream_arn(request)
    precision = _precision(
        request.payload.get("EnableKinesisStreamingConfiguration"), "enableKinesisStreamingConfiguration"
    )
    name, state = _table(control, request)
    _busy(state, name)
    _check_stream(request, arn, make_missing=control.rules.make_missing_streams)
    current = state.destinations.get(arn)
    if current is not None and current.status(now) != "DISABLED":
        raise messages.in_use(
            f"Table {name} already has a Kinesis streaming destination to {arn} ({current.status(now)})"
        )
    chosen = precision or DEFAULT_PRECISION
    record = Destination(arn, chosen, active=True, moving="ENABLING", until=now + control.latency.kinesis)
    state.destinations[arn] = record
    reply: dict[str, Any] = {
        "TableName": name,
        "StreamArn": arn,
        "DestinationStatus": record.status(now),
        "EnableKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": chosen},
    }
    return json_reply(reply)


def _active(state: TableState, name: str, arn: str, now: float) -> Destination:
    record = state.destinations.get(arn)
    if record is None or record.status(now) == "DISABLED":
        raise AwsError(
            "ResourceNotFoundException", f"Requested resource not found: Kinesis streaming destination {arn} of {name}"
        )
    status = record.status(now)
    if status != "ACTIVE":
        # [A21] a destination changes only once its last change is done.
        raise messages.in_use(f"Kinesis streaming destination {arn} of table {name} is {status}")
    return record


def update(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    arn = _stream_arn(request)
    precision = _precision(
        request.payload.get("UpdateKinesisStreamingConfiguration"), "updateKinesisStreamingConfiguration"
    )
    name, state = _table(control, request)
    _busy(state, name)
    record = _active(state, name, arn, now)
    if precision is not None:
        record.precision = precision
    record.moving = "UPDATING"
    record.until = now + control.latency.kinesis
    return json_reply(
        {
            "TableName": name,
            "StreamArn": arn,
            "DestinationStatus": record.status(now),
            "UpdateKinesisStreamingConfiguration": {"ApproximateCreationDateTimePrecision": record.precision},
        }
    )


def disable(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    arn = _stream_arn(request)
    name, state = _table(control, request)
    _busy(state, name)
    record = _active(state, name, arn, now)
    record.active = False
    record.moving = "DISABLING"
    record.until = now + control.latency.kinesis
    return json_reply({"TableName": name, "StreamArn": arn, "DestinationStatus": record.status(now)})


def describe(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    name, state = _table(control, request)
    destinations = [
        {
            "StreamArn": record.stream_arn,
            "DestinationStatus": record.status(now),
            "ApproximateCreationDateTimePrecision": record.precision,
        }
        for record in state.destinations.values()
    ]
    return json_reply({"TableName": name, "KinesisDataStreamDestinations": destinations})
