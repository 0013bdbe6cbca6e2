"""fanout.map_in_chunks: the same results, in the same order, as the serial loop; errors surface as they would
serially; no fork while other threads run. loader.load over many files gives exactly the serial answer."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dynamotable import fanout, loader

TABLE = """\
apiVersion: dynamotable.io/v1alpha1
kind: DynamoTable
metadata: {{name: t{i}, namespace: team}}
spec:
  tableName: fan-{i}
  region: us-east-1
  hashKey: id
  attributes: [{{name: id, type: S}}]
"""


def _square_and_pid(n: int) -> tuple[int, int]:
    if n == -1:
        raise ValueError("item -1 is refused")
    return n * n, os.getpid()


def _serial_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "workers", lambda: 1)


_FORK_CHECK = """
import os
from dynamotable import fanout
from tests.unit.test_fanout import _square_and_pid
results = fanout.map_in_chunks(_square_and_pid, list(range(1000)), min_items=1)
assert [r for r, _ in results] == [n * n for n in range(1000)], "results out of order"
print(len({pid for _, pid in results} - {os.getpid()}))
"""


@pytest.mark.skipif(fanout.workers() < 2, reason="one core: map_in_chunks never forks here")
def test_results_come_back_in_order_from_worker_processes() -> None:
    # A fresh interpreter: threads that earlier tests of this process left alive would (rightly) stop the fork.
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "operator")])}
    done = subprocess.run(
        [sys.executable, "-c", _FORK_CHECK], check=False, cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) >= 1, "no item ran in a worker process"


def test_small_inputs_and_single_cores_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {pid for _, pid in fanout.map_in_chunks(_square_and_pid, list(range(10)))} == {os.getpid()}
    _serial_only(monkeypatch)
    assert {pid for _, pid in fanout.map_in_chunks(_square_and_pid, list(range(1000)), min_items=1)} == {os.getpid()}


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        results = fanout.map_in_chunks(_square_and_pid, list(range(1000)), min_items=1)
    finally:
        stop.set()
        other.join()
    assert {pid for _, pid in results} == {os.getpid()}


def test_the_first_error_in_order_surfaces() -> None:
    items = [*range(500), -1, *range(500)]
    with pytest.raises(ValueError, match="item -1 is refused"):
        fanout.map_in_chunks(_square_and_pid, items, min_items=1)


def _files(tmp_path: Path, count: int) -> list[str]:
    for i in range(count):
        (tmp_path / f"t{i:04d}.yaml").write_text(TABLE.format(i=i))
    return [str(tmp_path)]


def test_loading_many_files_in_processes_gives_the_serial_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _files(tmp_path, fanout.MIN_ITEMS + 50)
    (tmp_path / "t0100.yaml").write_text(TABLE.format(i=100).replace("type: S", "type: N"))  # unquoted N: false
    parallel = loader.check(loader.load(paths), default_region="us-east-1")
    _serial_only(monkeypatch)
    serial = loader.check(loader.load(paths), default_region="us-east-1")
    assert [(d.where, m) for d, m in parallel.manifests] == [(d.where, m) for d, m in serial.manifests]
    assert parallel.error_lines() == serial.error_lines()
    assert len(parallel.manifests) == fanout.MIN_ITEMS + 49  # every valid one, and not the one with the N
    assert parallel.error_lines()[0].startswith(str(tmp_path / "t0100.yaml"))


def test_an_unreadable_file_among_many_is_named_as_serially(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _files(tmp_path, fanout.MIN_ITEMS + 50)
    (tmp_path / "t0200.yaml").write_text("spec: [unclosed\n")
    (tmp_path / "t0300.yaml").write_text("spec: {unclosed\n")
    with pytest.raises(loader.LoadError) as parallel:
        loader.load(paths)
    _serial_only(monkeypatch)
    with pytest.raises(loader.LoadError) as serial:
        loader.load(paths)
    assert str(parallel.value) == str(serial.value)
    assert "t0200.yaml" in str(parallel.value)
