"""kopf handlers: thin wrappers that hand every event to the Reconciler.

Registered on an explicit registry (not kopf's global one), so each operator instance, and each test, gets
its own handlers bound to its own settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

import kopf

from dynamotable.api.spec import GROUP, PLURAL, VERSION
from dynamotable.operator import claims as claiming
from dynamotable.operator.kube import LoginFailed
from dynamotable.operator.reconciler import Reconciler, Trigger
from dynamotable.operator.shards import DaemonStop, Shard

Logger = logging.Logger | logging.LoggerAdapter[Any]


def register(
    registry: kopf.OperatorRegistry,
    reconciler: Reconciler,
    login: Callable[[], kopf.ConnectionInfo],
    shard: Shard | None = None,
) -> None:
    # With sharding, the change, drift and delete handlers see only this shard's objects (`when=`, evaluated per
    # handler), and act only while the shard's gate is open (shards.py); the claims index sees every object.
    owns = shard.owns if shard is not None else None

    def gate_closed() -> kopf.TemporaryError | None:
        if shard is None or shard.gate.is_open:
            return None
        shard.gate.refusals += 1
        return kopf.TemporaryError(f"shard paused: {shard.gate.verdict.reason}", delay=shard.gate.interval)

    # An explicit login handler replaces kopf's fallbacks; our own Kubernetes client uses what it returns.
    @kopf.on.login(registry=registry)
    def login_handler(**_: Any) -> kopf.ConnectionInfo:
        try:
            return login()
        except LoginFailed as exc:  # no retrying a missing or broken kubeconfig: stop with the reason
            raise kopf.PermanentError(str(exc)) from exc

    # The cluster-wide claims on tables (claims.py). kopf fills every index from the initial listing before any
    # handler runs, so after a restart no object acts before it knows who else names its table.
    @kopf.index(GROUP, VERSION, PLURAL, id="claims", registry=registry)
    def claims(body: kopf.Body, **_: Any) -> dict[claiming.ClaimKey, claiming.Candidate]:
        return {claiming.claim_key(body, reconciler.settings.region): claiming.candidate(body)}

    @kopf.on.resume(GROUP, VERSION, PLURAL, id="reconcile", when=owns, registry=registry)
    @kopf.on.create(GROUP, VERSION, PLURAL, id="reconcile", when=owns, registry=registry)
    @kopf.on.update(GROUP, VERSION, PLURAL, id="reconcile", when=owns, registry=registry)
    async def reconcile(reason: str, body: kopf.Body, patch: kopf.Patch, logger: Logger, **kwargs: Any) -> None:
        if (paused := gate_closed()) is not None:
            raise paused
        reconciler.claims = kwargs["claims"]
        await reconciler.on_change(Trigger(kopf.Reason(reason).value), body, patch, logger)

    # The drift timer is a daemon, not @kopf.timer: a kopf timer has one interval for every object and runs the
    # whole handler machinery on every tick (measured: 200 objects ticking 20 times a second saturated the event
    # loop), while this sleeps until each object's own next check and costs nothing in between.
    @kopf.daemon(GROUP, VERSION, PLURAL, id="drift", cancellation_timeout=5.0, when=owns, registry=registry)
    async def drift(body: kopf.Body, logger: Logger, stopped: kopf.DaemonStopped, **kwargs: Any) -> None:
        reconciler.claims = kwargs["claims"]
        if shard is None:
            await reconciler.drift_loop(body, logger, stopped)
            return
        # Paused shard: the loop returns after its in-flight pass and resumes when the gate opens again.
        while await shard.gate.opened(stopped):
            await reconciler.drift_loop(body, logger, cast(kopf.DaemonStopped, DaemonStop(stopped, shard.gate)))

    @kopf.on.delete(GROUP, VERSION, PLURAL, id="delete", when=owns, registry=registry)
    async def delete(body: kopf.Body, patch: kopf.Patch, logger: Logger, **kwargs: Any) -> None:
        if (paused := gate_closed()) is not None:
            raise paused
        reconciler.claims = kwargs["claims"]
        await reconciler.on_delete(body, patch, logger)

    @kopf.on.probe(id="objects", registry=registry)
    def objects(**_: Any) -> int:
        return len(reconciler.states)

    @kopf.on.cleanup(registry=registry)
    async def cleanup(**_: Any) -> None:
        await reconciler.close()
