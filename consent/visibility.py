"""Which people a practitioner might see something of: the candidates for a search.

This only narrows the database query; every candidate is still confirmed by `decide`.
There is no browsing the whole population: a person outside this set is found only by
exact identifier (lookup).
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from careplan.accounts.models import User
from careplan.people.models import Person
from careplan.plans.models import Plan


def candidate_people(user: User) -> Select[tuple[Person]]:
    standing = select(Plan.person_id).where(
        or_(Plan.key_worker_id == user.id, Plan.lead_agency_id == user.agency_id)
    )
    unplanned = (
        select(Person.id)
        .outerjoin(Plan, Plan.person_id == Person.id)
        .where(Plan.id.is_(None), Person.created_by_id == user.id)
    )
    return select(Person).where(or_(Person.id.in_(standing), Person.id.in_(unplanned)))
