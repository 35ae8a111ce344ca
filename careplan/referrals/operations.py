"""Making, answering, forwarding and expiring referrals (flush only: the unit of work
commits). Access and audit are the services' (`careplan.referrals.services`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.access.context import ReferralFact
from careplan.access.subject import Role
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import Conflict, NotFound, Unprocessable
from careplan.directory.models import Service, ServiceStatus
from careplan.plans.models import CareTeamMember, MembershipHow, Plan
from careplan.referrals import lifecycle
from careplan.referrals.models import Referral, ReferralEvent, ReferralStatus, Urgency
from consent import operations as consent_operations
from consent.facts import current_agreement
from consent.models import Consent, ConsentEffect

NO_REFERRAL = "No referral with that id that you can see."

ANSWER_DAYS = {
    Urgency.URGENT: "REFERRAL_ANSWER_DAYS_URGENT",
    Urgency.SOON: "REFERRAL_ANSWER_DAYS_SOON",
    Urgency.ROUTINE: "REFERRAL_ANSWER_DAYS_ROUTINE",
}


def fact(referral: Referral) -> ReferralFact:
    """The referral as the access policy sees it."""
    return ReferralFact(
        id=referral.id,
        person_id=referral.person_id,
        referrer_id=referral.referrer_id,
        receiving_agency_id=referral.receiving_agency_id,
        taken_by_id=referral.taken_by_id,
    )


def get(session: Session, referral_id: uuid.UUID, *, for_update: bool = False) -> Referral:
    """The referral (NotFound, 404, for no such id)."""
    query = select(Referral).where(Referral.id == referral_id)
    if for_update:
        # Read afresh under the lock: the request may hold the row already (its route
        # found it to decide access).
        query = query.with_for_update().execution_options(populate_existing=True)
    referral = session.scalars(query).one_or_none()
    if referral is None:
        raise NotFound(NO_REFERRAL)
    return referral


def on_platform(service: Service) -> bool:
    """A service answers through this service when it is linked to an agency here and
    takes referrals through it; any other is referred to by letter."""
    return service.agency_id is not None and bool(service.accepts_referrals)


def referable_service(session: Session, service_id: uuid.UUID, field: str) -> Service:
    """An active service of the directory (Unprocessable, 422, naming `field`, otherwise)."""
    service = session.get(Service, service_id)
    if service is None:
        raise Unprocessable(fields={field: ["Choose a service from the directory"]})
    if service.status is not ServiceStatus.ACTIVE:
        raise Unprocessable(
            fields={field: ["This service is not taking anyone at the moment: choose another"]}
        )
    return service


def open_to(session: Session, person_id: uuid.UUID, service_id: uuid.UUID) -> Referral | None:
    """The person's open referral to the service, if there is one."""
    query = (
        select(Referral)
        .where(
            Referral.person_id == person_id,
            Referral.service_id == service_id,
            Referral.status.in_(lifecycle.OPEN),
        )
        .order_by(Referral.created_at, Referral.id)
        .limit(1)
    )
    return session.scalars(query).first()


class DuplicateReferral(Conflict):
    """409: the person already has an open referral to this service (`first`: its id)."""

    def __init__(self, first: uuid.UUID) -> None:
        super().__init__(
            "They already have an open referral to this service: follow that one up, or "
            "cancel it first.",
            fields={"service_id": [f"Already referred: /referrals/{first}"]},
            reason="duplicate",
        )
        self.first = first

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["referral_id"] = str(self.first)
        body["link"] = f"/referrals/{self.first}"
        return body


def check_sections(
    session: Session,
    person_id: uuid.UUID,
    agency_id: uuid.UUID,
    sections: list[str],
    catalogue: dict[str, int],
) -> None:
    """What the person agreed to send can reach the receiving agency: sections of the
    catalogue, within the agency's information-sharing agreement (its ceiling), and none
    the person has refused to that agency or its sector (BRIEF.md, "Sharing rules").
    Unprocessable (422) on `sections`, naming what stops each, otherwise."""
    problems = [
        f"Choose parts of the plan from the list ({k} is not one)"
        for k in sections
        if k not in catalogue
    ]
    if problems:
        raise Unprocessable(fields={"sections": problems})
    agreement = current_agreement(session, agency_id)
    if agreement is None or agreement.valid_until < clock.today():
        raise Unprocessable(
            "This organisation has no information-sharing agreement in force, so nothing "
            "can be sent to them through this service: refer by letter or phone instead.",
            fields={"sections": ["The organisation has no information-sharing agreement"]},
        )
    over = [
        k
        for k in sections
        if catalogue[k] > agreement.max_sensitivity
        or (agreement.sections is not None and k not in agreement.sections)
    ]
    if over:
        raise Unprocessable(
            fields={
                "sections": [
                    f"Their information-sharing agreement does not cover {k}: leave it out"
                    for k in over
                ]
            }
        )
    agency = session.get(Agency, agency_id)
    refusals = session.scalars(
        select(Consent).where(
            Consent.person_id == person_id,
            Consent.effect == ConsentEffect.DENY,
            Consent.withdrawn_at.is_(None),
            (Consent.grantee_agency_id == agency_id)
            | (Consent.grantee_sector == (agency.sector if agency is not None else None)),
        )
    )
    today = clock.today()
    refused = sorted(
        {
            k
            for c in refusals
            if c.starts_on <= today and (c.expires_on is None or c.expires_on >= today)
            for k in sections
            if c.sections is None or k in c.sections
        }
    )
    if refused:
        raise Unprocessable(
            fields={
                "sections": [
                    f"They have said never to share {k} with this organisation: leave it out"
                    for k in refused
                ]
            }
        )


