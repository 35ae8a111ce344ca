"""IG review of break-glass and claimed relationships.

Each starts "pending". Its review records an outcome and a note: "appropriate" or
"inappropriate" finish it ("reviewed"); "needs_follow_up" leaves it open ("follow_up")
until the follow-up is recorded, with what it found ("appropriate" or "inappropriate")
and a note, in columns of its own, so the first review stays as it was written. A
finished review is never changed (409).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from audit.models import AuditEvent
from careplan.accounts.models import User
from careplan.core import clock
from careplan.core.clock import iso
from careplan.core.errors import BadRequest, Conflict, NotFound
from careplan.people.models import Person
from careplan.plans.models import CareTeamMember, MembershipHow, Plan
from consent.models import BreakGlass, Consent, ConsentEffect

KINDS = {"break-glass": BreakGlass, "claims": CareTeamMember}


PENDING, FOLLOW_UP, REVIEWED = "pending", "follow_up", "reviewed"
STATUSES = {
    "pending": (PENDING,),
    "follow_up": (FOLLOW_UP,),
    "open": (PENDING, FOLLOW_UP),
    "reviewed": (REVIEWED,),
}
FINAL_OUTCOMES = ("appropriate", "inappropriate")
NEEDS_FOLLOW_UP = "needs_follow_up"


def pending(session: Session, kind: str, status: str) -> list[dict[str, Any]]:
    """Items of `kind` ("break-glass" or "claims") in `status`: "pending" (not reviewed
    yet), "follow_up" (reviewed as needing follow-up), "open" (either), "reviewed"
    (finished) or "all"; at most 500, oldest first."""
    model = KINDS[kind]
    query = select(model)
    if model is CareTeamMember:
        query = query.where(CareTeamMember.how == MembershipHow.CLAIMED)
    if status in STATUSES:
        query = query.where(model.review_status.in_(STATUSES[status]))
    when = model.invoked_at if model is BreakGlass else model.added_at
    rows = list(session.scalars(query.order_by(when, model.id).limit(500)))
    return [present(session, kind, row) for row in rows]


def waiting(session: Session) -> dict[str, int]:
    """How many reviews wait, by what waits: {"break_glass": n, "claims": n,
    "follow_up": n} (emergency accesses and claimed relationships not reviewed yet, and
    reviews of either waiting for their follow-up). Counts only: no one's details."""
    counts = {"break_glass": 0, "claims": 0, "follow_up": 0}
    for kind, model in KINDS.items():
        query = select(model.review_status, func.count()).group_by(model.review_status)
        if model is CareTeamMember:
            query = query.where(CareTeamMember.how == MembershipHow.CLAIMED)
        for status, count in session.execute(
            query.where(model.review_status.in_((PENDING, FOLLOW_UP)))
        ):
            if status == FOLLOW_UP:
                counts["follow_up"] += count
            else:
                counts["break_glass" if kind == "break-glass" else "claims"] += count
    return counts


def emergency_use(session: Session, row: BreakGlass, actor: User) -> dict[str, Any]:
    """What a judgement of an emergency access needs (issue 17), from the audit log and
    the person's refusals: {"opened": [(section key, times opened)], "overridden":
    [section key]}. Opened: the sections the audit log shows the actor read or changed
    for this person from the access's start to its end. Overridden: those among them the
    person had refused to the actor's organisation (or its sector) when the access began:
    the emergency let them be seen anyway. Keys only; the page gives their titles."""
    times: dict[str, int] = {}
    events = session.execute(
        select(AuditEvent.sections).where(
            AuditEvent.actor_id == row.user_id,
            AuditEvent.person_id == row.person_id,
            AuditEvent.outcome == "permit",
            AuditEvent.occurred_at >= row.invoked_at,
            AuditEvent.occurred_at <= row.expires_at,
        )
    )
    for (sections,) in events:
        for key in sections or []:
            times[key] = times.get(key, 0) + 1
    began = clock.day_of(row.invoked_at)  # the day in Scotland, as consents count days
    refused: set[str] = set()
    everything = False
    agency = actor.agency
    grantee = [Consent.grantee_agency_id == agency.id, Consent.grantee_sector == agency.sector]
    refusals = (
        session.scalars(
            select(Consent).where(
                Consent.person_id == row.person_id,
                Consent.effect == ConsentEffect.DENY,
                or_(*grantee),
                Consent.starts_on <= began,
                or_(Consent.expires_on.is_(None), Consent.expires_on >= began),
                or_(Consent.withdrawn_at.is_(None), Consent.withdrawn_at > row.invoked_at),
            )
        )
        if agency is not None
        else []
    )
    for refusal in refusals:
        if refusal.sections is None:
            everything = True
        else:
            refused.update(refusal.sections)
    overridden = sorted(k for k in times if everything or k in refused)
    return {"opened": sorted(times.items()), "overridden": overridden}


