"""One level-triggered pass: validate -> observe -> ownership -> plan -> execute ONE step -> Outcome.

The same function serves create, update, resume and the drift timer (docs/lifecycle.md). It never waits on
AWS: when AWS is busy it returns, and `Outcome.requeue_after` says when to call it again. `delete` is the
finalizer's counterpart (deletionPolicy Retain / Delete).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from dynamotable.api import spec as s
from dynamotable.api.health import with_progress
from dynamotable.api.status import (
    Condition,
    ConditionStatus,
    ConditionType,
    DriftEntry,
    DynamoTableStatus,
    Reason,
    ReplicaStatus,
    set_condition,
)
from dynamotable.api.validation import OWNER_TAG, check_spec
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine.errors import AlreadyDone, AwsCallFailed, Classified, RateLimited, Retryable, Terminal
from dynamotable.engine.execute import execute
from dynamotable.engine.model import Blocked, Drift, ObservedTable, Plan, Step
from dynamotable.engine.observe import observe
from dynamotable.engine.observe_insights import reuse_readings
from dynamotable.engine.observe_source import (
    RESTORED,
    RESTORING,
    created_description,
    failed_for,
    failure_text,
    in_flight,
    progress_text,
    recorded_at_create,
    refresh_import,
)
from dynamotable.engine.observe_surface import observe_leftovers
from dynamotable.engine.operations import after_execution, note_progress, refusal, still_no_slot
from dynamotable.engine.plan import plan
from dynamotable.engine.plan_delete import plan_delete, plan_delete_leftovers, removes_leftovers
from dynamotable.engine.snapshot import deletion_plan, nothing_to_back_up, record_final_backup

Now = Callable[[], datetime]


@dataclass(frozen=True)
class Timing:
    """Requeue delays in seconds. `fast()` gives tiny values for tests and the local endpoint."""

    poll: float = 5.0  # first poll while AWS is busy (CREATING, UPDATING, a GSI backfilling...)
    poll_max: float = 20.0  # the poll interval grows to this while the wait lasts
    drift: float = 300.0  # after Synced: look again for drift
    retry_scale: float = 1.0  # multiplies the delay an error suggests (errors.py)
    rate_limit_min: float = 60.0  # never requeue a rate-limited change sooner than this
    not_found_retries: int = 3  # DescribeTable retries on ResourceNotFound right after our create
    not_found_delay: float = 0.5
    create_grace: float = 120.0  # how long after our CreateTable a missing table or tag is eventual consistency

    @classmethod
    def fast(cls) -> Timing:
        return cls(
            poll=0.02,
            poll_max=0.1,
            drift=1.0,
            retry_scale=0.01,
            rate_limit_min=0.05,
            not_found_retries=3,
            not_found_delay=0.02,
        )


@dataclass(frozen=True, slots=True)
class Event:
    type: Literal["Normal", "Warning"]
    reason: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """What one pass did and what it asks for.

    requeue_after: seconds until the next pass: 0 right after a step that leaves the table usable, the poll
    interval while AWS is busy, until the limit lifts when RateLimited, the drift interval once Synced; None
    when nothing will change until the spec does (InvalidSpec, AwsError, ReplacementRequired,
    AdoptionRequired, OwnershipConflict, managementPolicy Plan). done: the table matches the spec (delete:
    the finalizer can go).
    """

    requeue_after: float | None
    status: DynamoTableStatus
    events: list[Event] = field(default_factory=list)
    executed: Step | None = None
    done: bool = False
    plan: Plan | None = None
    error: Classified | None = None
    # the region whose table-operation slot this pass waits for [A18]: the caller may wait for one to free up
    slot_region: str | None = None


# Tables created through each factory, so a DescribeTable or ListTagsOfResource that lags right after
# CreateTable (both are eventually consistent, A1, A11) is not read as "gone" or "not ours".
@dataclass(slots=True)
class _Created:
    owner: str
    at: float
    # The tags CreateTable gave and the TableId it answered, until the first pass that sees the table ACTIVE
    # uses them instead of a ListTagsOfResource: a table's tags at creation are the ones CreateTable set.
    tags: list[dict[str, str]] | None = None
    table_id: str | None = None


_created: weakref.WeakKeyDictionary[ClientFactory, dict[tuple[str, str], _Created]] = weakref.WeakKeyDictionary()
_created_lock = threading.Lock()


def _remember_create(
    factory: ClientFactory,
    region: str,
    name: str,
    owner: str,
    *,
    tags: list[dict[str, str]] | None = None,
    table_id: str | None = None,
) -> None:
    with _created_lock:
        _created.setdefault(factory, {})[(region, name)] = _Created(
            owner, time.monotonic(), tags if table_id else None, table_id
        )


def _recently_created(factory: ClientFactory, region: str, name: str, owner: str, grace: float) -> bool:
    with _created_lock:
        entry = _created.get(factory, {}).get((region, name))
    return entry is not None and entry.owner == owner and time.monotonic() - entry.at < grace


def _tags_given_at_create(
    factory: ClientFactory, region: str, name: str, owner: str
) -> tuple[str, list[dict[str, str]]] | None:
    """(TableId, tags) of the table this process created under `name`, until the table has been seen ACTIVE."""
    with _created_lock:
        entry = _created.get(factory, {}).get((region, name))
        if entry is None or entry.owner != owner or entry.tags is None or entry.table_id is None:
            return None
        return entry.table_id, entry.tags


def _seen_active(factory: ClientFactory, region: str, name: str) -> None:
    """From the first pass that saw the created table ACTIVE on, its tags are listed like any table's."""
    with _created_lock:
        entry = _created.get(factory, {}).get((region, name))
        if entry is not None:
            entry.tags = None


