"""Referrals as the API and the pages show them: names for ids, words for codes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core.clock import iso
from careplan.directory.models import Organization, Service
from careplan.referrals import lifecycle
from careplan.referrals.models import Referral, ReferralEvent


@dataclass
class Names:
    """Names of the accounts, agencies and services a set of referrals names, read in
    three column selects (no ORM objects: an inbox page names hundreds)."""

    users: dict[uuid.UUID, str] = field(default_factory=dict)
    agencies: dict[uuid.UUID, str] = field(default_factory=dict)
    services: dict[uuid.UUID, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, session: Session, referrals: Iterable[Referral], events: Iterable[ReferralEvent] = ()
    ) -> Names:
        referrals, events = list(referrals), list(events)
        users = {r.referrer_id for r in referrals} | {r.taken_by_id for r in referrals}
        users |= {e.by_id for e in events}
        agencies = {r.receiving_agency_id for r in referrals} | {
            r.referring_agency_id for r in referrals
        }
        services = {r.service_id for r in referrals} | {r.suggested_service_id for r in referrals}
        services |= {e.suggested_service_id for e in events}
        users.discard(None)
        agencies.discard(None)
        services.discard(None)
        found = cls()
        if users:
            rows = session.execute(select(User.id, User.name).where(User.id.in_(users)))
            found.users = {r.id: r.name for r in rows}
        if agencies:
            rows = session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agencies)))
            found.agencies = {r.id: r.name for r in rows}
        if services:
            rows = session.execute(
                select(Service.id, Service.name, Organization.name.label("organization"))
                .join(Organization, Organization.id == Service.organization_id)
                .where(Service.id.in_(services))
            )
            found.services = {r.id: (r.name, r.organization) for r in rows}
        return found

    def user(self, user_id: uuid.UUID | None) -> dict[str, Any] | None:
        name = self.users.get(user_id) if user_id is not None else None
        return None if name is None else {"id": user_id, "name": name}

    def agency(self, agency_id: uuid.UUID | None) -> dict[str, Any] | None:
        name = self.agencies.get(agency_id) if agency_id is not None else None
        return None if name is None else {"id": agency_id, "name": name}

    def service(self, service_id: uuid.UUID | None) -> dict[str, Any] | None:
        found = self.services.get(service_id) if service_id is not None else None
        if found is None:
            return None
        return {"id": service_id, "name": found[0], "organization": found[1]}


def event(row: ReferralEvent, names: Names) -> dict[str, Any]:
    return {
        "status": row.status.value,
        "status_words": lifecycle.STATUS_WORDS[row.status],
        "reason_code": row.reason_code,
        "reason": lifecycle.reason_label(row.status, row.reason_code),
        "reason_text": row.reason_text,
        "declined_by": row.declined_by.value if row.declined_by else None,
        "suggested_service": names.service(row.suggested_service_id),
        "by": names.user(row.by_id),
        "at": iso(row.at),
    }


def referral(
    row: Referral,
    names: Names,
    history: list[ReferralEvent],
    *,
    consent_id: uuid.UUID | None = None,
    person: dict[str, Any] | None = None,
    shared: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One referral. `person`: who it is about (name, date of birth), for staff;
    `shared`: the sections sent with it, as the caller may read them (receiving agency)."""
    body = {
        "id": row.id,
        "person_id": row.person_id,
        "person": person,
        "service": names.service(row.service_id),
        "receiving_agency": names.agency(row.receiving_agency_id),
        "on_platform": row.receiving_agency_id is not None,
        "referrer": names.user(row.referrer_id),
        "referring_agency": names.agency(row.referring_agency_id),
        "reason": row.reason,
        "urgency": row.urgency.value,
        "sections": list(row.sections),
        "do_not_contact": row.do_not_contact,
        "contact_note": row.contact_note,
        "status": row.status.value,
        "status_words": lifecycle.STATUS_WORDS[row.status],
        "reason_code": row.reason_code,
        "reason_text": row.reason_text,
        "declined_by": row.declined_by.value if row.declined_by else None,
        "suggested_service": names.service(row.suggested_service_id),
        "part_of": row.part_of_id,
        "consent_id": consent_id,
        "consent": _agreement(row, consent_id),
        "taken_by": names.user(row.taken_by_id),
        "respond_by": iso(row.respond_by),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "closed_at": iso(row.closed_at) if row.closed_at else None,
        "version": row.version,
        "history": [event(e, names) for e in history],
    }
    if shared is not None:
        body["shared_sections"] = shared
    return body


def summary(row: Referral, names: Names, person: dict[str, Any] | None) -> dict[str, Any]:
    """A referral as an inbox lists it: who, to which service, how urgent, where it
    stands; its text, history and what was sent are on the referral itself."""
    return {
        "id": row.id,
        "person_id": row.person_id,
        "person": person,
        "service": names.service(row.service_id),
        "receiving_agency": names.agency(row.receiving_agency_id),
        "on_platform": row.receiving_agency_id is not None,
        "referrer": names.user(row.referrer_id),
        "referring_agency": names.agency(row.referring_agency_id),
        "urgency": row.urgency.value,
        "do_not_contact": row.do_not_contact,
        "status": row.status.value,
        "status_words": lifecycle.STATUS_WORDS[row.status],
        "reason_code": row.reason_code,
        "part_of": row.part_of_id,
        "respond_by": iso(row.respond_by),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "closed_at": iso(row.closed_at) if row.closed_at else None,
        "version": row.version,
    }


def _agreement(row: Referral, consent_id: uuid.UUID | None) -> dict[str, Any]:
    if row.receiving_agency_id is None:
        return {
            "by": "letter",
            "method": row.letter_consent_method,
            "agreed_on": row.letter_agreed_on.isoformat() if row.letter_agreed_on else None,
        }
    return {"by": "consent", "consent_id": consent_id}
