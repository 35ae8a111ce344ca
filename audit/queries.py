"""Reading the audit log: IG searches, unusual-access reports, a person's access log.

Every query is bounded (a page, or a report's grouped rows) and uses the indexes on
(person_id, seq), (actor_id, seq), and for time ranges (actor_id, occurred_at),
(outcome, occurred_at), (action, occurred_at) and the covering one led by occurred_at.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, distinct, func, not_, or_, select
from sqlalchemy.orm import Session

from audit import summary
from audit.actions import ACCESS_ACTIONS, AuditAction, Outcome
from audit.models import AuditEvent
from careplan.core import clock

EVENTS = AuditEvent.__table__
# Working hours on the wall clock in Scotland (Europe/London: BST in summer), 08:00 to
# 17:59. Stored times are UTC text, so the hours are moved by the offset of the day.
WORKING_HOURS = (8, 18)
# The "many people" report's default threshold (people in the window), and the most
# actors it reads the log for by name (more: it reads the window for everyone).
MANY_PEOPLE = 20
MOST_ACTORS = 5000


def _filtered(filters: dict[str, Any]) -> Select[Any]:
    c = EVENTS.c
    query = select(EVENTS)
    for key, column in (
        ("person", c.person_id),
        ("actor", c.actor_id),
        ("agency", c.actor_agency_id),
        ("action", c.action),
        ("outcome", c.outcome),
        ("purpose", c.purpose),
    ):
        value = filters.get(key)
        if isinstance(value, (list, tuple)):  # a person and the records joined into them
            query = query.where(column.in_(value))
        elif value is not None:
            query = query.where(column == value)
    if filters.get("actors") is not None:
        # Actor ids from audit.summary ("" stands for records with no actor).
        ids = [a for a in filters["actors"] if a != summary.NO_ACTOR]
        chosen = c.actor_id.in_(ids)
        if len(ids) < len(filters["actors"]):
            chosen = or_(chosen, c.actor_id.is_(None))
        query = query.where(chosen)
    if filters.get("not_own"):
        # An IG officer's own searches left out (their page's default): (actor, actions).
        actor, actions = filters["not_own"]
        query = query.where(
            or_(c.actor_id.is_(None), c.actor_id != actor, c.action.not_in(actions))
        )
    if filters.get("from_"):
        query = query.where(c.occurred_at >= _naive(filters["from_"]))
    if filters.get("to"):
        query = query.where(c.occurred_at <= _naive(filters["to"]))
    return query


def _naive(moment: datetime) -> datetime:
    """Stored times are naive UTC; a query may give an offset."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


# What an IG officer does to search the log: left out of their own page unless they ask.
SEARCHING = tuple(
    a.value
    for a in (AuditAction.AUDIT_SEARCH, AuditAction.AUDIT_HEAD_VIEW, AuditAction.AUDIT_VERIFY)
)


