"""SQLite: one writing transaction at a time across processes, handed on without delay.

Every request writes an audit record, so every request's transaction is a writer and
takes SQLite's write lock (BEGIN IMMEDIATE). A writer that finds the lock taken waits in
SQLite's busy handler, which sleeps in growing steps (1, 2, 5, 10 ... 100 ms) whatever
the holder's actual time: with two gunicorn workers each spent most of its time asleep
while the lock stood free. Queueing on an advisory file lock beside the database first
means a waiting writer starts within a fraction of a millisecond of the lock's release.
SQLite's own lock still guards the data (other tools, a held lock past its timeout).
A gunicorn worker (the main thread) waits in the kernel, woken as the lock is released;
other threads poll every 50 microseconds.

SQLite only (the embedded default: development, single-host installs and the SQLite
benchmark); on PostgreSQL, production, nothing here runs. Ours, not a library's: the
maintained cross-process file lock (filelock) waits by polling with sleeps, which is the
very delay this exists to avoid, and it refuses a lock inherited across fork; SQLAlchemy
and SQLite offer only the busy handler above.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sqlite3
import threading
import time
from typing import Any

_FD = "careplan.writer_queue.fd"
_HELD = "careplan.writer_queue.held"
# Short polls while a request's worth of time passes (the next writer starts within
# 50 microseconds of the release), then polls a millisecond apart for a long holder.
_SHORT_PAUSE = 0.00005
_SHORT_WAIT = 0.01
_LONG_PAUSE = 0.001


def lock_path(database: str) -> str:
    return f"{database}-writer.lock"


def open_for(record_info: dict[str, Any], path: str) -> None:
    """Give a new pooled connection its own descriptor: locks taken through different
    descriptors exclude each other, between threads as between processes."""
    if _FD not in record_info:
        record_info[_FD] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def acquire(record_info: dict[str, Any], timeout_s: float) -> None:
    """Wait for the queue, up to the busy timeout; then fail as SQLite itself would."""
    fd = record_info.get(_FD)
    if fd is None or record_info.get(_HELD):
        return
    if not _try(fd) and not _wait(fd, timeout_s):
        raise sqlite3.OperationalError("database is locked")
    record_info[_HELD] = True


def _try(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait(fd: int, timeout_s: float) -> bool:
    """The main thread (a gunicorn worker's) sleeps in the kernel until the lock is free,
    woken at once on release, with an interval timer for the timeout; other threads, or a
    process whose timer is in use, poll."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    ):
        return _wait_in_kernel(fd, timeout_s)
    return _poll(fd, timeout_s)


class _TimedOut(Exception):
    pass


# Whether the main thread is blocked waiting: the timer raises only then, so a signal that
# lands after the lock was taken and the wait marked over does nothing.
_waiting = {"now": False}


def _expired(_signum: int, _frame: Any) -> None:
    if _waiting["now"]:
        raise _TimedOut


def _wait_in_kernel(fd: int, timeout_s: float) -> bool:
    signal.signal(signal.SIGALRM, _expired)
    try:
        _waiting["now"] = True
        signal.setitimer(signal.ITIMER_REAL, max(timeout_s, 0.001))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        finally:
            _waiting["now"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _TimedOut:
        # The timer fired while waiting, or just as the lock was taken: a non-blocking
        # try on the same descriptor succeeds in the second case only, so no lock leaks.
        _waiting["now"] = False
        return _try(fd)
    finally:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    return True


def _poll(fd: int, timeout_s: float) -> bool:
    started = time.monotonic()
    while True:
        waited = time.monotonic() - started
        if waited >= timeout_s:
            return False
        time.sleep(_SHORT_PAUSE if waited < _SHORT_WAIT else _LONG_PAUSE)
        if _try(fd):
            return True


def holds(record_info: dict[str, Any]) -> bool:
    return bool(record_info.get(_HELD))


def release(record_info: dict[str, Any]) -> None:
    fd = record_info.get(_FD)
    if fd is not None and record_info.pop(_HELD, False):
        fcntl.flock(fd, fcntl.LOCK_UN)


def close(record_info: dict[str, Any]) -> None:
    release(record_info)
    fd = record_info.pop(_FD, None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
