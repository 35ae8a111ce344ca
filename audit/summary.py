"""Who touched whom, by UTC day: a summary of the audit log kept by the writer.

The "many people viewed by one actor" report (audit.queries.report) must not read a
week of the log at national scale (10M records: 96,000 records a week, 0.4-0.9 s). Two
tables, both derived from the log and nothing else (audit.models):

- `audit_access_day`: one row a (UTC day, actor, person) for the records of access
  (audit.actions.ACCESS_ACTIONS, any outcome) that name a person, with their count;
- `audit_access_actor_day`: one row a (actor, UTC day), with the number of people
  (rows above) and of records of access.

They are kept by `keep`, called by audit.writer.append in the transaction that appends
the records (after the head row is locked, so appends and summary rows go in one after
another), with upserts (INSERT ... ON CONFLICT) that are also safe if several processes
write the same key. They are not part of the chain: nothing in them is hashed, and
`audit verify` never reads them. A record with no actor counts under actor "".

How the report uses them (`actors_who_may_reach`): an actor who saw at least T people in
a window of k UTC days saw at least T/k of them on one of those days (pigeonhole), and
the sum of their people per day is at least T. Only actors passing both can reach the
threshold; the report then runs its own query on the log for those actors only, so its
answer is the log's, exactly, for any window (mid-day edges, any filters). Its cost
follows the number of actors near the threshold, not the size of the log.

Rebuilding: `rebuild(session, first, last)` (`flask audit rebuild-summary --from --to`)
recomputes the days from the log in the caller's transaction, holding the head lock so
no record is appended meanwhile; running it again gives the same rows. When `flask audit
archive` takes a year out of the log, `drop_year` deletes that year's summary rows in the
same transaction: the summary covers exactly the records the database still holds.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from audit.actions import ACCESS_ACTIONS
from audit.models import AuditAccessActorDay, AuditAccessDay, AuditEvent, AuditHead
from careplan.core import clock
from careplan.core.prepared import Prepared

PEOPLE = AuditAccessDay.__table__
ACTORS = AuditAccessActorDay.__table__
EVENTS = AuditEvent.__table__
NO_ACTOR = ""  # the actor key of records with no actor
LISTED_DAYS = 62  # a report's days named one by one up to this many (actors_query)


def touched(records: Sequence[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    """(UTC day 'YYYY-MM-DD', actor id or "", person id) -> records of access, for the
    stored records `records` (occurred_at as ISO UTC text or a naive UTC datetime)."""
    counted: Counter[tuple[str, str, str]] = Counter()
    for r in records:
        if r["action"] in ACCESS_ACTIONS and r["person_id"] is not None:
            at = r["occurred_at"]
            day = at[:10] if isinstance(at, str) else at.date().isoformat()
            counted[(day, str(r["actor_id"] or NO_ACTOR), str(r["person_id"]))] += 1
    return counted


def keep(connection: Connection, records: Sequence[dict[str, Any]]) -> None:
    """Add `records` (just appended to the log, in this transaction) to the summary.

    Each (day, actor, person) key is upserted (INSERT ... ON CONFLICT DO UPDATE ...
    RETURNING its count), which tells whether it was new even when another transaction
    writes the same key at the same time (PostgreSQL waits for it, then adds to its row);
    the (actor, day) row is upserted with the person if new and the records. Keys go in
    sorted order, so two writers lock rows in the same order. Statements compiled once
    (careplan.core.prepared): this runs on every request."""
    counted = touched(records)
    if not counted:
        return
    add_to_person, add_to_actor = _statements(connection.dialect.name)
    for (day, actor, person), events in sorted(counted.items()):
        key = {"k_day": day, "k_actor": actor, "k_person": person, "k_events": events}
        # The row's count after this upsert: exactly this key's records only when the row
        # is new (a row already there holds at least one record more).
        new = add_to_person.first(connection, key)[0] == events
        add_to_actor.execute(
            connection, {"k_actor": actor, "k_day": day, "k_people": int(new), "k_events": events}
        )


@functools.cache
def _statements(dialect: str) -> tuple[Prepared, Prepared]:
    """The writer's two statements for one key, for PostgreSQL or SQLite: the (day,
    actor, person) row upserted, returning its count after; the (actor, day) row upserted.
    Two round trips a request that names a person, whether its key is new or not."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    add_to_person = _add_to_person(insert, *_key_binds()).returning(PEOPLE.c.events)
    to_actor = insert(ACTORS).values(
        actor_id=bindparam("k_actor"),
        day=bindparam("k_day"),
        people=bindparam("k_people"),
        events=bindparam("k_events"),
    )
    return Prepared(add_to_person), Prepared(_add_to_actor(to_actor))


