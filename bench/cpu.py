"""CPU time of server processes, read from /proc, for "CPU per request" under load.

A gunicorn master forks its workers; the workers do the requests. Their CPU time (user
plus system, `utime` and `stime` in /proc/PID/stat, in clock ticks) is read before and
after a wrk run, and the difference divided by the requests wrk completed in that window.
Unlike throughput, this barely moves when the two shared cores are busy with something
else (wrk included): it is what a request costs, not how many fit in a second.

The same reading of a PostgreSQL postmaster's children gives the database server's CPU
per request (SQLite's work is inside the workers already).

Every function takes the /proc root as an argument, so the tests run on a fake tree.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def clock_ticks() -> int:
    """Clock ticks a second, the unit of utime and stime (100 on Linux as a rule)."""
    return os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Stat:
    pid: int
    ppid: int
    utime: int  # ticks
    stime: int  # ticks

    @property
    def ticks(self) -> int:
        return self.utime + self.stime


def parse_stat(text: str) -> Stat:
    """One /proc/PID/stat line. The command name (field 2) is in parentheses and may hold
    spaces and parentheses itself, so the fields are counted from its last ')'."""
    head, _, tail = text.rpartition(")")
    pid = int(head.split("(", 1)[0])
    fields = tail.split()  # fields[0] is field 3 (state)
    return Stat(pid=pid, ppid=int(fields[1]), utime=int(fields[11]), stime=int(fields[12]))


def read_stat(pid: int, proc: Path = PROC) -> Stat | None:
    """None when the process has gone (or never was)."""
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return None


def children(pid: int, proc: Path = PROC) -> list[int]:
    """The live children of `pid`, by the parent field of every process's stat."""
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        stat = read_stat(int(entry.name), proc)
        if stat is not None and stat.ppid == pid:
            found.append(stat.pid)
    return sorted(found)


def ticks_of(pids: list[int], proc: Path = PROC) -> dict[int, int]:
    """utime + stime of each process still alive."""
    out = {}
    for pid in pids:
        stat = read_stat(pid, proc)
        if stat is not None:
            out[pid] = stat.ticks
    return out


@dataclass(frozen=True)
class Snapshot:
    """The CPU ticks of a parent's children at one moment."""

    parent: int
    ticks: dict[int, int]

    @classmethod
    def take(cls, parent: int, proc: Path = PROC) -> Snapshot:
        return cls(parent, ticks_of(children(parent, proc), proc))


def used_seconds(before: Snapshot, after: Snapshot, hz: int) -> float:
    """CPU seconds the children used between two snapshots. A child that appeared in
    between counts from zero (it started in the window); one that is gone by `after` is
    lost, so a caller that cares checks `same_children`."""
    ticks = sum(t - before.ticks.get(pid, 0) for pid, t in after.ticks.items())
    return ticks / hz


def same_children(before: Snapshot, after: Snapshot) -> bool:
    return set(before.ticks) == set(after.ticks)


def speed_probe_ms(loops: int = 1_000_000) -> float:
    """CPU milliseconds this process takes for a fixed piece of pure-Python work. On a
    shared virtual machine a busy neighbour makes the same work cost more CPU time
    (shared caches, hyperthreads, the host's own contention), so CPU per request is
    read beside this: when the probe is slow, every CPU figure in that sweep is too."""
    started = time.process_time()
    total = 0
    for i in range(loops):
        total += i * i % 7
    return round((time.process_time() - started) * 1000, 1)


def ms_per_request(cpu_seconds: float, requests: int) -> float | None:
    """Milliseconds of CPU a request (None when nothing was completed)."""
    if requests <= 0:
        return None
    return round(cpu_seconds * 1000 / requests, 3)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def median(values: list[float | None]) -> float | None:
    """The middle value (the upper middle for an even count, as the rounds' ratio uses)."""
    present = sorted(v for v in values if v is not None)
    return present[len(present) // 2] if present else None