# ------------------------------------------------------------------------------------------- status


class _Report:
    """Builds the status, conditions and events of one pass from the previous status."""

    def __init__(self, manifest: s.DynamoTable, region: str, now: datetime) -> None:
        self.manifest = manifest
        self.now = now
        self.generation = _generation(manifest)
        self.prev = _previous_status(manifest)
        self.fields: dict[str, Any] = {
            "observed_generation": self.generation,
            "table_name": manifest.table_name,
            "region": region,
            "table_arn": self.prev.table_arn,
            "table_id": self.prev.table_id,
            "table_status": self.prev.table_status,
            "stream_arn": self.prev.stream_arn,
            "replicas": self.prev.replicas,
            "plan": self.prev.plan,
            "drift": self.prev.drift,
            "terraform": self.prev.terraform,
            "source": self.prev.source,
            "attached": self.prev.attached,
            "last_sync_time": self.prev.last_sync_time,
            "first_ready_time": self.prev.first_ready_time,
            "final_backup": self.prev.final_backup,
        }
        self.conditions = list(self.prev.conditions)
        self.events: list[Event] = []

    def prev_ready(self) -> Condition | None:
        return next((c for c in self.prev.conditions if c.type == ConditionType.READY), None)

    def was_synced(self) -> bool:
        before = self.prev_ready()
        return before is not None and before.reason == Reason.SYNCED

    def observed(self, live: ObservedTable) -> None:
        """Record the live table: only once it is known to be this resource's (a table that belongs to someone
        else is never recorded, so the record can be trusted as proof of ownership later)."""
        self.fields.update(
            table_arn=live.arn,
            table_id=live.table_id or self.prev.table_id,
            table_status=live.status,
            stream_arn=live.stream_arn,
            replicas=[ReplicaStatus(region=r.region, status=r.status) for r in live.replicas],
        )

    def recorded(self, live: ObservedTable) -> bool:
        """Whether the previous status records this very table as the one this resource manages: same ARN, and
        the same TableId where both are known (a table deleted and created again by someone else is not it)."""
        prev = self.prev
        if prev.table_arn is None or prev.table_arn != live.arn:
            return False
        return prev.table_id is None or live.table_id is None or prev.table_id == live.table_id

    def planned(self, the_plan: Plan, *, executed: bool) -> None:
        if not the_plan.waiting:  # while AWS is busy the planner holds its steps back: keep the last plan shown
            remaining = the_plan.steps[1:] if executed else the_plan.steps
            self.fields["plan"] = [step.description for step in remaining]
        previous = {(d.field, d.desired, d.live): d.at for d in self.prev.drift}
        self.fields["drift"] = [
            DriftEntry(
                field=d.field,
                desired=d.desired,
                live=d.live,
                at=previous.get((d.field, d.desired, d.live), _ts(self.now)),
            )
            for d in the_plan.drift
        ]
        if the_plan.attached is not None:
            self.fields["attached"] = sorted(the_plan.attached)

    def set(
        self,
        ready: ConditionStatus,
        reason: Reason,
        message: str,
        *,
        progressing: bool,
        warn: bool = False,
    ) -> None:
        before = self.prev_ready()
        ts = _ts(self.now)
        self.conditions = set_condition(
            self.conditions,
            Condition(
                type=ConditionType.READY,
                status=ready,
                reason=reason,
                message=message,
                observed_generation=self.generation,
                last_transition_time=ts,
            ),
        )
        self.conditions = with_progress(
            self.conditions, reason, message, progressing=progressing, generation=self.generation, at=ts
        )
        changed = before is None or before.reason != reason or before.message != message
        if warn and changed:
            self.event("Warning", reason.value, message)
        if reason == Reason.SYNCED:
            self.fields["last_sync_time"] = ts
            if self.fields.get("first_ready_time") is None:
                self.fields["first_ready_time"] = ts
            if before is None or before.reason != Reason.SYNCED:
                self.event("Normal", reason.value, message)

    def event(self, kind: Literal["Normal", "Warning"], reason: str, message: str) -> None:
        self.events.append(Event(kind, reason, message))

    def waited(self) -> float:
        """Seconds since the current Progressing=True streak began (0 when it just began)."""
        prog = next((c for c in self.prev.conditions if c.type == ConditionType.PROGRESSING), None)
        if prog is None or prog.status != ConditionStatus.TRUE:
            return 0.0
        try:
            since = datetime.fromisoformat(prog.last_transition_time.replace("Z", "+00:00"))
        except ValueError:
            return 0.0
        return max(0.0, (self.now - since).total_seconds())

    def outcome(self, requeue_after: float | None, **kwargs: Any) -> Outcome:
        status = DynamoTableStatus(**self.fields, conditions=self.conditions)
        return Outcome(requeue_after=requeue_after, status=status, events=self.events, **kwargs)


