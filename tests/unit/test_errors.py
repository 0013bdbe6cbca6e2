"""Every botocore error is classified once: Retryable, RateLimited, AlreadyDone or Terminal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from dynamotable.engine.errors import (
    AlreadyDone,
    RateLimited,
    Retryable,
    Terminal,
    classify,
    is_not_found,
    parse_aws_time,
)

NOW = datetime(2026, 10, 9, 0, 30, tzinfo=UTC)


def client_error(code: str, message: str = "", status: int = 400, operation: str = "UpdateTable") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


@pytest.mark.parametrize(
    "exc",
    [
        client_error("ThrottlingException", "Rate exceeded"),
        client_error("ProvisionedThroughputExceededException"),
        client_error("RequestLimitExceeded"),
        client_error("InternalServerError", "boom", 500),
        client_error("Whatever", "bad gateway", 502),
        client_error("ServiceUnavailable", "", 503),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        ConnectionClosedError(endpoint_url="http://127.0.0.1:1"),
        ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
    ],
    ids=lambda e: type(e).__name__ if not isinstance(e, ClientError) else e.response["Error"]["Code"],
)
def test_transient_errors_are_retryable(exc: Exception) -> None:
    assert isinstance(classify(exc, now=NOW), Retryable)


def test_resource_in_use_is_retryable_busy() -> None:
    c = classify(
        client_error(
            "ResourceInUseException", "Attempt to change a resource which is still in use: Table is being updated: t"
        )
    )
    assert isinstance(c, Retryable)
    assert c.delay >= 1


def test_create_table_that_already_exists_is_already_done() -> None:
    exc = client_error("ResourceInUseException", "Table already exists: orders", operation="CreateTable")
    assert isinstance(classify(exc, operation="CreateTable"), AlreadyDone)
    # the same code on another call means "busy"
    assert isinstance(classify(exc, operation="UpdateTable"), Retryable)


@pytest.mark.parametrize(
    "message",
    [
        "Subscriber limit exceeded: Too many tables/indexes being created, updated, or deleted simultaneously",
        "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
        "You have exceeded the maximum number of indexed tables that can be created simultaneously",
    ],
)
def test_limit_exceeded_simultaneously_is_retryable(message: str) -> None:
    assert isinstance(classify(client_error("LimitExceededException", message)), Retryable)


def test_limit_exceeded_quota_is_terminal() -> None:
    c = classify(client_error("LimitExceededException", "Subscriber limit exceeded: too many GSIs on table: 21"))
    assert c == Terminal("LimitExceededException", "Subscriber limit exceeded: too many GSIs on table: 21")


def test_replica_capacity_in_target_region_is_retryable() -> None:
    msg = "Failed to create replica: current TableMaxReadCapacityUnits in us-west-2 is insufficient"
    assert isinstance(classify(client_error("LimitExceededException", msg)), Retryable)


def test_continuous_backups_unavailable_is_retryable() -> None:
    exc = client_error("ContinuousBackupsUnavailableException", "Backups are being enabled for the table: t")
    assert isinstance(classify(exc), Retryable)


@pytest.mark.parametrize("code", ["BackupInUseException", "TableInUseException"])
def test_a25_a_backup_that_must_wait_for_another_operation_is_retryable(code: str) -> None:
    c = classify(client_error(code, "busy"), operation="CreateBackup")
    assert isinstance(c, Retryable) and c.code == code


def test_a25_a_backup_denied_is_terminal() -> None:
    c = classify(client_error("AccessDeniedException", "not authorized to perform: dynamodb:CreateBackup"))
    assert isinstance(c, Terminal) and c.code == "AccessDeniedException"


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "ResourceNotFound", "TableNotFoundException"])
def test_not_found_on_a_call_is_retryable_and_recognized(code: str) -> None:
    exc = client_error(code, "Requested resource not found")
    assert isinstance(classify(exc), Retryable)
    assert is_not_found(exc)


@pytest.mark.parametrize(
    ("message", "until"),
    [
        (
            "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. After "
            "the first 4 decreases, each subsequent decrease in the same UTC day can be performed at most once "
            "every 3600 seconds. Number of decreases today: 6. Last decrease at Wednesday, July 25, 2018 8:48:14 PM "
            "UTC. Next decrease can be made at Wednesday, July 25, 2018 9:48:14 PM UTC",
            datetime(2018, 7, 25, 21, 48, 14, tzinfo=UTC),
        ),
        (
            "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. After "
            "the first 4 decreases, each subsequent decrease in the same UTC day can be performed at most once "
            "every 3600 seconds. Number of decreases today: 4. Last decrease at Friday, October 9, 2026 at 12:21:34 "
            "AM Coordinated Universal Time. Next decrease can be made at Friday, October 9, 2026 at 1:21:34 AM "
            "Coordinated Universal Time",
            datetime(2026, 10, 9, 1, 21, 34, tzinfo=UTC),
        ),
        (
            "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day.",
            NOW + timedelta(hours=1),
        ),
    ],
)
def test_capacity_decrease_limit_is_rate_limited_until_the_time_aws_names(message: str, until: datetime) -> None:
    c = classify(client_error("LimitExceededException", message), now=NOW)
    assert isinstance(c, RateLimited)
    assert c.until == until


def test_ttl_hourly_limit_is_rate_limited_for_an_hour() -> None:
    c = classify(
        client_error("ValidationException", "Time to live has been modified multiple times within a fixed interval"),
        now=NOW,
    )
    assert isinstance(c, RateLimited)
    assert c.until == NOW + timedelta(hours=1)
    assert c.delay(NOW) == 3600


@pytest.mark.parametrize(
    ("message", "until"),
    [
        (
            "Subscriber limit exceeded: Update to PayPerRequest mode are limited to 4 times in 1 day(s). Last update "
            "at Tue Dec 01 14:15:07 UTC 2026. Next update can be made at Wed Dec 02 14:15:07 UTC 2026",
            datetime(2026, 12, 2, 14, 15, 7, tzinfo=UTC),
        ),
        (
            "Subscriber limit exceeded: Update to PayPerRequest mode are limited to once in 1 day(s). Last update at "
            "Sat Feb 23 03:07:45 UTC 2019. Next update can be made at Sun Feb 24 03:07:45 UTC 2019",
            datetime(2019, 2, 24, 3, 7, 45, tzinfo=UTC),
        ),
    ],
)
def test_billing_switch_limit_is_rate_limited_until_the_time_aws_names(message: str, until: datetime) -> None:
    c = classify(client_error("LimitExceededException", message), now=NOW)
    assert isinstance(c, RateLimited)
    assert c.until == until


@pytest.mark.parametrize(
    ("message", "hours"),
    [
        ("Billing mode can only be updated to PAY_PER_REQUEST 4 times within 24 hours", 1),
        ("Table class can be updated at most 2 times within 30 days", 24),
        ("SSE key update limit exceeded for the table", 6),
    ],
)
def test_per_day_limits_are_rate_limited(message: str, hours: int) -> None:
    c = classify(client_error("ValidationException", message), now=NOW)
    assert isinstance(c, RateLimited)
    assert c.until == NOW + timedelta(hours=hours)


@pytest.mark.parametrize(
    "message",
    [
        "TimeToLive is already enabled",
        "TimeToLive is already disabled",
        "The provisioned throughput for the table will not change. The requested value equals the current value.",
        "Attempting to create an index which already exists",
    ],
)
def test_changes_already_in_place_are_already_done(message: str) -> None:
    assert isinstance(classify(client_error("ValidationException", message)), AlreadyDone)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined"),
        ("AccessDeniedException", "User is not authorized to perform: dynamodb:UpdateTable"),
        ("UnrecognizedClientException", "The security token included in the request is invalid."),
    ],
)
def test_other_errors_are_terminal_with_code_and_message(code: str, message: str) -> None:
    assert classify(client_error(code, message)) == Terminal(code, message)


def test_client_side_errors_are_terminal() -> None:
    assert isinstance(classify(ParamValidationError(report="bad")), Terminal)
    assert isinstance(classify(NoCredentialsError()), Terminal)
    assert classify(ValueError("x")) == Terminal("ValueError", "x")


def test_parse_aws_time_variants() -> None:
    assert parse_aws_time("Wednesday, July 25, 2018 9:48:14 PM UTC") == datetime(2018, 7, 25, 21, 48, 14, tzinfo=UTC)
    assert parse_aws_time("2026-10-09T01:21:34Z") == datetime(2026, 10, 9, 1, 21, 34, tzinfo=UTC)
    assert parse_aws_time("soon") is None
