"""Everything the access decision needs about one user and one or more people.

Loaded in a fixed number of queries (plan, care-team memberships, consents, the user's
agency agreement, break-glass), however many consents and sections there are, and held
as plain frozen records so the decision itself is a pure function.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.core import clock

if TYPE_CHECKING:
    from careplan.accounts.models import User
    from careplan.people.models import Person


@dataclass(frozen=True)
class ConsentFact:
    id: uuid.UUID
    agency_id: uuid.UUID | None
    sector: str | None
    sections: frozenset[str] | None  # None: every section
    permit: bool
    starts_on: date
    expires_on: date | None
    withdrawn: bool

    def covers(self, section: str) -> bool:
        return self.sections is None or section in self.sections

    def status(self, today: date) -> str:
        if self.withdrawn:
            return "withdrawn"
        if self.expires_on is not None and self.expires_on < today:
            return "expired"
        if self.starts_on > today:
            return "not_started"
        return "active"


@dataclass(frozen=True)
class AgreementFact:
    id: uuid.UUID
    max_sensitivity: int
    sections: frozenset[str] | None
    valid_until: date


@dataclass(frozen=True)
class MembershipFact:
    id: uuid.UUID
    valid_from: date
    valid_to: date | None
    ended_at: datetime | None

    def current(self, today: date, now: datetime) -> bool:
        if self.ended_at is not None and self.ended_at <= now:
            return False
        return self.valid_from <= today and (self.valid_to is None or self.valid_to >= today)


@dataclass(frozen=True)
class BreakGlassFact:
    id: uuid.UUID
    invoked_at: datetime
    expires_at: datetime

    def active(self, now: datetime) -> bool:
        return self.invoked_at <= now < self.expires_at


@dataclass(frozen=True)
class AccessFacts:
    user_id: uuid.UUID
    user_agency_id: uuid.UUID | None
    user_sector: str | None
    is_individual: bool
    is_practitioner: bool
    is_self: bool
    person: Any  # the Person row (handlers use it); the decision reads only its id
    plan: Any  # the Plan row or None; the decision reads its key worker and lead agency
    registered_person: bool
    now: datetime
    today: date
    sensitivity: Mapping[str, int] = field(default_factory=dict)
    memberships: tuple[MembershipFact, ...] = ()
    consents: tuple[ConsentFact, ...] = ()
    agreement: AgreementFact | None = None
    break_glass: tuple[BreakGlassFact, ...] = ()

    @property
    def is_key_worker(self) -> bool:
        return self.plan is not None and self.plan.key_worker_id == self.user_id

    @property
    def in_lead_agency(self) -> bool:
        return (
            self.plan is not None
            and self.user_agency_id is not None
            and self.plan.lead_agency_id == self.user_agency_id
        )

    @property
    def in_care_team(self) -> bool:
        return any(m.current(self.today, self.now) for m in self.memberships)

    def consents_for_me(self) -> list[ConsentFact]:
        """Consents naming the user's agency or its whole sector."""
        return [
            c
            for c in self.consents
            if (c.agency_id is not None and c.agency_id == self.user_agency_id)
            or (c.sector is not None and c.sector == self.user_sector)
        ]

    def active_break_glass(self) -> BreakGlassFact | None:
        active = [b for b in self.break_glass if b.active(self.now)]
        return min(active, key=lambda b: str(b.id)) if active else None


def load_facts(
    session: Session, user: User, person: Person, sensitivity: Mapping[str, int]
) -> AccessFacts:
    return load_facts_many(session, user, [person], sensitivity)[0]


