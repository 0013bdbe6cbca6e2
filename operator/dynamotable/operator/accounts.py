"""The account map the operator works with: read from its ConfigMap, re-read when older than the refresh interval.

A pass asks `AccountSource.current()` for the map; it reads the ConfigMap (one GET) when the copy it holds is
older than `settings.accounts_refresh`, so an edit takes effect without a restart, on each object's next pass
after that interval (a change, a retry, its drift check), and a quiet cluster costs at most one GET per
interval. A ConfigMap that is gone or cannot be read or parsed keeps the last good map (a Warning in the log
says why): falling back to the operator's own credentials would put a team's tables in the wrong account. With
no good map yet, the pass makes no AWS call: Ready=False/AwsError with that one-line reason, retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from dynamotable.aws.accounts import EMPTY, AccountMap, AccountMapError, parse_account_map
from dynamotable.operator.kube import KubeApi, KubeApiError

log = logging.getLogger(__name__)


class AccountsUnavailable(RuntimeError):
    """No account map could be read yet: one line naming the ConfigMap and the fix."""


class AccountSource:
    def __init__(
        self,
        kube: KubeApi,
        *,
        namespace: str,
        name: str | None,
        refresh: float,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """`clock`: what the refresh interval is measured by; the event loop's by default (the operator's clock,
        which looptime makes the test's)."""
        self.kube = kube
        self.namespace = namespace
        self.name = name
        self.refresh = refresh
        self.clock = clock
        self.reads = 0
        self._map: AccountMap | None = None if name else EMPTY
        self._read_at: float | None = None
        self._problem: str | None = None
        self._lock = asyncio.Lock()  # passes of many objects ask at once: one GET for them all

    @property
    def where(self) -> str:
        return f"{self.namespace}/{self.name}"

    async def current(self) -> AccountMap:
        if self.name is None:
            return EMPTY
        async with self._lock:
            now = self.clock() if self.clock is not None else asyncio.get_running_loop().time()
            if self._read_at is None or now - self._read_at >= self.refresh:
                await self._reload()
                self._read_at = now
        if self._map is None:
            raise AccountsUnavailable(self._problem or f"ConfigMap {self.where} not read yet")
        return self._map

    async def _reload(self) -> None:
        self.reads += 1
        try:
            body = await self.kube.request("GET", f"/api/v1/namespaces/{self.namespace}/configmaps/{self.name}")
            fresh = parse_account_map(body.get("data"), source=self.where)
        except KubeApiError as exc:
            self._problem = (
                f"ConfigMap {self.where} (the account map, settings.accounts_config_map) cannot be read "
                f"({'not found' if exc.status == 404 else f'HTTP {exc.status}'}): create it, or unset "
                "DYNAMOTABLE_ACCOUNTS_CONFIG_MAP to use the operator's own credentials for every namespace"
            )
        except AccountMapError as exc:
            self._problem = str(exc)
        else:
            self._map, self._problem = fresh, None
            return
        if self._map is not None:
            log.warning("%s; keeping the account map read before", self._problem)
