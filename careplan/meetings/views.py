"""Meeting pages: the person's reviews and meetings, and recording one."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record as audit_record
from careplan.access.permissions import Permission
from careplan.access.pipeline import person_context, requires
from careplan.access.policy import decide_on
from careplan.access.subject import Role
from careplan.accounts import staff_search
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import ApiError
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.meetings import services
from careplan.meetings.models import MeetingKind
from careplan.meetings.schemas import attendee_key, meeting_create
from careplan.plans import operations as plan_operations
from careplan.plans.access import catalogue
from careplan.web import staff_picker
from careplan.web.pages import form_values, loader, refused, render

bp = Blueprint("meetings", __name__)

OTHER_ROWS = 3  # rows for attendees without an account
ACTION_ROWS = 4  # rows for actions


@bp.get("/people/<uuid:person_id>/meetings")
@signed_in_required
@requires(Permission.MEETING_VIEW, AuditAction.MEETING_LIST)
def meetings(person_id: uuid.UUID) -> Any:
    seen = services.meetings(person_id)
    context, content = seen.context, seen.content
    shown = seen.present()
    return render(
        "meetings/list.html",
        page_title="Reviews and meetings",
        person=context.person,
        plan=context.plan,
        meetings=shown,
        kinds=services.KIND_WORDS,
        content=content,
        content_refused=seen.content_refused,
        can_record=decide_on(context, Permission.MEETING_RECORD).permit,
    )


def _people_to_choose(plan: Any, chosen: list[str]) -> tuple[list[User], Any]:
    """Staff who may have attended, by name (not the population: a meeting is about this
    plan): the key worker and the current care team always; the lead agency's other
    practitioners all when they are few, else those a search finds (GOV.UK "search then
    choose", careplan.web.staff_picker: a health board has thousands); and anyone already
    `chosen` (ids, a form sent back). Also the picker, for the page's search."""
    now = clock.now()
    team = [plan.key_worker] + [
        m.staff
        for m in plan_operations.care_team(db.session, plan)
        if m.is_current(clock.day_of(now), now)
    ]
    found: dict[uuid.UUID, User] = {}
    for user in team:
        if user.has_role(Role.PRACTITIONER) and user.active:
            found[user.id] = user
    others = staff_search.pool(agencies=[plan.lead_agency_id], leave_out=list(found))
    picker = staff_picker.pick(others)
    wanted = []
    for value in chosen:
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            continue  # not an id: nobody, as before (the form's check names the field)
    again = db.session.scalars(others.where(User.id.in_(wanted))).all() if wanted else []
    for user in [*picker.offered, *again]:
        found[user.id] = user
    return sorted(found.values(), key=lambda u: u.name), picker


def _owner_choices(staff: list[User], plan: Any) -> list[tuple[str, str]]:
    """Who an action can go to: the staff offered, or anyone at an organisation working
    with the person (the lead agency and the care team's), not every organisation."""
    involved = {plan.lead_agency_id, *(u.agency_id for u in staff if u.agency_id)}
    agencies = db.session.scalars(
        select(Agency).where(Agency.id.in_(involved)).order_by(Agency.name)
    ).all()
    return (
        [("", "Choose who will do it")]
        + [(f"staff:{u.id}", f"{u.name} ({u.agency.name})" if u.agency else u.name) for u in staff]
        + [(f"agency:{a.id}", f"Anyone at {a.name}") for a in agencies]
    )


def _form() -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(what was typed, the body for the schema, each body attendee's form field)."""
    typed: dict[str, Any] = form_values(
        (
            "held_on",
            "kind",
            "person_attended",
            "person_views",
            "summary",
            "decisions",
            "next_review_on",
        )
    )
    staff_ids = [v for v in request.form.getlist("staff_ids") if v]
    typed["staff_ids"] = staff_ids
    attendees: list[dict[str, Any]] = [{"staff_id": v} for v in staff_ids]
    places = ["staff_ids"] * len(staff_ids)
    for n in range(OTHER_ROWS):
        row = form_values((f"other-{n}-name", f"other-{n}-agency", f"other-{n}-role"))
        typed.update(row)
        if row:
            attendee = {"name": row.get(f"other-{n}-name")}
            if row.get(f"other-{n}-agency"):
                attendee["agency_name"] = row[f"other-{n}-agency"]
            if row.get(f"other-{n}-role"):
                attendee["role"] = row[f"other-{n}-role"]
            attendees.append(attendee)
            places.append(f"other-{n}-name")
    actions = []
    action_places = []
    for n in range(ACTION_ROWS):
        row = form_values(
            (f"action-{n}-title", f"action-{n}-owner", f"action-{n}-due", f"action-{n}-section")
        )
        typed.update(row)
        if not row:
            continue
        action: dict[str, Any] = {"title": row.get(f"action-{n}-title", "")}
        kind, _, owner = row.get(f"action-{n}-owner", "").partition(":")
        if kind in ("staff", "agency") and owner:
            action[f"owner_{kind}_id"] = owner
        if row.get(f"action-{n}-due"):
            action["due_on"] = row[f"action-{n}-due"]
        if row.get(f"action-{n}-section"):
            action["section"] = row[f"action-{n}-section"]
        actions.append(action)
        action_places.append(n)
    body: dict[str, Any] = {
        "attendees": attendees,
        "actions": actions,
        "person_attended": typed.get("person_attended") == "yes",
    }
    for name in ("held_on", "kind", "person_views", "summary", "decisions", "next_review_on"):
        if typed.get(name):
            body[name] = typed[name]
    return typed, body, [*places, *(f"action-{n}" for n in action_places)]


ROW_FIELD = re.compile(r"^(attendees|actions)\.(\d+)\.(\w+)$")
ACTION_FIELDS = {
    "title": "title",
    "owner_staff_id": "owner",
    "owner_agency_id": "owner",
    "due_on": "due",
    "section": "section",
}


def _repeated(attendees: list[dict[str, Any]], places: list[str]) -> str:
    """The form field of the first attendee named a second time (a row of "anyone else",
    or the staff list): where a person named twice is said to be."""
    seen = set()
    for index, attendee in enumerate(attendees):
        key = attendee_key(attendee)
        if key in seen and index < len(places):
            return places[index]
        seen.add(key)
    return "staff_ids"


def _page_errors(
    errors: dict[str, list[str]],
    places: list[str],
    attendees: int,
    body: dict[str, Any] | None = None,
) -> dict[str, list[str]]:
    """The schema's field names as the form's: `actions.1.title` -> `action-1-title`."""
    shown: dict[str, list[str]] = {}
    for name, messages in errors.items():
        found = ROW_FIELD.match(name)
        if found is None:
            # The list as a whole (one person named twice): at the second naming.
            place = name
            if name == "attendees":
                place = _repeated((body or {}).get("attendees", []), places)
            shown.setdefault(place, []).extend(messages)
            continue
        group, index, field = found.group(1), int(found.group(2)), found.group(3)
        if group == "attendees":
            place = places[index] if index < attendees else "staff_ids"
        else:
            row = places[attendees + index] if attendees + index < len(places) else "action-0"
            place = f"{row}-{ACTION_FIELDS.get(field, 'title')}"
        shown.setdefault(place, []).extend(messages)
    return shown


@bp.route("/people/<uuid:person_id>/meetings/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.MEETING_RECORD, AuditAction.MEETING_CREATE)
def record(person_id: uuid.UUID) -> Any:
    context = person_context(person_id, AuditAction.MEETING_CREATE)
    typed: dict[str, Any] = {
        "held_on": clock.today().isoformat(),
        "kind": "review",
        "staff_ids": [str(g.user.id)],
    }
    errors: dict[str, list[str]] = {}
    status = 200
    if staff_picker.searching():
        typed, _, _ = _form()  # a search for staff: shown again as typed, nothing saved
    if request.method == "POST" and not staff_picker.searching():
        typed, body, places = _form()
        attendees = len(body["attendees"])
        try:
            meeting = services.record_meeting(person_id, loader(meeting_create, body))
        except (ApiError, ValidationError) as exc:
            raw, status = refused(exc)
            errors = _page_errors(raw, places, attendees, body)
        else:
            return redirect(url_for("meetings.meetings", person_id=person_id, done=str(meeting.id)))
    else:
        audit_record(
            AuditAction.PERSON_VIEW,
            person_id=person_id,
            details={"view": "record_meeting"},
        )
    chosen = [str(v) for v in typed.get("staff_ids", [])]
    owners = [
        v.removeprefix("staff:")
        for k, v in typed.items()
        if k.startswith("action-") and k.endswith("-owner") and v
    ]
    staff, picker = _people_to_choose(context.plan, chosen + owners)
    return render(
        "meetings/record.html",
        status,
        page_title="Record a review or meeting",
        person=context.person,
        form=typed,
        errors=errors,
        staff=staff,
        picker=picker,
        owners=_owner_choices(staff, context.plan),
        kinds=[(k.value, services.KIND_WORDS[k]) for k in MeetingKind],
        other_rows=range(OTHER_ROWS),
        action_rows=range(ACTION_ROWS),
        sections=[("", "The plan as a whole")] + [(k.key, k.title) for k in catalogue()],
    )