def _ts(now: datetime) -> str:
    return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _generation(manifest: s.DynamoTable) -> int | None:
    value = (manifest.metadata.model_extra or {}).get("generation")
    return int(value) if isinstance(value, int) else None


def _previous_status(manifest: s.DynamoTable) -> DynamoTableStatus:
    raw = manifest.status or {}
    try:
        return DynamoTableStatus.model_validate(raw)
    except ValueError:
        return DynamoTableStatus()


def _poll(timing: Timing, report: _Report) -> float:
    return min(timing.poll_max, max(timing.poll, report.waited() / 4))


# -------------------------------------------------------------------------------------------- errors


def _error_outcome(report: _Report, exc: AwsCallFailed, timing: Timing, *, the_plan: Plan | None = None) -> Outcome:
    c = exc.classified
    where = f"{exc.operation} ({exc.region})"
    if isinstance(c, AlreadyDone):
        return report.outcome(0.0, plan=the_plan, error=c)
    if isinstance(c, Retryable):
        delay = max(0.0, c.delay * timing.retry_scale)
        if (
            the_plan is None
            and report.prev_ready() is not None
            and report.prev.observed_generation == report.generation
        ):
            # a transient failure while only reading: the last verdict still stands (not for an edited spec: its
            # status would claim the new generation observed under the old verdict, read as done by kstatus)
            return report.outcome(delay, error=c)
        report.set(
            ConditionStatus.FALSE,
            Reason.WAITING,
            f"{where}: AWS answered {c.code}; retrying in {c.delay:g}s ({c.message})",
            progressing=True,
        )
        return report.outcome(delay, plan=the_plan, error=c)
    if isinstance(c, RateLimited):
        report.set(
            ConditionStatus.FALSE,
            Reason.RATE_LIMITED,
            f"{where} is rate-limited by AWS and can go on at {_ts(c.until)}: {c.message}",
            progressing=True,
            warn=True,
        )
        return report.outcome(max(timing.rate_limit_min, c.delay(report.now)), plan=the_plan, error=c)
    assert isinstance(c, Terminal)
    report.set(
        ConditionStatus.FALSE,
        Reason.AWS_ERROR,
        f"{where} failed: {c.code}: {c.message}",
        progressing=False,
        warn=True,
    )
    return report.outcome(None, plan=the_plan, error=c)


