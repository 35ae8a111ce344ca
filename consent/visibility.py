"""Which people a practitioner might see something of: the candidates for a search.

Two sets, so a list can be paged and counted in SQL without showing or counting anyone
the policy hides:
- `standing_clause`: people the caller reaches by a standing tie (key worker, lead agency;
  careplan.access.ties) or registered themselves before any plan. The policy lets such a
  caller see the person whatever else holds (a refusal narrows sections, not the person):
  tests/access check this against `can_see_person` for every kind of caller.
- `conditional_clause`: people the caller reaches only through a section (care team
  membership in force today, emergency access not yet expired, a supporter's place in
  force). Each is decided by the
  policy before it is shown or counted.

There is no browsing the whole population: a person outside both sets is found only by
exact identifier (lookup), which is how a relationship is claimed or glass is broken.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import aliased

from careplan.access.sources import Scope
from careplan.accounts.models import User
from careplan.core import clock
from careplan.people.models import Person
from careplan.plans.models import CareTeamMember, Plan
from careplan.supporters.models import Supporter
from careplan.teams.models import Cover, Team, TeamMember
from consent.models import BreakGlass


def _key_worker(user: User) -> ColumnElement[bool]:
    return Person.id.in_(
        select(Plan.person_id).where(Plan.key_worker_id == user.id, Plan.closed_on.is_(None))
    )


def _unplanned(user: User) -> ColumnElement[bool]:
    return and_(Person.created_by_id == user.id, ~Person.id.in_(select(Plan.person_id)))


def _in_scope(user: User, scope: Scope) -> ColumnElement[bool] | None:
    if scope is Scope.KEY_WORKER:
        return _key_worker(user)
    if scope is Scope.UNPLANNED:
        return _unplanned(user)
    if scope is Scope.OTHERS:
        return and_(~_key_worker(user), ~_unplanned(user))
    return None


def _lead_agency(user: User) -> ColumnElement[bool]:
    """A condition on a plan: `user` holds the lead-agency tie (careplan.access.ties
    .LeadAgency). Where their agency is organised in teams, only where they share a team
    with the key worker (as member or leader); otherwise every practitioner of it."""
    mine, worker = aliased(TeamMember), aliased(TeamMember)
    organised = exists().where(Team.agency_id == user.agency_id)
    shares_team = exists().where(
        mine.staff_id == user.id,
        worker.team_id == mine.team_id,
        worker.staff_id == Plan.key_worker_id,
    )
    return and_(Plan.lead_agency_id == user.agency_id, or_(~organised, shares_team))


def _covering(user: User) -> ColumnElement[bool]:
    """A condition on a plan: `user` covers its key worker today (careplan.access.ties.Cover)."""
    today = clock.today()
    return exists().where(
        Cover.cover_id == user.id,
        Cover.staff_id == Plan.key_worker_id,
        Cover.ended_at.is_(None),
        Cover.starts_on <= today,
        Cover.ends_on >= today,
    )


def standing_clause(user: User, scope: Scope = Scope.ALL) -> ColumnElement[bool]:
    """A condition on `person.id`: a person in `scope` whom `user` sees by a standing tie
    (key worker, lead agency or its team ties, cover; of an open or closed plan), or
    registered with no plan yet."""
    standing = select(Plan.person_id).where(
        or_(Plan.key_worker_id == user.id, _lead_agency(user), _covering(user))
    )
    clause = and_(
        or_(Person.id.in_(standing), _unplanned(user)),
        Person.merged_at.is_(None),  # joined into another record: listed as that one
    )
    scoped = _in_scope(user, scope)
    return clause if scoped is None else and_(clause, scoped)


def conditional_clause(user: User, scope: Scope = Scope.ALL) -> ColumnElement[bool] | None:
    """A condition on `person.id`: a person in `scope` whom `user` may see a section of if
    the policy agrees (care team membership in force today, or emergency access not yet
    expired), and does not see by a standing tie. None: the scope (key worker,
    unplanned) holds only standing people."""
    if scope in (Scope.KEY_WORKER, Scope.UNPLANNED):
        return None
    now, today = clock.now(), clock.today()
    in_team = (
        select(Plan.person_id)
        .join(CareTeamMember, CareTeamMember.plan_id == Plan.id)
        .where(
            CareTeamMember.staff_id == user.id,
            CareTeamMember.valid_from <= today,
            or_(CareTeamMember.valid_to.is_(None), CareTeamMember.valid_to >= today),
            or_(CareTeamMember.ended_at.is_(None), CareTeamMember.ended_at > now),
        )
    )
    emergency = select(BreakGlass.person_id).where(
        BreakGlass.user_id == user.id, BreakGlass.expires_at > now
    )
    # A supporter's places in force (careplan.access.ties.Supporter): the policy then
    # shows them only the people whose plan is open.
    supporting = select(Supporter.person_id).where(
        Supporter.account_id == user.id,
        Supporter.ended_at.is_(None),
        Supporter.expires_on >= today,
    )
    return and_(
        or_(Person.id.in_(in_team), Person.id.in_(emergency), Person.id.in_(supporting)),
        Person.merged_at.is_(None),
        ~standing_clause(user),
    )
