"""Worlds built once and copied: a test that starts from a built world gets a copy of it.

Building a world through the factories (agencies, staff, people, plans, consents) costs
far more than the test that uses it. So a world is built once per session, by the first
test that asks for it, and saved; every later test that asks for it on a database still
as empty as the schema gets the saved copy put in place instead:
- SQLite: the database file, copied (SQLite's backup API) once the world is committed,
  and copied back over the test's file with the engine's connections closed;
- PostgreSQL: each table's rows (COPY ... TO STDOUT), put back with COPY ... FROM STDIN
  into the emptied tables, triggers off as when emptying them (tests/conftest.py).
Sealed values open in the copy because every test of a session shares the same key files
(tests/conftest.py copies them into each test's instance folder).

A test that has written anything before asking for the world builds it as before.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import text

from careplan.extensions import db

T = TypeVar("T")

# Rows a database holds straight after the schema is made (tests/conftest.py).
_SCHEMA_ROWS = {"audit_head": 1}


@dataclasses.dataclass
class _Saved:
    data: Any  # SQLite: the file's path; PostgreSQL: {table: COPY text}
    sequences: dict[str, int]  # PostgreSQL sequences' last values
    kind: type  # the world's dataclass
    ids: dict[str, tuple[type, Any]]  # each field of the world: its model and primary key


_saved: dict[tuple[Any, ...], _Saved] = {}
_folder: list[Path] = []


def use_folder(folder: Path) -> None:
    """Where the saved SQLite files go (a session's temporary folder)."""
    _folder[:] = [folder]


def built_once(name: str, build: Callable[[], T]) -> T:
    """`build()`'s world, or, on a database still as the schema left it, a copy of the
    world it built the first time. `build` commits what it makes and returns None or a
    dataclass of model objects (given back reloaded and expired, as after its commit)."""
    key = (name, db.engine.dialect.name, _catalogue())
    if not _untouched():
        return build()
    saved = _saved.get(key)
    if saved is None:
        world = build()
        _saved[key] = _save(world)
        return world
    _restore(saved)
    if saved.kind is type(None):
        return None  # type: ignore[return-value]
    session = db.session
    loaded = {field: session.get(model, pk) for field, (model, pk) in saved.ids.items()}
    session.expire_all()
    return saved.kind(**loaded)


def _catalogue() -> tuple[str, ...]:
    return tuple(current_app.extensions["careplan.catalogue"].keys())


def _tables() -> list[str]:
    return [t.name for t in db.metadata.sorted_tables]


def _untouched() -> bool:
    """Whether the database holds only what the schema put there."""
    counts = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in _tables())
    with db.engine.connect() as conn:
        rows = {t: n for t, n in conn.execute(text(counts))}
    return all(rows[t] == _SCHEMA_ROWS.get(t, 0) for t in rows)


def _save(world: Any) -> _Saved:
    ids: dict[str, tuple[type, Any]] = {}
    for field in dataclasses.fields(world) if world is not None else ():
        obj = getattr(world, field.name)
        ids[field.name] = (type(obj), db.inspect(obj).identity)
    if db.engine.dialect.name == "sqlite":
        folder = _folder[0] if _folder else Path(current_app.instance_path)
        copy = folder / f"world-{len(_saved)}.sqlite"
        source = sqlite3.connect(db.engine.url.database)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return _Saved(copy, {}, type(world), ids)
    tables: dict[str, bytes] = {}
    with db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        with driver.cursor() as cursor:
            for table in _tables():
                # A query, not the table: COPY cannot read a partitioned table (audit_event).
                with cursor.copy(f"COPY (SELECT * FROM {table}) TO STDOUT") as copy:
                    tables[table] = b"".join(bytes(chunk) for chunk in copy)
        found = conn.execute(
            text("SELECT sequencename, last_value FROM pg_sequences WHERE last_value IS NOT NULL")
        )
        sequences = {name: value for name, value in found}
        conn.rollback()
    return _Saved(tables, sequences, type(world), ids)


def _restore(saved: _Saved) -> None:
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        database = db.engine.url.database
        db.engine.dispose()
        for leftover in (f"{database}-wal", f"{database}-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        shutil.copyfile(saved.data, database)
        return
    with db.engine.connect() as conn:
        conn.execute(text("SET lock_timeout = '20s'"))
        conn.execute(text("SET session_replication_role = replica"))
        for table in _tables():
            conn.execute(text(f"DELETE FROM {table}"))
        driver = conn.connection.driver_connection
        with driver.cursor() as cursor:
            for table, rows in saved.data.items():
                if rows:
                    with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                        copy.write(rows)
        for sequence, value in saved.sequences.items():
            conn.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": value})
        conn.execute(text("SET session_replication_role = DEFAULT"))
        conn.execute(text("RESET lock_timeout"))
        conn.commit()