# ----------------------------------------------------------------------------------------- reconcile


def reconcile(
    manifest: s.DynamoTable,
    factory: ClientFactory,
    *,
    region: str,
    owner: str | None = None,
    rival: str | None = None,
    superseded: frozenset[str] = frozenset(),
    now: Now | None = None,
    timing: Timing | None = None,
) -> Outcome:
    """One pass. Executes at most one mutating AWS call.

    rival: another resource that holds the cluster-wide claim on this table (the operator knows; the CLI
    does not): then nothing at all is sent to AWS. superseded: ownership-tag values of resources of the same
    cluster that lost the claim on this table to this one; their tag on the table is replaced by ours.
    """
    timing = timing or Timing()
    owner = owner or manifest.owner_id
    report = _Report(manifest, region, (now or _utcnow)())
    spec = manifest.spec

    errors = list(check_spec(manifest, default_region=region))
    if errors:
        report.set(
            ConditionStatus.FALSE,
            Reason.INVALID_SPEC,
            "; ".join(str(e) for e in errors),
            progressing=False,
            warn=True,
        )
        return report.outcome(None)

    name = manifest.table_name
    if rival is not None:
        return _claimed_elsewhere(report, name, region, rival, timing)
    waited = report.prev_ready()
    if (
        waited is not None
        and waited.reason == Reason.RATE_LIMITED
        and report.prev.observed_generation == report.generation  # an edited spec is planned anew
        and still_no_slot(factory, region, name)
    ):
        report.set(ConditionStatus.FALSE, Reason.RATE_LIMITED, waited.message, progressing=True)
        return report.outcome(_poll(timing, report), slot_region=region)
    recent = _recently_created(factory, region, name, owner, timing.create_grace)
    reuse_readings(factory, timing.drift)  # contributor insights: at most one reading per drift interval [A20]
    try:
        live = observe(
            factory,
            manifest,
            region=region,
            expect_exists=recent or report.prev.table_arn is not None,
            just_created=recent,
            created_with=_tags_given_at_create(factory, region, name, owner) if recent else None,
            not_found_retries=timing.not_found_retries,
            not_found_delay=timing.not_found_delay,
        )
    except AwsCallFailed as exc:
        return _error_outcome(report, exc, timing)
    if live is not None and live.status == "ACTIVE" and recent:
        _seen_active(factory, region, name)
    sourced = _follow_source(manifest, factory, report, live, region=region, timing=timing)
    if sourced is not None:
        return sourced

    if live is None:
        note_progress(factory, region, name, settled=True)
        return _create(manifest, factory, report, region=region, owner=owner, timing=timing)

    live_owner = live.tags.get(OWNER_TAG)
    recorded = report.recorded(live)
    if live.status == "DELETING":
        if live_owner == owner or recorded:
            report.observed(live)
        report.set(ConditionStatus.FALSE, Reason.WAITING, f"table {name} is being deleted", progressing=True)
        return report.outcome(_poll(timing, report))

    if live_owner is not None and live_owner != owner and live_owner not in superseded:
        report.set(
            ConditionStatus.FALSE,
            Reason.OWNERSHIP_CONFLICT,
            f"table {name} in {region} belongs to {live_owner} ({OWNER_TAG}); this resource ({owner}) will not "
            "touch it. Use another tableName, or remove the other resource first",
            progressing=False,
            warn=True,
        )
        return report.outcome(None)
    if live_owner is None and live.status == "CREATING" and not spec.adopt and not recorded:
        # tags given to CreateTable may not be listed yet (A11): decide once the table is ACTIVE
        report.set(ConditionStatus.FALSE, Reason.CREATING, f"table {name} is CREATING", progressing=True)
        return report.outcome(_poll(timing, report))
    if live_owner is None and not spec.adopt and not recent and not recorded:
        report.set(
            ConditionStatus.FALSE,
            Reason.ADOPTION_REQUIRED,
            f"table {name} already exists in {region} and was not created by this operator; set spec.adopt: "
            "true to take it over (its settings will be changed to match the spec)",
            progressing=False,
            warn=True,
        )
        return report.outcome(None)

    # From here on the table is this resource's: tagged as ours, adopted, just created, or recorded in status
    # (a lost ownership tag is then drift, restored by the plan's TagResource).
    report.observed(live)
    the_plan = plan(manifest, live, region=region, owner=owner)
    if (
        live_owner != owner
        and live_owner not in superseded
        and recorded
        and (report.was_synced() or not recent)
        and not _awaiting_first_tag(report)
    ):
        # Someone removed or replaced our ownership tag on a table this resource manages: drift, at any age
        # (right after our CreateTable a missing tag is ListTagsOfResource lagging, unless we saw it Synced).
        lost = Drift(f"tags.{OWNER_TAG}", owner, live_owner if live_owner is not None else "absent")
        the_plan = replace(the_plan, drift=[*the_plan.drift, lost])
    report.planned(the_plan, executed=False)
    note_progress(factory, region, name, settled=live.status == "ACTIVE" and not the_plan.waiting)
    stopper = next((b for b in the_plan.blocked if b.stops_all), None)
    if stopper is not None:
        return _blocked(report, stopper, the_plan, timing)
    if the_plan.waiting:
        reason = Reason.CREATING if live.status == "CREATING" else Reason.WAITING
        progress = progress_text(manifest, report.fields["source"]) if live.status == "CREATING" else None
        report.set(
            ConditionStatus.FALSE,
            reason,
            (f"{progress}; " if progress else "") + "waiting for AWS: " + "; ".join(the_plan.waiting),
            progressing=True,
        )
        return report.outcome(_poll(timing, report), plan=the_plan)
    if not the_plan.steps:
        if the_plan.blocked:
            return _blocked(report, the_plan.blocked[0], the_plan, timing)
        report.set(ConditionStatus.TRUE, Reason.SYNCED, f"table {name} matches the spec", progressing=False)
        return report.outcome(timing.drift, plan=the_plan, done=True)

    ready = report.prev_ready()
    if (
        the_plan.drift
        and ready is not None
        and ready.reason == Reason.SYNCED
        and report.prev.observed_generation == report.generation
    ):
        report.event(
            "Warning",
            "DriftDetected",
            "live table differs from the spec: "
            + ", ".join(f"{d.field} (spec {d.desired}, live {d.live})" for d in the_plan.drift),
        )
    if spec.management_policy == s.ManagementPolicy.PLAN:
        report.set(
            ConditionStatus.FALSE,
            Reason.PLAN_ONLY,
            f"{len(the_plan.steps)} change(s) pending; managementPolicy is Plan, so nothing is applied: "
            + "; ".join(the_plan.descriptions()),
            progressing=False,
        )
        return report.outcome(None, plan=the_plan)

    step = the_plan.steps[0]
    waiting = _no_slot(report, factory, step, timing, the_plan)
    if waiting is not None:
        return waiting
    try:
        execute(factory, step, now=report.now)
    except AwsCallFailed as exc:
        return _error_outcome(report, exc, timing, the_plan=the_plan)
    after_execution(factory, step, name)
    report.planned(the_plan, executed=True)
    report.event("Normal", Reason.UPDATING.value, step.description)
    report.set(ConditionStatus.FALSE, Reason.UPDATING, step.description, progressing=True)
    return report.outcome(_poll(timing, report) if step.transitions else 0.0, executed=step, plan=the_plan)


