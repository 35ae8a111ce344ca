"""Hot-path statements: compiled once, run on the transaction's own driver cursor.

Every plan view runs about a dozen statements. Through SQLAlchemy's execution layer each
costs 25 to 50 microseconds of Python before the database sees it; the driver itself
needs about 5 (bench/results/NOTES.md). A `Prepared` statement is a Core statement
compiled once per dialect, with SQLAlchemy's own bind and result processors for its
parameters and columns, so values convert exactly as they do through the ORM. It runs on
the session's connection, inside the session's transaction (same locks, same commit);
driver errors come out as SQLAlchemy's `DBAPIError`s, as from `Session.execute`.

Only what the statement can say with one fixed set of parameters: no expanding IN lists
(compile one statement per list length instead).
"""

from __future__ import annotations

import contextlib
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None
# A session (the statement joins its transaction) or a connection (run as the connection
# stands: on a connection that has not begun, each statement is its own transaction).
Source = Session | scoped_session[Any] | Connection


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter names, in the order a positional driver wants them
    defaults: dict[str, Any]  # values the statement carries itself (a LIMIT, a literal)
    positional: bool
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]
    row: Any  # a namedtuple class, or None for statements that return no rows
    columns: dict[str, int]  # each column label's place in a row
    converting: tuple[tuple[int, Callable[[Any], Any]], ...]  # the columns that convert