def present(session: Session, kind: str, row: Any) -> dict[str, Any]:
    if kind == "break-glass":
        actor = session.get(User, row.user_id)
        person = session.get(Person, row.person_id)
        return {
            "id": row.id,
            "kind": "break_glass",
            "person_id": row.person_id,
            "person_name": person.display_name if person is not None else None,
            **emergency_use(session, row, actor),
            "actor": actor.name,
            "agency": actor.agency.name if actor.agency else None,
            "reason": row.reason.value,
            "justification": row.justification,
            "at": iso(row.invoked_at),
            "expires_at": iso(row.expires_at),
            **_review(row),
        }
    plan = session.get(Plan, row.plan_id)
    staff = row.staff
    return {
        "id": row.id,
        "kind": "claim",
        "person_id": plan.person_id,
        "person_name": plan.person.display_name if plan.person is not None else None,
        "actor": staff.name,
        "agency": staff.agency.name if staff.agency else None,
        "reason": None,
        "justification": row.reason,
        "at": iso(row.added_at),
        "expires_at": None,
        **_review(row),
    }


def _review(row: Any) -> dict[str, Any]:
    return {
        "review_status": row.review_status,
        "review_outcome": row.review_outcome,
        "review_note": row.review_note,
        "reviewed_at": iso(row.reviewed_at),
        "follow_up_outcome": row.follow_up_outcome,
        "follow_up_note": row.follow_up_note,
        "followed_up_at": iso(row.followed_up_at),
    }


def review(
    session: Session, kind: str, item_id: uuid.UUID, data: dict[str, Any], by: User
) -> tuple[Any, str]:
    """Record the next step of the item's review: the review itself when it is pending,
    its follow-up when the review found it needs one. Returns the row and the step
    ("review" or "follow_up").

    Raises NotFound (no such item of this kind), Conflict (409: already finished), or
    BadRequest (a follow-up must say what it found: appropriate or inappropriate)."""
    model = KINDS[kind]
    # Locked until commit: two officers finishing one review at once give one answer and
    # one 409, never two outcomes (PostgreSQL; SQLite holds the write lock already).
    # Only the item's own row: a care team place eagerly joins its holder (outer join).
    row = session.scalars(
        select(model)
        .where(model.id == item_id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None or (kind == "claims" and row.how is not MembershipHow.CLAIMED):
        raise NotFound("Nothing to review with that id.")
    now = clock.now()
    if row.review_status == PENDING:
        row.review_status = FOLLOW_UP if data["outcome"] == NEEDS_FOLLOW_UP else REVIEWED
        row.review_outcome = data["outcome"]
        row.review_note = data["note"].strip()
        row.reviewed_by_id = by.id
        row.reviewed_at = now
        step = "review"
    elif row.review_status == FOLLOW_UP:
        if data["outcome"] not in FINAL_OUTCOMES:
            raise BadRequest(
                fields={
                    "outcome": [
                        "Say what the follow-up found: the access was appropriate, "
                        "or it was not appropriate."
                    ]
                }
            )
        row.review_status = REVIEWED
        row.follow_up_outcome = data["outcome"]
        row.follow_up_note = data["note"].strip()
        row.followed_up_by_id = by.id
        row.followed_up_at = now
        step = "follow_up"
    else:
        raise Conflict("This has already been reviewed, and its review is finished.")
    session.flush()
    return row, step