def _no_slot(
    report: _Report, factory: ClientFactory, step: Step, timing: Timing, the_plan: Plan | None
) -> Outcome | None:
    """The outcome of a pass whose table operation must wait for a slot [A18]; None when it may go."""
    why = refusal(factory, step, report.manifest.table_name)
    if why is None:
        return None
    report.set(ConditionStatus.FALSE, Reason.RATE_LIMITED, f"{step.description}: {why}", progressing=True)
    return report.outcome(_poll(timing, report), plan=the_plan, slot_region=step.region)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _claimed_elsewhere(report: _Report, name: str, region: str, rival: str, timing: Timing) -> Outcome:
    report.set(
        ConditionStatus.FALSE,
        Reason.OWNERSHIP_CONFLICT,
        f"table {name} in {region} is managed by {rival} in this cluster; this resource will not touch it, and "
        "deleting it never deletes the table. Use another tableName, or delete the other resource first",
        progressing=False,
        warn=True,
    )
    # Steady, not terminal: when the other resource goes away the claim passes on (the operator wakes this
    # resource then); the drift interval is the backstop.
    return report.outcome(timing.drift)


def _blocked(report: _Report, blocked: Blocked, the_plan: Plan, timing: Timing) -> Outcome:
    reason = Reason(blocked.reason)
    report.set(
        ConditionStatus.FALSE,
        reason,
        f"{blocked.field}: {blocked.message}",
        progressing=False,
        warn=True,
    )
    # an unusable table (e.g. its KMS key disabled) can recover by itself: keep looking
    requeue = timing.drift if reason == Reason.AWS_ERROR else None
    return report.outcome(requeue, plan=the_plan)