def create(
    session: Session,
    *,
    plan: Plan,
    service: Service,
    data: dict[str, Any],
    by: User,
    catalogue: dict[str, int],
    part_of: Referral | None = None,
) -> tuple[Referral, Consent | None]:
    """A new referral of the plan's person to `service`, status `requested`, with the
    consent that travels with it (purpose `referral`, grantee the receiving agency, those
    sections) recorded in the same step; None for a service not on the platform, whose
    letter carries what the person agreed to (kept on the referral).

    `data`: `ReferralCreateSchema` (sections may be empty for a forwarded referral the
    person has not yet agreed to). Raises DuplicateReferral (409) for a second open
    referral to the service, Unprocessable (422) for what cannot be sent.
    """
    first = open_to(session, plan.person_id, service.id)
    if first is not None:
        raise DuplicateReferral(first.id)
    sections = list(data["sections"])
    platform = on_platform(service)
    agreed = data.get("consent")
    if platform and sections:
        check_sections(session, plan.person_id, service.agency_id, sections, catalogue)
    elif sections:
        unknown = [k for k in sections if k not in catalogue]
        if unknown:
            raise Unprocessable(
                fields={"sections": [f"{k} is not a part of the plan" for k in unknown]}
            )
    now = clock.now()
    days = int(current_app.config[ANSWER_DAYS[data["urgency"]]])
    referral = Referral(
        person_id=plan.person_id,
        plan_id=plan.id,
        service_id=service.id,
        receiving_agency_id=service.agency_id if platform else None,
        referrer_id=by.id,
        referring_agency_id=by.agency_id,
        urgency=data["urgency"],
        sections=sections,
        do_not_contact=bool(data.get("do_not_contact")),
        status=ReferralStatus.REQUESTED,
        part_of_id=part_of.id if part_of is not None else None,
        respond_by=now + timedelta(days=days),
        letter_consent_method=None if platform or agreed is None else agreed["method"].value,
        letter_agreed_on=None if platform or agreed is None else agreed["agreed_on"],
        created_at=now,
        updated_at=now,
        version=1,
    )
    referral.reason = data["reason"].strip()
    referral.contact_note = (data.get("contact_note") or "").strip() or None
    session.add(referral)
    session.flush()
    _event(session, referral, by.id, {})
    consent = None
    if platform and sections and agreed is not None:
        consent = consent_operations.record_consent(
            session,
            plan.person_id,
            {
                "grantee": {"agency_id": service.agency_id},
                "sections": sections,
                "purpose": "referral",
                "effect": ConsentEffect.PERMIT,
                "starts_on": clock.today(),
                "expires_on": None,  # until the referral closes (`close_consent`)
                "method": agreed["method"],
                "evidence_note": f"Agreed on {agreed['agreed_on'].isoformat()}, with a referral",
            },
            by,
            catalogue,
        )
        consent.referral_id = referral.id
        session.flush()
    return referral, consent


def travelling_consent(session: Session, referral: Referral) -> Consent | None:
    """The consent sent with the referral (None: by letter, or not yet agreed)."""
    return session.scalars(
        select(Consent).where(Consent.referral_id == referral.id).order_by(Consent.recorded_at)
    ).first()


def _event(
    session: Session, referral: Referral, by_id: uuid.UUID | None, data: dict[str, Any]
) -> None:
    event = ReferralEvent(
        referral_id=referral.id,
        status=referral.status,
        reason_code=data.get("reason_code"),
        declined_by=data.get("declined_by"),
        suggested_service_id=data.get("suggested_service_id"),
        by_id=by_id,
        at=clock.now(),
    )
    event.reason_text = (data.get("reason_text") or "").strip() or None
    session.add(event)