def search(
    session: Session, filters: dict[str, Any], limit: int, cursor: int | None
) -> tuple[list[Any], int | None]:
    """A page of events, newest first; the cursor is the last sequence number seen.
    `filters` as `_filtered` takes them: person, actor, agency, action, outcome, purpose,
    from_, to, and `not_own` = (actor id, actions) to leave out."""
    rows = session.execute(search_query(filters, limit, cursor)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return list(rows), (rows[-1]["seq"] if more and rows else None)


def search_query(filters: dict[str, Any], limit: int, cursor: int | None) -> Select[Any]:
    """The statement behind `search` (one more row than `limit`, to tell if there are
    more). On PostgreSQL a `from_`/`to` bound lets the planner read only the months asked
    about (audit.partitions; tests/audit/test_partitions.py reads the plans)."""
    query = _filtered(filters)
    if cursor is not None:
        query = query.where(EVENTS.c.seq < cursor)
    return query.order_by(EVENTS.c.seq.desc()).limit(limit + 1)


def stream(session: Session, filters: dict[str, Any], batch: int = 2000) -> Iterator[Any]:
    """Every matching event, newest first, in batches (CSV export) in constant memory."""
    cursor = None
    while True:
        rows, cursor = search(session, filters, batch, cursor)
        yield from rows
        if cursor is None:
            return


@dataclass(frozen=True)
class LogFilter:
    """What a view of a person's access log leaves out (the pages' filters, issue 17).

    `not_actor`: leave out what this account did (the person's own visits); `other_than_agency`:
    only staff of other organisations than this one (no account, the person themselves and the
    service's own jobs are left out too); `emergency`: only emergency access, the invocation
    and everything done on its basis."""

    not_actor: uuid.UUID | None = None
    other_than_agency: uuid.UUID | None = None
    emergency: bool = False


def person_log(
    session: Session,
    person_id: uuid.UUID,
    limit: int,
    cursor: int | None,
    only: LogFilter | None = None,
) -> tuple[list[Any], int | None]:
    """A page of the person's log, newest first, through (person_id, seq)."""
    if only is None:
        return search(session, {"person": person_id}, limit, cursor)
    c = EVENTS.c
    query = _filtered({"person": person_id})
    if only.not_actor is not None:
        query = query.where(or_(c.actor_id.is_(None), c.actor_id != only.not_actor))
    if only.other_than_agency is not None:
        query = query.where(
            c.actor_agency_id.is_not(None), c.actor_agency_id != only.other_than_agency
        )
    if only.emergency:
        query = query.where(_emergency())
    if cursor is not None:
        query = query.where(c.seq < cursor)
    rows = session.execute(query.order_by(c.seq.desc()).limit(limit + 1)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return list(rows), (rows[-1]["seq"] if more and rows else None)


def _emergency() -> Any:
    """Emergency access: the invocation, and anything done on a break-glass basis (the
    basis is stored as JSON text, `{"plan": "breakglass:<id>"}`)."""
    c = EVENTS.c
    return or_(
        c.action == AuditAction.BREAKGLASS_INVOKE.value,
        c.basis.like('%"breakglass:%'),
    )


def emergencies(session: Session, person_id: uuid.UUID, limit: int = 20) -> list[Any]:
    """The person's emergency accesses (break-glass used, allowed), newest first, at most
    `limit`: the summary at the top of their access log."""
    c = EVENTS.c
    query = (
        select(EVENTS)
        .where(
            c.person_id == person_id,
            c.action == AuditAction.BREAKGLASS_INVOKE.value,
            c.outcome == Outcome.PERMIT.value,
        )
        .order_by(c.seq.desc())
        .limit(limit)
    )
    return list(session.execute(query).mappings().all())


def _hour() -> Any:
    """The hour as two digits: occurred_at is stored as ISO text on every database."""
    return func.substr(EVENTS.c.occurred_at, 12, 2)


def _out_of_hours(first_year: int, last_year: int) -> Any:
    """Before 08:00 or from 18:00 in Scotland at the time (careplan.core.clock): in British
    Summer Time the UTC hours are one earlier. The summer spans of the years searched come
    from the time zone database, compared as the stored UTC text is."""
    c, hour = EVENTS.c, _hour()
    start, end = WORKING_HOURS

    def outside(offset: int) -> Any:
        return (hour < f"{start - offset:02d}") | (hour >= f"{end - offset:02d}")

    summer = [
        and_(c.occurred_at >= begins, c.occurred_at < ends)
        for begins, ends in clock.summer_time(first_year, last_year)
    ]
    if not summer:
        return outside(0)
    in_summer = or_(*summer)
    return or_(and_(in_summer, outside(1)), and_(not_(in_summer), outside(0)))


def first_year(session: Session) -> int:
    """The year of the log's first record (this year when the log is empty): the oldest
    year a report over the whole log can reach."""
    first = session.execute(select(EVENTS.c.occurred_at).order_by(EVENTS.c.seq).limit(1)).first()
    return first[0].year if first else clock.now().year


def report(
    session: Session, kind: str, filters: dict[str, Any], threshold: int | None
) -> list[dict[str, Any]]:
    """Rows `{actor_id, actor_name, agency, count}` (the purposes report adds `purpose`
    and counts `people`), most first, at most 500. `many_people` first asks the writer's
    summary (audit.summary) which actors could reach the threshold, and runs its query on
    the log for those alone (for everyone when there are more than MOST_ACTORS): the same
    rows as over the whole window."""
    since = _naive(filters["from_"]).year if filters.get("from_") else first_year(session)
    if kind == "many_people":
        # Only the actors the summary says may reach the threshold (audit.summary): the
        # same query on the log for them alone, so the same answer as for everyone.
        actors = summary.actors_who_may_reach(
            session,
            _naive(filters["from_"]) if filters.get("from_") else None,
            _naive(filters["to"]) if filters.get("to") else None,
            threshold or MANY_PEOPLE,
        )
        if not actors:
            return []
        if len(actors) <= MOST_ACTORS:
            filters = {**filters, "actors": actors}
    rows = session.execute(report_query(kind, filters, threshold, since)).all()
    if kind == "purposes":
        return [
            {
                "actor_id": r[0],
                "actor_name": r[1],
                "agency": r[2],
                "purpose": r[3],
                "count": r[4],
                "people": r[5],
            }
            for r in rows
        ]
    return [{"actor_id": r[0], "actor_name": r[1], "agency": r[2], "count": r[3]} for r in rows]


def report_query(
    kind: str, filters: dict[str, Any], threshold: int | None, since: int | None = None
) -> Select[Any]:
    """The statement behind a report (the benchmark shows its query plan). `since`: the
    first year the records searched can be in (the out-of-hours report judges each year's
    summer time; default the year of `from_`, else this year)."""
    c = EVENTS.c
    base = _filtered(filters).subquery()
    actor = (base.c.actor_id, base.c.actor_name, base.c.actor_agency_name)
    if kind == "denied":
        # Refusals by the access policy only: never a form mistake, a conflict or a
        # failure (their own outcomes), nor a failed sign-in (its actor is the account
        # named, not necessarily who typed; sign-in has its own locks).
        query = (
            select(*actor, func.count().label("count"))
            .where(base.c.outcome == Outcome.DENY.value)
            .where(base.c.action != AuditAction.AUTH_FAILED.value)
            .where(base.c.actor_id.is_not(None))
            .group_by(*actor)
            .having(func.count() >= (threshold or 5))
        )
    elif kind == "many_people":
        query = (
            select(*actor, func.count(distinct(base.c.person_id)).label("count"))
            .where(base.c.action.in_(ACCESS_ACTIONS))
            .group_by(*actor)
            .having(func.count(distinct(base.c.person_id)) >= (threshold or MANY_PEOPLE))
        )
    elif kind == "out_of_hours":
        now = clock.now()
        first = since or (_naive(filters["from_"]).year if filters.get("from_") else now.year)
        last = max(_naive(filters["to"]).year if filters.get("to") else now.year, first)
        inner = (
            _filtered(filters)
            .where(c.action.in_(ACCESS_ACTIONS))
            .where(_out_of_hours(first, last))
            .subquery()
        )
        inner_actor = (inner.c.actor_id, inner.c.actor_name, inner.c.actor_agency_name)
        query = (
            select(*inner_actor, func.count().label("count"))
            .group_by(*inner_actor)
            .having(func.count() >= (threshold or 1))
        )
    elif kind in ("break_glass", "break_glass_refused"):
        # Emergency access used, or refused by the policy (no recent exact lookup, a role
        # that may not, a closed plan): every refusal shows by default.
        outcome = Outcome.PERMIT if kind == "break_glass" else Outcome.DENY
        query = (
            select(*actor, func.count().label("count"))
            .where(base.c.action == AuditAction.BREAKGLASS_INVOKE.value)
            .where(base.c.outcome == outcome.value)
            .where(base.c.actor_id.is_not(None))
            .group_by(*actor)
            .having(func.count() >= (threshold or 1))
        )
    elif kind == "purposes":
        # Why each member of staff reached people's records: accesses and people by
        # purpose of access (Caldicott principle 1), refusals left out.
        query = (
            select(
                *actor,
                base.c.purpose,
                func.count().label("count"),
                func.count(distinct(base.c.person_id)).label("people"),
            )
            .where(base.c.action.in_(ACCESS_ACTIONS))
            .where(base.c.outcome == Outcome.PERMIT.value)
            .where(base.c.actor_id.is_not(None))
            .group_by(*actor, base.c.purpose)
            .having(func.count() >= (threshold or 1))
        )
    else:
        raise KeyError(kind)
    return query.order_by(func.count().desc()).limit(500)


REPORTS = (
    "denied",
    "many_people",
    "out_of_hours",
    "break_glass",
    "break_glass_refused",
    "purposes",
)


def looked_up(session: Session, actor_id: uuid.UUID, person_id: uuid.UUID, since: datetime) -> bool:
    """Whether `actor_id` found `person_id` by an exact lookup (a permitted
    `person.lookup` record) at or after `since` (UTC). Uses (actor_id, occurred_at)."""
    c = EVENTS.c
    query = select(c.seq).where(
        c.actor_id == actor_id,
        c.occurred_at >= _naive(since),
        c.action == AuditAction.PERSON_LOOKUP.value,
        c.outcome == Outcome.PERMIT.value,
        c.person_id == person_id,
    )
    return session.execute(query.limit(1)).first() is not None
