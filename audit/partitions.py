"""`audit_event` partitioned by month on PostgreSQL (declarative range partitioning).

The partition key is the record's time, `occurred_at`, stored as ISO 8601 UTC text
(audit.stored), whose order is the order of time; each month is the range
`['YYYY-MM-01T00:00:00.000000', next month)`, in a table named `audit_event_yYYYYmMM`.
A DEFAULT partition (`audit_event_default`) catches any record whose month has no
partition yet, so an insert never fails; `ensure` (run by `flask audit partitions`, a
scheduled job, and when the table is made) creates the coming months and moves anything
the DEFAULT partition holds into its month, and every listing reports rows found there.

The primary key is `(seq, occurred_at)`, as PostgreSQL requires the partition key in it;
the chain, its sequence numbers and hashes are unchanged (the writer takes the next
number from `audit_head`, locked, so a number is still never used twice, and
verification would find a repeated or missing one). The append-only triggers are made
on the partitioned table and PostgreSQL clones them onto every partition.

SQLite has no partitioning: every function here returns without doing anything there.
All statements take names made here from numbers, never input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

TABLE = "audit_event"
DEFAULT = "audit_event_default"
# Months made ahead of the current one, so an insert at the turn of a month (and during a
# month in which the job did not run) lands in its own partition.
AHEAD = 3
# "... on audit_event_y2026m01 ..." in a plan line: a partition read (index names differ).
_SCANNED = re.compile(rf" on ({TABLE}_(?:y\d{{4}}m\d{{2}}|default))\b")


@dataclass(frozen=True)
class Partition:
    """One month's partition: `name`, its `year` and `month`, and its row count (-1 when
    not counted)."""

    name: str
    year: int
    month: int
    rows: int


def name_of(year: int, month: int) -> str:
    return f"{TABLE}_y{year:04d}m{month:02d}"


def month_start(year: int, month: int) -> str:
    """The stored text of the first instant of a month (audit.stored.time_text)."""
    return f"{year:04d}-{month:02d}-01T00:00:00.000000"


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def months_from(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """`count` months starting with (year, month)."""
    found = []
    for _ in range(count):
        found.append((year, month))
        year, month = next_month(year, month)
    return found


def applies(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def is_partitioned(connection: Connection) -> bool:
    """Whether `audit_event` is a partitioned table (False on SQLite)."""
    if not applies(connection):
        return False
    kind = connection.execute(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": TABLE}
    ).scalar()
    return kind == "p"


def _create_month(connection: Connection, year: int, month: int) -> None:
    start, end = month_start(year, month), month_start(*next_month(year, month))
    connection.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {name_of(year, month)} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{start}') TO ('{end}')"
    )


def convert(connection: Connection, now: datetime, ahead: int = AHEAD) -> int:
    """Make an ordinary `audit_event` a partitioned one, in the caller's transaction:
    a new partitioned table with a partition for every month that holds records and the
    coming months, every row moved into its month, the indexes (by their definitions),
    grants and append-only triggers made again, the old table dropped. Returns the
    number of rows moved; 0 and nothing done on SQLite or if already partitioned.
    `audit_event` has no sequence of its own (numbers come from `audit_head`), so there
    is none to keep; no other table refers to it by foreign key."""
    if not applies(connection) or is_partitioned(connection):
        return 0
    from audit.models import append_only_statements

    connection.exec_driver_sql(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    indexes = [
        row[0]
        for row in connection.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = :t AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:t))"
            ),
            {"t": TABLE},
        )
    ]
    grants = connection.execute(
        text(
            "SELECT grantee, privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = :t AND grantee <> current_user"
        ),
        {"t": TABLE},
    ).all()
    months = [
        (int(r[0][:4]), int(r[0][5:7]))
        for r in connection.exec_driver_sql(
            f"SELECT DISTINCT substr(occurred_at, 1, 7) FROM {TABLE} ORDER BY 1"  # noqa: S608
        )
    ]
    key = _primary_key(connection) or f"pk_{TABLE}"
    connection.exec_driver_sql(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_unpartitioned")
    connection.exec_driver_sql(
        f"ALTER TABLE {TABLE}_unpartitioned RENAME CONSTRAINT {key} TO {key}_unpartitioned"
    )
    for statement in (
        f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}_unpartitioned",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}_unpartitioned",
    ):
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(
        f"CREATE TABLE {TABLE} (LIKE {TABLE}_unpartitioned INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) "
        "PARTITION BY RANGE (occurred_at)"
    )
    # The partition key must be part of the primary key (PostgreSQL's rule).
    connection.exec_driver_sql(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {key} PRIMARY KEY (seq, occurred_at)"
    )
    wanted = sorted(set(months) | set(months_from(now.year, now.month, ahead + 1)))
    for year, month in wanted:
        _create_month(connection, year, month)
    connection.exec_driver_sql(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
    moved = connection.exec_driver_sql(
        f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_unpartitioned"  # noqa: S608 - fixed names
    ).rowcount
    for statement in indexes:
        # Read before the rename, so each names `audit_event`, now the new table; the
        # old index goes first, so the name is kept.
        connection.exec_driver_sql(f"DROP INDEX {_index_name(statement)}")
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(f"DROP TABLE {TABLE}_unpartitioned")
    for grantee, privilege in grants:
        connection.exec_driver_sql(f'GRANT {privilege} ON {TABLE} TO "{grantee}"')
    for statement in append_only_statements("postgresql"):
        connection.exec_driver_sql(statement)
    return moved


def _primary_key(connection: Connection) -> str | None:
    return connection.execute(
        text(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:t) AND contype = 'p'"
        ),
        {"t": TABLE},
    ).scalar()


def _index_name(definition: str) -> str:
    """The name in `CREATE [UNIQUE] INDEX name ON ...` (pg_indexes.indexdef)."""
    match = re.match(r"CREATE (?:UNIQUE )?INDEX (\S+) ON ", definition)
    if match is None:
        raise ValueError("not an index definition")
    return match.group(1)


def unconvert(connection: Connection) -> None:
    """The migration's downgrade: an ordinary table again, rows and indexes kept."""
    if not is_partitioned(connection):
        return
    from audit.models import append_only_statements

    indexes = [
        row[0]
        for row in connection.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = :t AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:t))"
            ),
            {"t": TABLE},
        )
    ]
    key = _primary_key(connection) or f"pk_{TABLE}"
    connection.exec_driver_sql(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_partitioned")
    connection.exec_driver_sql(
        f"ALTER TABLE {TABLE}_partitioned RENAME CONSTRAINT {key} TO {key}_partitioned"
    )
    connection.exec_driver_sql(
        f"CREATE TABLE {TABLE} (LIKE {TABLE}_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    connection.exec_driver_sql(f"ALTER TABLE {TABLE} ADD CONSTRAINT {key} PRIMARY KEY (seq)")
    connection.exec_driver_sql(
        f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_partitioned"  # noqa: S608 - fixed names
    )
    for statement in indexes:
        connection.exec_driver_sql(f"DROP INDEX {_index_name(statement)}")
        connection.exec_driver_sql(statement.replace(" ON ONLY ", " ON "))
    connection.exec_driver_sql(f"DROP TABLE {TABLE}_partitioned")
    for statement in append_only_statements("postgresql"):
        connection.exec_driver_sql(statement)


def listing(connection: Connection, counted: bool = False) -> list[Partition]:
    """Every month partition, oldest first. `counted`: with each one's exact row count
    (reads every partition: for tests and the benchmark, never a scrape); otherwise
    `rows` is -1."""
    if not is_partitioned(connection):
        return []
    names = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:t) ORDER BY c.relname"
        ),
        {"t": TABLE},
    ).scalars()
    found = []
    for name in names:
        if name == DEFAULT:
            continue
        rows = (
            int(connection.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar() or 0)  # noqa: S608
            if counted
            else -1
        )
        found.append(Partition(name, int(name[-7:-3]), int(name[-2:]), rows))
    return found


