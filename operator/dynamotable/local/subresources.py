"""CreateTable extras and the per-table side APIs: tags, TTL, point-in-time recovery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import messages, motobackend
from .state import CREATING, DELETING, TableState
from .timestamps import epoch_millis
from .updates import PPR, TABLE_CLASSES, check_on_demand, check_sse_shape
from .wire import AwsError, DynamoRequest, Reply, json_reply, table_name_of

if TYPE_CHECKING:
    from .controlplane import ControlPlane

MAX_TAGS = 50
TAGS_PAGE = 10  # moto's page size for ListTagsOfResource (AWS sets none; small pages exercise NextToken)


def check_create(body: dict[str, Any]) -> None:
    """CreateTable parameters moto ignores or accepts although AWS refuses them."""
    table_class = body.get("TableClass")
    if table_class is not None and table_class not in TABLE_CLASSES:
        raise messages.validation(
            "Invalid table-class parameter provided. Please try again with a valid table-class value: "
            "[STANDARD, STANDARD_INFREQUENT_ACCESS]."
        )
    on_demand_allowed = body.get("BillingMode") == PPR
    if body.get("OnDemandThroughput") is not None:
        if not on_demand_allowed:
            # [API OnDemandThroughput, A14] only meaningful, and only accepted, for PAY_PER_REQUEST.
            raise messages.invalid(
                "MaxReadRequestUnits for OnDemandThroughput cannot be specified when table BillingMode is PROVISIONED."
            )
        check_on_demand(body["OnDemandThroughput"], "table")
    for gsi in body.get("GlobalSecondaryIndexes") or []:
        if gsi.get("OnDemandThroughput") is not None:
            if not on_demand_allowed:
                raise messages.invalid(
                    f"MaxReadRequestUnits for OnDemandThroughput for index: {gsi.get('IndexName')} cannot be "
                    "specified when table BillingMode is PROVISIONED."
                )
            check_on_demand(gsi["OnDemandThroughput"], f"index : {gsi.get('IndexName')}")
    stream = body.get("StreamSpecification")
    if isinstance(stream, dict):
        # [API StreamSpecification] StreamViewType goes with, and only with, an enabled stream.
        if stream.get("StreamEnabled") and not stream.get("StreamViewType"):
            raise messages.invalid("Table is being created with a stream enabled, UpdateViewType is required")
        if not stream.get("StreamEnabled") and stream.get("StreamViewType"):
            raise messages.invalid(
                "Table is being created with a stream disabled, UpdateViewType should not be specified"
            )
    check_sse_shape(body.get("SSESpecification"))
    tags = body.get("Tags") or []
    if tags:
        merge_tags([], tags)


def merge_tags(existing: list[dict[str, str]], new: list[dict[str, Any]]) -> list[dict[str, str]]:
    """[API TagResource, DG-TAG, A11] upsert: a key given again overwrites its value; limits checked on the result."""
    seen: set[str] = set()
    for tag in new:
        key = str(tag.get("Key", ""))
        if key in seen:
            raise messages.validation(f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}")
        seen.add(key)
        if key.lower().startswith("aws:"):
            # [DG-TAG, A11] the aws: prefix is reserved.
            raise messages.validation(f"Tag Key cannot be prefixed with aws:, Key: {key}")
    merged = {str(t["Key"]): str(t.get("Value", "")) for t in existing}
    for tag in new:
        merged[str(tag["Key"])] = str(tag.get("Value", ""))
    if len(merged) > MAX_TAGS:
        # [DG-TAG, A11] 50 user tags per table.
        raise messages.validation("Number of Tags exceed the current limit for the provided ResourceArn")
    return [{"Key": key, "Value": value} for key, value in merged.items()]


def _tagged_table(control: ControlPlane, request: DynamoRequest) -> Any:
    arn = str(request.payload.get("ResourceArn", ""))
    table = motobackend.find_table_by_arn(request.account, request.region, arn)
    if table is None:
        # [A11] a missing resource is ResourceNotFoundException (moto silently ignores TagResource).
        raise messages.arn_not_found(arn)
    state = control.state_for(request.account, request.region, table.name, table)
    if state.phase in (CREATING, DELETING):
        # [API TagResource/UntagResource errors, A4] tag calls can raise ResourceInUseException.
        raise messages.table_busy(state.phase, table.name)
    return table


def tag_resource(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    tags = request.payload.get("Tags") or []
    if not tags:
        raise messages.validation("Atleast one Tag needs to be provided as Input.")
    merge_tags([], tags)  # request-shape checks come before the lookup
    table = _tagged_table(control, request)
    table.tags = merge_tags(list(table.tags or []), tags)
    return json_reply({})


def untag_resource(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    keys = [str(k) for k in request.payload.get("TagKeys") or []]
    if not keys:
        raise messages.validation("Atleast one Tag Key needs to be provided as Input.")
    table = _tagged_table(control, request)
    table.tags = [t for t in table.tags or [] if t["Key"] not in keys]
    return json_reply({})


def list_tags(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    """ListTagsOfResource, paged as moto pages it, but found by the ARN's name (moto compares every table's ARN)."""
    arn = str(request.payload.get("ResourceArn", ""))
    table = motobackend.find_table_by_arn(request.account, request.region, arn)
    if table is None:
        raise messages.arn_not_found(arn)
    tags = list(table.tags or [])
    start = 0
    marker = request.payload.get("NextToken")
    if marker:
        keys = [tag["Key"] for tag in tags]
        if marker not in keys:
            raise messages.validation(f"Invalid NextToken: {marker}")
        start = keys.index(marker) + 1
    page = tags[start : start + TAGS_PAGE]
    reply: dict[str, Any] = {"Tags": page}
    if len(tags) > start + TAGS_PAGE:
        reply["NextToken"] = page[-1]["Key"]
    return json_reply(reply)


def update_ttl(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    name = table_name_of(request.payload.get("TableName"))
    spec = request.payload.get("TimeToLiveSpecification") or {}
    table, state = control.lookup(request, name)  # [B1] moto's missing-table code is "ResourceNotFound"
    if state.phase in (CREATING, DELETING):
        # [API UpdateTimeToLive errors, A4] ResourceInUseException while the table is not ready.
        verb = "created" if state.phase == CREATING else "deleted"
        raise messages.in_use(f"Table {name} is being {verb}")
    control.check_table_operation(request, name)
    current = table.ttl or {}
    enabled = current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
    attribute = current.get("AttributeName")
    want = bool(spec.get("Enabled"))
    want_attribute = str(spec.get("AttributeName", ""))
    if want and enabled:
        if want_attribute == attribute:
            # [ACK, A8] enabling an enabled TTL is a ValidationException.
            raise messages.validation("TimeToLive is already enabled")
        # [A8] the attribute cannot change while TTL is enabled: disable first.
        raise messages.validation(
            f"TimeToLive is active on a different AttributeName: current AttributeName is {attribute}"
        )
    if not want and not enabled:
        raise messages.validation("TimeToLive is already disabled")  # [ACK, A8]
    window = control.rules.ttl_change_window
    if window > 0 and state.ttl_changed_at is not None and now - state.ttl_changed_at < window:
        # [API, DG-Q, A5] one TTL enable/disable per table per hour.
        raise messages.validation("Time to live has been modified multiple times within a fixed interval")
    regions = {request.region} | control.members(request.account, name)
    for region in sorted(regions):
        member = motobackend.find_table(request.account, region, name)
        if member is None:
            continue
        # [DG-GT] TTL set in one region applies to the whole global table.
        member.ttl = {"TimeToLiveStatus": "ENABLED" if want else "DISABLED", "AttributeName": want_attribute}
        control.state_for(request.account, region, name, member).ttl_changed_at = now
    return json_reply({"TimeToLiveSpecification": {"Enabled": want, "AttributeName": want_attribute}})


def describe_ttl(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    name = table_name_of(request.payload.get("TableName"))
    _table, state = control.lookup(request, name)
    if state.phase in (CREATING, DELETING):
        raise messages.validation(
            f"Cannot describe time to live while table is in {state.phase} state: Current table state is {state.phase}"
        )
    return control.passthrough(request)


def update_pitr(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    name = table_name_of(request.payload.get("TableName"))
    spec = request.payload.get("PointInTimeRecoverySpecification") or {}
    days = spec.get("RecoveryPeriodInDays")
    if days is not None:
        # [API UpdateContinuousBackups, A9] RecoveryPeriodInDays is 1..35 (botocore checks only the minimum).
        if not 1 <= int(days) <= 35:
            bound = "less than or equal to 35" if int(days) > 35 else "greater than or equal to 1"
            raise messages.validation(
                f"1 validation error detected: Value '{days}' at 'pointInTimeRecoverySpecification."
                f"recoveryPeriodInDays' failed to satisfy constraint: Member must have value {bound}"
            )
        if not spec.get("PointInTimeRecoveryEnabled"):
            raise messages.validation(
                "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery."
            )
    table = motobackend.find_table(request.account, request.region, name)
    if table is not None:
        state = control.state_for(request.account, request.region, name, table)
        if state.phase == CREATING:
            # [TF, A9] right after CreateTable: ContinuousBackupsUnavailableException, retry later.
            raise AwsError(
                "ContinuousBackupsUnavailableException",
                f"Backups are being enabled for the table: {name}. Please retry later",
            )
        if state.phase == DELETING:
            raise AwsError("TableNotFoundException", f"Table not found: {name}")
    reply = control.passthrough(request)
    if table is None or reply.status != 200:
        return reply
    _stamp_pitr(table, control.state_for(request.account, request.region, name, table), control.wall.at(now))
    return json_reply({"ContinuousBackupsDescription": table.continuous_backups})


def describe_pitr(control: ControlPlane, request: DynamoRequest, now: float) -> Reply:
    name = table_name_of(request.payload.get("TableName"))
    table = motobackend.find_table(request.account, request.region, name)
    if table is not None:
        _stamp_pitr(table, control.state_for(request.account, request.region, name, table), control.wall.at(now))
    return control.passthrough(request)


LATEST_RESTORABLE_LAG = 300.0  # [API PointInTimeRecoveryDescription] "typically 5 minutes before the current time"


def _stamp_pitr(table: Any, state: TableState, wall: float) -> None:
    """PITR's restorable window on the endpoint's clock, in milliseconds (moto stamps its own clock, microseconds):
    from when recovery was enabled up to about 5 minutes ago."""
    description = table.continuous_backups.get("PointInTimeRecoveryDescription") or {}
    if description.get("PointInTimeRecoveryStatus") != "ENABLED":
        state.pitr_since = None
        return
    if state.pitr_since is None:
        state.pitr_since = wall
    description["EarliestRestorableDateTime"] = epoch_millis(state.pitr_since)
    description["LatestRestorableDateTime"] = epoch_millis(max(state.pitr_since, wall - LATEST_RESTORABLE_LAG))
