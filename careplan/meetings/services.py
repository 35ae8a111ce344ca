"""What a meeting request does once its input is valid: decide, act, record.

The rule table is `careplan.access.rules.MEETING`: the care team sees who met and what
actions were agreed; what was said is for the key worker, the lead agency and the person.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.context import AccessContext
from careplan.access.decision import DenialKind
from careplan.access.permissions import Permission
from careplan.access.pipeline import authorise
from careplan.access.policy import decide_on
from careplan.access.subject import Role
from careplan.accounts.models import User
from careplan.core import clock
from careplan.core.clock import iso
from careplan.core.errors import BadRequest, Unprocessable
from careplan.extensions import db
from careplan.meetings.models import Meeting, MeetingAttendee, MeetingKind
from careplan.tasks import operations as tasks
from careplan.tasks import services as task_services
from careplan.tasks.models import Task, TaskSource
from careplan.tasks.schemas import SECTION_MESSAGE

CONTENT = ("summary", "decisions", "person_views")


def _staff_attendees(session: Any, attendees: list[dict[str, Any]]) -> dict[uuid.UUID, User]:
    """The staff accounts named, each an active practitioner (422 naming the first that is
    not: `attendees.<n>.staff_id`)."""
    found: dict[uuid.UUID, User] = {}
    for index, attendee in enumerate(attendees):
        staff_id = attendee.get("staff_id")
        if staff_id is None:
            continue
        staff = session.get(User, staff_id)
        if staff is None or not staff.active or not staff.has_role(Role.PRACTITIONER):
            raise Unprocessable(
                fields={
                    f"attendees.{index}.staff_id": [
                        "Choose a member of staff who attended: a practitioner who can sign "
                        "in to the service"
                    ]
                }
            )
        found[staff_id] = staff
    return found


def record_meeting(person_id: uuid.UUID, load: Callable[[], dict[str, Any]]) -> Meeting:
    """Record a meeting, its attendees and actions (each a task its owner is told of), and
    move the plan's next review date when one is given. Records `meeting.create`.
    Raises Unprocessable (422) for a staff attendee or an action owner that cannot be."""
    context, decision = authorise(person_id, Permission.MEETING_RECORD, AuditAction.MEETING_CREATE)
    data = load()
    session = db.session
    staff = _staff_attendees(session, data["attendees"])
    for index, action in enumerate(data["actions"]):
        if action["section"] is not None and action["section"] not in context.sensitivity:
            raise BadRequest(fields={f"actions.{index}.section": [SECTION_MESSAGE]})
        problem = tasks.owner_problem(
            session, action["owner_staff_id"], action["owner_agency_id"], f"actions.{index}."
        ) or task_services.owner_unseeing(
            person_id,
            source=TaskSource.MEETING,
            section=action["section"],
            owner_staff_id=action["owner_staff_id"],
            owner_agency_id=action["owner_agency_id"],
            prefix=f"actions.{index}.",
        )
        if problem is not None:
            raise Unprocessable(fields=problem)
    user = g.user
    plan = context.plan
    meeting = Meeting(
        id=uuid.uuid4(),
        person_id=person_id,
        plan_id=plan.id,
        held_on=data["held_on"],
        kind=data["kind"],
        person_attended=data["person_attended"],
        next_review_on=data["next_review_on"],
        version=1,
        created_at=clock.now(),
        recorded_by_id=user.id,
        recorded_by_agency_id=user.agency_id,
    )
    for column in CONTENT:
        setattr(meeting, column, (data[column] or "").strip() or None)
    session.add(meeting)
    for position, attendee in enumerate(data["attendees"]):
        row = MeetingAttendee(
            id=uuid.uuid4(),
            meeting_id=meeting.id,
            position=position,
            staff_id=attendee["staff_id"],
            agency_name=attendee["agency_name"],
            role=attendee["role"],
        )
        if attendee["staff_id"] is not None:
            member = staff[attendee["staff_id"]]
            row.agency_name = member.agency.name if member.agency else None
        row.name = attendee["name"]
        session.add(row)
    session.flush()
    for action in data["actions"]:
        tasks.create_task(
            session,
            person_id=person_id,
            title=action["title"],
            owner_staff_id=action["owner_staff_id"],
            owner_agency_id=action["owner_agency_id"],
            due_on=action["due_on"],
            source=TaskSource.MEETING,
            source_id=meeting.id,
            section_key=action["section"],
            actor=user,
        )
    if data["next_review_on"] is not None:
        plan.next_review_on = data["next_review_on"]
    session.flush()
    record(
        AuditAction.MEETING_CREATE,
        person_id=person_id,
        basis={"plan": decision.basis_text},
        details={"meeting_id": meeting.id, "actions": len(data["actions"])},
    )
    return meeting


@dataclass(frozen=True)
class MeetingsSeen:
    """The person's meetings as the caller may see them: `rows` newest first; `content`:
    whether what was said may be shown; `actions`: meeting id -> the actions agreed there
    that the caller may see; `actions_withheld`: the meetings some of whose actions were
    withheld from the caller."""

    rows: Sequence[Meeting]
    context: AccessContext
    content: bool
    actions: dict[uuid.UUID, list[Task]]
    actions_withheld: frozenset[uuid.UUID]
    # What was said is withheld because the person refused a section to the caller's
    # agency (it may speak of any section), not because of who the caller is.
    content_refused: bool = False

    def present(self) -> list[dict[str, Any]]:
        """Each meeting as `present` shows it."""
        return [
            present(
                m,
                self.content,
                self.actions.get(m.id, []),
                actions_withheld=m.id in self.actions_withheld,
            )
            for m in self.rows
        ]


def meetings(person_id: uuid.UUID) -> MeetingsSeen:
    """The person's meetings, newest first, whether the caller may read what was said
    (MEETING_CONTENT_VIEW), and the actions agreed at each that the caller may see (each
    decided on itself: a meeting's action follows what was said there, so the care team
    outside the key worker and lead agency sees only the actions it owns). Records
    `meeting.list` with what was withheld ("actions" when any action was) and the ids of
    the actions shown."""
    context, decision = authorise(person_id, Permission.MEETING_VIEW, AuditAction.MEETING_LIST)
    said = decide_on(context, Permission.MEETING_CONTENT_VIEW)
    content = said.permit
    refused = said.denial is not None and said.denial.kind is DenialKind.REFUSED
    rows = db.session.scalars(
        select(Meeting)
        .where(Meeting.person_id == person_id)
        .order_by(Meeting.held_on.desc(), Meeting.created_at.desc())
    ).all()
    agreed = actions_of([m.id for m in rows])
    actions = {m: task_services.visible(context, ts) for m, ts in agreed.items()}
    hidden = frozenset(m for m, ts in agreed.items() if len(actions[m]) < len(ts))
    record(
        AuditAction.MEETING_LIST,
        person_id=person_id,
        basis={"plan": decision.basis_text},
        withheld=([] if content else list(CONTENT)) + (["actions"] if hidden else []),
        details={
            "count": len(rows),
            "task_ids": [t.id for ts in actions.values() for t in ts],
        },
    )
    return MeetingsSeen(rows, context, content, actions, hidden, refused)


def actions_of(meeting_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Task]]:
    """The tasks agreed at each meeting, in the order they were given (all of them: the
    caller filters with `careplan.tasks.services.visible`)."""
    if not meeting_ids:
        return {}
    rows = db.session.scalars(
        select(Task)
        .where(Task.source == TaskSource.MEETING, Task.source_id.in_(list(meeting_ids)))
        .order_by(Task.created_at, Task.id)
    ).all()
    found: dict[uuid.UUID, list[Task]] = {}
    for task in rows:
        if task.source_id is not None:
            found.setdefault(task.source_id, []).append(task)
    return found


def present(
    meeting: Meeting, content: bool, actions: list[Task], *, actions_withheld: bool = False
) -> dict[str, Any]:
    """A meeting as the API and pages show it; `content`: what was said may be shown;
    `actions`: the actions to show; `actions_withheld`: some others were not shown
    ("actions" joins `withheld`)."""
    attendees = [
        {
            "staff_id": a.staff_id,
            "name": a.staff.name if a.staff is not None else (a.name or ""),
            "agency_name": a.agency_name,
            "role": a.role,
        }
        for a in meeting.attendees
    ]
    body: dict[str, Any] = {
        "id": meeting.id,
        "person_id": meeting.person_id,
        "held_on": meeting.held_on,
        "kind": meeting.kind.value,
        "attendees": attendees,
        "person_attended": meeting.person_attended,
        "withheld": ([] if content else list(CONTENT)) + (["actions"] if actions_withheld else []),
        "actions": [
            {
                "task_id": t.id,
                "title": t.title,
                "section": t.section_key,
                "owner_name": (t.owner_staff.name if t.owner_staff else None)
                or (t.owner_agency.name if t.owner_agency else ""),
                "due_on": t.due_on,
                "status": t.status.value,
            }
            for t in actions
        ],
        "next_review_on": meeting.next_review_on,
        "recorded_by": meeting.recorded_by.name,
        "created_at": iso(meeting.created_at),
        "version": meeting.version,
    }
    for column in CONTENT:
        body[column] = getattr(meeting, column) if content else None
    return body


KIND_WORDS = {
    MeetingKind.REVIEW: "Plan review",
    MeetingKind.CASE_CONFERENCE: "Case conference",
    MeetingKind.OTHER: "Meeting",
}
