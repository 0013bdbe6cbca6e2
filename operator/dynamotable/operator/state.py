"""What the operator remembers about each DynamoTable between handler calls (in memory only).

Nothing here is needed for correctness after a restart: status in the cluster is the source of truth, and
`on.resume` rebuilds this from it. It exists to keep two passes on one object from overlapping (kopf runs
timers concurrently with change handlers), to schedule drift checks, and to remember the step in flight so
its completion can be announced.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str]  # (namespace, name)


@dataclass(slots=True)
class ObjectState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The generation whose change-handler work is over (converged, steady or terminal); None while the change
    # handler still owns the object (it requeues itself) or before resume/create ran in this process.
    settled_generation: int | None = None
    uid: str = ""  # metadata.uid of the object the change handler last worked on (a re-created one differs)
    # Whether drift checks may re-observe a settled object (steady states yes; terminal errors no).
    drift_checks: bool = False
    next_drift: float | None = None  # event-loop time of the next drift check
    last_drift_check: float | None = None  # event-loop time of the last check (or of settling)
    drift_interval: float = 0.0  # the interval next_drift was computed with
    logger: Any = None  # kopf's logger for this object, from its last handler call (drift checks log with it)
    step_in_flight: tuple[str, str] | None = None  # (operation, description) executed, not yet seen finished
    drift_fields: list[str] = field(default_factory=list)  # drift being corrected, announced when Synced again
    last_status: bytes | None = None  # statuses.fingerprint of our last patch's status (the body may lag behind)
    reported: set[str] = field(default_factory=set)  # one-off warnings already posted (bad annotation, ...)
    # What happened, for metrics and tests (a test waits for these instead of sleeping: "the drift scheduler looked
    # three times and nothing was sent" rather than "nothing was sent within 0.5 s"):
    passes: int = 0  # engine passes (reconcile or delete) made for this object
    requested_delay: float | None = None  # the delay the last pass asked for before the next (None: terminal)
    drift_passes: int = 0  # drift checks made; every VERIFY_EVERY-th one reads the Terraform ConfigMap back

    def settle(self, generation: int | None, *, drift_checks: bool) -> None:
        self.settled_generation = generation if generation is not None else -1
        self.drift_checks = drift_checks

    def unsettle(self) -> None:
        self.settled_generation = None
        self.drift_checks = False

    def settled_at(self, generation: int | None) -> bool:
        if self.settled_generation is None:
            return False
        return self.settled_generation == (generation if generation is not None else -1)


class ObjectStates:
    def __init__(self) -> None:
        self._states: dict[Key, ObjectState] = {}

    def peek(self, key: Key) -> ObjectState | None:
        return self._states.get(key)

    def get(self, key: Key) -> ObjectState:
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = ObjectState()
        return state

    def forget(self, key: Key) -> None:
        self._states.pop(key, None)

    def __len__(self) -> int:
        return len(self._states)

    def scheduled(self) -> int:
        """Objects with a drift check scheduled."""
        return sum(1 for state in list(self._states.values()) if state.drift_checks and state.next_drift is not None)
