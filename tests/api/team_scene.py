"""A lead agency organised in teams (issue 22), for the team, key worker's team and cover
bases: Sarah's key worker Kay is in North; North's leader and a North colleague reach her
by their team, South's leader and member and a colleague in no team do not, and a colleague
covering Kay's absence today does. A second agency with no teams keeps the lead-agency
rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from careplan.accounts.models import User
from careplan.agencies.models import Agency, AgencyKind, Sector
from careplan.core import clock
from careplan.people.models import Person
from careplan.plans.models import Plan
from careplan.teams.models import Cover, Team, TeamMember
from consent.models import SharingAgreement
from tests import snapshot
from tests.support import World

ROLES = ("north_lead", "north_mate", "south_lead", "south_mate", "cover", "no_team")


@dataclass
class TeamScene:
    lead: Agency
    plain: Agency  # an agency with no teams
    kay: User  # Sarah's key worker, in North
    north_lead: User
    north_mate: User
    south_lead: User
    south_mate: User
    cover: User  # covers Kay today; in no team
    no_team: User
    admin: User
    sarah: Person
    plan: Plan
    sarah_account: User
    north: Team
    south: Team
    covering: Cover
    plain_worker: User
    plain_colleague: User
    tom: Person  # on the plain agency's caseload

    def role(self, name: str) -> User:
        return getattr(self, name)


def build_team_scene(world: World) -> TeamScene:
    return snapshot.built_once("team_scene", lambda: _build(world))


def _team(world: World, agency: Agency, name: str, places: list[tuple[User, bool]]) -> Team:
    team = Team(id=uuid.uuid4(), agency_id=agency.id, name=name, version=1)
    team.members = [TeamMember(id=uuid.uuid4(), staff_id=u.id, leader=lead) for u, lead in places]
    world.session.add(team)
    world.session.commit()
    return team


def _build(world: World) -> TeamScene:
    lead = world.agency("Addiction recovery team")
    plain = world.agency("Recovery cafe", Sector.THIRD_SECTOR, AgencyKind.CHARITY)
    kay = world.staff(lead, name="Kay Worker")
    north_lead = world.staff(lead, name="Nora North")
    north_mate = world.staff(lead, name="Ned North")
    south_lead = world.staff(lead, name="Sam South")
    south_mate = world.staff(lead, name="Sue South")
    cover = world.staff(lead, name="Cora Cover")
    no_team = world.staff(lead, name="Nico Noteam")
    admin = world.staff(None, roles=("admin",), name="Admin")
    plain_worker = world.staff(plain, name="Pat Plain")
    plain_colleague = world.staff(plain, name="Pip Plain")
    sarah = world.person(kay, given_name="Sarah", family_name="Mackenzie", chi="1204881235")
    plan = world.plan(sarah, kay)
    tom = world.person(plain_worker, given_name="Tom", family_name="Plainfield")
    world.plan(tom, plain_worker)
    north = _team(world, lead, "North", [(kay, False), (north_lead, True), (north_mate, False)])
    south = _team(world, lead, "South", [(south_lead, True), (south_mate, False)])
    today = clock.today()
    covering = Cover(
        id=uuid.uuid4(),
        staff_id=kay.id,
        cover_id=cover.id,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=6),
    )
    world.session.add(covering)
    for agency in (lead, plain):
        world.session.add(
            SharingAgreement(
                agency_id=agency.id,
                max_sensitivity="sensitive",
                sections=None,
                lawful_basis="art6_1_e_art9_2_h",
                valid_until=date(2030, 1, 1),
                created_by_id=admin.id,
            )
        )
    world.session.commit()
    return TeamScene(
        lead=lead,
        plain=plain,
        kay=kay,
        north_lead=north_lead,
        north_mate=north_mate,
        south_lead=south_lead,
        south_mate=south_mate,
        cover=cover,
        no_team=no_team,
        admin=admin,
        sarah=sarah,
        plan=plan,
        sarah_account=world.individual(sarah),
        north=north,
        south=south,
        covering=covering,
        plain_worker=plain_worker,
        plain_colleague=plain_colleague,
        tom=tom,
    )
