"""No orphaned plans (issue 22): key worker changes made without the person there, and the
plans whose key worker can no longer act.

A plan's key worker must be an active practitioner of its lead agency. When that stops
being true (the account is deactivated, loses its practitioner role, or moves to another
agency) the plan is either handed on at once or listed by `needing_key_worker` for the
lead agency until someone takes it on. A change made without the person (a deactivation's
hand-over, a team leader's bulk hand-over) leaves their agreement to be recorded: the plan
says so (`agreed_on` None) and the new key worker has a task to record it
(`careplan.tasks`, source `hand_over`). Each function flushes; the caller commits and
writes the audit records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, cast, func, not_, or_, select
from sqlalchemy.orm import Session

from careplan.access.subject import Role
from careplan.accounts.models import User
from careplan.core import clock
from careplan.core.errors import Conflict
from careplan.plans.models import KeyWorkerAssignment, Plan
from careplan.tasks import operations as tasks
from careplan.tasks.models import Task, TaskSource, TaskStatus

# What the new key worker's task says: no name, no content (the task is the person's own).
AGREEMENT_TASK = "Ask the person if they agree to you as their key worker, and record it."
AGREEMENT_DUE_DAYS = 28  # a month to meet them and ask, as for any hand-over conversation


def open_plans_of(session: Session, staff_id: uuid.UUID) -> list[Plan]:
    """The open plans `staff_id` is key worker for, oldest first (a stable order)."""
    return list(
        session.scalars(
            select(Plan)
            .where(Plan.key_worker_id == staff_id, Plan.closed_on.is_(None))
            .order_by(Plan.created_at, Plan.id)
        )
    )


def _practitioner_role() -> Any:
    # The roles column is a JSON list: a practitioner's holds the string "practitioner".
    # Compared as text on both databases, with the quotes, so "practitioner" never
    # matches a longer role's name.
    return cast(User.roles, Text).like(f'%"{Role.PRACTITIONER.value}"%')


def key_worker_unusable() -> Any:
    """A condition on a plan joined to its key worker's account (`User`): the key worker
    can no longer act for it (deactivated, no longer a practitioner, or no longer in the
    plan's lead agency)."""
    return or_(
        User.active.is_(False),
        User.agency_id.is_(None),
        User.agency_id != Plan.lead_agency_id,
        not_(_practitioner_role()),
    )


@dataclass(frozen=True)
class Waiting:
    """A plan in the "needs a new key worker" queue: since when (the departure, or the
    last key worker change), and why (`deactivated`, `left_agency`, `not_practitioner`)."""

    plan: Plan
    former: User
    since: datetime
    why: str


def needing_key_worker(session: Session, agency_id: uuid.UUID) -> list[Waiting]:
    """Open plans led by `agency_id` whose key worker can no longer act, longest waiting
    first."""
    rows = session.execute(
        select(Plan, User)
        .join(User, User.id == Plan.key_worker_id)
        .where(Plan.lead_agency_id == agency_id, Plan.closed_on.is_(None), key_worker_unusable())
        .order_by(Plan.updated_at, Plan.id)
    ).all()
    waiting = []
    for plan, former in rows:
        if not former.active:
            why, since = "deactivated", former.deactivated_at or plan.updated_at
        elif former.agency_id != plan.lead_agency_id:
            why, since = "left_agency", plan.updated_at
        else:
            why, since = "not_practitioner", plan.updated_at
        waiting.append(Waiting(plan, former, since, why))
    waiting.sort(key=lambda w: (w.since, str(w.plan.id)))
    return waiting


def needing_key_worker_count(session: Session, agency_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Plan)
            .join(User, User.id == Plan.key_worker_id)
            .where(
                Plan.lead_agency_id == agency_id,
                Plan.closed_on.is_(None),
                key_worker_unusable(),
            )
        )
        or 0
    )


def usable_key_worker(staff: User | None, agency_id: uuid.UUID) -> bool:
    """Whether `staff` can be key worker for a plan led by `agency_id`."""
    return (
        staff is not None
        and staff.active
        and staff.has_role(Role.PRACTITIONER)
        and staff.agency_id == agency_id
    )


