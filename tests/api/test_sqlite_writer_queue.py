"""SQLite writers queue on a lock file beside the database (careplan/core/writer_queue.py):
a second writer starts as soon as the first ends, and one held past the busy timeout
fails as SQLite would ("database is locked"), changing nothing."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from careplan import create_app
from careplan.extensions import db


@pytest.fixture
def second_app(app):
    """Another app on the same database file, as a second gunicorn worker would be."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the writer queue is SQLite's")

    def make(busy_ms: int = 5000):
        config = {
            k: app.config[k]
            for k in (
                "SQLALCHEMY_DATABASE_URI",
                "INSTANCE_PATH",
                "AUDIT_KEY_FILE",
                "DATA_KEYS_FILE",
            )
        }
        return create_app({**config, "TESTING": True, "SQLITE_BUSY_MS": busy_ms})

    db.session.remove()
    return make


def _agency_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM agency")).scalar_one()


def test_a_second_writer_starts_when_the_first_commits(app, second_app):
    other = second_app()
    engine = db.engine
    events: list[str] = []
    first_began = threading.Event()

    def first_writer() -> None:
        with engine.begin() as conn:
            first_began.set()
            conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
            threading.Event().wait(0.3)
            events.append("first committing")
        events.append("first done")

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert first_began.wait(10)
    with other.app_context(), db.engine.begin() as conn:
        events.append("second began")
        conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
    thread.join(10)
    assert events == ["first committing", "first done", "second began"]


def test_a_writer_held_too_long_fails_cleanly_and_changes_nothing(app, second_app):
    impatient = second_app(busy_ms=200)
    engine = db.engine
    before = _agency_count(engine)
    holder = engine.connect()
    holder.begin()
    try:
        with impatient.app_context():
            with pytest.raises(OperationalError) as raised, db.engine.begin() as conn:
                conn.execute(text("DELETE FROM agency"))
            assert isinstance(raised.value.orig, sqlite3.OperationalError)
            assert "database is locked" in str(raised.value.orig)
    finally:
        holder.rollback()
        holder.close()
    assert _agency_count(engine) == before
    # Once the holder has gone, the same app writes at once.
    with impatient.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))


def test_a_rolled_back_writer_leaves_the_queue(app, second_app):
    impatient = second_app(busy_ms=200)
    # The queue is left when the connection goes back to the pool, as a request's does.
    with db.engine.connect() as conn:
        conn.begin()
        conn.execute(text("DELETE FROM agency"))
        conn.rollback()
    assert _write_with(impatient) is None


def test_writers_queue_on_the_lock_file_beside_the_database(app, second_app):
    impatient = second_app(busy_ms=200)
    database = db.engine.url.database
    lock_file = Path(f"{database}-writer.lock")
    _agency_count(db.engine)  # a first connection makes the file
    assert lock_file.exists()
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600
    # Another process's writer holds its place in the queue (SQLite's own lock is free).
    fd = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with (
            impatient.app_context(),
            pytest.raises(OperationalError),
            db.engine.begin() as conn,
        ):
            conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
        fcntl.flock(fd, fcntl.LOCK_UN)
        with impatient.app_context(), db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
    finally:
        os.close(fd)


def _write_with(other) -> OperationalError | None:
    """Write through another app on the same database; the error, or None."""
    try:
        with other.app_context(), db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
    except OperationalError as exc:
        return exc
    return None


def _held_elsewhere_then_write(engine, impatient) -> OperationalError | None:
    """Try to write while another connection holds the queue; the error, or None."""
    holder = engine.connect()
    holder.begin()
    try:
        return _write_with(impatient)
    finally:
        holder.rollback()
        holder.close()


@contextlib.contextmanager
def _alarm_unused():
    """As in a gunicorn worker: nothing else using SIGALRM (pytest-timeout does, so its
    handler and timer are put aside for the test and restored after)."""
    handler = signal.getsignal(signal.SIGALRM)
    remaining, interval = signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, handler)
        if remaining:
            signal.setitimer(signal.ITIMER_REAL, remaining, interval)


def test_a_main_thread_wait_times_out_and_leaves_no_timer_behind(app, second_app):
    # A gunicorn worker's requests run in the main thread: it waits in the kernel with an
    # interval timer for the busy timeout, and puts the signal handling back as it was.
    impatient = second_app(busy_ms=150)
    with _alarm_unused():
        failed = _held_elsewhere_then_write(db.engine, impatient)
        assert failed is not None
        assert "database is locked" in str(failed.orig)
        assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        with impatient.app_context(), db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_main_thread_waiter_is_woken_when_the_lock_is_released(app, second_app):
    other = second_app()
    engine = db.engine
    bump = text("UPDATE audit_head SET checkpoint_seq = checkpoint_seq + 1000 WHERE id = 1")
    read = text("SELECT checkpoint_seq FROM audit_head WHERE id = 1")
    with engine.connect() as conn:
        before = conn.execute(read).scalar_one()
    holding = threading.Event()

    def holder() -> None:
        with engine.begin() as conn:
            conn.execute(bump)
            holding.set()
            threading.Event().wait(0.2)

    with _alarm_unused():
        thread = threading.Thread(target=holder)
        thread.start()
        assert holding.wait(10)
        with other.app_context(), db.engine.begin() as conn:
            # Began only once the holder had committed: its change is there to see.
            assert conn.execute(read).scalar_one() == before + 1000
            conn.execute(
                text("UPDATE audit_head SET checkpoint_seq = :v WHERE id = 1"), {"v": before}
            )
        thread.join(10)
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_writer_in_another_thread_polls_and_times_out_the_same(app, second_app):
    impatient = second_app(busy_ms=150)
    engine = db.engine
    outcome: list[OperationalError | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(_held_elsewhere_then_write(engine, impatient))
    )
    thread.start()
    thread.join(10)
    assert len(outcome) == 1
    assert outcome[0] is not None
    assert "database is locked" in str(outcome[0].orig)


def test_a_writer_leaves_the_queue_as_it_commits(app, second_app):
    # Not only when its connection goes back to the pool: the next writer need not wait
    # for what SQLAlchemy does after a commit.
    impatient = second_app(busy_ms=150)
    with db.engine.connect() as conn:
        conn.begin()
        conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
        conn.commit()
        # This connection is still checked out, and the other app writes at once.
        assert _write_with(impatient) is None


def test_a_failed_commit_keeps_its_place_until_rolled_back_and_changes_nothing(app, second_app):
    impatient = second_app(busy_ms=150)
    accounts = text("SELECT count(*) FROM user_account")
    with db.engine.connect() as conn:
        before = conn.execute(accounts).scalar_one()
    with db.engine.connect() as conn:
        conn.begin()
        # A deferred foreign key check fails at COMMIT, leaving the transaction open.
        conn.execute(text("PRAGMA defer_foreign_keys = ON"))
        conn.execute(
            text(
                "INSERT INTO user_account (id, kind, email, name, agency_id, roles, active,"
                " created_at) VALUES (:id, 'staff', 'nobody@example.org', 'Nobody', :missing,"
                " '[]', 1, '2026-01-01 00:00:00')"
            ),
            {"id": "1" * 32, "missing": "0" * 32},
        )
        with pytest.raises(IntegrityError) as failed:
            conn.commit()
        assert "FOREIGN KEY" in str(failed.value.orig)
        # The failed writer still holds the queue: nobody writes over its open transaction.
        assert _write_with(impatient) is not None
        conn.rollback()
    with db.engine.connect() as conn:
        assert conn.execute(accounts).scalar_one() == before
    assert _write_with(impatient) is None
