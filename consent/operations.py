"""Recording consent and refusal, withdrawing, claiming a relationship, breaking glass.

Nothing here deletes or edits history: a consent is withdrawn once, a claim and a
break-glass are rows of their own, each flagged for IG review.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import BadRequest, Conflict, Forbidden, NotFound
from careplan.core.text import readable_length
from careplan.plans.models import CareTeamMember, MembershipHow, Plan
from consent.facts import current_agreement
from consent.models import BreakGlass, Consent, ConsentMethod

PENDING = "pending"


def record_consent(
    session: Session,
    person_id: uuid.UUID,
    data: dict[str, Any],
    by: User,
    section_keys: Iterable[str],
) -> Consent:
    unknown = sorted(set(data["sections"] or []) - set(section_keys))
    if unknown:
        raise BadRequest(
            fields={
                "sections": [
                    f"Choose parts of the plan from the list ({k} is not one)" for k in unknown
                ]
            }
        )
    grantee = data["grantee"]
    if "agency_id" in grantee and session.get(Agency, grantee["agency_id"]) is None:
        raise BadRequest(fields={"grantee.agency_id": ["Choose an organisation from the list"]})
    if by.is_individual and data["method"] is not ConsentMethod.SELF_SERVICE:
        raise BadRequest(fields={"method": ["When you record it yourself, use self_service."]})
    consent = Consent(
        person_id=person_id,
        grantee_agency_id=grantee.get("agency_id"),
        grantee_sector=grantee.get("sector"),
        sections=data["sections"],
        purpose=data["purpose"],
        effect=data["effect"],
        starts_on=data.get("starts_on") or clock.today(),
        expires_on=data.get("expires_on"),
        method=data["method"],
        evidence_note=data.get("evidence_note"),
        recorded_by_id=by.id,
    )
    session.add(consent)
    session.flush()
    return consent


def get_consent(session: Session, person_id: uuid.UUID, consent_id: uuid.UUID) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None or consent.person_id != person_id:
        raise NotFound("No such consent record for this person.")
    return consent


def withdraw(session: Session, consent: Consent, by: User, reason: str | None) -> Consent:
    if consent.withdrawn_at is not None:
        raise Conflict("This was already withdrawn.")
    consent.withdrawn_at = clock.now()
    consent.withdrawn_by_id = by.id
    consent.withdrawn_reason = reason
    session.flush()
    return consent


def consents(session: Session, person_id: uuid.UUID) -> list[Consent]:
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.person_id == person_id)
            .order_by(Consent.recorded_at.desc(), Consent.id)
        )
    )


def _require_agreement(session: Session, user: User) -> None:
    agreement = current_agreement(session, user.agency_id)
    if agreement is None or agreement.valid_until < clock.today():
        raise Forbidden(
            "Your agency has no information-sharing agreement in force.", reason="no_agreement"
        )


def justified(text: str, minimum: int, field: str) -> str:
    """The trimmed text, or a field error (BadRequest, 400) when it has fewer than
    `minimum` characters a person can read (careplan.core.text.readable_length: spaces and
    invisible characters do not count)."""
    text = text.strip()
    if readable_length(text) < minimum:
        raise BadRequest(
            fields={
                field: [
                    f"Write at least {minimum} characters: say what is "
                    "happening and why you need to see the plan."
                ]
            }
        )
    return text


def claim(
    session: Session, plan: Plan, user: User, reason: str, days: int, minimum: int
) -> CareTeamMember:
    """Join the care team on the practitioner's own word; IG reviews every claim."""
    _require_agreement(session, user)
    reason = justified(reason, minimum, "reason")
    today, now = clock.today(), clock.now()
    for existing in session.scalars(
        select(CareTeamMember).where(
            CareTeamMember.plan_id == plan.id, CareTeamMember.staff_id == user.id
        )
    ):
        if existing.is_current(today, now):
            raise Conflict("You are already in this person's care team.")
    member = CareTeamMember(
        plan_id=plan.id,
        staff_id=user.id,
        role="Claimed relationship",
        valid_from=today,
        valid_to=today + timedelta(days=days),
        how=MembershipHow.CLAIMED,
        reason=reason,
        added_by_id=user.id,
        review_status=PENDING,
    )
    session.add(member)
    session.flush()
    return member


def break_glass(
    session: Session,
    person_id: uuid.UUID,
    user: User,
    data: dict[str, Any],
    hours: int,
    minimum: int,
) -> BreakGlass:
    """Emergency access: its own record every time, never a silent renewal."""
    _require_agreement(session, user)
    justification = justified(data["justification"], minimum, "justification")
    now = clock.now()
    row = BreakGlass(
        person_id=person_id,
        user_id=user.id,
        agency_id=user.agency_id,
        reason=data["reason"],
        justification=justification,
        invoked_at=now,
        expires_at=now + timedelta(hours=hours),
        review_status=PENDING,
    )
    session.add(row)
    session.flush()
    return row