def change_status(
    session: Session, referral: Referral, data: dict[str, Any], by: User | None
) -> Referral:
    """Move the referral to `data["status"]` (`StatusChangeSchema`), recording who, when
    and why. Accepting on the platform puts the practitioner who took it on the care
    team (`how: referral`); closing it ends the consent that travelled with it.

    Raises Conflict (409) for a status that may not follow the current one, Unprocessable
    (422) for a suggested service not in the directory. `by` None: the service itself
    (an unanswered referral's expiry)."""
    wanted = data["status"]
    if not lifecycle.may_follow(referral.status, wanted):
        raise Conflict(
            f"A referral that is {referral.status.value} cannot become {wanted.value}.",
            fields={"status": [f"Choose one of: {_choices(referral.status)}"]},
            reason="illegal_transition",
        )
    suggested = data.get("suggested_service_id")
    if suggested is not None:
        referable_service(session, suggested, "suggested_service_id")
    now = clock.now()
    referral.status = wanted
    referral.reason_code = data.get("reason_code")
    referral.reason_text = (data.get("reason_text") or "").strip() or None
    referral.declined_by = data.get("declined_by")
    referral.suggested_service_id = suggested
    referral.updated_at = now
    referral.version += 1
    if wanted is ReferralStatus.ACCEPTED and by is not None and referral.receiving_agency_id:
        referral.taken_by_id = by.id
        _join_care_team(session, referral, by)
    if wanted in lifecycle.CLOSED:
        referral.closed_at = now
        close_consent(session, referral, by)
    session.flush()
    _event(session, referral, by.id if by is not None else None, data)
    session.flush()
    return referral


def _choices(status: ReferralStatus) -> str:
    following = sorted(s.value for s in lifecycle.NEXT[status])
    return ", ".join(following) if following else "nothing: it is closed"


def _join_care_team(session: Session, referral: Referral, by: User) -> None:
    """The practitioner who takes the referral on joins the care team, unless they are
    on it already, so the person does not tell their story again (issue 19)."""
    if not by.has_role(Role.PRACTITIONER):
        return
    now = clock.now()
    today = clock.day_of(now)
    places = session.scalars(
        select(CareTeamMember).where(
            CareTeamMember.plan_id == referral.plan_id, CareTeamMember.staff_id == by.id
        )
    )
    if any(p.in_period(today, now) for p in places):
        return
    session.add(
        CareTeamMember(
            plan_id=referral.plan_id,
            staff_id=by.id,
            role="Took on a referral",
            valid_from=today,
            how=MembershipHow.REFERRAL,
            added_by_id=by.id,
        )
    )


def close_consent(session: Session, referral: Referral, by: User | None) -> None:
    """The consent sent with a closed referral ends: a set time after the service
    completes it (CAREPLAN_REFERRAL_CONSENT_DAYS_AFTER_COMPLETED), at once after any
    other close (rejected, cancelled, failed: nothing more is needed)."""
    consent = travelling_consent(session, referral)
    if consent is None or consent.withdrawn_at is not None:
        return
    if referral.status is ReferralStatus.COMPLETED:
        days = int(current_app.config["REFERRAL_CONSENT_DAYS_AFTER_COMPLETED"])
        end = clock.today() + timedelta(days=days)
        if consent.expires_on is None or consent.expires_on > end:
            consent.expires_on = end
        return
    consent.withdrawn_at = clock.now()
    consent.withdrawn_by_id = by.id if by is not None else referral.referrer_id
    consent.withdrawn_reason = f"The referral closed ({referral.status.value})"


def unanswered_due(session: Session, now: datetime, limit: int = 500) -> list[Referral]:
    """Unanswered referrals whose time to answer has passed, oldest first."""
    return list(
        session.scalars(
            select(Referral)
            .where(Referral.status.in_(lifecycle.UNANSWERED), Referral.respond_by <= now)
            .order_by(Referral.respond_by, Referral.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def unanswered_soon(session: Session, now: datetime, until: datetime) -> list[Referral]:
    """Unanswered referrals that will fail between `now` and `until`."""
    return list(
        session.scalars(
            select(Referral)
            .where(
                Referral.status.in_(lifecycle.UNANSWERED),
                Referral.respond_by > now,
                Referral.respond_by <= until,
            )
            .order_by(Referral.respond_by, Referral.id)
        )
    )


def events(
    session: Session, referral_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[ReferralEvent]]:
    """Each referral's history, oldest first."""
    ids = list(referral_ids)
    found: dict[uuid.UUID, list[ReferralEvent]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id.in_(ids))
        .order_by(ReferralEvent.at, ReferralEvent.id)
    )
    for row in rows:
        found[row.referral_id].append(row)
    return found
