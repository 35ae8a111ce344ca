"""Step-down and return (issue 20): a closed plan comes back with the person's agreement,
keeping its history, to the agency that will lead it; nothing else about a closed plan
changes (it stays read only until reopened, and a second plan is never started)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from careplan.extensions import db
from careplan.plans.models import PlanClosure
from tests.api.scene import build_scene

STORY = {"content": {"my_story": "Told once, kept."}}


@pytest.fixture
def app(shared_app):
    return shared_app


def _close(api, scene, version=2):
    closed = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/close",
        {"reason": "support_complete"},
        headers={"If-Match": f'"{version}"'},
    )
    assert closed.status_code == 200, closed.get_json()
    return closed.get_json()["version"]


def _reopen(api, user, scene, version, **changes):
    body = {
        "lead_agency_id": str(scene.lead.id),
        "key_worker_id": str(scene.colleague.id),
        "agreed_on": "2026-11-01",
        "agreed_how": "in_person",
        **changes,
    }
    return api.post(
        user,
        f"/people/{scene.person.id}/plan/reopen",
        body,
        headers={"If-Match": f'"{version}"'},
    )


def _story(api, scene):
    ok = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/about_me",
        STORY,
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200


def test_a_closed_plan_is_reopened_with_its_history(api, world):
    scene = build_scene(world)
    _story(api, scene)
    version = _close(api, scene, version=1)
    reopened = _reopen(api, scene.key_worker, scene, version)
    assert reopened.status_code == 200, reopened.get_json()
    body = reopened.get_json()
    assert body["key_worker"]["id"] == str(scene.colleague.id)
    assert body["version"] == version + 1
    assert reopened.headers["ETag"] == f'"{version + 1}"'
    plan = api.get(scene.colleague, f"/people/{scene.person.id}/plan").get_json()
    assert plan["closed"] is None
    assert plan["sections"]["about_me"]["content"]["my_story"] == "Told once, kept."
    # The key worker history has both, the closure is kept, and the plan takes writes.
    history = api.get(scene.colleague, f"/people/{scene.person.id}/plan/key-workers")
    assert [h["staff"]["id"] for h in history.get_json()][:2] == [
        str(scene.colleague.id),
        str(scene.key_worker.id),
    ]
    closures = db.session.scalars(select(PlanClosure)).all()
    assert [(c.closed_reason, c.reopened_by_id) for c in closures] == [
        ("support_complete", scene.key_worker.id)
    ]
    added = api.post(
        scene.colleague,
        f"/people/{scene.person.id}/plan/sections/housing/entries",
        {"text": "Back in touch after a hard winter."},
    )
    assert added.status_code == 201
    record = [r for r in world.audit() if r.request_id == reopened.headers["X-Request-Id"]]
    assert [(r.action, r.outcome) for r in record] == [("plan.reopen", "permit")]
    assert record[0].details["closed_reason"] == "support_complete"


def test_an_open_plan_has_nothing_to_reopen(api, world):
    scene = build_scene(world)
    response = _reopen(api, scene.key_worker, scene, 1)
    assert response.status_code == 409
    assert "open" in response.get_json()["message"]


def test_reopening_is_a_versioned_write(api, world):
    scene = build_scene(world)
    version = _close(api, scene, version=1)
    path = f"/people/{scene.person.id}/plan/reopen"
    body = {
        "lead_agency_id": str(scene.lead.id),
        "key_worker_id": str(scene.colleague.id),
        "agreed_on": "2026-11-01",
        "agreed_how": "in_person",
    }
    missing = api.post(scene.key_worker, path, body)
    assert missing.status_code == 428
    stale = _reopen(api, scene.key_worker, scene, version - 1)
    assert stale.status_code == 412
    assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").get_json()["closed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lead_agency_id": "{other}"}, "lead_agency_id"),
        ({"key_worker_id": "{outsider}"}, "key_worker_id"),
        ({"key_worker_id": "{ig}"}, "key_worker_id"),
        ({"agreed_on": "2999-01-01"}, "agreed_on"),
        ({"agreed_how": "by_pigeon"}, "agreed_how"),
    ],
)
def test_a_bad_reopening_changes_nothing(api, world, changes, field):
    scene = build_scene(world)
    version = _close(api, scene, version=1)
    ids = {"other": scene.other_agency.id, "outsider": scene.outsider.id, "ig": scene.ig.id}
    filled = {k: v.format(**ids) for k, v in changes.items()}
    response = _reopen(api, scene.key_worker, scene, version, **filled)
    assert response.status_code in (400, 422), response.get_json()
    assert field in response.get_json()["fields"]
    plan = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").get_json()
    assert plan["closed"] is not None
    assert plan["version"] == version
    assert db.session.scalars(select(PlanClosure)).all() == []


def test_never_to_an_agency_the_person_refused(api, world):
    scene = build_scene(world)
    refusal = api.post(
        scene.individual,
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"agency_id": str(scene.lead.id)},
            "sections": ["justice"],
            "effect": "deny",
            "method": "self_service",
        },
    )
    assert refusal.status_code == 201, refusal.get_json()
    version = _close(api, scene, version=1)
    response = _reopen(api, scene.colleague, scene, version)
    assert response.status_code == 409
    assert "refused" in response.get_json()["message"]


def test_who_may_reopen(api, world):
    scene = build_scene(world)
    version = _close(api, scene, version=1)
    assert _reopen(api, scene.outsider, scene, version).status_code == 404
    assert _reopen(api, scene.individual, scene, version).status_code == 403
    assert _reopen(api, scene.ig, scene, version).status_code == 404
    assert _reopen(api, scene.admin, scene, version).status_code == 404


def test_the_agency_the_person_stepped_down_to_may_lead_it_back(api, world):
    """The care team member the person shares with (a recovery cafe) reopens the plan
    and leads it, with the person's agreement."""
    scene = build_scene(world)
    added = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/care-team",
        {"staff_id": str(scene.outsider.id), "role": "Peer support"},
    )
    assert added.status_code == 201
    consent = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"agency_id": str(scene.other_agency.id)},
            "sections": ["goals"],
            "effect": "permit",
            "expires_on": "2028-01-01",
            "method": "verbal",
        },
    )
    assert consent.status_code == 201
    version = _close(api, scene, version=1)
    response = _reopen(
        api,
        scene.outsider,
        scene,
        version,
        lead_agency_id=str(scene.other_agency.id),
        key_worker_id=str(scene.outsider.id),
    )
    assert response.status_code == 200, response.get_json()
    plan = api.get(scene.outsider, f"/people/{scene.person.id}/plan").get_json()
    assert plan["lead_agency"]["id"] == str(scene.other_agency.id)
    assert plan["withheld"] == []  # the key worker sees the whole plan