def load_facts_many(
    session: Session, user: User, people: list[Person], sensitivity: Mapping[str, int]
) -> list[AccessFacts]:
    """Facts for each person, in five queries at most whatever the number of people."""
    from careplan.accounts.models import Role
    from careplan.plans.models import CareTeamMember, Plan
    from consent.models import BreakGlass, Consent

    if not people:
        return []
    ids = [p.id for p in people]
    now = clock.now()
    plans = {p.person_id: p for p in session.scalars(select(Plan).where(Plan.person_id.in_(ids)))}
    privileged = user.has_role(Role.IG_OFFICER) or user.has_role(Role.ADMIN)
    practitioner = user.has_role(Role.PRACTITIONER) and not privileged
    memberships: dict[Any, list[MembershipFact]] = {}
    consents: dict[Any, list[ConsentFact]] = {}
    glass: dict[Any, list[BreakGlassFact]] = {}
    agreement = None
    # A key worker may do everything on their own people's plans: nothing more to load.
    others = [p for p in plans.values() if p.key_worker_id != user.id]
    if practitioner and others:
        # Column selects, not objects: this runs on every plan request.
        member_rows = session.execute(
            select(
                CareTeamMember.plan_id,
                CareTeamMember.id,
                CareTeamMember.valid_from,
                CareTeamMember.valid_to,
                CareTeamMember.ended_at,
            ).where(
                CareTeamMember.staff_id == user.id,
                CareTeamMember.plan_id.in_([p.id for p in others]),
            )
        )
        for m in member_rows:
            memberships.setdefault(m.plan_id, []).append(
                MembershipFact(m.id, m.valid_from, m.valid_to, m.ended_at)
            )
        consent_rows = session.execute(
            select(
                Consent.person_id,
                Consent.id,
                Consent.grantee_agency_id,
                Consent.grantee_sector,
                Consent.sections,
                Consent.effect,
                Consent.starts_on,
                Consent.expires_on,
                Consent.withdrawn_at,
            ).where(Consent.person_id.in_(ids))
        )
        for c in consent_rows:
            consents.setdefault(c.person_id, []).append(consent_fact(c))
        glass_rows = session.execute(
            select(
                BreakGlass.person_id, BreakGlass.id, BreakGlass.invoked_at, BreakGlass.expires_at
            ).where(
                BreakGlass.user_id == user.id,
                BreakGlass.person_id.in_(ids),
                BreakGlass.expires_at > now,
            )
        )
        for b in glass_rows:
            glass.setdefault(b.person_id, []).append(
                BreakGlassFact(b.id, b.invoked_at, b.expires_at)
            )
        agreement = current_agreement(session, user.agency_id)
    sector = user.agency.sector.value if user.agency is not None else None
    return [
        AccessFacts(
            user_id=user.id,
            user_agency_id=user.agency_id,
            user_sector=sector,
            is_individual=user.is_individual,
            is_practitioner=practitioner,
            is_self=user.is_individual and user.person_id == person.id,
            person=person,
            plan=plans.get(person.id),
            registered_person=person.created_by_id == user.id,
            now=now,
            today=now.date(),
            sensitivity=sensitivity,
            memberships=tuple(memberships.get(plans[person.id].id, ()))
            if person.id in plans
            else (),
            consents=tuple(consents.get(person.id, ())),
            agreement=agreement,
            break_glass=tuple(glass.get(person.id, ())),
        )
        for person in people
    ]


def consent_fact(c: Any) -> ConsentFact:
    return ConsentFact(
        id=c.id,
        agency_id=c.grantee_agency_id,
        sector=c.grantee_sector.value if c.grantee_sector else None,
        sections=frozenset(c.sections) if c.sections is not None else None,
        permit=c.effect.value == "permit",
        starts_on=c.starts_on,
        expires_on=c.expires_on,
        withdrawn=c.withdrawn_at is not None,
    )


def current_agreement(session: Session, agency_id: uuid.UUID | None) -> AgreementFact | None:
    """The agency's agreement in force: its newest one (older rows are history)."""
    from careplan.plans.catalogue import Sensitivity
    from consent.models import SharingAgreement

    if agency_id is None:
        return None
    row = session.execute(
        select(
            SharingAgreement.id,
            SharingAgreement.max_sensitivity,
            SharingAgreement.sections,
            SharingAgreement.valid_until,
        )
        .where(SharingAgreement.agency_id == agency_id)
        .order_by(SharingAgreement.created_at.desc(), SharingAgreement.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return AgreementFact(
        row.id,
        int(Sensitivity.parse(row.max_sensitivity)),
        frozenset(row.sections) if row.sections is not None else None,
        row.valid_until,
    )


def sensitivities(catalogue: Iterable[Any]) -> dict[str, int]:
    return {kind.key: int(kind.sensitivity) for kind in catalogue}