class Prepared:
    """A Core statement to run many times with different bound values."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, source: Source, params: Mapping[str, Any]) -> list[Any]:
        """All rows, each a named tuple of the statement's column labels."""
        fetched = self.fetch(source, params)
        return [fetched.convert(row) for row in fetched.raw]

    def fetch(self, source: Source, params: Mapping[str, Any]) -> Fetched:
        """All rows as the driver returned them, converted when asked: for reads made
        under a lock whose values are wanted only after it is released."""
        compiled, cursor = self._run(source, params)
        try:
            raw = cursor.fetchall()
        finally:
            cursor.close()
        return Fetched(compiled, raw)

    def first(self, source: Source, params: Mapping[str, Any]) -> Any:
        """The first row, or None."""
        compiled, cursor = self._run(source, params)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else _convert(compiled, row)

    def execute(self, source: Source, params: Mapping[str, Any]) -> None:
        """Run a statement that returns nothing (an insert or update)."""
        _, cursor = self._run(source, params)
        cursor.close()

    def execute_many(self, source: Source, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement that returns nothing once for each set of values."""
        connection = _connection(source)
        send_waiting(connection)
        compiled = self._compiled(connection.dialect)
        values = [_bound(compiled, row) for row in rows]
        cursor = _driver(connection).cursor()
        try:
            with _wrapped(compiled.sql, values, connection.dialect):
                run_statement(cursor, compiled.sql, values, many=True)
        finally:
            cursor.close()

    def execute_with_commit(self, source: Source, params: Mapping[str, Any]) -> None:
        """Run a statement that returns nothing as its transaction's last, sent with the
        COMMIT. On PostgreSQL it waits on the connection and goes in one pipeline with
        the COMMIT (`send_with_commit`, run by the engine's commit event: one round trip
        for both, where each costs the request a network round trip and the app 60 to
        90 microseconds of CPU); a statement run on the connection before the commit
        sends it first, so the order holds; a rollback drops it. Elsewhere it runs now.
        Its errors are then the commit's, as SQLAlchemy's `DBAPIError`s."""
        connection = _connection(source)
        if connection.dialect.name != "postgresql":
            self.execute(connection, params)
            return
        compiled = self._compiled(connection.dialect)
        waiting = connection.info.setdefault(WITH_COMMIT, [])
        waiting.append((compiled.sql, _bound(compiled, params)))

    def _run(self, source: Source, params: Mapping[str, Any]) -> tuple[_Compiled, Any]:
        connection = _connection(source)
        send_waiting(connection)
        compiled = self._compiled(connection.dialect)
        values = _bound(compiled, params)
        cursor = _driver(connection).cursor()
        try:
            with _wrapped(compiled.sql, values, connection.dialect):
                run_statement(cursor, compiled.sql, values)
        except BaseException:
            cursor.close()
            raise
        return compiled, cursor

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(self.statement, dialect)
        return found


@dataclass(frozen=True)
class Fetched:
    """A prepared statement's rows as the driver returned them."""

    compiled: _Compiled
    raw: list[Any]

    def value(self, row: Sequence[Any], name: str) -> Any:
        """One column of a raw row, converted."""
        index = self.compiled.columns[name]
        value, process = row[index], self.compiled.results[index]
        return value if process is None or value is None else process(value)

    def convert(self, row: Sequence[Any]) -> Any:
        """A raw row as `Prepared.rows` gives it: a named tuple of converted values."""
        return _convert(self.compiled, row)


def rows_together(
    source: Source, batch: Sequence[tuple[Prepared, Mapping[str, Any]]]
) -> list[list[Any]]:
    """`Prepared.rows` of each (statement, values) in `batch`, in order. On PostgreSQL
    they go in one pipeline (psycopg's pipeline mode: sent together, one wait for all
    their results), where each round trip of its own costs the app 60 to 90
    microseconds of CPU on this machine; elsewhere one after another. The statements
    must not depend on each other's results. Errors come out as SQLAlchemy's
    `DBAPIError`s, as from `rows`."""
    connection = _connection(source)
    send_waiting(connection)
    if connection.dialect.name != "postgresql" or len(batch) < 2:
        return [statement.rows(connection, params) for statement, params in batch]
    driver = _driver(connection)
    sent: list[tuple[_Compiled, Any]] = []
    first = batch[0][0]._compiled(connection.dialect)
    try:
        with _wrapped(first.sql, None, connection.dialect), driver.pipeline():
            for statement, params in batch:
                compiled = statement._compiled(connection.dialect)
                cursor = driver.cursor()
                sent.append((compiled, cursor))
                run_statement(cursor, compiled.sql, _bound(compiled, params))
        return [[_convert(compiled, row) for row in cursor.fetchall()] for compiled, cursor in sent]
    finally:
        for _, cursor in sent:
            cursor.close()


# The connection's statements waiting for its COMMIT (`Prepared.execute_with_commit`), in
# the pool record's info: it outlives one checkout, so a rollback or a check-in clears it.
WITH_COMMIT = "careplan_with_commit"


def send_waiting(connection: Connection) -> None:
    """Run now, in order, the statements waiting on `connection` for its COMMIT: another
    statement is about to run on it."""
    info = connection.info
    if WITH_COMMIT not in info:
        return
    dialect = connection.dialect
    for sql, values in info.pop(WITH_COMMIT):
        cursor = _driver(connection).cursor()
        try:
            with _wrapped(sql, values, dialect):
                run_statement(cursor, sql, values)
        finally:
            cursor.close()


def send_with_commit(connection: Connection) -> None:
    """PostgreSQL: the statements waiting on `connection` and its COMMIT in one pipeline
    (one round trip), called as the transaction commits (careplan.core.database). If a
    statement fails the server skips the rest and the COMMIT (the pipeline is aborted):
    the error is raised and the transaction is left to roll back. The driver's own
    commit that follows finds no transaction open and sends nothing (psycopg)."""
    waiting = connection.info.pop(WITH_COMMIT, None)
    if not waiting:
        return
    driver = _driver(connection)
    cursors = []
    try:
        with _wrapped(waiting[0][0], None, connection.dialect), driver.pipeline():
            for sql, values in waiting:
                cursors.append(driver.cursor())
                run_statement(cursors[-1], sql, values)
            cursors.append(driver.cursor())
            run_statement(cursors[-1], "COMMIT", None)
    finally:
        for cursor in cursors:
            cursor.close()


def drop_waiting(info: dict[str, Any]) -> None:
    """Forget the statements waiting for a COMMIT that will not come (a rollback; the
    connection going back to the pool). `info`: the pool record's."""
    info.pop(WITH_COMMIT, None)


def run_statement(cursor: Any, sql: str, values: Any, *, many: bool = False) -> None:
    """The one place a prepared statement reaches the driver (tests count statements here
    as well as through SQLAlchemy's events)."""
    if many:
        cursor.executemany(sql, values)
    else:
        cursor.execute(sql, values)


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("a prepared statement cannot hold an expanding IN list")
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    binds = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    columns = list(getattr(statement, "selected_columns", ()))
    returning = getattr(compiled, "returning", None) or []
    if not columns and returning:
        columns = list(returning)
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    row = namedtuple("Row", [c.key for c in columns], rename=True) if columns else None
    defaults = {
        name: compiled.binds[name].effective_value
        for name in names
        if not compiled.binds[name].required
    }
    return _Compiled(
        compiled.string,
        names,
        defaults,
        bool(compiled.positional),
        binds,
        results,
        row,
        {name: index for index, name in enumerate(row._fields)} if row else {},
        tuple((index, process) for index, process in enumerate(results) if process is not None),
    )


def _bound(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    given = {**compiled.defaults, **params} if compiled.defaults else params
    values = [
        process(given[name]) if process is not None else given[name]
        for name, process in zip(compiled.names, compiled.binds, strict=True)
    ]
    return tuple(values) if compiled.positional else dict(zip(compiled.names, values, strict=True))


def _convert(compiled: _Compiled, row: Sequence[Any]) -> Any:
    if not compiled.converting:
        return compiled.row._make(row)
    values = list(row)
    for index, process in compiled.converting:
        value = values[index]
        if value is not None:
            values[index] = process(value)
    return compiled.row._make(values)


def _connection(source: Source) -> Connection:
    if isinstance(source, Connection):
        return source
    # Begins the session's transaction if this is its first statement, with the same
    # hooks as any other (SQLite's writer queue).
    return source.connection()


def _driver(connection: Connection) -> Any:
    return connection.connection.driver_connection


@contextlib.contextmanager
def _wrapped(sql: str, values: Any, dialect: Dialect) -> Iterator[None]:
    """Driver errors raised as SQLAlchemy raises them (callers catch `DBAPIError`)."""
    base = dialect.loaded_dbapi.Error
    try:
        yield
    except base as exc:
        raise DBAPIError.instance(sql, values, exc, base, dialect=dialect) from exc
