"""Every botocore error, classified once (docs/reference/dynamodb-rules.md A4, A5, A15).

- `Retryable`: try again after `delay` seconds: throttling, 5xx, connection errors, ResourceInUse (the table
  is busy), LimitExceeded "...simultaneously" (concurrency), ContinuousBackupsUnavailable (PITR right after
  a create), BackupInUse and TableInUse (CreateBackup while another operation runs, A25), ResourceNotFound on
  a call (eventual consistency right after a create).
- `RateLimited`: an AWS per-day / per-hour limit; `until` is when the change can go on (from the AWS
  message when it says so): capacity decreases, billing-mode switches, SSE switches, table class, TTL.
- `AlreadyDone`: the call found its change in place (CreateTable "already exists", TTL "already enabled",
  an update equal to the live value): observe again, nothing failed.
- `Terminal`: anything else (ValidationException in general, AccessDenied, an exceeded quota): the AWS code
  and message go into the status; no retry until the spec changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, ParamValidationError
from botocore.exceptions import ConnectionError as BotoConnectionError

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "ResourceNotFound", "TableNotFoundException"})

# Suggested waits, in seconds; reconcile scales them (Timing.retry_scale) so tests can run fast.
DELAY_TRANSIENT = 2.0
DELAY_BUSY = 5.0
DELAY_CONCURRENCY = 30.0
DELAY_BACKUPS = 10.0
DELAY_NOT_FOUND = 2.0
DELAY_REPLICA_CAPACITY = 60.0

TTL_WINDOW = timedelta(hours=1)  # one TTL change per table per hour [API UpdateTimeToLive]
BILLING_WINDOW = timedelta(hours=1)  # 4 switches to on-demand per rolling 24 h: look again hourly
SSE_WINDOW = timedelta(hours=6)  # after 4 switches, 1 more if none in the previous 6 h [DG-Q]
TABLE_CLASS_WINDOW = timedelta(days=1)  # 2 changes per trailing 30 days [DG-TC]: look again daily
DECREASE_WINDOW = timedelta(hours=1)  # after 4 decreases, 1 per hour [DG-Q]


@dataclass(frozen=True, slots=True)
class Retryable:
    delay: float
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class RateLimited:
    until: datetime
    code: str
    message: str

    def delay(self, now: datetime) -> float:
        return max(0.0, (self.until - now).total_seconds())


@dataclass(frozen=True, slots=True)
class AlreadyDone:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Terminal:
    code: str
    message: str


Classified = Retryable | RateLimited | AlreadyDone | Terminal


class AwsCallFailed(Exception):
    """An AWS call failed; `classified` says what to do about it."""

    def __init__(self, operation: str, region: str, classified: Classified) -> None:
        self.operation = operation
        self.region = region
        self.classified = classified
        super().__init__(f"{operation} in {region}: {classified.code}: {classified.message}")


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "")
    return None


def is_not_found(exc: BaseException) -> bool:
    code = error_code(exc)
    return code is not None and (code in NOT_FOUND_CODES or code.startswith("ResourceNotFound"))


def classify(exc: BaseException, *, operation: str | None = None, now: datetime | None = None) -> Classified:
    now = now or datetime.now(UTC)
    if isinstance(exc, ClientError):
        return _classify_client_error(exc, operation, now)
    if isinstance(
        exc, HTTPClientError | BotoConnectionError
    ):  # connection refused / reset / closed, read or connect timeout
        return Retryable(DELAY_TRANSIENT, type(exc).__name__, str(exc))
    if isinstance(exc, ParamValidationError):
        return Terminal("ParamValidationError", str(exc))
    if isinstance(exc, BotoCoreError):
        return Terminal(type(exc).__name__, str(exc))
    return Terminal(type(exc).__name__, str(exc))


def _classify_client_error(exc: ClientError, operation: str | None, now: datetime) -> Classified:
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or "")
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    low = message.lower()

    if code in THROTTLING_CODES:
        return Retryable(DELAY_TRANSIENT, code, message)
    if code in TRANSIENT_CODES or status >= 500:
        return Retryable(DELAY_TRANSIENT, code, message)
    if code == "ResourceInUseException":
        if operation == "CreateTable" and "already exists" in low:
            return AlreadyDone(code, message)  # created by an earlier attempt whose answer was lost
        return Retryable(DELAY_BUSY, code, message)
    if code == "ObjectNotFoundException" and operation in ("DeregisterScalableTarget", "DeleteScalingPolicy"):
        return AlreadyDone(code, message)  # [A19] the target or policy is gone already
    if code == "ConcurrentUpdateException":  # [A19] the scalable target has an update pending
        return Retryable(DELAY_BUSY, code, message)
    if code == "LimitExceededException":
        if "decrease" in low:
            return RateLimited(_next_decrease(message, now), code, message)
        if _is_billing_switch(low):  # "Update to PayPerRequest mode are limited to 4 times in 1 day(s)..." [A5]
            return RateLimited(_next_update(message, now, BILLING_WINDOW), code, message)
        if "simultaneously" in low:
            return Retryable(DELAY_CONCURRENCY, code, message)
        if "replica" in low and "insufficient" in low:  # target region's throughput quota [TF #46228]
            return Retryable(DELAY_REPLICA_CAPACITY, code, message)
        return Terminal(code, message)  # a quota (e.g. a 21st GSI): retrying changes nothing
    if code == "ContinuousBackupsUnavailableException":
        return Retryable(DELAY_BACKUPS, code, message)
    if code in ("BackupInUseException", "TableInUseException"):  # [A25] another backup, or the table, is busy
        return Retryable(DELAY_BUSY, code, message)
    if code in NOT_FOUND_CODES or code.startswith("ResourceNotFound"):
        return Retryable(DELAY_NOT_FOUND, code, message)
    if code == "ValidationException":
        return _classify_validation(code, message, now)
    return Terminal(code, message)


def _classify_validation(code: str, message: str, now: datetime) -> Classified:
    low = message.lower()
    if "time to live has been modified multiple times" in low:
        return RateLimited(now + TTL_WINDOW, code, message)
    if "timetolive is already" in low or "will not change" in low or "already exists" in low:
        return AlreadyDone(code, message)
    limited = any(w in low for w in ("limit", "times", "exceeded", "too many", "within", "frequen"))
    if limited:
        if _is_billing_switch(low):
            return RateLimited(_next_update(message, now, BILLING_WINDOW), code, message)
        if "table class" in low or "tableclass" in low:
            return RateLimited(now + TABLE_CLASS_WINDOW, code, message)
        if "sse" in low or "encryption" in low or "kms" in low:
            return RateLimited(now + SSE_WINDOW, code, message)
        if "decrease" in low:
            return RateLimited(_next_decrease(message, now), code, message)
    return Terminal(code, message)


def _is_billing_switch(low: str) -> bool:
    words = ("billing mode", "billingmode", "pay_per_request", "payperrequest", "on-demand")
    return any(w in low for w in words)


_NEXT_UPDATE = re.compile(r"next update can be made at\s+(?P<when>.+?)\.?\s*$", re.IGNORECASE | re.DOTALL)


def _next_update(message: str, now: datetime, window: timedelta) -> datetime:
    """When AWS allows the next billing-mode switch, from its message ("Next update can be made at Sun Feb 24
    03:07:45 UTC 2019"); `window` from now if it does not say."""
    found = _NEXT_UPDATE.search(message)
    if found:
        parsed = parse_aws_time(found.group("when"))
        if parsed is not None:
            return parsed
    return now + window


_NEXT_DECREASE = re.compile(r"next decrease can be made at\s+(?P<when>.+?)\.?\s*$", re.IGNORECASE | re.DOTALL)
_WEEKDAY = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+", re.IGNORECASE)


def _next_decrease(message: str, now: datetime) -> datetime:
    """When AWS allows the next capacity decrease, from its message; an hour from now if it does not say.

    AWS writes e.g. "Next decrease can be made at Wednesday, July 25, 2018 9:48:14 PM UTC" or
    "... Friday, October 9, 2026 at 1:21:34 AM Coordinated Universal Time".
    """
    found = _NEXT_DECREASE.search(message)
    if found:
        parsed = parse_aws_time(found.group("when"))
        if parsed is not None:
            return parsed
    return now + DECREASE_WINDOW


def parse_aws_time(text: str) -> datetime | None:
    cleaned = _WEEKDAY.sub("", text.strip().rstrip("."))
    cleaned = cleaned.replace("Coordinated Universal Time", "UTC").replace(" at ", " ")
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    for fmt in ("%B %d, %Y %I:%M:%S %p UTC", "%B %d, %Y %H:%M:%S UTC", "%b %d %H:%M:%S UTC %Y"):
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
