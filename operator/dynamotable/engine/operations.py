"""The cap on tables in a table operation [A18], applied to the steps the engine is about to execute.

A step that starts a table operation (CreateTable, UpdateTable, DeleteTable, UpdateTimeToLive) goes only
when its table holds, or can take, one of the account's slots in its region (`aws.limits.TableOperations`);
the slot is given back when a pass sees the table settled (ACTIVE with nothing in progress) or gone.
"""

from __future__ import annotations

from dynamotable.aws.clients import ClientFactory
from dynamotable.aws.limits import TABLE_OPERATIONS
from dynamotable.engine.model import DYNAMODB, Step

SLOT_WAIT = "waiting for a free table-operation slot"


def starts_table_operation(step: Step) -> bool:
    return step.service == DYNAMODB and step.operation in TABLE_OPERATIONS


def is_indexed_create(step: Step) -> bool:
    """A CreateTable with secondary indexes: AWS caps these separately (250 at once) [A18]."""
    request = step.request
    return step.operation == "CreateTable" and bool(
        request.get("GlobalSecondaryIndexes") or request.get("LocalSecondaryIndexes")
    )


def refusal(factory: ClientFactory, step: Step, table: str) -> str | None:
    """None when `step` may go now (its slot is taken); else why it must wait, in one line."""
    if not starts_table_operation(step):
        return None
    slots = factory.table_operations(step.region)
    indexed = is_indexed_create(step)
    if slots.admit(table, indexed_create=indexed):
        return None
    if indexed and slots.in_flight() < slots.limit:
        cap = f"{slots.indexed_limit} creates of tables with secondary indexes"
    else:
        cap = f"{slots.limit} table operations"
    return (
        f"{SLOT_WAIT} in {step.region}: this process already has {cap} in progress "
        "there (the cap keeps well below AWS's limits; see --max-table-operations)"
    )


def still_no_slot(factory: ClientFactory, region: str, table: str) -> bool:
    """Whether `table`'s last attempt in this process was refused a slot and would be refused again: then the
    pass waits on without observing, since N tables queued for slots would otherwise each cost a DescribeTable
    per retry while nothing they wait for has changed."""
    return factory.table_operations(region).still_refused(table)


def note_progress(factory: ClientFactory, region: str, table: str, *, settled: bool) -> None:
    """What a pass saw of `table`: settled (or gone) frees its slot; still busy renews it."""
    slots = factory.table_operations(region)
    if settled:
        slots.settled(table)
    else:
        slots.busy(table)


def after_execution(factory: ClientFactory, step: Step, table: str) -> None:
    """A table operation that leaves nothing in progress (e.g. UpdateTimeToLive) gives its slot back at once."""
    if starts_table_operation(step) and not step.transitions:
        factory.table_operations(step.region).settled(table)