def _create(
    manifest: s.DynamoTable,
    factory: ClientFactory,
    report: _Report,
    *,
    region: str,
    owner: str,
    timing: Timing,
) -> Outcome:
    the_plan = plan(manifest, None, region=region, owner=owner)
    report.planned(the_plan, executed=False)
    stopper = next((b for b in the_plan.blocked if b.stops_all), None)
    if stopper is not None:
        return _blocked(report, stopper, the_plan, timing)
    if manifest.spec.management_policy == s.ManagementPolicy.PLAN:
        report.set(
            ConditionStatus.FALSE,
            Reason.PLAN_ONLY,
            f"table {manifest.table_name} does not exist; managementPolicy is Plan, so it is not created",
            progressing=False,
        )
        return report.outcome(None, plan=the_plan)
    # A table we recorded is missing, unless we only just created it and never saw it (DescribeTable lags, A1)
    missing = report.prev.table_arn is not None and (
        report.was_synced() or not _recently_created(factory, region, manifest.table_name, owner, timing.create_grace)
    )
    if missing:
        where = _recorded_place(report)
        if where != (region, manifest.table_name):
            report.set(
                ConditionStatus.FALSE,
                Reason.TABLE_MISSING,
                f"table {where[1]} in {where[0]} ({report.prev.table_arn}), which this resource manages, no "
                f"longer exists, and the spec now resolves to table {manifest.table_name} in {region}; no table "
                "is created elsewhere. Restore the table there, or create a new DynamoTable for the new place",
                progressing=False,
                warn=True,
            )
            return report.outcome(None, plan=the_plan)
    step = the_plan.steps[0]
    waiting = _no_slot(report, factory, step, timing, the_plan)
    if waiting is not None:
        return waiting
    try:
        response = execute(factory, step, now=report.now)
    except AwsCallFailed as exc:
        if isinstance(exc.classified, AlreadyDone):
            _remember_create(factory, region, manifest.table_name, owner)
        return _error_outcome(report, exc, timing, the_plan=the_plan)
    description = created_description(step, response)
    _remember_create(
        factory,
        region,
        manifest.table_name,
        owner,
        tags=list(step.request.get("Tags") or []),
        table_id=description.get("TableId"),
    )
    report.fields.update(
        table_arn=description.get("TableArn"),
        table_status=description.get("TableStatus", "CREATING"),
        stream_arn=description.get("LatestStreamArn"),
    )
    created_from = recorded_at_create(manifest, step, response)
    if created_from is not None:
        # [A24] a restored or imported table carries no tags: the recorded ARN and TableId are what make it this
        # resource's until the plan's first step tags it
        report.fields.update(source=created_from, table_id=description.get("TableId"))
    report.planned(the_plan, executed=True)
    report.event("Normal", Reason.CREATING.value, step.description)
    if missing:
        report.set(
            ConditionStatus.FALSE,
            Reason.TABLE_MISSING,
            f"table {manifest.table_name} ({report.prev.table_arn}) no longer exists in {region}; it was created "
            "again, EMPTY: restore its data from a backup or point-in-time recovery if it was not deleted on purpose",
            progressing=True,
            warn=True,
        )
    else:
        report.set(ConditionStatus.FALSE, Reason.CREATING, step.description, progressing=True)
    return report.outcome(timing.poll, executed=step, plan=the_plan)


