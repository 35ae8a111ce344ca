"""bench.verify_bench counts the CPU of a whole process tree, worker processes that have
already ended included (no timings are asserted)."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

from bench.verify_bench import tree_cpu


def _process(proc: Path, pid: int, ppid: int, ticks: tuple[int, int, int, int]) -> None:
    """A /proc/PID/stat: utime, stime, cutime, cstime are fields 14 to 17."""
    folder = proc / str(pid)
    folder.mkdir(parents=True)
    fields = ["S", str(ppid), *["0"] * 9, *map(str, ticks), *["0"] * 37]
    (folder / "stat").write_text(f"{pid} (python3 (worker)) {' '.join(fields)}\n")


def test_a_tree_is_its_processes_and_the_children_they_reaped(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    hz = os.sysconf("SC_CLK_TCK")
    _process(proc, 100, 1, (10, 5, 300, 20))  # reaped workers: 320 ticks
    _process(proc, 101, 100, (40, 10, 0, 0))  # the fork server
    _process(proc, 102, 101, (200, 50, 0, 0))  # a worker still running
    _process(proc, 103, 1, (900, 90, 0, 0))  # someone else's
    (proc / "self").mkdir()
    assert tree_cpu(100, proc) * hz == 10 + 5 + 320 + 50 + 250
    assert tree_cpu(102, proc) * hz == 250
    assert tree_cpu(None, proc) == 0.0


def _burn(seconds: float) -> None:
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


def test_the_cpu_of_a_worker_that_has_ended_is_counted() -> None:
    before = tree_cpu(os.getpid())
    worker = multiprocessing.get_context("spawn").Process(target=_burn, args=(0.3,))
    worker.start()
    worker.join()
    assert tree_cpu(os.getpid()) - before >= 0.3
