"""Everything the access decision needs about one user and one person, loaded at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.core import clock

if TYPE_CHECKING:
    from careplan.accounts.models import User
    from careplan.people.models import Person
    from careplan.plans.models import Plan


@dataclass(frozen=True)
class AccessFacts:
    user_id: uuid.UUID
    user_agency_id: uuid.UUID | None
    is_individual: bool
    is_practitioner: bool
    is_self: bool
    person: Person
    plan: Plan | None
    registered_person: bool
    now: datetime
    today: date

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


def load_facts(session: Session, user: User, person: Person) -> AccessFacts:
    """One query for the plan; the user and person are already loaded by the caller."""
    from careplan.plans.models import Plan

    plan = session.scalars(select(Plan).where(Plan.person_id == person.id)).one_or_none()
    return _facts(user, person, plan)


def _facts(user: User, person: Person, plan: Plan | None) -> AccessFacts:
    from careplan.accounts.models import Role

    privileged = user.has_role(Role.IG_OFFICER) or user.has_role(Role.ADMIN)
    now = clock.now()
    return AccessFacts(
        user_id=user.id,
        user_agency_id=user.agency_id,
        is_individual=user.is_individual,
        is_practitioner=user.has_role(Role.PRACTITIONER) and not privileged,
        is_self=user.is_individual and user.person_id == person.id,
        person=person,
        plan=plan,
        registered_person=person.created_by_id == user.id,
        now=now,
        today=now.date(),
    )


def load_facts_many(session: Session, user: User, people: list[Person]) -> list[AccessFacts]:
    """Facts for several people in one query for their plans (search results)."""
    from careplan.plans.models import Plan

    ids = [p.id for p in people]
    plans = {p.person_id: p for p in session.scalars(select(Plan).where(Plan.person_id.in_(ids)))}
    return [_facts(user, person, plans.get(person.id)) for person in people]