def _follow_source(
    manifest: s.DynamoTable,
    factory: ClientFactory,
    report: _Report,
    live: ObservedTable | None,
    *,
    region: str,
    timing: Timing,
) -> Outcome | None:
    """[A24] The import's progress (DescribeImport while it runs) into status.source; the outcome of a pass that
    must not go on: a failed import (not tried again until the spec changes), or an import whose table is not
    visible yet. None: plan as usual."""
    record = report.prev.source
    if in_flight(record):
        assert record is not None
        try:
            record = refresh_import(factory, region, record)
        except AwsCallFailed as exc:
            return _error_outcome(report, exc, timing)
        report.fields["source"] = record
    elif record is not None and record.status == RESTORING and live is not None and live.status == "ACTIVE":
        report.fields["source"] = record.model_copy(update={"status": RESTORED})
    if record is not None and failed_for(record, manifest):
        # the import left no table to manage: the source may be fixed (the CRD allows it while none is recorded)
        report.fields.update(table_arn=None, table_id=None, table_status=None, plan=[])
        report.set(ConditionStatus.FALSE, Reason.AWS_ERROR, failure_text(record, region), progressing=False, warn=True)
        return report.outcome(None)
    if live is None and in_flight(record):
        report.set(ConditionStatus.FALSE, Reason.CREATING, progress_text(manifest, record) or "", progressing=True)
        return report.outcome(_poll(timing, report))
    return None


def _awaiting_first_tag(report: _Report) -> bool:
    """A table restored or imported by this resource has no ownership tag until the plan's first step: its
    absence then is no drift."""
    return report.prev.source is not None and report.prev.first_ready_time is None


def _recorded_place(report: _Report) -> tuple[str, str]:
    """(region, tableName) of the table the previous status records."""
    prev = report.prev
    region = prev.region or ""
    name = prev.table_name or ""
    if prev.table_arn and ":table/" in prev.table_arn:
        parts = prev.table_arn.split(":")
        region = parts[3] if len(parts) > 5 else region
        name = prev.table_arn.split(":table/", 1)[1].split("/", 1)[0]
    return region, name


# -------------------------------------------------------------------------------------------- delete


def delete(
    manifest: s.DynamoTable,
    factory: ClientFactory,
    *,
    region: str,
    owner: str | None = None,
    rival: str | None = None,
    superseded: frozenset[str] = frozenset(),
    now: Now | None = None,
    timing: Timing | None = None,
) -> Outcome:
    """One deletion pass. `done` when the finalizer can go: the table is gone, retained, or not ours.

    rival: another resource holds the cluster-wide claim on the table: it is left alone, no AWS call.
    superseded: earlier ownership-tag values of this resource (before its account entered the tag): a table
    that still carries one is this resource's.
    """
    outcome = _delete_pass(
        manifest, factory, region=region, owner=owner, rival=rival, superseded=superseded, now=now, timing=timing
    )
    if outcome.done and rival is None:
        # nobody looks after the table any more (retained, gone, or not ours): its slot, if any, is free [A18]
        note_progress(factory, region, manifest.table_name, settled=True)
    return outcome


