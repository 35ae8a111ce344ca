"""The person asks for a correction; their key worker answers on the record.

Rule table: `careplan.access.rules.CORRECTION`. A request is a task for the key worker
(source "correction"); the answer closes that task and the person is told (content-free).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import g
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.context import AccessContext
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.pipeline import authorise, require_on
from careplan.access.policy import decide
from careplan.core import clock
from careplan.core.clock import iso
from careplan.core.errors import BadRequest, Conflict, NotFound, PreconditionFailed
from careplan.core.http import require_version
from careplan.corrections.models import Correction, CorrectionStatus
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.outbox import queue
from careplan.plans.access import catalogue
from careplan.tasks import operations as tasks
from careplan.tasks.models import TaskSource, TaskStatus

NOT_FOUND = "There is no request for a correction with that id."
UNKNOWN_SECTION = "Choose the part of your plan that needs correcting."


def section_title(key: str) -> str:
    kind = catalogue().get(key)
    return kind.title if kind is not None else key


def present(row: Correction) -> dict[str, Any]:
    return {
        "id": row.id,
        "person_id": row.person_id,
        "section": row.section_key,
        "section_title": section_title(row.section_key),
        "text": row.text,
        "status": row.status.value,
        "task_id": row.task_id,
        "answer": row.answer,
        "answered_by": row.answered_by.name if row.answered_by is not None else None,
        "answered_at": iso(row.answered_at),
        "created_at": iso(row.created_at),
        "version": row.version,
    }


def ask(person_id: uuid.UUID, load: Callable[[], dict[str, Any]]) -> Correction:
    """The person's request: saved, and a task for their key worker (who is told).
    Raises BadRequest (400, `fields.section`) for a section not in the catalogue."""
    context, decision = authorise(
        person_id, Permission.CORRECTION_REQUEST, AuditAction.CORRECTION_CREATE
    )
    data = load()
    key = data["section"]
    if catalogue().get(key) is None:
        raise BadRequest(UNKNOWN_SECTION, fields={"section": [UNKNOWN_SECTION]})
    plan = context.plan
    row = Correction(
        id=uuid.uuid4(),
        person_id=person_id,
        section_key=key,
        status=CorrectionStatus.WAITING,
        version=1,
        created_at=clock.now(),
        requested_by_id=g.user.id,
    )
    row.text = data["text"].strip()
    task = tasks.create_task(
        db.session,
        person_id=person_id,
        title=f"Answer a request to correct \u201c{section_title(key)}\u201d",
        owner_staff_id=plan.key_worker_id,
        due_on=clock.today() + tasks.CORRECTION_ANSWER_WITHIN,
        source=TaskSource.CORRECTION,
        source_id=row.id,
        section_key=key,
        actor=g.user,
    )
    row.task_id = task.id
    db.session.add(row)
    db.session.flush()
    record(
        AuditAction.CORRECTION_CREATE,
        person_id=person_id,
        sections=[key],
        basis={"plan": decision.basis_text},
        details={"correction_id": row.id, "task_id": task.id},
    )
    return row


def resource(row: Correction) -> Resource:
    """A request for a correction as the policy is asked about it: decided as the section
    it asks to correct (a refusal of that section to the lead agency withholds it)."""
    return Resource(ResourceType.CORRECTION, row.section_key)


def visible(context: AccessContext, rows: Iterable[Correction]) -> list[Correction]:
    """Of `rows` (the context's person's requests), those the caller may read."""
    return [r for r in rows if decide(context, resource(r), Permission.CORRECTION_VIEW).permit]


def listed(person_id: uuid.UUID) -> Sequence[Correction]:
    """The person's requests the caller may read, newest first (to the person, their key
    worker, a cover and the lead agency; each as the section it is about). Records
    `correction.list` with the ids shown."""
    context, decision = authorise(
        person_id, Permission.CORRECTION_VIEW, AuditAction.CORRECTION_LIST
    )
    rows = db.session.scalars(
        select(Correction)
        .where(Correction.person_id == person_id)
        .order_by(Correction.created_at.desc(), Correction.id)
    ).all()
    shown = visible(context, rows)
    record(
        AuditAction.CORRECTION_LIST,
        person_id=person_id,
        sections=sorted({r.section_key for r in shown}),
        basis={"plan": decision.basis_text},
        details={"count": len(shown), "correction_ids": [r.id for r in shown]},
    )
    return shown


def answer(
    person_id: uuid.UUID,
    correction_id: uuid.UUID,
    load: Callable[[], dict[str, Any]],
    expected: int | None = None,
) -> Correction:
    """The key worker's (or a cover's) answer, with If-Match: recorded, the task done,
    the person told. Raises NotFound (404) for no such request of this person's, Forbidden
    (403) where the caller may not answer for the section it is about, Conflict (409) for
    one already answered."""
    context, _ = authorise(person_id, Permission.CORRECTION_ANSWER, AuditAction.CORRECTION_ANSWER)
    row = db.session.get(Correction, correction_id, with_for_update={"of": Correction})
    if row is None or row.person_id != person_id:
        raise NotFound(NOT_FOUND)
    decision = require_on(
        context, resource(row), Permission.CORRECTION_ANSWER, AuditAction.CORRECTION_ANSWER
    )
    data = load()
    if expected is None:
        require_version(row.version)
    elif expected != row.version:
        raise PreconditionFailed("Someone else answered this while you were on the page.")
    if row.status is CorrectionStatus.ANSWERED:
        raise Conflict("This request has been answered already.")
    now = clock.now()
    row.answer = data["answer"].strip()
    row.status = CorrectionStatus.ANSWERED
    row.answered_at = now
    row.answered_by_id = g.user.id
    row.version += 1
    if row.task.status is TaskStatus.OPEN:
        tasks.change_status(db.session, row.task, TaskStatus.DONE, None, g.user)
    db.session.flush()
    if row.requested_by_id is not None:
        queue(
            db.session,
            NotificationKind.CORRECTION_ANSWERED,
            to_user_id=row.requested_by_id,
            link="/my-plan/corrections",
            actor_id=g.user.id,
        )
    record(
        AuditAction.CORRECTION_ANSWER,
        person_id=person_id,
        sections=[row.section_key],
        basis={"plan": decision.basis_text},
        details={"correction_id": row.id},
    )
    return row
