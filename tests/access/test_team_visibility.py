"""The SQL that lists and counts people (consent.visibility) agrees with the policy
(`can_see_person`) for the team, team leader and cover ties (issue 22): everyone the
standing clause returns, the policy lets the caller see; everyone the policy lets them see
is in the standing or the conditional clause; nobody else is in either."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from careplan.access.policy import can_see_person
from careplan.access.sources import Scope
from careplan.extensions import db
from careplan.people.models import Person
from consent.facts import load_facts_many, sensitivities
from consent.visibility import conditional_clause, standing_clause
from tests.api.team_scene import ROLES, build_team_scene


@pytest.fixture
def app(shared_app):
    return shared_app


def _ids(clause):
    if clause is None:
        return set()
    return set(db.session.scalars(select(Person.id).where(clause)))


@pytest.mark.parametrize("role", [*ROLES, "kay", "plain_worker", "plain_colleague", "ended_cover"])
def test_the_lists_agree_with_the_policy(world, role):
    from careplan.core import clock
    from careplan.plans.access import catalogue

    scene = build_team_scene(world)
    if role == "ended_cover":
        scene.covering.ended_at = clock.now()
        world.session.commit()
        role = "cover"
    user = scene.role(role)
    everyone = list(db.session.scalars(select(Person)))
    contexts = load_facts_many(db.session, user, everyone, sensitivities(catalogue()))
    seen = {p.id for p, c in zip(everyone, contexts, strict=True) if can_see_person(c)}
    standing = _ids(standing_clause(user, Scope.ALL))
    conditional = _ids(conditional_clause(user, Scope.ALL))
    assert standing <= seen, "listed by the standing clause but hidden by the policy"
    assert seen <= standing | conditional, "seen by the policy but in neither clause"
    # The covering colleague and the key worker's team find Sarah; nobody else does.
    expected = role in ("north_lead", "north_mate", "kay") or (
        role == "cover" and scene.covering.ended_at is None
    )
    assert (scene.sarah.id in seen) is expected


@pytest.mark.parametrize("role", [*ROLES, "kay", "plain_worker", "plain_colleague"])
def test_lists_decided_on_plan_ties_get_the_same_team_facts(world, role):
    """The referral inbox decides each row on the plan's ties alone (consent.facts.
    team_facts): each caller's team and cover facts there are those a whole context holds,
    so a lead-agency colleague outside the key worker's team gets no lead-agency basis."""
    from careplan.plans.access import catalogue
    from careplan.plans.models import Plan
    from consent.facts import team_facts

    scene = build_team_scene(world)
    user = scene.role(role)
    everyone = list(db.session.scalars(select(Person)))
    contexts = load_facts_many(db.session, user, everyone, sensitivities(catalogue()))
    plans = {p.person_id: p for p in db.session.scalars(select(Plan))}
    teams_of, covers_of = team_facts(db.session, user, plans.values())
    for person, context in zip(everyone, contexts, strict=True):
        plan = plans.get(person.id)
        if plan is None or plan.key_worker_id == user.id:
            continue  # the key worker tie decides first; nothing is loaded for it
        assert (teams_of(plan), covers_of(plan)) == (context.teams, context.covers), person.id
