"""Which people a practitioner might see something of: the candidates for a search.

This only narrows the database query; every candidate is still confirmed by `decide`.
There is no browsing the whole population: a person outside this set is found only by
exact identifier (lookup), which is how a relationship is claimed or glass is broken.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from careplan.accounts.models import User
from careplan.core import clock
from careplan.people.models import Person
from careplan.plans.models import CareTeamMember, Plan
from consent.models import BreakGlass


def candidate_clause(user: User) -> ColumnElement[bool]:
    """A condition on `person.id`: one of the people `user` may see something of."""
    now = clock.now()
    standing = select(Plan.person_id).where(
        or_(Plan.key_worker_id == user.id, Plan.lead_agency_id == user.agency_id)
    )
    in_team = (
        select(Plan.person_id)
        .join(CareTeamMember, CareTeamMember.plan_id == Plan.id)
        .where(
            CareTeamMember.staff_id == user.id,
            or_(CareTeamMember.ended_at.is_(None), CareTeamMember.ended_at > now),
        )
    )
    emergency = select(BreakGlass.person_id).where(
        BreakGlass.user_id == user.id, BreakGlass.expires_at > now
    )
    unplanned = (
        select(Person.id)
        .outerjoin(Plan, Plan.person_id == Person.id)
        .where(Plan.id.is_(None), Person.created_by_id == user.id)
    )
    return or_(*(Person.id.in_(q) for q in (standing, in_team, emergency, unplanned)))
