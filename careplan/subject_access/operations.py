"""Changes to subject access requests: each flushes, none commits (the request's unit of
work commits them with their audit records and notices).

The steps, and the only ways between them (anything else answers 409):

    received --identity--> identity_checked --start--> in_progress --release--> released
        |                        |                          |
        +------------------------+------refuse--------------+--> refused

`extend` keeps the status and moves the due day (three months from the start), once, and
only within the first month. A request received with identity confirmed starts at
identity_checked.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.core import clock
from careplan.core.errors import Conflict, NotFound, Unprocessable
from careplan.people.models import Person
from careplan.plans.models import Plan
from careplan.subject_access import deadlines
from careplan.subject_access.models import (
    Authority,
    Channel,
    IdentityMethod,
    RefusalReason,
    ReleasedTo,
    RequestedBy,
    RequestStatus,
    SubjectAccessRequest,
)

NO_PERSON = "No person has that record id or CHI number."
NOT_FOUND = "There is no subject access request with that id."
# What each step needs the request to be in, and the words for a wrong state.
STEP_FROM = {
    "identity": (RequestStatus.RECEIVED,),
    "start": (RequestStatus.IDENTITY_CHECKED,),
    "extend": (RequestStatus.IDENTITY_CHECKED, RequestStatus.IN_PROGRESS),
    "release": (RequestStatus.IN_PROGRESS,),
    "refuse": (
        RequestStatus.RECEIVED,
        RequestStatus.IDENTITY_CHECKED,
        RequestStatus.IN_PROGRESS,
    ),
}
STATE_WORDS = {
    RequestStatus.RECEIVED: "is waiting for the requester's identity to be confirmed",
    RequestStatus.IDENTITY_CHECKED: "has its identity confirmed and has not been started",
    RequestStatus.IN_PROGRESS: "is in progress",
    RequestStatus.RELEASED: "has already been released",
    RequestStatus.REFUSED: "has already been refused",
}


def find_person(session: Session, person_id: uuid.UUID | None, chi: str | None) -> Person:
    """The person a request is about, by record id or CHI number; a record merged into
    another is answered by the one it joined (careplan.records.merge). Raises NotFound."""
    if person_id is not None:
        person = session.get(Person, person_id)
    else:
        person = session.scalars(select(Person).where(Person.chi == chi)).one_or_none()
    seen: set[uuid.UUID] = set()
    while person is not None and person.merged_into_id is not None and person.id not in seen:
        seen.add(person.id)
        person = session.get(Person, person.merged_into_id)
    if person is None:
        raise NotFound(NO_PERSON, fields={"person_id": [NO_PERSON]})
    return person


def create(
    session: Session, person: Person, data: dict[str, Any], by: User
) -> SubjectAccessRequest:
    """A request received on `data["received_on"]`; with identity confirmed the month
    starts that day, otherwise it waits (due_on None). A representative's authority is
    recorded as checked by `by`."""
    representative = data["requested_by"] == RequestedBy.REPRESENTATIVE.value
    row = SubjectAccessRequest(
        person_id=person.id,
        received_on=data["received_on"],
        channel=Channel(data["channel"]),
        requested_by=RequestedBy(data["requested_by"]),
        authority=Authority(data["authority"]) if representative else None,
        authority_checked_by_id=by.id if representative else None,
        created_by_id=by.id,
        status=RequestStatus.RECEIVED,
    )
    row.representative = data.get("representative_name") if representative else None
    row.note = data.get("note")
    session.add(row)
    if data["identity_checked"]:
        _identity(row, IdentityMethod(data["identity_method"]), data["received_on"], by)
    session.flush()
    return row


def get(session: Session, request_id: uuid.UUID) -> SubjectAccessRequest:
    row = session.get(SubjectAccessRequest, request_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def _step(row: SubjectAccessRequest, step: str) -> None:
    if row.status not in STEP_FROM[step]:
        raise Conflict(f"This request {STATE_WORDS[row.status]}, so it cannot be {_DONE[step]}.")


_DONE = {
    "identity": "given a confirmed identity now",
    "start": "started",
    "extend": "extended",
    "release": "released",
    "refuse": "refused",
}


def _identity(row: SubjectAccessRequest, method: IdentityMethod, on: date, by: User) -> None:
    row.identity_method = method
    row.identity_checked_on = on
    row.identity_checked_by_id = by.id
    row.starts_on = on
    row.due_on = deadlines.due_on(on)
    row.status = RequestStatus.IDENTITY_CHECKED


def _changed(row: SubjectAccessRequest) -> None:
    row.version += 1
    row.updated_at = clock.now()


def confirm_identity(
    session: Session, row: SubjectAccessRequest, method: str, on: date | None, by: User
) -> None:
    """Proof of identity received on `on` (default today): the month starts then.
    Raises Conflict (not waiting for identity), Unprocessable (before the request)."""
    _step(row, "identity")
    day = on or clock.today()
    if day < row.received_on:
        raise Unprocessable(
            "Identity cannot be confirmed before the request was received.",
            fields={"checked_on": ["Enter a day on or after the day the request was received."]},
        )
    _identity(row, IdentityMethod(method), day, by)
    _changed(row)
    session.flush()


def start(session: Session, row: SubjectAccessRequest) -> None:
    _step(row, "start")
    row.status = RequestStatus.IN_PROGRESS
    _changed(row)
    session.flush()


def extend(session: Session, row: SubjectAccessRequest, reason: str, today: date) -> None:
    """Two further months (Art 12(3)), once, told within the first month. Raises
    Conflict (wrong state, or extended already), Unprocessable (the month has passed)."""
    _step(row, "extend")
    if row.extended_on is not None:
        raise Conflict("This request has already been extended. It can be extended only once.")
    if not deadlines.extension_allowed(row.starts_on, today):
        raise Unprocessable(
            "The first month has passed: the person had to be told of an extension within it "
            "(UK GDPR Article 12(3)). Answer the request now.",
            fields={"reason": ["It is too late to extend this request."]},
        )
    row.extended_on = today
    row.extension_reason = reason
    row.due_on = deadlines.due_on(row.starts_on, extended=True)
    _changed(row)
    session.flush()


def account_of(session: Session, person_id: uuid.UUID) -> User | None:
    """The person's own active sign-in, if they have one."""
    return session.scalars(
        select(User).where(User.person_id == person_id, User.active.is_(True))
    ).one_or_none()