def default_rows(connection: Connection) -> int:
    """Records in the DEFAULT partition: 0 unless a month had no partition when they were
    written (then `ensure` moves them); always 0 on SQLite."""
    if not is_partitioned(connection):
        return 0
    return int(connection.exec_driver_sql(f"SELECT count(*) FROM {DEFAULT}").scalar() or 0)  # noqa: S608


def ensure(connection: Connection, now: datetime, ahead: int = AHEAD) -> list[str]:
    """Create the partitions of this month and the next `ahead`, and of any month whose
    records sit in the DEFAULT partition (moved into it, in the caller's transaction:
    the DEFAULT partition is detached, the month made, its rows copied, deleted from
    DEFAULT with the append-only trigger off for that one statement, and DEFAULT attached
    again). Returns the names of the partitions made. Nothing on SQLite."""
    if not is_partitioned(connection):
        return []
    existing = {p.name for p in listing(connection)}
    stranded = [
        (int(r[0][:4]), int(r[0][5:7]))
        for r in connection.exec_driver_sql(
            f"SELECT DISTINCT substr(occurred_at, 1, 7) FROM {DEFAULT}"  # noqa: S608
        )
    ]
    made = []
    if stranded:
        connection.exec_driver_sql(f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT}")
        connection.exec_driver_sql(f"ALTER TABLE {DEFAULT} DISABLE TRIGGER USER")
        for year, month in sorted(stranded):
            name = name_of(year, month)
            if name not in existing:
                _create_month(connection, year, month)
                made.append(name)
            start, end = month_start(year, month), month_start(*next_month(year, month))
            where = f"occurred_at >= '{start}' AND occurred_at < '{end}'"
            connection.exec_driver_sql(
                f"INSERT INTO {TABLE} SELECT * FROM {DEFAULT} WHERE {where}"  # noqa: S608
            )
            connection.exec_driver_sql(f"DELETE FROM {DEFAULT} WHERE {where}")  # noqa: S608
        connection.exec_driver_sql(f"ALTER TABLE {DEFAULT} ENABLE TRIGGER USER")
        connection.exec_driver_sql(f"ALTER TABLE {TABLE} ATTACH PARTITION {DEFAULT} DEFAULT")
        existing |= set(made)
    for year, month in months_from(now.year, now.month, ahead + 1):
        if name_of(year, month) not in existing:
            _create_month(connection, year, month)
            made.append(name_of(year, month))
    return made


