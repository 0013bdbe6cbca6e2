"""Translates between kopf and the engine: one pass of `engine.reconcile` / `engine.delete` per handler call.

The engine is synchronous (boto3) and runs on a bounded thread pool, never on kopf's event loop. Each pass:
validate (InvalidSpec: no AWS call) -> engine pass -> Terraform ConfigMap -> status patch (only when
something other than timestamps changed) -> Events -> kopf verdict (return, TemporaryError(delay),
PermanentError).

Who drives an object:
- the change handler (create / update / resume) until the generation is settled: converged (Synced), or
  steady (PlanOnly, AdoptionRequired, OwnershipConflict), or terminal (InvalidSpec, an AWS error that needs
  a spec change, ReplacementRequired...); it requeues itself with TemporaryError meanwhile;
- a pass refused a table-operation slot [A18] returns to kopf at once (RateLimited in status) and waits in the
  slot queue (slots.py), outside kopf's handler, so kopf handles the object's edits and its deletion meanwhile;
  when its turn comes, its own task passes on the latest body until the object is steady (or terminal), and
  drift checks take over from there;
- then the drift scheduler (drift.py: one task and a heap of due times for every object), for steady
  objects only, every drift interval with jitter. A drift correction continues on the scheduler, pass after
  pass at the engine's requeue delays, until Synced again; it patches status itself (outside kopf's handler
  cycle), on the latest body kopf's `latest` index holds.
A resume or a metadata-only update of an object whose stored status is already steady for its generation
makes no AWS call: its first drift check is placed at a random point of the interval instead, so a
restart with 10k converged tables does not re-observe them all at once. Neither does a create of an object
this process already settled for its generation and uid: under load kopf's watch can lag behind its
consistency timeout, and kopf then takes a stale body of its own (older than its diff-base annotation) for a
new object. Drift passes run at most `drift_slots()` at a time on threads of their own, so they neither starve
change handlers nor queue behind them; how late each check ran is the `dynamotable_drift_check_lag_seconds`
histogram.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import copy
import dataclasses
import functools
import logging
import random
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar, cast

import kopf
from pydantic import ValidationError

from dynamotable.api import spec as s
from dynamotable.api.connection import connection_details
from dynamotable.api.status import (
    DynamoTableStatus,
    ExportStatus,
    Reason,
    TerraformStatus,
    pin_recorded_region,
    recorded_region,
)
from dynamotable.api.validation import validate_manifest
from dynamotable.aws.accounts import EMPTY as EMPTY_ACCOUNT_MAP
from dynamotable.aws.accounts import account_of_role
from dynamotable.aws.clients import ClientFactory
from dynamotable.engine import reconcile as engine
from dynamotable.operator import claims as claiming
from dynamotable.operator import configmap, events, export, schedule, statuses
from dynamotable.operator.accounts import AccountSource, AccountsUnavailable
from dynamotable.operator.drift import DriftScheduler
from dynamotable.operator.kube import KubeApi
from dynamotable.operator.latest import StoredBody
from dynamotable.operator.metrics import Metrics
from dynamotable.operator.persistence import StaleBodies
from dynamotable.operator.settings import DRIFT_INTERVAL_ANNOTATION, TERRAFORM_CONFIGMAP_SUFFIX, OperatorSettings
from dynamotable.operator.slots import SlotQueue
from dynamotable.operator.state import Key, ObjectState, ObjectStates
from dynamotable.terraform.render import render_table

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger(__name__)

# Seconds a drift pass waits for its own status patch to show in the latest body (as kopf waits for its patches,
# settings.consistency_timeout); kept short: the slot and the object's lock are held meanwhile.
CONSISTENCY_TIMEOUT = 5.0
DRIFT_STOP_TIMEOUT = 5.0  # seconds the drift checks in flight get to finish when the operator stops
VERIFY_EVERY = 12  # drift checks per read-back of the Terraform ConfigMap (hourly at the default 5 min interval)


def drift_slots(max_concurrent_reconciles: int) -> int:
    """Drift passes in flight at most: twice as many as change passes. They run on threads of their own, so a
    check that comes due while hundreds of creates queue for the reconcile pool runs on time, and the change
    handlers keep every thread of theirs. A check is a few short reads that must keep pace with the fleet
    (10,000 tables every 300 s: 33 a second); with half as many slots, a burst of creates that outlasted the
    interval left checks up to 20 s late (p99, 4,000 tables at a 90 s interval; 0.27 s with twice as many:
    bench_operator_scale.py)."""
    return max(1, 2 * max_concurrent_reconciles)


def aws_connections(max_concurrent_reconciles: int) -> int:
    """AWS connections a client keeps: one per thread that can call at once (change passes and drift passes),
    so no connection is discarded and made again."""
    return max_concurrent_reconciles + drift_slots(max_concurrent_reconciles)


class Trigger(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    RESUME = "resume"
    DRIFT = "drift"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class PassResult:
    reason: str  # the Ready reason after the pass
    message: str
    requeue_after: float | None  # None: terminal until the spec changes
    steady: bool  # the change handler is done; drift checks take over
    slot_region: str | None = None  # refused a table-operation slot of this region [A18]: may wait for one
    table: str = ""  # the table name the pass worked on


@dataclass(frozen=True, slots=True)
class SlotTurn:
    """A pass refused a table-operation slot [A18]: what its continuation needs, for the pass once a slot is
    given back and for each one after it until the object is steady."""

    trigger: Trigger
    region: str
    table: str
    uid: str
    generation: int | None
    passes: int  # the object's pass count when it queued: a pass since means another handler took it over
    status: dict[str, Any]  # the object's status as written by then (the latest body may not show it yet)
    delay: float = 0.0  # seconds before the next pass (a creation not ACTIVE yet, an error's backoff)
    needs_slot: bool = True  # False: a follow-up of a pass that went ahead (it holds its slot, or needs none)


def timing_from(settings: OperatorSettings) -> engine.Timing:
    return engine.Timing(
        poll=settings.poll_interval,
        poll_max=max(settings.poll_max, settings.poll_interval),
        drift=settings.drift_interval,
        retry_scale=settings.retry_scale,
        rate_limit_min=settings.rate_limit_min,
    )


def _key(body: Mapping[str, Any]) -> Key:
    meta = body.get("metadata") or {}
    return (str(meta.get("namespace") or "default"), str(meta.get("name")))


def _generation(body: Mapping[str, Any]) -> int | None:
    value = (body.get("metadata") or {}).get("generation")
    return value if isinstance(value, int) else None


def _ready_of(status: DynamoTableStatus) -> tuple[str, str]:
    cond = statuses.ready(statuses.dump(status))
    if cond is None:
        return "", ""
    return str(cond.get("reason", "")), str(cond.get("message", ""))


class Reconciler:
    def __init__(
        self,
        settings: OperatorSettings,
        factory: ClientFactory,
        metrics: Metrics,
        kube: KubeApi,
        *,
        states: ObjectStates | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.metrics = metrics
        self.kube = kube
        self.states = states or ObjectStates()
        self.timing = timing_from(settings)
        self.rng = rng or random.Random()
        self.pool = ThreadPoolExecutor(
            max_workers=settings.max_concurrent_reconciles, thread_name_prefix="dynamotable-reconcile"
        )
        self.drift_pool = ThreadPoolExecutor(
            max_workers=drift_slots(settings.max_concurrent_reconciles), thread_name_prefix="dynamotable-drift"
        )
        self.drift = DriftScheduler(
            self._drift_check,
            self._wanted,
            slots=drift_slots(settings.max_concurrent_reconciles),
            tick=settings.drift_tick,
        )
        self.slots = SlotQueue()
        # Objects waiting for a table-operation slot, outside kopf's handler (see _queue_for_slot).
        self.slot_waits: dict[Key, asyncio.Task[None]] = {}
        # Stale bodies kopf was handed (on_change finds them): kopf's storage writes nothing for them (persistence.py)
        self.stale = StaleBodies()
        factory.limits.on_slot_freed(self.slots.freed)
        # kopf's live index of every DynamoTable's claim (handlers.py); None when driven without kopf.
        self.claims: Mapping[claiming.ClaimKey, Any] | None = None
        # kopf's live index of every DynamoTable's latest body by (namespace, name): what drift checks act on.
        self.latest: Mapping[Key, Any] | None = None
        # Sharding (handlers.py): whether this process owns an object, and whether its shard may act now.
        self.owns: Callable[[kopf.Body], bool] | None = None
        self.gate: Any = None  # shards.ShardGate | None
        # uids whose deletion finished here: no longer candidates, though the index drops them only later
        self.released: set[str] = set()
        # Which namespaces' tables live in other AWS accounts (operator/accounts.py); the last map read.
        self.accounts = AccountSource(
            kube,
            namespace=settings.accounts_namespace,
            name=settings.accounts_config_map,
            refresh=settings.accounts_refresh,
        )
        self.account_map = EMPTY_ACCOUNT_MAP

    async def close(self) -> None:
        for task in list(self.slot_waits.values()):
            task.cancel()  # a wait holds nothing; a pass it started is shielded and finishes
        await self.drift.stop(timeout=DRIFT_STOP_TIMEOUT)
        await self.kube.close()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.drift_pool.shutdown(wait=False, cancel_futures=True)

    # --------------------------------------------------------------------------------------- helpers

    def owner(self, namespace: str, name: str) -> str:
        """Value of the ownership tag; with a cluster id, `<cluster-id>:<namespace>/<name>`; for a namespace mapped
        to a role, with the role's account (`[<cluster-id>:]<account>@<namespace>/<name>`)."""
        account = account_of_role(self.account_map.role_for(namespace))
        return s.owner_tag_value(namespace, name, self.settings.cluster_id, account=account)

    def _earlier_owner(self, namespace: str, name: str) -> frozenset[str]:
        """The tag value this object had before its namespace was mapped to a role: still recognised as ours (and
        replaced by the value with the account on the next tag write)."""
        if self.account_map.role_for(namespace) is None:
            return frozenset()
        return frozenset({s.owner_tag_value(namespace, name, self.settings.cluster_id)})

    def _factory_for(self, namespace: str) -> ClientFactory:
        """The client factory of the account the namespace's tables live in."""
        role = self.account_map.role_for(namespace)
        return self.factory if role is None else self.factory.assuming(role, self.settings.region)

    async def _read_accounts(self) -> str | None:
        """Refresh the account map; the reason when none can be had (the pass then makes no AWS call)."""
        try:
            self.account_map = await self.accounts.current()
        except AccountsUnavailable as exc:
            return str(exc)
        return None

    def _account_conflict(self, body: Mapping[str, Any]) -> str | None:
        """The namespace now maps to a role in an account other than the one its recorded table lives in."""
        namespace = _key(body)[0]
        role = self.account_map.role_for(namespace)
        arn = (body.get("status") or {}).get("tableArn")
        if role is None or not isinstance(arn, str) or arn.count(":") < 5:
            return None
        recorded = arn.split(":")[4]
        if recorded == role.account:
            return None
        return (
            f"namespace {namespace} maps to role {role.role_arn} (account {role.account}), but the table of this "
            f"resource lives in account {recorded} (status.tableArn); the operator will not move it: map the "
            "namespace back, or create the table anew under another DynamoTable"
        )

    async def _in_pool(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    async def _in_drift_pool(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.drift_pool, functools.partial(fn, *args, **kwargs))

    def _doc(self, body: Mapping[str, Any], *, deleting: bool = False) -> dict[str, Any]:
        """The manifest the engine sees: our metadata fields, the spec (default deletionPolicy applied when the
        stored spec has none; the region the status recorded when the spec names none, so a restart with
        another default region never moves the table), and our part of the status (the engine keeps
        transition times from it). Deleting, the recorded region wins over any spec.region: that is where the
        table is."""
        meta = body.get("metadata") or {}
        spec = copy.deepcopy(dict(body.get("spec") or {}))
        spec.setdefault("deletionPolicy", self.settings.default_deletion_policy.value)
        pin_recorded_region(spec, body, deleting=deleting)
        keep = ("name", "namespace", "labels", "annotations", "generation", "uid", "deletionTimestamp")
        return {
            "apiVersion": body.get("apiVersion", s.API_VERSION),
            "kind": body.get("kind", s.KIND),
            "metadata": {k: copy.deepcopy(meta[k]) for k in keep if k in meta},
            "spec": spec,
            "status": statuses.ours(body.get("status")) or None,
        }

    def _interval(self, body: kopf.Body, state: ObjectState) -> float:
        annotations = (body.get("metadata") or {}).get("annotations") or {}
        interval = schedule.drift_interval(
            annotations, default=self.settings.drift_interval, minimum=self.settings.drift_tick
        )
        bad = interval.invalid_annotation
        if bad is not None:
            self._warn_once(
                body,
                state,
                events.INVALID_ANNOTATION,
                f"{DRIFT_INTERVAL_ANNOTATION}={bad!r} is not a duration (e.g. 300, 90s, 10m, 1h); "
                f"using the operator default of {self.settings.drift_interval:g}s",
            )
        return interval.seconds

    def _candidates(self, body: Mapping[str, Any]) -> list[claiming.Candidate]:
        if self.claims is None:
            return []
        try:
            store = self.claims[claiming.claim_key(body, self.settings.region)]
        except KeyError:
            return []
        accounts = self.account_map
        account = account_of_role(accounts.role_for(_key(body)[0]))
        mine = claiming.in_account(store, lambda ns: account_of_role(accounts.role_for(ns)), account)
        return [c for c in mine if c.uid not in self.released]

    def _rival(self, body: Mapping[str, Any]) -> claiming.Candidate | None:
        """Another DynamoTable of this cluster that holds the claim on this object's table."""
        meta = body.get("metadata") or {}
        namespace, name = _key(body)
        return claiming.rival(self._candidates(body), str(meta.get("uid") or ""), namespace, name)

    def _superseded(self, body: Mapping[str, Any]) -> frozenset[str]:
        """Ownership-tag values of the other DynamoTables naming this table, which lost the claim to this one:
        a tag of theirs on the table (a create race) is this cluster's own, and the holder may replace it."""
        me = (body.get("metadata") or {}).get("uid")
        return frozenset(self.owner(c.namespace, c.name) for c in self._candidates(body) if c.uid != me)

    def _release(self, body: Mapping[str, Any]) -> None:
        """This object's deletion is over: the claim passes on, so wake the others naming the same table."""
        uid = str((body.get("metadata") or {}).get("uid") or "")
        others = [c for c in self._candidates(body) if c.uid != uid]
        self.released.add(uid)
        for other in others:
            key = (other.namespace, other.name)
            self._schedule(key, self.states.get(key), asyncio.get_running_loop().time())

    def _region_conflict(self, body: Mapping[str, Any]) -> str | None:
        """An explicit spec.region that differs from the region of the table the status records."""
        spec = body.get("spec") or {}
        status = body.get("status") or {}
        explicit, recorded = spec.get("region"), recorded_region(body)
        if not explicit or recorded is None or explicit == recorded or not status.get("tableArn"):
            return None
        return (
            f"spec.region: {explicit!r} differs from {recorded!r}, where the table of this resource lives "
            f"(status.region); the region is immutable: set spec.region: {recorded} (or remove it), or create a "
            "new DynamoTable for a table in the other region"
        )

    def _warn_once(self, body: kopf.Body, state: ObjectState, reason: str, message: str) -> None:
        """A Warning Event for a problem that repeats on every pass: posted once per object and message."""
        if f"{reason}:{message}" not in state.reported:
            state.reported.add(f"{reason}:{message}")
            events.post(body, "Warning", reason, message)

    def _write_status(
        self, body: Mapping[str, Any], patch: kopf.Patch, state: ObjectState, new: dict[str, Any]
    ) -> bool:
        """Patch status if anything but timestamps changed (against the body and against our last write, since
        the body a timer sees can lag behind our previous patch)."""
        old = body.get("status")
        target = statuses.normalized(new)
        written = statuses.fingerprint(target)
        if target == statuses.normalized(old) and state.last_status in (None, written):
            return False
        for key, value in statuses.merge_patch(old, new).items():
            patch.status[key] = value
        state.last_status = written
        return True

    # ------------------------------------------------------------------------------------- the pass

    async def _pass(
        self,
        trigger: Trigger,
        body: kopf.Body,
        patch: kopf.Patch,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        state: ObjectState,
    ) -> PassResult:
        started = time.perf_counter()
        state.passes += 1
        try:
            result = await self._pass_inner(trigger, body, patch, logger, state)
        except Exception as exc:
            self.metrics.reconciles.labels(trigger=trigger.value, result="Error").inc()
            logger.exception("reconcile pass failed")
            message = f"{type(exc).__name__}: {exc}"
            self._warn_once(body, state, events.RECONCILE_ERROR, message)
            raise kopf.TemporaryError(message, delay=self.settings.error_backoff) from exc
        finally:
            self.metrics.reconcile_duration.labels(trigger=trigger.value).observe(time.perf_counter() - started)
        self.metrics.reconciles.labels(trigger=trigger.value, result=result.reason or "Unknown").inc()
        state.requested_delay = result.requeue_after
        return result

    async def _pass_inner(
        self,
        trigger: Trigger,
        body: kopf.Body,
        patch: kopf.Patch,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        state: ObjectState,
    ) -> PassResult:
        key = _key(body)
        generation = _generation(body)
        unavailable = await self._read_accounts()
        if unavailable is not None:
            new = statuses.invalid(
                body.get("status"), generation=generation, message=unavailable, reason=Reason.AWS_ERROR
            )
            if self._write_status(body, patch, state, statuses.dump(new)):
                events.post(body, "Warning", Reason.AWS_ERROR.value, unavailable)
            return PassResult(Reason.AWS_ERROR.value, unavailable, self.settings.error_backoff, steady=False)
        manifest, errors = validate_manifest(self._doc(body), default_region=self.settings.region)
        conflict = self._region_conflict(body) or self._account_conflict(body)
        if manifest is None or conflict is not None:
            message = "; ".join([str(e) for e in errors] + ([conflict] if conflict else []))
            before = statuses.ready(body.get("status"))
            if not (before and before.get("reason") == Reason.INVALID_SPEC and before.get("message") == message):
                events.post(body, "Warning", Reason.INVALID_SPEC.value, message)
            new = statuses.invalid(body.get("status"), generation=generation, message=message)
            self._write_status(body, patch, state, statuses.dump(new))
            self.metrics.plan_steps.set(key, 0)
            return PassResult(Reason.INVALID_SPEC.value, message, None, steady=False)

        owner = self.owner(*key)
        region = manifest.region_or(self.settings.region)
        rival = self._rival(body)
        in_pool = self._in_drift_pool if trigger == Trigger.DRIFT else self._in_pool
        outcome = await in_pool(
            engine.reconcile,
            manifest,
            self._factory_for(key[0]),
            region=region,
            owner=owner,
            rival=rival.ref if rival is not None else None,
            superseded=self._superseded(body) | self._earlier_owner(*key),
            timing=self.timing,
        )
        # A quiet drift check trusts the sha256 in status; every VERIFY_EVERY-th one reads the ConfigMap back and
        # restores it if someone edited or deleted it.
        verify = trigger == Trigger.DRIFT and state.drift_passes % VERIFY_EVERY == 0
        terraform = await self._terraform(body, state, manifest, owner, outcome.status, logger=logger, verify=verify)
        exported = await self._export(body, state, manifest, outcome.status, logger=logger, verify=verify)
        new_status = outcome.status.model_copy(update={"terraform": terraform, "export": exported})
        self._write_status(body, patch, state, statuses.dump(new_status))
        self._announce(body, outcome, state)
        self.metrics.plan_steps.set(key, len(new_status.plan))

        reason, message = _ready_of(new_status)
        return PassResult(
            reason,
            message,
            outcome.requeue_after,
            steady=reason in statuses.STEADY_REASONS,
            slot_region=outcome.slot_region,
            table=manifest.table_name,
        )

    async def _terraform(
        self,
        body: kopf.Body,
        state: ObjectState,
        manifest: s.DynamoTable,
        owner: str,
        status: DynamoTableStatus,
        *,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        verify: bool,
    ) -> TerraformStatus | None:
        """Render and store the Terraform; returns what status.terraform should say. Failures never fail the
        pass: the table matters more than its audit copy, and the next pass tries again.

        The ConfigMap tells the truth: it holds the Terraform of the spec as applied and live. While the spec
        is refused, blocked or still being applied, it keeps the last converged rendering, marked NOT IN SYNC
        at the top (written once per change of that state, not per pass), and status says inSync: false."""
        previous = status.terraform
        reason, _ = _ready_of(status)
        name = f"{manifest.metadata.name}{TERRAFORM_CONFIGMAP_SUFFIX}"
        meta = body.get("metadata") or {}
        target = configmap.Owner(namespace=manifest.namespace, name=manifest.metadata.name, uid=meta.get("uid"))
        if reason != Reason.SYNCED:
            return await self._terraform_stale(
                body, state, target, name, previous=previous, reason=reason, logger=logger
            )
        try:
            text = render_table(manifest, provider_region=self.settings.region, owner=owner)
        except Exception as exc:
            logger.exception("rendering Terraform failed")
            self._warn_once(body, state, events.TERRAFORM_FAILED, f"rendering failed: {type(exc).__name__}: {exc}")
            return previous
        r = configmap.rendered(manifest.metadata.name, text)
        known = previous.sha256 if previous is not None and previous.config_map == r.config_map else None
        try:
            result = await configmap.ensure(self.kube, target, r, known_sha=known, verify=verify)
        except Exception as exc:
            logger.warning(f"writing ConfigMap {target.namespace}/{r.config_map} failed: {exc}")
            self._warn_once(body, state, events.TERRAFORM_FAILED, f"writing ConfigMap {r.config_map} failed: {exc}")
            return previous
        if result == configmap.Result.CONFLICT:
            self._conflict(body, state, r.config_map)
            return None
        if result == configmap.Result.UPDATED:  # a first rendering is announced by the creation itself
            events.post(
                body,
                "Normal",
                events.TERRAFORM_WRITTEN,
                f"Terraform {result.value} in ConfigMap {r.config_map} (sha256 {r.sha256[:12]})",
            )
        return TerraformStatus(config_map=r.config_map, sha256=r.sha256)

    async def _terraform_stale(
        self,
        body: kopf.Body,
        state: ObjectState,
        target: configmap.Owner,
        name: str,
        *,
        previous: TerraformStatus | None,
        reason: str,
        logger: logging.Logger | logging.LoggerAdapter[Any],
    ) -> TerraformStatus | None:
        """Not converged: keep the last converged rendering, marked NOT IN SYNC; nothing is rendered from a spec
        that is not live."""
        stale = TerraformStatus(config_map=name, sha256=None, in_sync=False, reason=reason or None)
        if previous is None or previous.config_map != name or previous.sha256 is None:
            return stale  # nothing converged was ever written: nothing to keep
        if not previous.in_sync:
            return previous.model_copy(update={"reason": reason or None})  # already marked
        try:
            text = await configmap.read(self.kube, target, name)
            if text is None:
                return stale
            r = configmap.rendered(target.name, configmap.with_stale_header(text))
            result = await configmap.ensure(self.kube, target, r, known_sha=previous.sha256, verify=False)
        except Exception as exc:
            logger.warning(f"marking ConfigMap {target.namespace}/{name} not in sync failed: {exc}")
            self._warn_once(body, state, events.TERRAFORM_FAILED, f"writing ConfigMap {name} failed: {exc}")
            return previous
        if result == configmap.Result.CONFLICT:
            self._conflict(body, state, name)
            return None
        return stale.model_copy(update={"sha256": r.sha256})

    async def _export(
        self,
        body: kopf.Body,
        state: ObjectState,
        manifest: s.DynamoTable,
        status: DynamoTableStatus,
        *,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        verify: bool,
    ) -> ExportStatus | None:
        """Write spec.export's ConfigMap; returns what status.export should say. Written only once the table is
        Synced (so only for a table this object owns, and with the details of the spec as live); otherwise what
        was written stays. Failures never fail the pass: the next one tries again."""
        previous = statuses.parse(body.get("status")).export
        wanted = manifest.spec.export
        meta = body.get("metadata") or {}
        target = configmap.Owner(namespace=manifest.namespace, name=manifest.metadata.name, uid=meta.get("uid"))
        try:
            if previous is not None and (wanted is None or wanted.config_map != previous.config_map):
                await export.remove(self.kube, target, previous.config_map)
                previous = None
            data = connection_details(manifest, status)
            if wanted is None or data is None or _ready_of(status)[0] != Reason.SYNCED:
                return previous
            details = export.Export(config_map=wanted.config_map, data=data)
            known = previous.sha256 if previous is not None else None
            result = await export.ensure(self.kube, target, details, known_sha=known, verify=verify)
        except Exception as exc:
            logger.warning(f"writing the connection details ConfigMap failed: {exc}")
            self._warn_once(body, state, events.EXPORT_FAILED, f"writing the connection details failed: {exc}")
            return previous
        if result == export.Result.CONFLICT:
            self._warn_once(
                body,
                state,
                events.EXPORT_CONFLICT,
                f"ConfigMap {details.config_map} exists and is not owned by this DynamoTable; it is left untouched. "
                "Set spec.export.configMap to another name, or delete that ConfigMap",
            )
            return None
        if result == export.Result.UPDATED:  # consumers may need a restart; the creation announces itself
            events.post(
                body,
                "Normal",
                events.EXPORT_WRITTEN,
                f"connection details {result.value} in ConfigMap {details.config_map}",
            )
        return ExportStatus(config_map=details.config_map, sha256=details.sha256)

    def _conflict(self, body: kopf.Body, state: ObjectState, config_map: str) -> None:
        self._warn_once(
            body,
            state,
            events.TERRAFORM_CONFLICT,
            f"ConfigMap {config_map} exists and is not owned by this DynamoTable; it is left untouched. "
            "Rename or delete it to get the rendered Terraform",
        )

    def _announce(self, body: kopf.Body, outcome: engine.Outcome, state: ObjectState) -> None:
        """The engine's Events, plus: a step finished, waiting on AWS, drift corrected."""
        reason, message = _ready_of(outcome.status)
        waiting = outcome.error is not None or (outcome.plan is not None and bool(outcome.plan.waiting))
        # One Event per finished step (its start is in status.plan and the Progressing condition, not worth an
        # Event each); when that step brought the table to Synced, the two are one Event.
        engine_events = [e for e in outcome.events if e.reason not in events.STARTED_REASONS]
        if state.step_in_flight is not None and (outcome.executed is not None or not waiting):
            operation, description = state.step_in_flight
            done_reason = events.STEP_CREATED if operation == "CreateTable" else events.STEP_UPDATED
            synced = next((e for e in engine_events if e.reason == Reason.SYNCED), None)
            if synced is not None:
                engine_events.remove(synced)
            suffix = f"; {synced.message}" if synced is not None and synced.message else ""
            events.post(body, "Normal", done_reason, f"done: {description}{suffix}")
            state.step_in_flight = None
        events.post_engine_events(body, engine_events)
        if outcome.executed is not None:
            state.step_in_flight = (outcome.executed.operation, outcome.executed.description)
        before = statuses.ready(body.get("status"))
        if reason == Reason.WAITING and (before is None or before.get("reason") != Reason.WAITING):
            events.post(body, "Normal", events.WAITING, message)
        if any(e.reason == "DriftDetected" for e in outcome.events) and outcome.plan is not None:
            self.metrics.drift_detected.inc()
            state.drift_fields = [d.field for d in outcome.plan.drift]
        if reason == Reason.PLAN_ONLY:
            state.drift_fields = []  # reported, never corrected in Plan mode
        elif reason == Reason.SYNCED and state.drift_fields:
            self.metrics.drift_corrections.inc(len(state.drift_fields))
            events.post(body, "Normal", events.DRIFT_CORRECTED, "corrected: " + ", ".join(state.drift_fields))
            state.drift_fields = []

    # ---------------------------------------------------------------------------------- kopf entries

    async def on_change(
        self,
        trigger: Trigger,
        body: kopf.Body,
        patch: kopf.Patch,
        logger: logging.Logger | logging.LoggerAdapter[Any],
    ) -> None:
        key = _key(body)
        generation = _generation(body)
        state = self.states.get(key)
        state.logger = logger
        self.slots.bind(asyncio.get_running_loop())
        # Started from a handler, so its checks run in kopf's context (kopf.event() needs kopf's event queue).
        self.drift.start(contextvars.copy_context())
        uid = str((body.get("metadata") or {}).get("uid") or "")
        # A CREATE is also what kopf reports for a stale body of its own earlier patch (one older than the
        # diff-base annotation it writes when the creation succeeded), once the watch lags behind by more than
        # its consistency timeout. A genuinely new object has no status and was never settled here; an object
        # re-created under the same name has a new uid.
        # An object waiting for a slot (settled here, its continuation queued) is left to that continuation, also
        # on a label or annotation edit; an edited spec (a new generation) takes it over.
        settled_here = (
            state.uid == uid and state.settled_at(generation) and (trigger == Trigger.CREATE or key in self.slot_waits)
        )
        if settled_here and trigger == Trigger.CREATE:
            self.stale.mark(body)
        if settled_here or statuses.steady_at(body.get("status"), generation):
            # Already settled for this generation (a restart, or a label/annotation edit): the first drift check
            # goes to a random point of its interval; an edited drift-interval annotation moves the next one.
            # No AWS call here.
            if not state.settled_at(generation):
                state.settle(generation, drift_checks=True)
                state.next_drift = None
            self._place_check(key, body, state, asyncio.get_running_loop().time())
            self.metrics.plan_steps.set(key, len(statuses.parse(body.get("status")).plan))
            self.metrics.reconciles.labels(trigger=trigger.value, result="Skipped").inc()
            return
        self._cancel_slot_wait(key)
        state.unsettle()
        state.uid = uid
        async with state.lock:
            result = await self._pass(trigger, body, patch, logger, state)
        if result.slot_region is not None:
            # kopf writes the RateLimited status (and its own annotations) as this handler returns; the object
            # waits for its turn outside kopf, which meanwhile handles its edits and its deletion.
            self._queue_for_slot(key, state, self._turn(trigger, body, patch, state, result))
            return
        delay = self._look_again_after(trigger, body, result)
        if delay is not None:
            async with state.lock:
                result = await self._look_again(key, trigger, body, patch, logger, state=state, delay=delay)
        if result.steady or result.requeue_after is None:
            self._after_pass(key, body, state, generation, result)
            if result.steady:
                return
            raise kopf.PermanentError(f"{result.reason}: {result.message}")
        raise kopf.TemporaryError(f"{result.reason}: {result.message}", delay=result.requeue_after)

    def _look_again_after(self, trigger: Trigger, body: Mapping[str, Any], result: PassResult) -> float | None:
        """The delay after which a creation looks again within the same call: when the table is being created
        and AWS expects it ACTIVE within one poll. [A24] Not for a table restored or imported from spec.source:
        it has no ownership tag until a later step, so the status recording its ARN and TableId must be written
        before any other pass."""
        delay = result.requeue_after
        if (
            trigger != Trigger.CREATE
            or result.steady
            or result.slot_region is not None
            or delay is None
            or delay > self.timing.poll
            or (body.get("spec") or {}).get("source")
        ):
            return None
        return delay

    async def _look_again(
        self,
        key: Key,
        trigger: Trigger,
        body: kopf.Body,
        patch: kopf.Patch,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        *,
        state: ObjectState,
        delay: float,
    ) -> PassResult:
        """The table is being created and AWS expects it ACTIVE within one poll: look once more within this call,
        so the usual creation costs one status write after the wait (and one kopf cycle) rather than two. The
        second pass decides on what the first found (the table's ARN and TableId, the step in flight); `patch`
        ends up against the status as stored. Safe to lose: if the operator stops meanwhile, the next pass finds
        the table by its owner tag (an update's steps are recorded in status as they go)."""
        stored = body.get("status")
        found = statuses.applied(stored, patch.get("status") or {})
        if not statuses.ours(stored):
            # Not while the object has no status at all: kstatus (Flux, kubectl tooling) reads that as Current,
            # done. One write says Creating (Reconciling=True) before the wait. (The latest body cannot show
            # it: kopf delivers this object's events after the handler.)
            await self._apply_status(key, patch, logger, settle=False)
            stored = found
        await asyncio.sleep(delay)
        patch.pop("status", None)
        state.last_status = None
        seen = kopf.Body(cast(kopf.RawBody, {**dict(body), "status": found}))
        result = await self._pass(trigger, seen, patch, logger, state)
        final = statuses.applied(found, patch.pop("status", None) or {})
        if statuses.normalized(final) != statuses.normalized(stored):
            for name, value in statuses.merge_patch(stored, final).items():
                patch.status[name] = value
        state.last_status = statuses.fingerprint(statuses.normalized(final))
        return result

    # ------------------------------------------------------------------------------------ slot waits

    def _turn(
        self, trigger: Trigger, body: Mapping[str, Any], patch: kopf.Patch, state: ObjectState, result: PassResult
    ) -> SlotTurn:
        """The turn of a pass refused a slot; `patch` is what it writes (or wrote) to `body`'s status."""
        assert result.slot_region is not None
        return SlotTurn(
            trigger=trigger,
            region=result.slot_region,
            table=result.table,
            uid=str((body.get("metadata") or {}).get("uid") or ""),
            generation=_generation(body),
            passes=state.passes,
            status=statuses.applied(body.get("status"), patch.get("status") or {}),
        )

    def _queue_for_slot(self, key: Key, state: ObjectState, turn: SlotTurn) -> None:
        """Wait for a table-operation slot outside kopf's handler [A18]. A handler that waited would hold the
        object's own events (an edit, a deletion) until it returned, cost a GET to learn of them, and at
        10,000 tables keep thousands of kopf handler calls alive. The object counts as settled for its
        generation meanwhile (no drift check, a stale create skipped); an edit or a deletion cancels the wait."""
        self._cancel_slot_wait(key)
        state.settle(turn.generation, drift_checks=False)
        state.next_drift = None
        task = asyncio.get_running_loop().create_task(
            self._await_slot(key, turn),
            name=f"dynamotable slot wait {key[0]}/{key[1]}",
            context=contextvars.copy_context(),  # kopf's context: kopf.event() needs its event queue
        )
        self.slot_waits[key] = task
        task.add_done_callback(functools.partial(self._slot_wait_ended, key))

    def _cancel_slot_wait(self, key: Key) -> None:
        task = self.slot_waits.pop(key, None)
        if task is not None:
            task.cancel()

    def _slot_wait_ended(self, key: Key, task: asyncio.Task[None]) -> None:
        if self.slot_waits.get(key) is task:
            del self.slot_waits[key]
        if not task.cancelled() and task.exception() is not None:
            log.error(f"the slot wait of {key[0]}/{key[1]} failed", exc_info=task.exception())

    async def _await_slot(self, key: Key, turn: SlotTurn | None) -> None:
        """Wait for the turn, pass, and go on the same way until the object is steady or terminal: a creation's
        further looks (not ACTIVE yet) run here too, not on the drift scheduler, whose slots are for drift
        checks and whose status writes wait for the watch."""
        while turn is not None:
            await asyncio.sleep(turn.delay)
            # A slot given back before this object queued up woke nobody: look before waiting.
            limits = self._factory_for(key[0]).table_operations(turn.region)
            if turn.needs_slot and not limits.would_admit(turn.table):
                await self.slots.wait(turn.region)
            if self.gate is not None and not self.gate.is_open:  # paused shard: nothing may act on the object
                if turn.needs_slot:
                    self.slots.pass_turn(turn.region)
                turn = dataclasses.replace(turn, delay=self.gate.interval)
                continue
            # Shielded: cancelled mid-pass (an edit, the operator stopping), the pass still finishes and releases
            # the lock, so the next pass on the object never overlaps it.
            turn = await asyncio.shield(self._slot_pass(key, turn, asyncio.current_task()))

    async def _slot_pass(self, key: Key, turn: SlotTurn, waiter: asyncio.Task[Any] | None) -> SlotTurn | None:
        """The pass of an object whose turn came: on the latest body, with the status it was last written;
        returns the next turn (refused again, or not done yet), None when done. What follows is left alone when
        the wait was cancelled meanwhile (`waiter` no longer the object's): the handler that cancelled it decides."""
        state = self.states.peek(key)
        latest = self._latest_body(key)
        meta: Mapping[str, Any] = (latest.get("metadata") or {}) if latest is not None else {}
        if (
            state is None
            or latest is None
            or meta.get("deletionTimestamp")
            or meta.get("uid") != turn.uid
            or _generation(latest) != turn.generation
            or (self.owns is not None and not self.owns(latest))
        ):
            if turn.needs_slot:  # edited, being deleted, gone or re-created: that handler has it
                self.slots.pass_turn(turn.region)
            return None
        body = kopf.Body(cast(kopf.RawBody, {**dict(latest), "status": turn.status}))
        logger = state.logger if state.logger is not None else logging.LoggerAdapter(log, {"object": key})
        patch = kopf.Patch()
        async with state.lock:
            if state.passes != turn.passes:
                if turn.needs_slot:
                    self.slots.pass_turn(turn.region)
                return None
            result: PassResult | None = None
            backoff = self.settings.error_backoff
            try:
                result = await self._pass(turn.trigger, body, patch, logger, state)
                delay = self._look_again_after(turn.trigger, body, result)
                if delay is not None:  # as the change handler does: one status write for the usual creation
                    result = await self._look_again(key, turn.trigger, body, patch, logger, state=state, delay=delay)
            except kopf.TemporaryError as exc:  # an unexpected error, already logged and announced
                backoff = exc.delay or backoff
            # The next pass goes on from what this one wrote: no wait for the watch to show it.
            written = await self._apply_status(key, patch, logger, settle=False)
            status = statuses.applied(body.get("status"), patch.get("status") or {}) if written else turn.status
        if self.slot_waits.get(key) is not waiter:
            return None
        following = dataclasses.replace(turn, passes=state.passes, status=status, needs_slot=False)
        if result is None:
            return dataclasses.replace(following, delay=backoff)
        if result.slot_region is not None:  # refused again: back in the queue
            return dataclasses.replace(following, delay=0.0, needs_slot=True)
        if result.steady or result.requeue_after is None:
            self._after_pass(key, body, state, turn.generation, result)
            return None
        return dataclasses.replace(following, delay=result.requeue_after)

    def _after_pass(
        self, key: Key, body: kopf.Body, state: ObjectState, generation: int | None, result: PassResult
    ) -> None:
        """What follows a pass: the next drift check when steady, none when terminal (until the spec changes),
        else the next pass after its delay on the drift scheduler (outside kopf's handler cycle only: a change
        handler's next pass is kopf's retry)."""
        now = asyncio.get_running_loop().time()
        state.last_drift_check = now
        state.drift_interval = self._interval(body, state)  # else the next check takes it for an edited interval
        if result.steady:
            state.settle(generation, drift_checks=True)
            self._schedule(
                key, state, schedule.next_check(now, state.drift_interval, self.settings.drift_jitter, self.rng)
            )
        elif result.requeue_after is None:
            state.settle(generation, drift_checks=False)
        else:
            state.settle(generation, drift_checks=True)
            self._schedule(key, state, now + result.requeue_after)

    # -------------------------------------------------------------------------------- drift checks

    def _schedule(self, key: Key, state: ObjectState, at: float) -> None:
        state.next_drift = at
        self.drift.due(key, at)

    def _wanted(self, key: Key) -> float | None:
        """When `key`'s drift check is due (the scheduler skips heap entries that say otherwise)."""
        state = self.states.peek(key)
        return state.next_drift if state is not None and state.drift_checks else None

    def _place_check(self, key: Key, body: kopf.Body, state: ObjectState, now: float) -> None:
        """Schedule a settled object's next check: at a random point of the interval when none is placed yet,
        again from the last check when the interval (annotation) changed; otherwise leave it."""
        if not state.drift_checks:
            return
        interval = self._interval(body, state)
        if state.next_drift is None or state.last_drift_check is None:
            at = schedule.first_check(now, interval, self.rng)
        elif interval != state.drift_interval:
            at = schedule.next_check(state.last_drift_check, interval, self.settings.drift_jitter, self.rng)
        else:
            return
        state.drift_interval = interval
        self._schedule(key, state, at)

    def _latest_stored(self, key: Key) -> StoredBody | None:
        if self.latest is None:
            return None
        try:
            store = self.latest[key]
        except KeyError:
            return None
        return cast(StoredBody | None, next(iter(store), None))

    def _latest_body(self, key: Key) -> kopf.Body | None:
        entry = self._latest_stored(key)
        return None if entry is None else entry.body()

    async def _drift_check(self, key: Key, due: float) -> None:
        """The scheduler's call for one due check: act on the latest body, or say why not."""
        state = self.states.peek(key)
        body = self._latest_body(key)
        if state is None:
            return
        if body is None or (body.get("metadata") or {}).get("deletionTimestamp"):
            state.next_drift = None  # gone, or being deleted: the delete handler has it now
            return
        if self.owns is not None and not self.owns(body):
            state.next_drift = None
            return
        loop = asyncio.get_running_loop()
        if self.gate is not None and not self.gate.is_open:
            self._schedule(key, state, loop.time() + self.gate.interval)  # paused shard: look again later
            return
        if state.lock.locked() or not state.settled_at(_generation(body)) or not state.drift_checks:
            state.next_drift = None  # the change handler owns it and schedules the next check when it settles
            return
        if self._interval(body, state) != state.drift_interval:
            self._place_check(key, body, state, loop.time())
            if state.next_drift is not None and state.next_drift > loop.time():
                return
        logger = state.logger if state.logger is not None else logging.LoggerAdapter(log, {"object": key})
        # Shielded: if the operator stops mid-pass, the pass still finishes and releases the lock, so a deletion
        # never overlaps it.
        await asyncio.shield(self._drift_pass(key, body, logger, state, due, passes_seen=state.passes))

    async def _drift_pass(
        self,
        key: Key,
        body: kopf.Body,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        state: ObjectState,
        due: float,
        *,
        passes_seen: int,
    ) -> None:
        generation = _generation(body)
        loop = asyncio.get_running_loop()
        patch = kopf.Patch()
        async with state.lock:
            if state.passes != passes_seen or not state.drift_checks:
                # A change handler took the lock first (an edit): `body` is stale now, and that handler has
                # scheduled whatever follows.
                return
            self.metrics.drift_check_lag.observe(max(0.0, loop.time() - due))
            state.drift_passes += 1
            try:
                result: PassResult | None = await self._pass(Trigger.DRIFT, body, patch, logger, state)
            except kopf.TemporaryError as exc:  # an unexpected error, already logged and announced
                result = None
                self._schedule(key, state, loop.time() + (exc.delay or self.settings.error_backoff))
            turn = None
            if result is not None and result.slot_region is not None:
                turn = self._turn(Trigger.DRIFT, body, patch, state, result)
            await self._apply_status(key, patch, logger)
        if result is None or not state.settled_at(generation):
            state.last_drift_check = loop.time()
            return  # error handled above, or the spec changed meanwhile and the change handler took over
        if turn is not None:  # correcting drift needs a table-operation slot: wait for one, as a create does
            state.last_drift_check = loop.time()
            self._queue_for_slot(key, state, turn)
            return
        self._after_pass(key, body, state, generation, result)  # correcting drift: goes on after a delay

    async def _apply_status(
        self,
        key: Key,
        patch: kopf.Patch,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        *,
        settle: bool = True,
    ) -> bool:
        """Outside kopf's handler cycle (drift checks) status patches are ours to send. Then wait (like kopf's
        consistency_timeout) until the latest body shows it, so the next pass does not decide on a stale status;
        not with settle=False (the caller passes on what it wrote itself). False when the patch failed."""
        if not patch:
            return True
        namespace, name = key
        path = f"/apis/{s.GROUP}/{s.VERSION}/namespaces/{namespace}/{s.PLURAL}/{name}/status"
        try:
            patched = await self.kube.request("PATCH", path, body=dict(patch), content_type=configmap.MERGE_PATCH)
        except Exception as exc:
            logger.warning(f"status patch failed (the next pass retries): {exc}")
            return False
        version = (patched.get("metadata") or {}).get("resourceVersion")
        if settle:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CONSISTENCY_TIMEOUT):
                    while version is not None and self._resource_version(key) not in (version, None):
                        await asyncio.sleep(0.01)
        return True

    def _resource_version(self, key: Key) -> str | None:
        entry = self._latest_stored(key)
        return None if entry is None else entry.resource_version

    async def on_delete(
        self,
        body: kopf.Body,
        patch: kopf.Patch,
        logger: logging.Logger | logging.LoggerAdapter[Any],
    ) -> None:
        key = _key(body)
        state = self.states.get(key)
        self._cancel_slot_wait(key)  # a table waiting for a slot is never created once its object is deleted
        try:
            # Shape only: the rules of validation.py do not matter for letting a table go.
            manifest = s.DynamoTable.model_validate(self._doc(body, deleting=True), by_alias=True, by_name=False)
        except ValidationError as exc:
            events.post(
                body,
                "Warning",
                events.RETAINED,
                "the spec cannot be read, so no AWS call is made: any table is left as it is (owner tag kept). "
                f"First problem: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
            )
            self._release(body)
            self._forget(key)
            return
        unavailable = await self._read_accounts()
        if unavailable is not None:  # which account the table is in is not known: no AWS call, no finalizer gone
            raise kopf.TemporaryError(unavailable, delay=self.settings.error_backoff)
        started = time.perf_counter()
        rival = self._rival(body)
        state.passes += 1
        try:
            async with state.lock:
                outcome = await self._in_pool(
                    engine.delete,
                    manifest,
                    self._factory_for(key[0]),
                    region=manifest.region_or(self.settings.region),
                    owner=self.owner(*key),
                    rival=rival.ref if rival is not None else None,
                    superseded=self._earlier_owner(*key),
                    timing=self.timing,
                )
        except Exception as exc:
            self.metrics.reconciles.labels(trigger=Trigger.DELETE.value, result="Error").inc()
            logger.exception("deletion pass failed")
            raise kopf.TemporaryError(f"{type(exc).__name__}: {exc}", delay=self.settings.error_backoff) from exc
        finally:
            self.metrics.reconcile_duration.labels(trigger=Trigger.DELETE.value).observe(time.perf_counter() - started)
        self._write_status(body, patch, state, statuses.dump(outcome.status))
        events.post_engine_events(body, outcome.events)
        reason, message = _ready_of(outcome.status)
        self.metrics.reconciles.labels(trigger=Trigger.DELETE.value, result=reason or "Unknown").inc()
        if outcome.done:
            gone = outcome.status.table_status is None and manifest.spec.deletion_policy != s.DeletionPolicy.RETAIN
            events.post(body, "Normal", events.DELETED if gone else events.RETAINED, message)
            self._release(body)
            self._forget(key)
            return
        delay = outcome.requeue_after
        if delay is None or reason == Reason.DELETION_BLOCKED:
            # Never give up on a deletion (the finalizer would go and the table would be orphaned unannounced).
            delay = min(delay or self.settings.blocked_retry_delay, self.settings.blocked_retry_delay)
        state.requested_delay = delay
        raise kopf.TemporaryError(f"{reason}: {message}", delay=delay)

    def _forget(self, key: Key) -> None:
        self._cancel_slot_wait(key)
        self.metrics.plan_steps.set(key, 0)
        if (state := self.states.peek(key)) is not None and state.uid:
            self.stale.forget(state.uid)
        self.states.forget(key)