def test_a_closed_plan_still_blocks_a_second_plan_and_says_how_to_reopen(api, world):
    scene = build_scene(world)
    _close(api, scene, version=1)
    response = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan",
        {
            "lead_agency_id": str(scene.lead.id),
            "key_worker_id": str(scene.key_worker.id),
            "agreed_on": "2026-11-01",
            "agreed_how": "phone",
        },
    )
    assert response.status_code == 403
    assert response.get_json()["reason"] == "has_plan"
    assert "reopen" in response.get_json()["message"]


def test_the_chronology_shows_each_closing_and_reopening_with_who_and_when(api, world):
    """Issue 20's walk: closing and reopening the plan left no mark in the chronology.
    Each time shows, newest first, with who did it; the key worker's team and the person
    see it as the key worker does."""
    scene = build_scene(world)
    version = _close(api, scene, version=1)
    url = f"/people/{scene.person.id}/chronology"
    items = api.get(scene.key_worker, url).get_json()["items"]
    closed = [i for i in items if i["kind"] == "plan_closed"]
    assert [(i["title"], i["by"]) for i in closed] == [
        ("Plan closed (support complete)", scene.key_worker.name)
    ]
    reopened = _reopen(api, scene.key_worker, scene, version)
    assert reopened.status_code == 200, reopened.get_json()
    again = api.post(
        scene.colleague,
        f"/people/{scene.person.id}/plan/close",
        {"reason": "moved_away"},
        headers={"If-Match": f'"{reopened.get_json()["version"]}"'},
    )
    assert again.status_code == 200, again.get_json()
    for caller in (scene.key_worker, scene.individual):
        answer = api.get(caller, url).get_json()
        items = answer["items"]
        marks = [(i["kind"], i["by"]) for i in items if i["kind"].startswith("plan_")]
        assert marks == [
            ("plan_closed", scene.colleague.name),
            ("plan_reopened", scene.key_worker.name),
            ("plan_closed", scene.key_worker.name),
        ]
    stored = db.session.scalars(select(PlanClosure)).one()
    assert stored.closed_at is not None