def key_worker_of(session: Session, person_id: uuid.UUID) -> User | None:
    """The active key worker of the person's plan, if any."""
    plan = session.scalars(select(Plan).where(Plan.person_id == person_id)).one_or_none()
    if plan is None or plan.key_worker is None or not plan.key_worker.active:
        return None
    return plan.key_worker


def release(
    session: Session, row: SubjectAccessRequest, to: str | None, by: User, today: date
) -> User:
    """Make the copy available: to the person's own account (the default when they have
    one) or to their key worker to hand over. Returns whom it went to. Raises Conflict
    (wrong state), Unprocessable (no account to release to, or no active key worker)."""
    _step(row, "release")
    account = account_of(session, row.person_id)
    target = ReleasedTo(to) if to else (ReleasedTo.PERSON if account else ReleasedTo.KEY_WORKER)
    if target is ReleasedTo.PERSON:
        if account is None:
            raise Unprocessable(
                "The person has no account of their own. Release it to their key worker, "
                "who will hand it over.",
                fields={"to": ["The person cannot sign in: choose their key worker."]},
            )
        recipient = account
    else:
        worker = key_worker_of(session, row.person_id)
        if worker is None:
            raise Unprocessable(
                "The person has no active key worker to hand the copy over.",
                fields={"to": ["There is no key worker: release it to the person's account."]},
            )
        recipient = worker
    row.status = RequestStatus.RELEASED
    row.released_to = target
    _complete(row, by, today)
    session.flush()
    return recipient


def refuse(
    session: Session, row: SubjectAccessRequest, reason: str, text: str, by: User, today: date
) -> None:
    _step(row, "refuse")
    row.status = RequestStatus.REFUSED
    row.refusal_reason = RefusalReason(reason)
    row.refusal_text = text
    _complete(row, by, today)
    session.flush()


def _complete(row: SubjectAccessRequest, by: User, today: date) -> None:
    row.completed_on = today
    row.completed_by_id = by.id
    _changed(row)


OPEN = [s for s in RequestStatus if s.open]
COMPLETED = [s for s in RequestStatus if not s.open]


LISTED = 500  # a queue page: the open ones all fit; the completed, the newest


def listed(session: Session, status: str) -> list[SubjectAccessRequest]:
    """The queue: open requests with a due day first, soonest (so the most overdue)
    first, then those waiting for identity (no due day yet) by receipt; then completed
    ones, newest first. `status`: open, completed, all, or one RequestStatus value. At
    most LISTED of each."""
    r = SubjectAccessRequest
    chosen = {"open": OPEN, "completed": COMPLETED, "all": list(RequestStatus)}.get(status)
    statuses = chosen if chosen is not None else [RequestStatus(status)]
    found: list[SubjectAccessRequest] = []
    opened = [s for s in statuses if s.open]
    if opened:
        waiting_identity = case((r.due_on.is_(None), 1), else_=0)
        query = select(r).where(r.status.in_(opened))
        query = query.order_by(waiting_identity, r.due_on, r.received_on, r.id)
        found += session.scalars(query.limit(LISTED))
    closed = [s for s in statuses if not s.open]
    if closed:
        query = select(r).where(r.status.in_(closed))
        query = query.order_by(r.completed_on.desc(), r.updated_at.desc(), r.id)
        found += session.scalars(query.limit(LISTED))
    return found


def for_person(session: Session, person_id: uuid.UUID) -> list[SubjectAccessRequest]:
    return list(
        session.scalars(
            select(SubjectAccessRequest)
            .where(SubjectAccessRequest.person_id == person_id)
            .order_by(SubjectAccessRequest.received_on.desc(), SubjectAccessRequest.id)
        )
    )


def waiting(session: Session, today: date) -> dict[str, int]:
    """Counts for the IG officer's home page: open, overdue, due within 7 days, waiting
    for identity."""
    rows = session.execute(
        select(SubjectAccessRequest.status, SubjectAccessRequest.due_on).where(
            SubjectAccessRequest.status.in_(OPEN)
        )
    ).all()
    soon = today.toordinal() + 7
    return {
        "open": len(rows),
        "overdue": sum(1 for r in rows if r.due_on is not None and r.due_on < today),
        "due_soon": sum(
            1
            for r in rows
            if r.due_on is not None and today <= r.due_on and r.due_on.toordinal() <= soon
        ),
        "identity": sum(1 for r in rows if r.due_on is None),
    }