def move_without_agreement(session: Session, plan: Plan, to: User, by: User) -> Task:
    """Make `to` the plan's key worker now, the person's agreement still to be recorded:
    the key worker history gains an assignment with no agreement, the plan's agreement is
    cleared, any open agreement task of an earlier move is cancelled, and `to` gets the
    task to record it (with its content-free notice). Returns that task.

    Raises Conflict (409) if `to` is already the key worker. The caller has checked that
    `to` is a usable key worker for the plan (`usable_key_worker`) and that `by` may move
    it, and writes the `keyworker.change` audit record.
    """
    if plan.key_worker_id == to.id:
        raise Conflict("This person is already the key worker.")
    now = clock.now()
    for assignment in session.scalars(
        select(KeyWorkerAssignment).where(
            KeyWorkerAssignment.plan_id == plan.id, KeyWorkerAssignment.ended_at.is_(None)
        )
    ):
        assignment.ended_at = now
    assignment = KeyWorkerAssignment(
        id=uuid.uuid4(),
        plan_id=plan.id,
        agency_id=plan.lead_agency_id,
        staff_id=to.id,
        agreed_on=None,
        agreed_how=None,
        started_at=now,
        recorded_by_id=by.id,
    )
    session.add(assignment)
    cancel_agreement_tasks(session, plan.person_id, by, "The key worker changed again.")
    tasks.follow_key_worker(session, plan.person_id, plan.key_worker_id, to.id, by)
    plan.key_worker_id = to.id
    plan.agreed_on = None
    plan.agreed_how = None
    plan.version += 1
    plan.updated_at = now
    session.flush()
    session.expire(plan, ["key_worker"])
    return tasks.create_task(
        session,
        person_id=plan.person_id,
        title=AGREEMENT_TASK,
        owner_staff_id=to.id,
        due_on=clock.day_of(now) + timedelta(days=AGREEMENT_DUE_DAYS),
        source=TaskSource.HAND_OVER,
        source_id=assignment.id,
        actor=by,
    )


def open_agreement_tasks(session: Session, person_id: uuid.UUID) -> list[Task]:
    return list(
        session.scalars(
            select(Task).where(
                Task.person_id == person_id,
                Task.source == TaskSource.HAND_OVER,
                Task.status == TaskStatus.OPEN,
            )
        )
    )


def my_agreement_tasks(session: Session, staff_id: uuid.UUID) -> list[Task]:
    """The open tasks `staff_id` holds to record a person's agreement to them."""
    return list(
        session.scalars(
            select(Task).where(
                Task.owner_staff_id == staff_id,
                Task.source == TaskSource.HAND_OVER,
                Task.status == TaskStatus.OPEN,
            )
        )
    )


def cancel_agreement_tasks(session: Session, person_id: uuid.UUID, by: User, note: str) -> None:
    for task in open_agreement_tasks(session, person_id):
        tasks.change_status(session, task, TaskStatus.CANCELLED, note, by)


def record_agreement(
    session: Session, plan: Plan, agreed_on: date, agreed_how: Any, by: User
) -> Plan:
    """Record the person's agreement to their current key worker (after a change made
    without them): on the plan, on the current key worker assignment, and the agreement
    task done. Raises Conflict (409) if nothing waits for it (the agreement is already
    recorded)."""
    if plan.agreed_on is not None:
        raise Conflict("Their agreement to this key worker is already recorded.")
    current = session.scalars(
        select(KeyWorkerAssignment).where(
            KeyWorkerAssignment.plan_id == plan.id,
            KeyWorkerAssignment.ended_at.is_(None),
            KeyWorkerAssignment.staff_id == plan.key_worker_id,
        )
    ).all()
    for assignment in current:
        assignment.agreed_on = agreed_on
        assignment.agreed_how = agreed_how
    plan.agreed_on = agreed_on
    plan.agreed_how = agreed_how
    plan.version += 1
    plan.updated_at = clock.now()
    for task in open_agreement_tasks(session, plan.person_id):
        tasks.change_status(session, task, TaskStatus.DONE, "Agreement recorded.", by)
    session.flush()
    return plan


def agreement_waiting(session: Session, plan_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Of `plan_ids`, the open plans whose person's agreement to their key worker is still
    to be recorded."""
    if not plan_ids:
        return set()
    return set(
        session.scalars(
            select(Plan.id).where(
                Plan.id.in_(plan_ids), and_(Plan.agreed_on.is_(None), Plan.closed_on.is_(None))
            )
        )
    )
