"""The plan view's plain-row facts decide exactly as the ORM-loaded facts do.

`consent.facts.load_plan_view_facts` reads the person and plan in one Core query for the
busiest request; the decision must not be able to tell the difference, for any caller,
section or action, including care-team members, consents, refusals and break-glass.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from careplan.access.permissions import Permission, ResourceType, resource_for
from careplan.access.policy import decide
from careplan.core import clock
from careplan.extensions import db
from careplan.plans.models import CareTeamMember, MembershipHow
from consent.facts import load_facts, load_facts_many, load_plan_view_facts
from consent.models import BreakGlass, Consent
from tests.api.scene import build_scene

ROLES = ("key_worker", "lead_agency", "other_agency", "self", "other_individual", "ig_officer")
ROLES += ("admin",)


def _add_sharing(world, scene) -> None:
    session = world.session
    session.add(
        CareTeamMember(
            plan_id=scene.plan.id,
            staff_id=scene.outsider.id,
            role="Housing officer",
            valid_from=scene.plan.agreed_on,
            how=MembershipHow.ADDED,
            added_by_id=scene.key_worker.id,
        )
    )
    for sections, effect in ((["housing", "money", "safety"], "permit"), (["money"], "deny")):
        session.add(
            Consent(
                person_id=scene.person.id,
                grantee_agency_id=scene.other_agency.id,
                sections=sections,
                effect=effect,
                starts_on=date(2026, 1, 1),
                expires_on=date(2030, 1, 1),
                method="written",
                recorded_by_id=scene.key_worker.id,
            )
        )
    session.add(
        BreakGlass(
            person_id=scene.person.id,
            user_id=scene.colleague.id,
            agency_id=scene.lead.id,
            reason="risk_to_life",
            justification="Found unresponsive; need the safety plan.",
            expires_at=clock.now() + timedelta(hours=4),
        )
    )
    session.commit()


def _questions(keys):
    """Every permission about a person, on every record it can be asked of."""
    for permission in Permission:
        if permission.resource_type is ResourceType.SECTION:
            for key in keys:
                yield permission, resource_for(permission, key)
        elif permission.resource_type in (ResourceType.PERSON, ResourceType.PLAN):
            yield permission, resource_for(permission)


def test_view_facts_decide_like_orm_facts(app, world) -> None:
    scene = build_scene(world)
    _add_sharing(world, scene)
    sensitivity = app.extensions["careplan.sensitivity"]
    keys = world.catalogue_keys()
    for name in ROLES:
        user = scene.role(name)
        for person in (scene.person, scene.other_person):
            orm = load_facts(db.session, user, person, sensitivity)
            plain = load_plan_view_facts(db.session, user, person.id, sensitivity)
            assert plain is not None
            assert (plain.plan.id, plain.plan.key_worker_id, plain.plan.lead_agency_id) == (
                orm.plan.id,
                orm.plan.key_worker_id,
                orm.plan.lead_agency_id,
            )
            assert (plain.memberships, plain.consents, plain.agreement) == (
                orm.memberships,
                orm.consents,
                orm.agreement,
            )
            assert plain.break_glass == orm.break_glass
            for permission, resource in _questions(keys):
                assert decide(plain, resource, permission) == decide(orm, resource, permission), (
                    name,
                    permission,
                    resource,
                )


def test_view_facts_for_an_unknown_person_are_none(app, world) -> None:
    scene = build_scene(world)
    sensitivity = app.extensions["careplan.sensitivity"]
    assert load_plan_view_facts(db.session, scene.key_worker, uuid.uuid4(), sensitivity) is None


def test_facts_for_several_people_match_facts_for_each(app, world) -> None:
    """Lists (caseloads, searches) load facts for many people with IN lists; one person's
    facts use prepared single-person statements. Both must decide alike."""
    scene = build_scene(world)
    _add_sharing(world, scene)
    sensitivity = app.extensions["careplan.sensitivity"]
    keys = world.catalogue_keys()
    people = [scene.person, scene.other_person]
    for name in (*ROLES, "outsider", "colleague"):
        user = getattr(scene, name) if name in ("outsider", "colleague") else scene.role(name)
        together = load_facts_many(db.session, user, people, sensitivity)
        for person, many in zip(people, together, strict=True):
            one = load_facts(db.session, user, person, sensitivity)
            if not one.is_key_worker:  # a key worker's own plan needs nothing loaded
                assert (many.memberships, many.consents, many.agreement) == (
                    one.memberships,
                    one.consents,
                    one.agreement,
                ), name
                assert many.break_glass == one.break_glass, name
            for permission, resource in _questions(keys):
                assert decide(many, resource, permission) == decide(one, resource, permission), name
    # The scene has something in each, so the comparison above compared something.
    outsider = load_facts(db.session, scene.outsider, scene.person, sensitivity)
    assert outsider.memberships
    assert outsider.consents
    assert outsider.agreement
    colleague = load_facts(db.session, scene.colleague, scene.person, sensitivity)
    assert colleague.break_glass
