"""Reviews and multi-agency meetings through the API."""

from __future__ import annotations

from datetime import date

from careplan.agencies.models import AgencyKind, Sector
from careplan.extensions import db
from careplan.meetings.models import Meeting
from careplan.plans.models import CareTeamMember, MembershipHow, Plan
from careplan.tasks.models import Task
from consent.models import SharingAgreement
from tests.api.scene import build_scene


def _meeting(scene, **extra):
    return {
        "held_on": "2026-11-20",
        "kind": "review",
        "attendees": [
            {"staff_id": str(scene.spare.id)},
            {"staff_id": str(scene.outsider.id)},
            {"name": "Fiona Mackenzie", "role": "Sister"},
        ],
        "person_attended": True,
        "person_views": "I want to stay near my sister in Leith.",
        "summary": "Housing options and the methadone script were reviewed.",
        "decisions": "Apply for the Leith flat; keep the Friday pharmacy pick-up.",
        "actions": [
            {
                "title": "Send the Leith application",
                "owner_staff_id": str(scene.outsider.id),
                "due_on": "2030-01-10",
            },
            {"title": "Book the GP review", "owner_agency_id": str(scene.lead.id)},
        ],
        "next_review_on": "2030-02-01",
        **extra,
    }


def test_a_review_records_actions_as_tasks_and_moves_the_review_date(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    made = api.post(scene.key_worker, url, _meeting(scene))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert [a["name"] for a in body["attendees"]] == [
        "Spare Practitioner",
        "Outsider",
        "Fiona Mackenzie",
    ]
    assert [a["title"] for a in body["actions"]] == [
        "Send the Leith application",
        "Book the GP review",
    ]
    db.session.expire_all()
    plan = db.session.get(Plan, scene.plan.id)
    assert str(plan.next_review_on) == "2030-02-01"
    mine = api.get(scene.outsider, "/me/tasks").get_json()
    assert "Send the Leith application" in [t["title"] for t in mine]
    assert {t["source"] for t in mine if t["title"].startswith("Send")} == {"meeting"}
    # Sealed at rest: no words of what was said in the stored row.
    stored = db.session.execute(Meeting.__table__.select()).one()
    assert "Leith" not in str(stored)


def cafe_worker(world, scene):
    """A recovery cafe worker in the care team, with the person's consent for housing."""
    cafe = world.agency("Recovery cafe", sector=Sector.THIRD_SECTOR, kind=AgencyKind.CHARITY)
    worker = world.staff(cafe, name="Cafe Worker")
    world.session.add_all(
        [
            SharingAgreement(
                agency_id=cafe.id,
                max_sensitivity="standard",
                sections=None,
                lawful_basis="consent",
                valid_until=date(2030, 1, 1),
                created_by_id=scene.admin.id,
            ),
            CareTeamMember(
                plan_id=scene.plan.id,
                staff_id=worker.id,
                role="Peer worker",
                valid_from=scene.plan.agreed_on,
                how=MembershipHow.ADDED,
                added_by_id=scene.key_worker.id,
            ),
        ]
    )
    world.session.commit()
    return worker


def test_the_care_team_sees_who_met_but_not_what_was_said(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    api.post(scene.key_worker, url, _meeting(scene))
    cafe = cafe_worker(world, scene)
    assert api.get(cafe, f"/people/{scene.person.id}/plan/sections/housing").status_code == 200
    for who, sees in (
        (scene.key_worker, True),
        (scene.colleague, True),
        (scene.individual, True),
        (cafe, False),
    ):
        (seen,) = api.get(who, url).get_json()
        assert (seen["summary"] is not None) is sees, who.name
        assert (seen["withheld"] == []) is sees
        # The actions follow what was said (issue 20's walk): the cafe owns none of them.
        assert len(seen["actions"]) == (2 if sees else 0)
        assert ("actions" in seen["withheld"]) is not sees
    # An attendee from another agency, outside the care team, with a task: nothing here.
    assert api.get(scene.outsider, url).status_code == 404
    refused = [e for e in world.audit() if e.action == "meeting.list" and e.outcome == "deny"]
    assert refused[-1].actor_id == scene.outsider.id


def test_bad_meetings_change_nothing(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    bad = [
        _meeting(scene, held_on="2099-01-01"),
        _meeting(scene, kind="party"),
        _meeting(scene, attendees=[{"role": "Sister"}]),
        _meeting(scene, attendees=[{"staff_id": str(scene.ig.id)}]),
        _meeting(scene, actions=[{"title": "No owner"}]),
        _meeting(scene, actions=[{"title": "IG", "owner_staff_id": str(scene.ig.id)}]),
        _meeting(scene, next_review_on="2020-01-01"),
    ]
    for body in bad:
        response = api.post(scene.key_worker, url, body)
        assert response.status_code in (400, 422), body
        assert response.get_json()["fields"]
    db.session.expire_all()
    assert db.session.query(Meeting).count() == 0
    assert db.session.query(Task).count() == 1  # the scene's own
    assert db.session.get(Plan, scene.plan.id).next_review_on is None
