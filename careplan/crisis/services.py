"""Recording a crisis event and its follow-up (rule table: careplan.access.rules.CRISIS).

The follow-up is a task (source "crisis") with an owner and a deadline: by default 3 days
after a near-fatal overdose (the MAT standards' assertive outreach after a non-fatal
overdose, commonly within 72 hours) and 7 days after the others. The person stays on the
key worker's caseload until it is done; the key worker is told of the event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from flask import g
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.context import AccessContext
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.pipeline import authorise
from careplan.access.policy import decide
from careplan.core import clock
from careplan.core.clock import iso
from careplan.core.errors import Unprocessable
from careplan.crisis.models import ABOUT, CrisisEvent, CrisisKind
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.outbox import queue
from careplan.tasks import operations as tasks
from careplan.tasks import services as task_services
from careplan.tasks.models import TaskSource, TaskStatus

FOLLOW_UP_WITHIN = {
    CrisisKind.NEAR_FATAL_OVERDOSE: timedelta(days=3),
    CrisisKind.EVICTION: timedelta(days=7),
    CrisisKind.PRISON_RELEASE: timedelta(days=7),
    CrisisKind.HOSPITAL_DISCHARGE: timedelta(days=7),
}
FOLLOW_UP_TITLES = {
    CrisisKind.NEAR_FATAL_OVERDOSE: "Reach out after a near-fatal overdose",
    CrisisKind.EVICTION: "Follow up the loss of accommodation",
    CrisisKind.PRISON_RELEASE: "Follow up the release from prison",
    CrisisKind.HOSPITAL_DISCHARGE: "Follow up the discharge from hospital",
}


def present(row: CrisisEvent) -> dict[str, Any]:
    task = row.follow_up
    owner = task.owner_staff.name if task.owner_staff else task.owner_agency.name
    return {
        "id": row.id,
        "person_id": row.person_id,
        "kind": row.kind.value,
        "occurred_on": row.occurred_on,
        "note": row.note,
        "follow_up_task_id": task.id,
        "follow_up_owner": owner,
        "follow_up_due_on": task.due_on,
        "followed_up": task.status is TaskStatus.DONE,
        "recorded_by": row.recorded_by.name,
        "created_at": iso(row.created_at),
    }


def record_event(person_id: uuid.UUID, load: Callable[[], dict[str, Any]]) -> CrisisEvent:
    """The event, its follow-up task (its owner told) and a notice to the key worker.
    Records `crisis.create`. Raises Unprocessable (422) for an owner who cannot be, or
    whom the caller may not give the follow-up to (`tasks.services.owner_outside_ties`)."""
    context, decision = authorise(person_id, Permission.CRISIS_RECORD, AuditAction.CRISIS_CREATE)
    data = load()
    kind = data["kind"]
    follow = data["follow_up"]
    outside = task_services.owner_outside_ties(
        context, decision, follow["owner_staff_id"], follow["owner_agency_id"], "follow_up."
    )
    if outside is not None:
        raise Unprocessable(fields=outside)
    problem = tasks.owner_problem(
        db.session, follow["owner_staff_id"], follow["owner_agency_id"], "follow_up."
    ) or task_services.owner_unseeing(
        person_id,
        source=TaskSource.CRISIS,
        section=ABOUT[kind],
        owner_staff_id=follow["owner_staff_id"],
        owner_agency_id=follow["owner_agency_id"],
        prefix="follow_up.",
    )
    if problem is not None:
        raise Unprocessable(fields=problem)
    due = follow["due_on"] or data["occurred_on"] + FOLLOW_UP_WITHIN[kind]
    row = CrisisEvent(
        id=uuid.uuid4(),
        person_id=person_id,
        kind=kind,
        occurred_on=data["occurred_on"],
        created_at=clock.now(),
        recorded_by_id=g.user.id,
        recorded_by_agency_id=g.user.agency_id,
    )
    row.note = (data["note"] or "").strip() or None
    task = tasks.create_task(
        db.session,
        person_id=person_id,
        title=FOLLOW_UP_TITLES[kind],
        owner_staff_id=follow["owner_staff_id"],
        owner_agency_id=follow["owner_agency_id"],
        due_on=due,
        source=TaskSource.CRISIS,
        source_id=row.id,
        section_key=ABOUT[kind],
        actor=g.user,
        owner_field="follow_up.",
    )
    row.follow_up_task_id = task.id
    db.session.add(row)
    db.session.flush()
    key_worker = context.plan.key_worker_id
    if key_worker != follow["owner_staff_id"]:
        queue(
            db.session,
            NotificationKind.CRISIS_RECORDED,
            to_user_id=key_worker,
            link=f"/people/{person_id}/tasks",
            actor_id=g.user.id,
        )
    record(
        AuditAction.CRISIS_CREATE,
        person_id=person_id,
        basis={"plan": decision.basis_text},
        details={"crisis_id": row.id, "kind": kind.value, "task_id": task.id},
    )
    return row


def resource(kind: CrisisKind) -> Resource:
    """A crisis event as the policy is asked about it: decided as the section its kind is
    about (`careplan.crisis.models.ABOUT`)."""
    return Resource(ResourceType.CRISIS, ABOUT[kind])


def visible(context: AccessContext, rows: Iterable[CrisisEvent]) -> list[CrisisEvent]:
    """Of `rows`, the events the caller may see (`CRISIS_VIEW` on each one's section)."""
    return [r for r in rows if decide(context, resource(r.kind), Permission.CRISIS_VIEW).permit]


def events(person_id: uuid.UUID) -> Sequence[CrisisEvent]:
    """The person's crisis events the caller may see, newest first: each decided as the
    section it is about, so an agency the person shares only their housing plan with sees
    an eviction and not an overdose. Records `crisis.list` with the ids shown."""
    context, decision = authorise(person_id, Permission.CRISIS_VIEW, AuditAction.CRISIS_LIST)
    rows = db.session.scalars(
        select(CrisisEvent)
        .where(CrisisEvent.person_id == person_id)
        .order_by(CrisisEvent.occurred_on.desc(), CrisisEvent.created_at.desc())
    ).all()
    shown = visible(context, rows)
    record(
        AuditAction.CRISIS_LIST,
        person_id=person_id,
        sections=sorted({ABOUT[r.kind] for r in shown}),
        basis={"plan": decision.basis_text},
        details={"count": len(shown), "crisis_ids": [r.id for r in shown]},
    )
    return shown
