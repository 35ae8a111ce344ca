"""Who is told of what happens to consent, claims and emergency access (issue 19).

Each function queues its notifications in the caller's unit of work
(`careplan.notifications.outbox.queue`), so a notice commits with the change or not at all.
The rules:

- Emergency access (break-glass) on a person: their key worker, and the IG officers (for
  review) of the plan's lead agency and of the agency whose staff member used it (the
  lead agency's alone when they are the same; the user's agency alone when there is no
  plan).
- A claimed relationship (joining a care team on one's own word): the key worker, and the
  IG officers of the lead agency and of the claimant's agency.
- A consent withdrawn: the key worker.
- A consent to share ending within 30 days: the key worker and the person (if they have
  an account), once per consent and end date (`consents_ending`, run daily).

Nobody is told of their own action. Only open plans' key workers are told.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.accounts.models import AccountKind, User
from careplan.notifications.kinds import NotificationKind as Kind
from careplan.notifications.outbox import queue
from careplan.plans.models import Plan
from consent.models import Consent, ConsentEffect

ENDING_WITHIN_DAYS = 30
REVIEWS = "/ig/reviews"


def _plan(session: Session, person_id: uuid.UUID) -> Plan | None:
    return session.scalars(select(Plan).where(Plan.person_id == person_id)).one_or_none()


def _reviewers(session: Session, kind: Kind, plan: Plan | None, actor: Any) -> None:
    agencies = []
    if plan is not None:
        agencies.append(plan.lead_agency_id)
    if actor.agency_id is not None and actor.agency_id not in agencies:
        agencies.append(actor.agency_id)
    for agency_id in agencies:
        queue(session, kind, to_agency_id=agency_id, link=REVIEWS, actor_id=actor.id)


def break_glass_used(session: Session, person_id: uuid.UUID, actor: Any) -> None:
    plan = _plan(session, person_id)
    if plan is not None and plan.closed_on is None:
        queue(
            session,
            Kind.BREAK_GLASS_ON_MY_PERSON,
            to_user_id=plan.key_worker_id,
            link=f"/people/{person_id}/access-log",
            actor_id=actor.id,
        )
    _reviewers(session, Kind.BREAK_GLASS_FOR_REVIEW, plan, actor)


def relationship_claimed(session: Session, plan: Plan, actor: Any) -> None:
    queue(
        session,
        Kind.CLAIM_ON_MY_PERSON,
        to_user_id=plan.key_worker_id,
        link=f"/people/{plan.person_id}/care-team",
        actor_id=actor.id,
    )
    _reviewers(session, Kind.CLAIM_FOR_REVIEW, plan, actor)


def consent_withdrawn(session: Session, consent: Consent, actor: Any) -> None:
    plan = _plan(session, consent.person_id)
    if plan is None or plan.closed_on is not None:
        return
    queue(
        session,
        Kind.CONSENT_WITHDRAWN,
        to_user_id=plan.key_worker_id,
        link=f"/people/{consent.person_id}/sharing",
        actor_id=actor.id,
    )


def consents_ending(session: Session, today: date) -> int:
    """Queue the notices of consents to share (not refusals) that end within 30 days of
    `today` (Scottish days), for open plans: the key worker's and the person's. Idempotent:
    one notice per consent, end date and recipient, however often it runs. Returns how
    many were queued. Flush only."""
    rows = session.execute(
        select(Consent, Plan)
        .join(Plan, Plan.person_id == Consent.person_id)
        .where(
            Consent.effect == ConsentEffect.PERMIT,
            Consent.withdrawn_at.is_(None),
            Consent.expires_on.is_not(None),
            Consent.expires_on >= today,
            Consent.expires_on <= today + timedelta(days=ENDING_WITHIN_DAYS),
            Plan.closed_on.is_(None),
        )
        .order_by(Consent.expires_on, Consent.id)
    ).all()
    people = {
        u.person_id: u.id
        for u in session.scalars(
            select(User).where(
                User.kind == AccountKind.INDIVIDUAL,
                User.active.is_(True),
                User.person_id.in_([c.person_id for c, _ in rows]),
            )
        )
    }
    queued = 0
    for consent, plan in rows:
        key = f"consent-ending:{consent.id}:{consent.expires_on.isoformat()}"
        made = queue(
            session,
            Kind.CONSENT_ENDING,
            to_user_id=plan.key_worker_id,
            link=f"/people/{consent.person_id}/sharing",
            dedupe_key=f"{key}:key-worker",
        )
        queued += made is not None
        account = people.get(consent.person_id)
        if account is not None:
            made = queue(
                session,
                Kind.CONSENT_ENDING_MINE,
                to_user_id=account,
                link="/my-plan/sharing",
                dedupe_key=f"{key}:person",
            )
            queued += made is not None
    return queued
