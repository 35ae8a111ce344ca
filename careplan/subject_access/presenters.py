"""A subject access request as the API, the IG pages and the person's copy show it:
names for ids, the clock in words. No plan content."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.core import clock
from careplan.core.clock import iso
from careplan.people.models import Person
from careplan.subject_access.models import RequestStatus, SubjectAccessRequest


def _name(session: Session, user_id: uuid.UUID | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.name if user else None


def clock_state(row: SubjectAccessRequest) -> str:
    """running (the month is counting), paused (identity awaited) or stopped (answered)."""
    if not row.status.open:
        return "stopped"
    return "running" if row.starts_on is not None else "paused"


def present_request(
    session: Session, row: SubjectAccessRequest, *, for_person: bool = False
) -> dict[str, Any]:
    """The request's record. `for_person`: in the person's own copy (who handled it is
    kept, the IG officer's internal note is not: it is about handling the request)."""
    person = session.get(Person, row.person_id)
    today = clock.today()
    due = row.due_on
    running = row.status.open and due is not None
    body: dict[str, Any] = {
        "id": row.id,
        "person": {
            "id": person.id,
            "name": f"{person.given_name} {person.family_name}",
            "date_of_birth": person.date_of_birth.isoformat(),
        }
        if person
        else None,
        "received_on": row.received_on.isoformat(),
        "channel": row.channel.value,
        "requested_by": row.requested_by.value,
        "representative_name": row.representative,
        "authority": row.authority.value if row.authority else None,
        "authority_checked_by": _name(session, row.authority_checked_by_id),
        "identity_checked": row.identity_checked_on is not None,
        "identity_method": row.identity_method.value if row.identity_method else None,
        "identity_checked_on": row.identity_checked_on.isoformat()
        if row.identity_checked_on
        else None,
        "identity_checked_by": _name(session, row.identity_checked_by_id),
        "clock": clock_state(row),
        "starts_on": row.starts_on.isoformat() if row.starts_on else None,
        "due_on": due.isoformat() if due else None,
        "overdue": bool(running and due < today),
        "days_left": (due - today).days if running else None,
        "extended": row.extended_on is not None,
        "extension_reason": row.extension_reason,
        "status": row.status.value,
        "released_to": row.released_to.value if row.released_to else None,
        "refusal_reason": row.refusal_reason.value if row.refusal_reason else None,
        "refusal_text": row.refusal_text,
        "completed_on": row.completed_on.isoformat() if row.completed_on else None,
        "completed_by": _name(session, row.completed_by_id),
        "note": None if for_person else row.note,
        "version": row.version,
        "created_at": iso(row.created_at),
    }
    if for_person:
        body.pop("note")
        body.pop("person")
    return body


STATUS_WORDS = {
    RequestStatus.RECEIVED.value: "Received: waiting for proof of identity",
    RequestStatus.IDENTITY_CHECKED.value: "Identity confirmed",
    RequestStatus.IN_PROGRESS.value: "In progress",
    RequestStatus.RELEASED.value: "Released",
    RequestStatus.REFUSED.value: "Refused",
}
