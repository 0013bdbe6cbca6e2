"""kopf handlers: thin wrappers that hand every event to the Reconciler.

Registered on an explicit registry (not kopf's global one), so each operator instance, and each test, gets
its own handlers bound to its own settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import kopf

from dynamotable.api.spec import GROUP, PLURAL, VERSION
from dynamotable.operator import claims as claiming
from dynamotable.operator.kube import LoginFailed
from dynamotable.operator.latest import StoredBody, stored
from dynamotable.operator.reconciler import Reconciler, Trigger
from dynamotable.operator.shards import Shard
from dynamotable.operator.state import Key

Logger = logging.Logger | logging.LoggerAdapter[Any]


def register(
    registry: kopf.OperatorRegistry,
    reconciler: Reconciler,
    login: Callable[[], kopf.ConnectionInfo],
    shard: Shard | None = None,
) -> None:
    # With sharding, the change and delete handlers see only this shard's objects (`when=`, evaluated per
    # handler), and act only while the shard's gate is open (shards.py); so do drift checks (the reconciler asks
    # the same two questions). The indexes see every object.
    owns = shard.owns if shard is not None else None
    reconciler.owns = owns
    reconciler.gate = shard.gate if shard is not None else None

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

    # Every DynamoTable's latest body, which drift checks act on (they run outside kopf's handlers, on the
    # reconciler's drift scheduler). kopf updates it on every watch event and drops it when the object is gone.
    @kopf.index(GROUP, VERSION, PLURAL, id="latest", registry=registry)
    def latest(body: kopf.Body, **_: Any) -> dict[Key, StoredBody]:
        return {(body.metadata.namespace or "default", body.metadata.name or ""): stored(body)}

    @kopf.on.resume(GROUP, VERSION, PLURAL, id="reconcile", when=owns, registry=registry)
    @kopf.on.create(GROUP, VERSION, PLURAL, id="reconcile", when=owns, registry=registry)
    @kopf.on.update(GROUP, VERSION, PLURAL, id="reconcile", when=owns, registry=registry)
    async def reconcile(reason: str, body: kopf.Body, patch: kopf.Patch, logger: Logger, **kwargs: Any) -> None:
        if (paused := gate_closed()) is not None:
            raise paused
        reconciler.claims, reconciler.latest = kwargs["claims"], kwargs["latest"]
        await reconciler.on_change(Trigger(kopf.Reason(reason).value), body, patch, logger)

    @kopf.on.delete(GROUP, VERSION, PLURAL, id="delete", when=owns, registry=registry)
    async def delete(body: kopf.Body, patch: kopf.Patch, logger: Logger, **kwargs: Any) -> None:
        if (paused := gate_closed()) is not None:
            raise paused
        reconciler.claims, reconciler.latest = kwargs["claims"], kwargs["latest"]
        await reconciler.on_delete(body, patch, logger)

    @kopf.on.probe(id="objects", registry=registry)
    def objects(**_: Any) -> int:
        return len(reconciler.states)

    @kopf.on.cleanup(registry=registry)
    async def cleanup(**_: Any) -> None:
        await reconciler.close()
