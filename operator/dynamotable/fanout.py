"""Spread CPU-bound work over a machine's cores: YAML reading, validation and rendering of thousands of
manifests (`dynamotable render -f` of 10,000 files).

`map_in_chunks(fn, items)` returns `[fn(item) for item in items]`, in order. With at least `MIN_ITEMS` items,
more than one core and no other thread running, the items go in chunks to forked worker processes (fork: the
workers start in milliseconds with everything imported; never with other threads alive, whose locks a fork
could copy held). Otherwise, and whenever the pool cannot be had, the work runs here, serially, with the same
result. `fn` must be a module-level function (it is pickled by name) and its results picklable.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 400  # below this the pool costs more than it saves
MAX_WORKERS = 8


def workers() -> int:
    """Cores this process may use (its CPU affinity, as a container's cpuset limits it), at most MAX_WORKERS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def _apply_chunk(job: tuple[Callable[[T], R], Sequence[T]]) -> list[R]:
    fn, chunk = job
    return [fn(item) for item in chunk]


def map_in_chunks(fn: Callable[[T], R], items: Sequence[T], *, min_items: int = MIN_ITEMS) -> list[R]:
    count = workers()
    if len(items) < min_items or count < 2 or threading.active_count() > 1 or "fork" not in _start_methods():
        return [fn(item) for item in items]
    size = -(-len(items) // (count * 4))  # a few chunks per worker, so an uneven chunk does not hold up the rest
    jobs = [(fn, items[i : i + size]) for i in range(0, len(items), size)]
    try:
        with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork")) as pool:
            return [result for chunk in pool.map(_apply_chunk, jobs) for result in chunk]
    except (OSError, RuntimeError):  # no processes to be had here (limits, a sandbox): do it ourselves
        return [fn(item) for item in items]


def _start_methods() -> list[str]:
    return multiprocessing.get_all_start_methods()