def _delete_pass(
    manifest: s.DynamoTable,
    factory: ClientFactory,
    *,
    region: str,
    owner: str | None,
    rival: str | None,
    superseded: frozenset[str],
    now: Now | None,
    timing: Timing | None,
) -> Outcome:
    timing = timing or Timing()
    owner = owner or manifest.owner_id
    report = _Report(manifest, region, (now or _utcnow)())
    spec = manifest.spec
    name = manifest.table_name
    if rival is not None:
        report.set(
            ConditionStatus.FALSE,
            Reason.DELETING,
            f"table {name} in {region} is managed by {rival}; it is left in place",
            progressing=False,
        )
        return report.outcome(None, done=True)
    try:
        live = observe(factory, manifest, region=region)
    except AwsCallFailed as exc:
        return _error_outcome(report, exc, timing)
    note_progress(factory, region, name, settled=live is None)
    if live is None or live.status == "DELETING":  # gone, or its tags are not readable any more: no owner check
        if live is None:
            report.fields.update(table_status=None, stream_arn=None, replicas=[], plan=[])
            if removes_leftovers(manifest):
                # what status.attached records outside DynamoDB outlives a table someone else deleted [A19, A23]
                try:
                    surface = observe_leftovers(factory, manifest, region)
                except AwsCallFailed as exc:
                    return _error_outcome(report, exc, timing)
                leftovers = plan_delete_leftovers(manifest, surface, region=region, owner=owner)
                return _follow_delete_plan(report, factory, leftovers, timing)
            nothing_to_back_up(report)
        return _follow_delete_plan(report, factory, plan_delete(manifest, live, region=region, owner=owner), timing)
    live_owner = live.tags.get(OWNER_TAG)
    if live_owner is not None and live_owner in superseded:
        owner = live_owner  # our own earlier tag: the table is ours, and a Retain removes that tag
    # A lost ownership tag does not orphan a table this resource recorded (same ARN and TableId).
    ours_by_record = live_owner is None and report.recorded(live) and live.table_id is not None
    if live_owner != owner and not ours_by_record:
        whose = f"belongs to {live_owner}" if live_owner else "was not created by this operator"
        report.set(
            ConditionStatus.FALSE,
            Reason.DELETING,
            f"table {name} {whose}; it is left in place",
            progressing=False,
            warn=spec.deletion_policy != s.DeletionPolicy.RETAIN,
        )
        return report.outcome(None, done=True)
    report.observed(live)
    try:
        the_plan = deletion_plan(report, factory, live, region=region, owner=owner)
    except AwsCallFailed as exc:
        return _error_outcome(report, exc, timing)
    return _follow_delete_plan(report, factory, the_plan, timing)


def _follow_delete_plan(report: _Report, factory: ClientFactory, the_plan: Plan, timing: Timing) -> Outcome:
    """Report the deletion plan, and execute its first step."""
    if the_plan.kept is not None:
        report.set(ConditionStatus.FALSE, Reason.DELETING, the_plan.kept, progressing=False)
        return report.outcome(None, done=True)
    stopper = next((b for b in the_plan.blocked if b.stops_all), None)
    if stopper is not None:
        report.set(ConditionStatus.FALSE, Reason(stopper.reason), stopper.message, progressing=False, warn=True)
        return report.outcome(timing.drift)
    if the_plan.waiting:
        waiting = "; ".join(the_plan.waiting)
        report.set(ConditionStatus.FALSE, Reason.DELETING, f"waiting: {waiting}", progressing=True)
        return report.outcome(_poll(timing, report))
    step = the_plan.steps[0]
    return _run_delete_step(report, factory, step, timing, done_after=step.operation == "UntagResource")


def _run_delete_step(
    report: _Report, factory: ClientFactory, step: Step, timing: Timing, *, done_after: bool
) -> Outcome:
    waiting = _no_slot(report, factory, step, timing, None)
    if waiting is not None:
        return waiting
    try:
        answer = execute(factory, step, now=report.now)
    except AwsCallFailed as exc:
        # a step that failed is not a read: the condition says why (a backup not made keeps the table, A25)
        return _error_outcome(report, exc, timing, the_plan=Plan(steps=[step]))
    after_execution(factory, step, report.manifest.table_name)
    record_final_backup(report, step, answer)
    report.event("Normal", Reason.DELETING.value, step.description)
    report.fields["plan"] = []
    report.set(ConditionStatus.FALSE, Reason.DELETING, step.description, progressing=not done_after)
    if done_after:
        return report.outcome(None, executed=step, done=True)
    return report.outcome(_poll(timing, report), executed=step)
