"""Mutations on tasks. Each one flushes; the request (or job) commits once, with its audit
records and the notification to the task's owner (`careplan.notifications.outbox`)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.access.subject import Role
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import Conflict, Unprocessable
from careplan.notifications import outbox
from careplan.notifications.kinds import NotificationKind
from careplan.tasks.models import Task, TaskSource, TaskStatus

TITLE_MAX = 500
# The section a task is about when its source says it (an action towards the person's
# goals is part of "My goals and actions").
SOURCE_SECTION: dict[TaskSource, str] = {TaskSource.GOAL: "goals"}
# A person's request for a correction is answered within two weeks (a task due then).
CORRECTION_ANSWER_WITHIN = timedelta(days=14)
NOTE_MAX = 2000
# A content-free link: the owner's "My tasks" page (what the task is, they see there).
MY_TASKS_LINK = "/my-tasks"
# The design system's words for the owner question ("Who owns this action?").
OWNER_MESSAGE = "Choose who owns this action"
STAFF_MESSAGE = "Choose who owns this action: a practitioner who can sign in to the service"
AGENCY_MESSAGE = "Choose who owns this action from the list"


def owner_problem(
    session: Session,
    owner_staff_id: uuid.UUID | None,
    owner_agency_id: uuid.UUID | None,
    prefix: str = "",
    message: str = OWNER_MESSAGE,
) -> dict[str, list[str]] | None:
    """Why the owner cannot be given a task, under the field that named them
    (`owner_staff_id` or `owner_agency_id`, after `prefix`: "actions.0."; neither or both:
    `owner_staff_id`, with `message`), or None: they can. An owner is exactly one of an
    active practitioner account or an agency."""
    if (owner_staff_id is None) == (owner_agency_id is None):
        return {f"{prefix}owner_staff_id": [message]}
    if owner_staff_id is not None:
        staff = session.get(User, owner_staff_id)
        if staff is None or not staff.active or not staff.has_role(Role.PRACTITIONER):
            return {f"{prefix}owner_staff_id": [STAFF_MESSAGE]}
        return None
    if session.get(Agency, owner_agency_id) is None:
        return {f"{prefix}owner_agency_id": [AGENCY_MESSAGE]}
    return None


def create_task(
    session: Session,
    *,
    person_id: uuid.UUID,
    title: str,
    owner_staff_id: uuid.UUID | None = None,
    owner_agency_id: uuid.UUID | None = None,
    due_on: date | None = None,
    source: TaskSource,
    source_id: uuid.UUID | None = None,
    section_key: str | None = None,
    actor: User,
    owner_field: str = "",
) -> Task:
    """Add an open task for the person, owned by one practitioner (`owner_staff_id`) or one
    agency (`owner_agency_id`), and queue its owner a content-free notification (an
    agency's goes to its practitioners at send time). Flushes; the caller commits.

    `title`: 1..500 characters after trimming; `due_on`: a day in Scotland, or None;
    `source`/`source_id`: where it came from (a meeting's id, a referral's...);
    `section_key`: the catalogue key of the section it is about, which decides who sees
    it (a goal's action defaults to "goals"; None: the plan as a whole); `actor`: who
    gave it (never notified of their own task); `owner_field`: where the owner was given
    in the request, before `owner_staff_id` ("follow_up."), for a refusal's field.

    Raises Unprocessable (422, with `fields`) for an empty or overlong title, no owner or
    two, or an owner that is not an active practitioner or a known agency. The caller
    decides first that `actor` may create tasks for this person (the access policy).
    """
    text = (title or "").strip()
    if not text or len(text) > TITLE_MAX:
        raise Unprocessable(
            fields={"title": [f"What the action is must be {TITLE_MAX} characters or fewer"]}
        )
    problem = owner_problem(session, owner_staff_id, owner_agency_id, owner_field)
    if problem is not None:
        raise Unprocessable(fields=problem)
    task = Task(
        id=uuid.uuid4(),
        person_id=person_id,
        owner_staff_id=owner_staff_id,
        owner_agency_id=owner_agency_id,
        due_on=due_on,
        status=TaskStatus.OPEN,
        source=source,
        source_id=source_id,
        section_key=section_key if section_key is not None else SOURCE_SECTION.get(source),
        version=1,
        created_at=clock.now(),
        created_by_id=actor.id,
    )
    task.title = text
    session.add(task)
    session.flush()
    if owner_staff_id is not None:
        outbox.queue(
            session,
            NotificationKind.TASK_ASSIGNED,
            to_user_id=owner_staff_id,
            link=MY_TASKS_LINK,
            actor_id=actor.id,
        )
    else:
        outbox.queue(
            session,
            NotificationKind.TASK_ASSIGNED_AGENCY,
            to_agency_id=owner_agency_id,
            link=MY_TASKS_LINK,
            actor_id=actor.id,
        )
    return task


# Tasks a key worker holds because they are the key worker: answering the person's
# request for a correction. They follow the plan to its next key worker.
KEY_WORKER_SOURCES = frozenset({TaskSource.CORRECTION})


def follow_key_worker(
    session: Session,
    person_id: uuid.UUID,
    previous_id: uuid.UUID | None,
    new_id: uuid.UUID,
    actor: User,
) -> int:
    """Give the person's open tasks that `previous_id` holds as their key worker
    (KEY_WORKER_SOURCES) to the new key worker `new_id`, each version bumped (the former
    owner's open form is stale). The new key worker is told once, however many moved
    (`outbox.queue` counts them up); the former one hears nothing more of them. Returns
    how many moved. Flushes."""
    if previous_id is None or previous_id == new_id:
        return 0
    moved = session.scalars(
        select(Task).where(
            Task.person_id == person_id,
            Task.owner_staff_id == previous_id,
            Task.status == TaskStatus.OPEN,
            Task.source.in_(KEY_WORKER_SOURCES),
        )
    ).all()
    for task in moved:
        task.owner_staff_id = new_id
        task.version += 1
        outbox.queue(
            session,
            NotificationKind.TASK_ASSIGNED,
            to_user_id=new_id,
            link=MY_TASKS_LINK,
            actor_id=actor.id,
        )
    session.flush()
    return len(moved)


# Which status a task may move to from each (done and cancelled tasks can be reopened:
# an action marked done by mistake is put right, on the record, not re-created).
TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset({TaskStatus.OPEN}),
    TaskStatus.CANCELLED: frozenset({TaskStatus.OPEN}),
}


def change_status(
    session: Session, task: Task, status: TaskStatus, note: str | None, actor: User
) -> Task:
    """Move `task` to `status` with an optional note (up to 2,000 characters), bumping its
    version. Flushes. Raises Conflict (409) for a move `TRANSITIONS` does not allow (the
    same status included), Unprocessable (422) for an overlong note. The caller checked
    the version (If-Match) and the caller's right."""
    if status not in TRANSITIONS[task.status]:
        raise Conflict(f"This action is already {task.status.value}; it cannot become {status}.")
    text = (note or "").strip() or None
    if text is not None and len(text) > NOTE_MAX:
        raise Unprocessable(fields={"note": [f"Write up to {NOTE_MAX} characters."]})
    task.status = status
    task.status_note = text
    task.status_changed_at = clock.now()
    task.status_changed_by_id = actor.id
    task.version += 1
    session.flush()
    return task
