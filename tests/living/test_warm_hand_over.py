"""A warm hand-over (issue 20): handing the plan to another lead agency keeps the previous
key worker reading it, and changing nothing, for CAREPLAN_WARM_HAND_OVER_DAYS, unless the
person says otherwise; their refusals and their agency's sharing agreement still bind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from careplan.core import clock
from careplan.extensions import db
from careplan.plans.models import CareTeamMember
from tests.api.scene import build_scene


@pytest.fixture
def app(shared_app):
    return shared_app


def _hand_over(api, scene, **extra):
    response = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/key-worker",
        {
            "agency_id": str(scene.other_agency.id),
            "staff_id": str(scene.outsider.id),
            "agreed_on": "2026-11-01",
            "agreed_how": "in_person",
            **extra,
        },
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.get_json()
    return response


def test_the_previous_key_worker_keeps_reading_and_changes_nothing(api, world, app):
    scene = build_scene(world)
    handed = _hand_over(api, scene)
    record = [r for r in world.audit() if r.request_id == handed.headers["X-Request-Id"]][-1]
    assert record.details["warm_hand_over"] is True
    place = db.session.scalars(
        select(CareTeamMember).where(CareTeamMember.warm_hand_over.is_(True))
    ).one()
    assert place.staff_id == scene.key_worker.id
    assert place.valid_to == place.valid_from + timedelta(days=app.config["WARM_HAND_OVER_DAYS"])
    base = f"/people/{scene.person.id}"
    plan = api.get(scene.key_worker, base + "/plan").get_json()
    assert set(plan["basis"].values()) == {f"handed_over:{place.id}"}
    # Within their agency's agreement (the scene's ceiling is "sensitive").
    assert "housing" in plan["sections"]
    assert {"safety", "justice"} <= set(plan["withheld"])
    assert (
        api.post(
            scene.key_worker, base + "/plan/sections/housing/entries", {"text": "Hi"}
        ).status_code
        == 403
    )
    put = api.put(
        scene.key_worker,
        base + "/plan/sections/housing",
        {"content": {}},
        headers={"If-Match": '"1"'},
    )
    assert put.status_code == 403
    assert api.get(scene.key_worker, base + "/consents").status_code == 403
    team = api.get(scene.outsider, base + "/care-team").get_json()
    assert any(m["role"] == "Previous key worker (hand-over)" for m in team)


def test_it_ends_with_its_period_or_when_ended(api, world):
    scene = build_scene(world)
    _hand_over(api, scene)
    place = db.session.scalars(
        select(CareTeamMember).where(CareTeamMember.warm_hand_over.is_(True))
    ).one()
    place.valid_to = clock.today() - timedelta(days=1)
    db.session.commit()
    assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").status_code == 404


def test_ended_early_by_the_new_key_worker(api, world):
    scene = build_scene(world)
    _hand_over(api, scene)
    place = db.session.scalars(
        select(CareTeamMember).where(CareTeamMember.warm_hand_over.is_(True))
    ).one()
    ended = api.post(scene.outsider, f"/people/{scene.person.id}/care-team/{place.id}/end", {})
    assert ended.status_code == 200
    assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").status_code == 404


def test_not_when_the_person_says_no(api, world):
    scene = build_scene(world)
    handed = _hand_over(api, scene, warm_hand_over=False)
    record = [r for r in world.audit() if r.request_id == handed.headers["X-Request-Id"]][-1]
    assert record.details["warm_hand_over"] is False
    assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").status_code == 404


def test_not_within_the_same_agency(api, world):
    scene = build_scene(world)
    response = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/key-worker",
        {
            "agency_id": str(scene.lead.id),
            "staff_id": str(scene.colleague.id),
            "agreed_on": "2026-11-01",
            "agreed_how": "in_person",
        },
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200
    assert (
        db.session.scalars(
            select(CareTeamMember).where(CareTeamMember.warm_hand_over.is_(True))
        ).all()
        == []
    )
    # They still read it as lead agency staff.
    plan = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").get_json()
    assert set(plan["basis"].values()) == {"lead_agency"}


def test_the_persons_refusal_binds_the_previous_key_worker(api, world):
    scene = build_scene(world)
    refusal = api.post(
        scene.individual,
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"agency_id": str(scene.lead.id)},
            "sections": ["money"],
            "effect": "deny",
            "method": "self_service",
        },
    )
    assert refusal.status_code == 201
    _hand_over(api, scene)
    plan = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").get_json()
    assert "money" in plan["withheld"]
    assert "housing" in plan["sections"]