def drop_year(connection: Connection, year: int) -> list[str]:
    """Detach and drop the twelve month partitions of `year` (those that exist); the
    caller has written their records to an archive and holds the transaction."""
    dropped = []
    for p in listing(connection):
        if p.year == year:
            connection.exec_driver_sql(f"ALTER TABLE {TABLE} DETACH PARTITION {p.name}")
            connection.exec_driver_sql(f"DROP TABLE {p.name}")
            dropped.append(p.name)
    return dropped


def year_in_default(connection: Connection, year: int) -> int:
    """Records of `year` held in the DEFAULT partition (0 on SQLite)."""
    if not is_partitioned(connection):
        return 0
    start, end = month_start(year, 1), month_start(year + 1, 1)
    return int(
        connection.execute(
            text(f"SELECT count(*) FROM {DEFAULT} WHERE occurred_at >= :s AND occurred_at < :e"),  # noqa: S608
            {"s": start, "e": end},
        ).scalar()
        or 0
    )


def scanned(plan: list[str]) -> list[str]:
    """The partitions a query plan (EXPLAIN's text lines) reads, in order of mention."""
    found: list[str] = []
    for line in plan:
        for word in _SCANNED.findall(line):
            if word not in found:
                found.append(word)
    return found


def explain(connection: Connection, statement: Any) -> list[str]:
    """EXPLAIN of a SQLAlchemy statement with its values inline (as the planner sees a
    request's bound values), one line a row."""
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    return [r[0] for r in connection.exec_driver_sql("EXPLAIN " + sql)]
