"""Client-side pacing of DynamoDB's control plane, per account and region [A18].

AWS throttles control-plane requests (ThrottlingException above about 2,500 requests per second per account
and region) and refuses a table operation (CreateTable, UpdateTable, DeleteTable, UpdateTimeToLive) while
500 tables of the account and region are already being created, updated or deleted, or a create of a table
with secondary indexes while 250 such creates run (LimitExceededException "...simultaneously"). Retrying
after the refusal works, but 10,000 tables applied at once would turn into a storm of refusals and retries.
So every process paces itself, well below those limits:

- `RequestBucket`: a token bucket per account and region that every DynamoDB HTTP attempt (retries
  included) takes a token from; a caller that finds it empty waits its turn on its own thread.
- `TableOperations`: which tables this process has put into a table operation and not yet seen settle; a
  new operation is admitted only while fewer than the cap are in flight (and fewer than the index cap for
  creates with secondary indexes). Admission is a question, never a wait: a pass that is refused requeues,
  so the cap never holds a worker thread.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

# AWS's limits per account and region [A18] and this project's defaults, well below them (several
# processes, e.g. shards or a CLI run beside the operator, share an account's budget).
AWS_CONTROL_PLANE_RPS = 2500
AWS_TABLE_OPERATIONS = 500
AWS_INDEXED_CREATES = 250
DEFAULT_REQUESTS_PER_SECOND = 400.0
DEFAULT_TABLE_OPERATIONS = 200
DEFAULT_INDEXED_CREATES = 100

# The operations AWS counts as table operations [A18], restores among them [A24.1].
TABLE_OPERATIONS = frozenset(
    {
        "CreateTable",
        "UpdateTable",
        "DeleteTable",
        "UpdateTimeToLive",
        "RestoreTableFromBackup",
        "RestoreTableToPointInTime",
    }
)


class RequestBucket:
    """A token bucket: `rate` tokens a second, at most `burst` saved up. Thread-safe.

    `take()` reserves a token and sleeps (outside the lock) until it is due, so callers are served in the
    order they asked and the long-run rate never exceeds `rate`.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be > 0 requests per second, got {rate}")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate / 10)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._at = clock()
        self.waited = 0.0  # seconds callers spent waiting in all, for metrics and benchmarks
        self.taken = 0

    def reserve(self) -> float:
        """Take a token; return how many seconds the caller must wait before using it (0 when one was saved)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= 1.0
            self.taken += 1
            delay = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            self.waited += delay
            return delay

    def take(self) -> None:
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)


class TableOperations:
    """The tables of one account and region that this process put into a table operation, until it sees
    them settle. Thread-safe.

    A table holds its slot from the call that starts the operation until a pass observes the table settled
    (`settled`), or it is forgotten (`settled` after the object is deleted). A slot not renewed for
    `stale_after` seconds (the process lost track of the table) is given back, so a lost table can never
    shrink the cap for good.
    """

    def __init__(
        self,
        limit: int = DEFAULT_TABLE_OPERATIONS,
        *,
        indexed_limit: int = DEFAULT_INDEXED_CREATES,
        stale_after: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or indexed_limit < 1:
            raise ValueError(f"table-operation caps must be >= 1, got {limit} and {indexed_limit}")
        self.limit = limit
        self.indexed_limit = indexed_limit
        self.stale_after = stale_after
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, float] = {}  # table name -> when its slot was last renewed
        self._indexed: set[str] = set()  # those of them in a create with secondary indexes
        self._waiting: set[str] = set()  # tables refused a slot and not admitted since
        self.refused = 0  # admissions refused, for metrics and tests
        self.peak = 0  # the most slots ever held at once
        # Called (from whichever thread freed it, outside the lock) each time a slot is given back.
        self.on_freed: list[Callable[[], None]] = []

    def admit(self, table: str, *, indexed_create: bool = False) -> bool:
        """Whether `table` may start a table operation now; if so its slot is taken (or renewed)."""
        with self._lock:
            now = self._clock()
            self._drop_stale(now)
            full = len(self._held) >= self.limit or (indexed_create and len(self._indexed) >= self.indexed_limit)
            if table not in self._held and full:
                self.refused += 1
                self._waiting.add(table)
                return False
            self._waiting.discard(table)
            self._held[table] = now
            if indexed_create:
                self._indexed.add(table)
            self.peak = max(self.peak, len(self._held))
            return True

    def busy(self, table: str) -> None:
        """`table` was seen still in its operation: renew its slot (if it holds one)."""
        with self._lock:
            if table in self._held:
                self._held[table] = self._clock()

    def settled(self, table: str) -> None:
        """`table` was seen settled (or gone, or is no longer looked after): its slot is free."""
        with self._lock:
            freed = self._held.pop(table, None) is not None
            self._indexed.discard(table)
            self._waiting.discard(table)
        if freed:
            for listener in list(self.on_freed):
                listener()

    def would_admit(self, table: str) -> bool:
        """Whether `table` could start a table operation without secondary indexes now (it holds a slot, or one
        is free). Takes nothing."""
        with self._lock:
            return self._would_admit(table)

    def still_refused(self, table: str) -> bool:
        """Whether `table` was refused a slot, has not been admitted since, and would be refused again now."""
        with self._lock:
            return table in self._waiting and not self._would_admit(table)

    def _would_admit(self, table: str) -> bool:
        self._drop_stale(self._clock())
        return table in self._held or len(self._held) < self.limit

    def in_flight(self) -> int:
        with self._lock:
            self._drop_stale(self._clock())
            return len(self._held)

    def _drop_stale(self, now: float) -> None:
        stale = [t for t, at in self._held.items() if now - at > self.stale_after]
        for table in stale:
            del self._held[table]
            self._indexed.discard(table)


class ControlPlaneLimits:
    """The pacing settings of one ClientFactory, and its bucket and slots per region (a factory is one set of
    credentials, i.e. one account)."""

    def __init__(
        self,
        *,
        requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
        table_operations: int = DEFAULT_TABLE_OPERATIONS,
        indexed_creates: int = DEFAULT_INDEXED_CREATES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests_per_second <= 0:
            raise ValueError(f"requests per second must be > 0, got {requests_per_second}")
        self.requests_per_second = requests_per_second
        self.table_operations = table_operations
        self.indexed_creates = indexed_creates
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[object, str], RequestBucket] = {}
        self._operations: dict[tuple[object, str], TableOperations] = {}
        self._on_freed: list[Callable[[str], None]] = []

    def bucket(self, region: str, account: object = None) -> RequestBucket:
        key = (account, region)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = RequestBucket(self.requests_per_second, clock=self._clock)
            return bucket

    def places(self) -> list[tuple[str, RequestBucket | None, TableOperations | None]]:
        """(region, its bucket, its slots) of every account and region used so far, for metrics."""
        with self._lock:
            keys = sorted({*self._buckets, *self._operations}, key=lambda k: (k[1], str(k[0])))
            return [(region, self._buckets.get((a, region)), self._operations.get((a, region))) for a, region in keys]

    def operations(self, region: str, account: object = None) -> TableOperations:
        key = (account, region)
        with self._lock:
            slots = self._operations.get(key)
            if slots is None:
                slots = self._operations[key] = TableOperations(
                    self.table_operations, indexed_limit=self.indexed_creates, clock=self._clock
                )
                for listener in self._on_freed:
                    slots.on_freed.append(functools.partial(listener, region))
            return slots

    def on_slot_freed(self, listener: Callable[[str], None]) -> None:
        """Call `listener(region)` whenever a table-operation slot of that region is given back (any account)."""
        with self._lock:
            self._on_freed.append(listener)
            for (_, region), slots in self._operations.items():
                slots.on_freed.append(functools.partial(listener, region))