def _key_binds() -> tuple[Any, Any, Any, Any]:
    """The bound values of one key (`key_values`): day, actor, person, records."""
    return (
        bindparam("k_day", type_=String()),
        bindparam("k_actor", type_=String()),
        bindparam("k_person", type_=String()),
        bindparam("k_events", type_=BigInteger()),
    )


def _add_to_person(insert: Any, day: Any, actor: Any, person: Any, events: Any) -> Any:
    """The (day, actor, person) row inserted, or its count raised by `events`."""
    to_person = insert(PEOPLE).values(day=day, actor_id=actor, person_id=person, events=events)
    return to_person.on_conflict_do_update(
        index_elements=["day", "actor_id", "person_id"],
        set_={"events": PEOPLE.c.events + to_person.excluded.events},
    )


def _add_to_actor(to_actor: Any) -> Any:
    """The (actor, day) row of `to_actor` inserted, or its people and records added."""
    a = ACTORS.c
    return to_actor.on_conflict_do_update(
        index_elements=["actor_id", "day"],
        set_={
            "people": a.people + to_actor.excluded.people,
            "events": a.events + to_actor.excluded.events,
        },
    )


def key_values(day: str, actor: str, person: str, events: int) -> dict[str, Any]:
    """The bound values of one summary key, for `one_key_parts`."""
    return {"k_day": day, "k_actor": actor, "k_person": person, "k_events": events}


@functools.cache
def one_key_parts() -> tuple[Any, Any]:
    """PostgreSQL: what `keep` does for one key, as two data-modifying WITH parts for the
    writer's one-statement append (audit.writer): the (day, actor, person) row upserted,
    returning its count; the (actor, day) row upserted from it, with one person more only
    if that count is exactly this key's records (the row is new). Bound values:
    `key_values`."""
    day, actor, person, events = _key_binds()
    added = _add_to_person(postgresql.insert, day, actor, person, events)
    person_row = added.returning(PEOPLE.c.events).cte("person_day")
    new = case((person_row.c.events == events, 1), else_=0)
    to_actor = postgresql.insert(ACTORS).from_select(
        ["actor_id", "day", "people", "events"],
        select(actor, day, new, events).select_from(person_row),
    )
    return person_row, _add_to_actor(to_actor).cte("actor_day")


def first_day(session: Session) -> date:
    """The UTC day of the log's first record (today when the log is empty)."""
    first = session.execute(select(EVENTS.c.occurred_at).order_by(EVENTS.c.seq).limit(1)).scalar()
    return first.date() if first is not None else clock.now().date()


def _day_text(day: date) -> str:
    return day.isoformat()


def rebuild(session: Session, first: date, last: date) -> tuple[int, int]:
    """Recompute the summary of UTC days `first` to `last` (inclusive) from the log, in
    the caller's transaction (the caller commits): that span's rows deleted, then made
    again by one grouped INSERT ... SELECT each. Holds the head row's lock (FOR UPDATE;
    on SQLite the write lock) so no record is appended meanwhile: what it makes equals
    what the writer would have kept. Idempotent. Returns (people rows, actor rows) made.
    Raises ValueError if `last` is before `first`."""
    if last < first:
        raise ValueError("The last day must not be before the first.")
    connection = session.connection()
    connection.execute(select(AuditHead.__table__.c.seq).with_for_update())
    low, high = _day_text(first), _day_text(last)
    connection.execute(delete(PEOPLE).where(PEOPLE.c.day >= low, PEOPLE.c.day <= high))
    connection.execute(delete(ACTORS).where(ACTORS.c.day >= low, ACTORS.c.day <= high))
    people = connection.execute(
        text(rebuild_people_sql(connection.dialect.name)),
        {"low": low, "high": _day_text(last + timedelta(days=1))},
    ).rowcount
    actors = connection.execute(text(REBUILD_ACTORS_SQL), {"low": low, "high": high}).rowcount
    return people, actors


