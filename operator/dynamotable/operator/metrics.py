"""Prometheus metrics of the operator, on their own registry (one per operator instance).

AWS calls are counted by a botocore `after-call` hook on every client of the ClientFactory, so every call
the engine makes is seen once (botocore retries inside a call are not separate calls).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from dynamotable.aws.clients import ClientFactory

NAMESPACE = "dynamotable"

# Seconds; one pass is one to a few AWS calls, so most land in the low buckets.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# Seconds; a drift check normally starts within a few ms of its due time; minutes mean the checks fall behind.
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0)


class _PlanSteps(Collector):
    """Plan steps still to do, summed over all objects (a per-object series would not scale to 10k tables)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], int] = {}

    def set(self, key: tuple[str, str], steps: int) -> None:
        with self._lock:
            if steps:
                self._pending[key] = steps
            else:
                self._pending.pop(key, None)

    def total(self) -> int:
        with self._lock:
            return sum(self._pending.values())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            total, objects = sum(self._pending.values()), len(self._pending)
        yield GaugeMetricFamily(
            f"{NAMESPACE}_plan_steps_pending", "Plan steps not yet executed, over all DynamoTables.", value=total
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_tables_with_pending_plan", "DynamoTables whose plan is not empty.", value=objects
        )


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.reconciles = Counter(
            f"{NAMESPACE}_reconciles",
            "Reconcile passes by trigger (create, update, resume, drift, delete) and result (the Ready reason, "
            "or Error for an unexpected exception).",
            ["trigger", "result"],
            registry=self.registry,
        )
        self.reconcile_duration = Histogram(
            f"{NAMESPACE}_reconcile_duration_seconds",
            "Wall time of one reconcile pass (engine and Terraform ConfigMap), by trigger.",
            ["trigger"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.aws_calls = Counter(
            f"{NAMESPACE}_aws_calls",
            "AWS API calls by operation and outcome (ok, or the AWS error code / exception name).",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.drift_detected = Counter(
            f"{NAMESPACE}_drift_detected",
            "Drift checks that found the live table different from the spec.",
            registry=self.registry,
        )
        self.drift_corrections = Counter(
            f"{NAMESPACE}_drift_corrections",
            "AWS changes made to correct drift found by a drift check.",
            registry=self.registry,
        )
        self.drift_check_lag = Histogram(
            f"{NAMESPACE}_drift_check_lag_seconds",
            "Seconds between the time a drift check was due and the time it ran.",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self.plan_steps = _PlanSteps()
        self.registry.register(self.plan_steps)

    # ----------------------------------------------------------------------------------- AWS call hook

    def attach(self, factory: ClientFactory) -> None:
        factory.add_hook("after-call", self._after_call)
        factory.add_hook("after-call-error", self._after_call_error)
        self.registry.register(PacingCollector(factory))

    def _after_call(self, model: Any = None, parsed: Any = None, http_response: Any = None, **_: Any) -> None:
        operation = getattr(model, "name", "unknown")
        error = parsed.get("Error", {}) if isinstance(parsed, dict) else {}
        code = error.get("Code") if isinstance(error, dict) else None
        status = getattr(http_response, "status_code", 200)
        outcome = str(code) if code else ("ok" if status < 300 else f"HTTP{status}")
        self.aws_calls.labels(operation=operation, outcome=outcome).inc()

    def _after_call_error(self, event_name: str = "", exception: BaseException | None = None, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1] or "unknown"  # after-call-error.<service>.<Operation>
        outcome = type(exception).__name__ if exception is not None else "error"
        self.aws_calls.labels(operation=operation, outcome=outcome).inc()


class DriftCollector(Collector):
    """The drift scheduler's state (drift.py): objects with a check scheduled, checks running, checks started."""

    def __init__(self, scheduled: Callable[[], int], in_flight: Callable[[], int], started: Callable[[], int]) -> None:
        self._scheduled, self._in_flight, self._started = scheduled, in_flight, started

    def collect(self) -> Iterator[Any]:
        yield GaugeMetricFamily(
            f"{NAMESPACE}_drift_checks_scheduled",
            "DynamoTables with a drift check scheduled (steady objects this process looks after).",
            value=self._scheduled(),
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_drift_checks_in_flight",
            "Drift checks running now (at most twice maxConcurrentReconciles).",
            value=self._in_flight(),
        )
        yield CounterMetricFamily(
            f"{NAMESPACE}_drift_checks_started",
            "Drift checks started since the process started.",
            value=self._started(),
        )


class PacingCollector(Collector):
    """The client-side pacing of AWS's control plane [A18], per region: seconds spent waiting for request
    tokens, tables in a table operation, and table operations that waited for a slot."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory

    def collect(self) -> Iterator[Any]:
        waited = CounterMetricFamily(
            f"{NAMESPACE}_aws_pacing_wait_seconds",
            "Seconds AWS requests waited for a token of the per-region request bucket.",
            labels=["region"],
        )
        in_flight = GaugeMetricFamily(
            f"{NAMESPACE}_aws_table_operations_in_flight",
            "Tables this process has in a create, update or delete, per region.",
            labels=["region"],
        )
        refused = CounterMetricFamily(
            f"{NAMESPACE}_aws_table_operation_waits",
            "Table operations held back because the per-region cap was reached (the table waits, RateLimited).",
            labels=["region"],
        )
        sums: dict[str, list[float]] = {}  # region -> [waited, in flight, refused], over its accounts
        for region, bucket, slots in self.factory.limits.places():
            row = sums.setdefault(region, [0.0, 0.0, 0.0])
            if bucket is not None:
                row[0] += bucket.waited
            if slots is not None:
                row[1] += slots.in_flight()
                row[2] += slots.refused
        for region, (wait, flying, held) in sums.items():
            waited.add_metric([region], wait)
            in_flight.add_metric([region], flying)
            refused.add_metric([region], held)
        yield from (waited, in_flight, refused)
