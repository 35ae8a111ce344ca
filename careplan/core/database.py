"""Database connection behaviour that the schema cannot express."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

from careplan.core import prepared, unproxied, writer_queue
from careplan.extensions import db

# Execution option of a connection that only reads (see `reading`).
READ_ONLY = "careplan_read_only"
_READER = "careplan.read_only_engine"
_LOCKS_FROM_BEGIN = "careplan.write_lock_from_begin"
# A pooled connection last handed back less than this long ago is lent again untested
# (`_configure_postgresql`): HikariCP's `aliveBypassWindowMs`, 500 ms by default.
PING_AFTER_IDLE_SECONDS = 0.5
_RETURNED = "careplan_returned_at"


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    database = engine.url.database or ""
    # A file database queues its writers (see writer_queue); in-memory ones have one user.
    queue = writer_queue.lock_path(database) if database not in ("", ":memory:") else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy's "begin" event start transactions itself (pysqlite's own
        # implicit BEGIN is deferred, which fails with "database is locked" on upgrade).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Overwritten and deleted content is zeroed, not left readable in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        if queue is not None:
            writer_queue.open_for(record.info, queue)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # BEGIN goes straight to the driver: through SQLAlchemy's execution layer it
        # costs more than the statement, and the write lock is held from here.
        driver = connection.connection.driver_connection
        if connection.get_execution_options().get(READ_ONLY):
            driver.execute("BEGIN")
            return
        # Every request writes an audit record, so take the write lock up front: writers
        # then queue instead of failing half-way through.
        info = connection.connection.info
        try:
            writer_queue.acquire(info, busy_ms / 1000)
        except sqlite3.OperationalError as exc:
            # Raised as SQLAlchemy raises SQLite's own "database is locked".
            raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
        try:
            driver.execute("BEGIN IMMEDIATE")
        except Exception as exc:
            writer_queue.release(info)
            if isinstance(exc, sqlite3.OperationalError):
                raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
            raise

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:
        # Commit at the driver and leave the queue at once: what SQLAlchemy does after a
        # commit (expiring the session's objects, returning the connection to the pool)
        # need not keep the next writer waiting. The driver commit SQLAlchemy then makes
        # finds no transaction open and does nothing.
        info = connection.connection.info
        if not writer_queue.holds(info):
            return
        try:
            connection.connection.driver_connection.commit()
        except sqlite3.Error as exc:
            # Raised as SQLAlchemy raises a failed commit (a deferred foreign key check
            # is an IntegrityError). The queue is still held: the rollback that follows
            # releases it.
            raise DBAPIError.instance(
                "COMMIT", None, exc, sqlite3.Error, dialect=connection.dialect
            ) from exc
        writer_queue.release(info)

    # Otherwise the queue is left when the connection goes back to the pool: by then the
    # transaction has been committed or rolled back.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        writer_queue.release(record.info)

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection: Any, record: Any) -> None:
        writer_queue.close(record.info)


def _configure_postgresql(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before lending it only if it has sat idle.

    SQLAlchemy's `pool_pre_ping` tests every connection it lends: one round trip more on
    every request (the app's CPU paid about 70 microseconds for each, and PostgreSQL as
    much again). A connection handed back less than `idle_seconds` ago was working then;
    one idle longer may have been closed by a server that restarted or failed over, so it
    is tested (SQLAlchemy's dialect ping), and if it has gone the pool replaces it and
    tries again (raising `DisconnectionError` from the "checkout" event: SQLAlchemy's
    documented pessimistic disconnect handling). A connection lost within the window
    fails its request with the designed 503, and SQLAlchemy then drops every connection
    made before the loss, so the next requests start on new ones (tests/faults)."""
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def _made(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is not None and time.monotonic() - returned < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError("connection lost while idle in the pool") from exc
            raise
        record.info[_RETURNED] = time.monotonic()


def _send_last_with_commit(engine: Engine) -> None:
    """PostgreSQL: a transaction's last statement goes with its COMMIT, in one pipeline
    (`Prepared.execute_with_commit`); one run before the commit is sent first (by a
    prepared statement itself, by SQLAlchemy's here); a rollback or a check-in drops it."""

    @event.listens_for(engine, "commit")
    def _commit(connection: Connection) -> None:
        prepared.send_with_commit(connection)

    @event.listens_for(engine, "rollback")
    def _rollback(connection: Connection) -> None:
        # An invalidated connection's record starts afresh (its info cleared) on reuse.
        if not connection.invalidated:
            prepared.drop_waiting(connection.info)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        prepared.drop_waiting(record.info)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: Connection, *_args: Any) -> None:
        prepared.send_waiting(connection)


def holds_write_lock_from_begin() -> bool:
    """SQLite: a request's transaction holds the database's write lock from its start."""
    return bool(unproxied.app().extensions[_LOCKS_FROM_BEGIN])


@contextlib.contextmanager
def reading() -> Iterator[Connection]:
    """A connection of its own that only reads, outside the request's transaction: on
    SQLite it neither queues for nor takes the write lock. For what a request checks
    before it starts (its credentials), with prepared statements (careplan.core.prepared),
    each of which reads one consistent snapshot."""
    with unproxied.app().extensions[_READER].connect() as connection:
        yield connection


def read_only_engine() -> Engine:
    """The engine of `reading`: its connections begin a plain (on SQLite deferred, so
    lock-free) transaction. Shares the request engine's pool."""
    return unproxied.app().extensions[_READER]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, app.config["SQLITE_BUSY_MS"])
        elif engine.dialect.name == "postgresql":
            _configure_postgresql(engine, PING_AFTER_IDLE_SECONDS)
            _send_last_with_commit(engine)
        app.extensions[_LOCKS_FROM_BEGIN] = engine.dialect.name == "sqlite"
        # Made once: each `execution_options` call builds a new engine proxy.
        app.extensions[_READER] = engine.execution_options(**{READ_ONLY: True})
