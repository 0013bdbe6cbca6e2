"""The error replies the realism layer sends, with AWS's own texts.

Texts quoted from the reference ([TF], [API]) where it has them; the others are the texts real DynamoDB
returned to probes (the same strings that appear in AWS SDK and Terraform issue reports).
"""

from __future__ import annotations

from .config import Rules
from .timestamps import DAY, java_date, long_date
from .wire import AwsError

INVALID = "One or more parameter values were invalid: "
IN_USE = "Attempt to change a resource which is still in use: "


def validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def invalid(message: str) -> AwsError:
    return AwsError("ValidationException", INVALID + message)


def in_use(message: str) -> AwsError:
    return AwsError("ResourceInUseException", IN_USE + message)


def limit_exceeded(message: str) -> AwsError:
    return AwsError("LimitExceededException", message)


def table_not_found(name: str) -> AwsError:
    return AwsError("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")


def arn_not_found(arn: str) -> AwsError:
    return AwsError("ResourceNotFoundException", f"Requested resource not found: ResourceArn: {arn} not found")


def index_not_found(index: str, table: str) -> AwsError:
    return AwsError("ResourceNotFoundException", f"Requested resource not found: Index {index} for table {table}")


# [TF] "Attempt to change a resource which is still in use: Table is being updated: <t>" (A4); the
# created/deleted forms are the same sentence for the other transitional statuses.
def table_busy(status: str, table: str) -> AwsError:
    verb = {"CREATING": "created", "UPDATING": "updated", "DELETING": "deleted"}[status]
    return in_use(f"Table is being {verb}: {table}")


ONE_ONLINE_INDEX = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"

AT_LEAST_ONE = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, "
    "SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
    "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"
)

DEVGUIDE_LIMITS = "Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."


def throughput_unchanged(subject: str, label: str, read: int, write: int) -> AwsError:
    # [API]/A3.7: "The provisioned throughput for the table will not change. The requested value equals the
    # current value..." (crossplane #464, cortex #441).
    return validation(
        f"The provisioned throughput for {subject} will not change. The requested value equals the current value. "
        f"Current ReadCapacityUnits provisioned for {label}: {read}. Requested ReadCapacityUnits: {read}. "
        f"Current WriteCapacityUnits provisioned for {label}: {write}. Requested WriteCapacityUnits: {write}. "
        + DEVGUIDE_LIMITS
    )


LIMIT_SIMULTANEOUS = (
    "Subscriber limit exceeded: Too many tables/indexes being created, updated, or deleted simultaneously"
)


def decrease_limited(rules: Rules, count: int, last: float, allowed: float) -> AwsError:
    """[DG-Q, A5] the daily capacity-decrease budget is spent: AWS's text (2018-2026 reports, the dates in the
    newer "Friday, October 9, 2026 at 1:21:34 AM Coordinated Universal Time" form)."""
    return limit_exceeded(
        "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. "
        f"After the first {rules.decreases_free_per_day} decreases, each subsequent decrease in the same UTC day "
        f"can be performed at most once every {rules.decrease_interval:g} seconds. Number of decreases today: "
        f"{count}. Last decrease at {long_date(last)}. Next decrease can be made at {long_date(allowed)}"
    )


def on_demand_switch_limited(rules: Rules, last: float, allowed: float) -> AwsError:
    """[DG-SW, A5] too many switches to PAY_PER_REQUEST in the window. The text on record (2019, when the limit was
    one a day) is "Subscriber limit exceeded: Update to PayPerRequest mode are limited to once in 1 day(s). Last
    update at Sat Feb 23 03:07:45 UTC 2019. Next update can be made at Sun Feb 24 03:07:45 UTC 2019"; the count
    is the only part written here without a report of AWS's wording for it ("4 times")."""
    times = "once" if rules.on_demand_switches == 1 else f"{rules.on_demand_switches} times"
    return limit_exceeded(
        f"Subscriber limit exceeded: Update to PayPerRequest mode are limited to {times} in "
        f"{rules.on_demand_switch_window / DAY:g} day(s). Last update at {java_date(last)}. "
        f"Next update can be made at {java_date(allowed)}"
    )