def rebuild_people_sql(dialect: str) -> str:
    """The grouped INSERT ... SELECT that makes `audit_access_day` for the records with
    :low <= occurred_at < :high (day texts; the migration's backfill uses it too). On
    PostgreSQL the bounds prune to the months they name (audit.partitions)."""
    actions = ", ".join(f"'{a}'" for a in ACCESS_ACTIONS)  # constants, not input
    which = f"action IN ({actions}) AND person_id IS NOT NULL"
    return (
        "INSERT INTO audit_access_day (day, actor_id, person_id, events) "
        "SELECT substr(occurred_at, 1, 10), coalesce(actor_id, ''), person_id, count(*) "
        "FROM audit_event WHERE " + which + " AND occurred_at >= :low AND occurred_at < :high "
        "GROUP BY substr(occurred_at, 1, 10), coalesce(actor_id, ''), person_id"
    )


REBUILD_ACTORS_SQL = (
    "INSERT INTO audit_access_actor_day (actor_id, day, people, events) "
    "SELECT actor_id, day, count(*), sum(events) FROM audit_access_day "
    "WHERE day >= :low AND day <= :high GROUP BY actor_id, day"
)


def drop_year(connection: Connection, year: int) -> None:
    """Delete the summary rows of `year` (UTC days): called by audit.archive when the
    year's records leave the database, in the same transaction."""
    low, high = f"{year:04d}-01-01", f"{year:04d}-12-31"
    connection.execute(delete(PEOPLE).where(PEOPLE.c.day >= low, PEOPLE.c.day <= high))
    connection.execute(delete(ACTORS).where(ACTORS.c.day >= low, ACTORS.c.day <= high))


def span(session: Session, start: datetime | None, end: datetime | None) -> tuple[str, str] | None:
    """The UTC days (first, last, as 'YYYY-MM-DD') a report from `start` to `end`
    (naive UTC, inclusive; None: unbounded) touches, unbounded sides closed by the
    summary's own first or last day; None when the summary holds nothing there."""
    if start is not None and end is not None:
        return start.date().isoformat(), end.date().isoformat()
    c = ACTORS.c
    first, last = session.execute(select(func.min(c.day), func.max(c.day))).one()
    if first is None:
        return None
    low = start.date().isoformat() if start is not None else first
    high = end.date().isoformat() if end is not None else last
    return (low, high) if low <= high else None


def actors_query(first: str, last: str, threshold: int) -> Any:
    """The statement behind `actors_who_may_reach` (the benchmark shows its plan)."""
    begins = date.fromisoformat(first)
    days = (date.fromisoformat(last) - begins).days + 1
    c = ACTORS.c
    if days <= LISTED_DAYS:
        # Each day named: the index on (day, people) is then read from `people` up, a
        # day at a time, not every row of the span.
        in_span = c.day.in_([(begins + timedelta(days=n)).isoformat() for n in range(days)])
    else:
        in_span = and_(c.day >= first, c.day <= last)
    # Pigeonhole: at least threshold/days people on one of the days.
    busy_day = (
        select(c.actor_id)
        .where(in_span, c.people >= math.ceil(threshold / days))
        .distinct()
        .scalar_subquery()
    )
    return (
        select(c.actor_id)
        .where(in_span, c.actor_id.in_(busy_day))
        .group_by(c.actor_id)
        .having(func.sum(c.people) >= threshold)
    )


def actors_who_may_reach(
    session: Session, start: datetime | None, end: datetime | None, threshold: int
) -> list[str]:
    """The actor ids ("" for no actor) who may have reached `threshold` people in records
    of access from `start` to `end` (naive UTC, inclusive): every actor who did is among
    them (none when the summary holds nothing in the span)."""
    days = span(session, start, end)
    if days is None:
        return []
    return list(session.execute(actors_query(*days, threshold)).scalars())
