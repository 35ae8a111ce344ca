"""The SQL that lists people (consent.visibility) agrees with the policy (`can_see_person`)
for the supporter tie (issue 20): a supporter's places in force are in the conditional
clause (never the standing one), and the policy decides each: the person whose plan is
open, not the one whose plan closed, not one whose place ended or expired, nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from careplan.access.policy import can_see_person
from careplan.access.sources import Scope
from careplan.accounts.models import AccountKind, User
from careplan.core import clock
from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.access import catalogue
from careplan.plans.models import Plan
from careplan.supporters.models import Supporter, SupporterRelationship
from consent.facts import load_facts_many, sensitivities
from consent.visibility import conditional_clause, standing_clause
from tests.api.scene import build_scene


@pytest.fixture
def app(shared_app):
    return shared_app


def _ids(clause):
    return set() if clause is None else set(db.session.scalars(select(Person.id).where(clause)))


def _place(world, scene, account, person, **changes):
    fields = {
        "person_id": person.id,
        "account_id": account.id,
        "relationship": SupporterRelationship.ADVOCATE,
        "sections": ["goals"],
        "expires_on": clock.today() + timedelta(days=30),
        "created_by_id": scene.key_worker.id,
        **changes,
    }
    world.session.add(Supporter(**fields))


@pytest.mark.parametrize("case", ["open", "closed", "ended", "expired", "none"])
def test_the_lists_agree_with_the_policy_for_a_supporter(world, case):
    scene = build_scene(world)
    advocate = User(kind=AccountKind.SUPPORTER, email="ann@ex.test", name="Ann", roles=[])
    world.session.add(advocate)
    world.session.flush()
    today = clock.today()
    if case != "none":
        changes = {
            "ended": {"ended_at": clock.now()},
            "expired": {"expires_on": today - timedelta(days=1)},
        }.get(case, {})
        _place(world, scene, advocate, scene.person, **changes)
    if case == "closed":
        plan = world.session.get(Plan, scene.plan.id)
        plan.closed_on = today
        plan.closed_reason = "support_complete"
    world.session.commit()
    everyone = list(db.session.scalars(select(Person)))
    contexts = load_facts_many(db.session, advocate, everyone, sensitivities(catalogue()))
    seen = {p.id for p, c in zip(everyone, contexts, strict=True) if can_see_person(c)}
    standing = _ids(standing_clause(advocate, Scope.ALL))
    conditional = _ids(conditional_clause(advocate, Scope.ALL))
    assert standing == set()
    assert seen <= conditional, "seen by the policy but in neither clause"
    assert seen == ({scene.person.id} if case == "open" else set())
    # The clause holds places in force; the policy also hides a closed plan's person.
    assert conditional == ({scene.person.id} if case in ("open", "closed") else set())
