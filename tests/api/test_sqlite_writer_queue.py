"""SQLite writers queue on a lock file beside the database (careplan/core/writer_queue.py):
a second writer starts as soon as the first ends, and one held past the busy timeout
fails as SQLite would ("database is locked"), changing nothing."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

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
    with impatient.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))


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
