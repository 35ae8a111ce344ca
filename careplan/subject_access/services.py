"""Subject access requests, shared by the JSON API and the pages: each step decided
(the IG officer's job, `job:subject_access`), done, recorded (`subject_access.*`) and,
where someone must act or be told, notified (content-free).

The IG officer manages the request and never receives the copy: no function here
returns any of it. `release` makes the copy, to count what it holds for the record (so
the record shows a copy was made, not what it said), and tells the person or their key
worker it is ready; they open it themselves (`copy_for`), recorded as
`subject_access.export`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app, g

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import authorise, require_job
from careplan.core import clock
from careplan.core.http import check_version
from careplan.extensions import db
from careplan.notifications import outbox
from careplan.notifications.kinds import NotificationKind
from careplan.plans.access import catalogue_keys
from careplan.subject_access import export, information, operations
from careplan.subject_access.models import ReleasedTo, RequestStatus, SubjectAccessRequest
from careplan.subject_access.presenters import present_request

Loader = Callable[[], dict[str, Any]]
JOB = Permission.JOB_SUBJECT_ACCESS
OWN_COPY_LINK = "/my-plan/copy"


def _job(action: AuditAction) -> None:
    require_job(JOB, action)


def _details(row: SubjectAccessRequest, **more: Any) -> dict[str, Any]:
    """What every step's record says: the request, its status and due day (no names)."""
    return {
        "request": row.id,
        "status": row.status.value,
        "due_on": row.due_on.isoformat() if row.due_on else None,
        **more,
    }


def create(load: Loader) -> dict[str, Any]:
    """A request received (API.md `POST /audit/subject-access-requests`): the person found
    by id or CHI (404 otherwise, recorded as invalid), its due day set when identity is
    confirmed. Records `subject_access.create`."""
    _job(AuditAction.SUBJECT_ACCESS_CREATE)
    data = load()
    person = operations.find_person(db.session, data.get("person_id"), data.get("chi"))
    row = operations.create(db.session, person, data, g.user)
    record(
        AuditAction.SUBJECT_ACCESS_CREATE,
        person_id=person.id,
        details=_details(
            row,
            requested_by=row.requested_by.value,
            identity_checked=row.starts_on is not None,
            found_by="chi" if data.get("chi") else "id",
        ),
    )
    return present_request(db.session, row)


def listed(load: Loader) -> list[dict[str, Any]]:
    """The queue (`?status=open` by default: overdue and soonest due first)."""
    _job(AuditAction.SUBJECT_ACCESS_LIST)
    status = load()["status"]
    rows = operations.listed(db.session, status)
    record(AuditAction.SUBJECT_ACCESS_LIST, details={"status": status, "returned": len(rows)})
    return [present_request(db.session, r) for r in rows]


def _load(request_id: uuid.UUID, action: AuditAction) -> SubjectAccessRequest:
    _job(action)
    return operations.get(db.session, request_id)


def view(request_id: uuid.UUID) -> dict[str, Any]:
    row = _load(request_id, AuditAction.SUBJECT_ACCESS_VIEW)
    record(AuditAction.SUBJECT_ACCESS_VIEW, person_id=row.person_id, details=_details(row))
    return present_request(db.session, row)


def confirm_identity(request_id: uuid.UUID, load: Loader) -> dict[str, Any]:
    """Proof of identity received: the month starts (`subject_access.identity`)."""
    row = _load(request_id, AuditAction.SUBJECT_ACCESS_IDENTITY)
    check_version(row.version, required=False)
    data = load()
    operations.confirm_identity(db.session, row, data["method"], data.get("checked_on"), g.user)
    record(
        AuditAction.SUBJECT_ACCESS_IDENTITY,
        person_id=row.person_id,
        details=_details(row, method=row.identity_method.value if row.identity_method else None),
    )
    return present_request(db.session, row)


def start(request_id: uuid.UUID) -> dict[str, Any]:
    row = _load(request_id, AuditAction.SUBJECT_ACCESS_START)
    check_version(row.version, required=False)
    operations.start(db.session, row)
    record(AuditAction.SUBJECT_ACCESS_START, person_id=row.person_id, details=_details(row))
    return present_request(db.session, row)


def extend(request_id: uuid.UUID, load: Loader) -> dict[str, Any]:
    """Two further months, with the reason the person is told (Art 12(3))."""
    row = _load(request_id, AuditAction.SUBJECT_ACCESS_EXTEND)
    check_version(row.version, required=False)
    data = load()
    operations.extend(db.session, row, data["reason"], clock.today())
    record(AuditAction.SUBJECT_ACCESS_EXTEND, person_id=row.person_id, details=_details(row))
    _tell_person(row, NotificationKind.SUBJECT_ACCESS_ANSWERED, "extended")
    return present_request(db.session, row)


