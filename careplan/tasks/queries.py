"""Reading tasks: a person's, an owner's across people, and overdue counts for caseloads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session, joinedload

from careplan.tasks.models import Task, TaskSource, TaskStatus


def person_of(session: Session, task_id: uuid.UUID) -> uuid.UUID | None:
    """The id of the person a task is for (None: no such task)."""
    return session.scalar(select(Task.person_id).where(Task.id == task_id))


def _soonest_first() -> tuple[object, ...]:
    # Undated tasks after dated ones (both databases sort NULL differently).
    return (case((Task.due_on.is_(None), 1), else_=0), Task.due_on, Task.created_at, Task.id)


def for_person(
    session: Session, person_id: uuid.UUID, only: Iterable[uuid.UUID] | None = None
) -> Sequence[Task]:
    """The person's tasks: open ones soonest first, then the others newest first.
    `only`: these task ids (a task owner sees only the tasks they own)."""
    query = (
        select(Task)
        .where(Task.person_id == person_id)
        .options(joinedload(Task.owner_staff), joinedload(Task.owner_agency))
        .order_by(case((Task.status == TaskStatus.OPEN, 0), else_=1), *_soonest_first())
    )
    if only is not None:
        query = query.where(Task.id.in_(list(only)))
    return session.scalars(query).unique().all()


def owned_by(
    session: Session, user_id: uuid.UUID, agency_id: uuid.UUID | None, limit: int = 200
) -> Sequence[Task]:
    """Open tasks owned by the account or its agency, across people, soonest first (at most
    `limit`)."""
    owner = Task.owner_staff_id == user_id
    if agency_id is not None:
        owner = or_(owner, Task.owner_agency_id == agency_id)
    query = (
        select(Task)
        .where(owner, Task.status == TaskStatus.OPEN)
        .options(
            joinedload(Task.person), joinedload(Task.owner_staff), joinedload(Task.owner_agency)
        )
        .order_by(*_soonest_first())
        .limit(limit)
    )
    return session.scalars(query).unique().all()


def overdue(
    session: Session, person_ids: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, list[Task]]:
    """Open tasks past their due day, and open crisis follow-ups whatever their day (a
    person stays on the caseload until followed up), per person, soonest due first
    (people with none are absent). `today`: the day in Scotland."""
    if not person_ids:
        return {}
    rows = (
        session.scalars(
            select(Task)
            .where(
                Task.person_id.in_(list(person_ids)),
                Task.status == TaskStatus.OPEN,
                or_(Task.due_on < today, Task.source == TaskSource.CRISIS),
            )
            .options(joinedload(Task.owner_staff), joinedload(Task.owner_agency))
            .order_by(Task.due_on, Task.id)
        )
        .unique()
        .all()
    )
    found: dict[uuid.UUID, list[Task]] = {}
    for task in rows:
        found.setdefault(task.person_id, []).append(task)
    return found