def release(request_id: uuid.UUID, load: Loader) -> dict[str, Any]:
    """The copy made available to the person's account or to their key worker, who is
    told; what the copy holds is counted for the record, never returned."""
    row = _load(request_id, AuditAction.SUBJECT_ACCESS_RELEASE)
    check_version(row.version, required=False)
    data = load()
    recipient = operations.release(db.session, row, data.get("to"), g.user, clock.today())
    counts = _counts(row.person_id)
    record(
        AuditAction.SUBJECT_ACCESS_RELEASE,
        person_id=row.person_id,
        details=_details(row, to=row.released_to.value if row.released_to else None, **counts),
    )
    if row.released_to is ReleasedTo.PERSON:
        outbox.queue(
            db.session,
            NotificationKind.SUBJECT_ACCESS_READY,
            to_user_id=recipient.id,
            link=OWN_COPY_LINK,
            actor_id=g.user.id,
        )
    else:
        outbox.queue(
            db.session,
            NotificationKind.SUBJECT_ACCESS_HAND_OVER,
            to_user_id=recipient.id,
            link=f"/people/{row.person_id}/copy",
            actor_id=g.user.id,
        )
    return present_request(db.session, row)


def refuse(request_id: uuid.UUID, load: Loader) -> dict[str, Any]:
    """Answered with a refusal and its reason (Art 12(4): the person is told why, and of
    their right to complain); the person is told there is an answer."""
    row = _load(request_id, AuditAction.SUBJECT_ACCESS_REFUSE)
    check_version(row.version, required=False)
    data = load()
    operations.refuse(db.session, row, data["reason"], data["text"], g.user, clock.today())
    record(
        AuditAction.SUBJECT_ACCESS_REFUSE,
        person_id=row.person_id,
        details=_details(row, reason=data["reason"]),
    )
    _tell_person(row, NotificationKind.SUBJECT_ACCESS_ANSWERED, "refused")
    return present_request(db.session, row)


def _tell_person(row: SubjectAccessRequest, kind: NotificationKind, step: str) -> None:
    account = operations.account_of(db.session, row.person_id)
    if account is not None:
        outbox.queue(
            db.session,
            kind,
            to_user_id=account.id,
            link=OWN_COPY_LINK,
            actor_id=g.user.id,
            dedupe_key=f"sar:{row.id}:{step}",
        )


def _counts(person_id: uuid.UUID) -> dict[str, int]:
    """How much the released copy holds (numbers only), for the release's record."""
    data = gather_for(person_id)
    plan = data.get("plan") or {}
    return {
        "sections_with_content": sum(1 for s in plan.get("sections", []) if s["current"]),
        "access_log_entries": len(data["access_log"]),
        "records": sum(
            len(data[k])
            for k in ("consents", "meetings", "tasks", "crisis_events", "corrections", "referrals")
        ),
    }


def gather_for(person_id: uuid.UUID) -> dict[str, Any]:
    """Everything held about the person (careplan.subject_access.export.gather), with the
    deployment's retention period and contact address."""
    person = operations.find_person(db.session, person_id, None)
    config = current_app.config
    return export.gather(
        db.session,
        person,
        current_app.extensions["careplan.catalogue"],
        kept=information.kept_words(int(config["RETENTION_DAYS"])),
        contact=config.get("CONTACT_EMAIL") or None,
    )


def copy_for(person_id: uuid.UUID, fmt: str, *, own: bool) -> tuple[Any, dict[str, Any]]:
    """The person's copy, decided (PERSON_EXPORT: the person themselves, or their key
    worker to hand over; never an IG officer or administrator) and recorded as
    `subject_access.export` with the format and, when a released request asked for it,
    that request. Returns (the person row, the data)."""
    context, decision = authorise(
        person_id, Permission.PERSON_EXPORT, AuditAction.SUBJECT_ACCESS_EXPORT
    )
    data = gather_for(context.person.id)
    released = [
        r["id"] for r in data["subject_access_requests"] if r["status"] == RequestStatus.RELEASED
    ]
    record(
        AuditAction.SUBJECT_ACCESS_EXPORT,
        person_id=context.person.id,
        sections=catalogue_keys(),
        basis={"export": decision.basis_text},
        details={
            "format": fmt,
            "self_service": own,
            **({"released_request": released[0]} if released else {}),
        },
    )
    return context.person, data


def waiting() -> dict[str, int]:
    """Counts for the IG officer's home page (no names, recorded nowhere)."""
    return operations.waiting(db.session, clock.today())


def own_person_id() -> uuid.UUID:
    """The signed-in individual's person (the route's OWN_PERSON declaration has already
    refused anyone else)."""
    person_id: uuid.UUID = g.user.person_id
    return person_id
