"""Reviews and multi-agency meetings through the API."""

from __future__ import annotations

from careplan.agencies.models import AgencyKind, Sector
from careplan.extensions import db
from careplan.meetings.models import Meeting
from careplan.plans.models import Plan
from careplan.tasks.models import Task
from tests.api.scene import build_scene, care_team_agency


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
    worker, _ = care_team_agency(
        world,
        scene,
        "Recovery cafe",
        "Cafe Worker",
        "Peer worker",
        sector=Sector.THIRD_SECTOR,
        kind=AgencyKind.CHARITY,
        ceiling="standard",
        lawful_basis="consent",
    )
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


def test_hidden_characters_in_an_action_title_are_refused_naming_the_field(api, world):
    """Issue 20's walk: U+202E (right-to-left override) was accepted in an action's title,
    so "Send the application" could show as something else. Refused, under that action's
    title, and nothing is recorded; the same for a task made on its own."""
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    tasks = db.session.query(Task).count()
    actions = [
        {"title": "Book the GP review", "owner_agency_id": str(scene.lead.id)},
        {"title": "Pay \u202efdp.exe", "owner_agency_id": str(scene.lead.id)},
    ]
    refused = api.post(scene.key_worker, url, _meeting(scene, actions=actions))
    assert refused.status_code == 400
    message = refused.get_json()["fields"]["actions.1.title"][0]
    assert message.startswith("Remove the hidden characters from what the action is")
    refused = api.post(scene.key_worker, url, _meeting(scene, summary="Agreed\u200b."))
    assert "hidden characters" in refused.get_json()["fields"]["summary"][0]
    task = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/tasks",
        {"title": "Call \u2066back\u2069", "owner_staff_id": str(scene.spare.id)},
    )
    assert task.status_code == 400
    assert "hidden characters" in task.get_json()["fields"]["title"][0]
    db.session.expire_all()
    assert db.session.query(Meeting).count() == 0
    assert db.session.query(Task).count() == tasks
    # Line breaks and tabs are text, in the fields that hold more than a line.
    made = api.post(scene.key_worker, url, _meeting(scene, summary="One.\n\tTwo."))
    assert made.status_code == 201, made.get_json()


def test_one_person_named_twice_in_a_list_is_refused_naming_the_list(api, world):
    """Issue 20's walk: one staff member twice as a meeting's attendee was accepted. Each
    list that names people or parts of the plan refuses one named twice (400, under the
    list's name) and changes nothing: attendees (staff, or the same name and role in any
    case), the sections a supporter sees, an agreement's sections, a new account's roles."""
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    twice = [
        [{"staff_id": str(scene.spare.id)}, {"staff_id": str(scene.spare.id)}],
        [
            {"name": "Fiona Mackenzie", "role": "Sister"},
            {"name": "fiona  mackenzie", "role": "sister"},
        ],
    ]
    for attendees in twice:
        refused = api.post(scene.key_worker, url, _meeting(scene, attendees=attendees))
        assert refused.status_code == 400, refused.get_json()
        assert refused.get_json()["fields"]["attendees"] == ["Choose each person who attended once"]
    db.session.expire_all()
    assert db.session.query(Meeting).count() == 0
    # Two people of one name but different roles are two people.
    both = [{"name": "Fiona Mackenzie", "role": "Sister"}, {"name": "Fiona Mackenzie"}]
    assert api.post(scene.key_worker, url, _meeting(scene, attendees=both)).status_code == 201

    supporter = {
        "name": "Lorna Mackenzie",
        "relationship": "family",
        "email": "lorna@example.test",
        "sections": ["goals", "goals"],
        "expires_on": "2030-01-01",
    }
    refused = api.post(scene.individual, f"/people/{scene.person.id}/supporters", supporter)
    assert refused.status_code == 400
    assert refused.get_json()["fields"]["sections"] == ["Choose each part of the plan once"]
    agreement = {"max_sensitivity": "standard", "sections": ["money", "money"]}
    refused = api.put(
        scene.admin,
        f"/agencies/{scene.other_agency.id}/sharing-agreement",
        {**agreement, "valid_until": "2030-01-01"},
    )
    assert refused.get_json()["fields"]["sections"] == ["Choose each part of the plan once"]
    staff = {
        "email": "new.worker@example.test",
        "name": "New Worker",
        "agency_id": str(scene.lead.id),
        "roles": ["practitioner", "practitioner"],
    }
    refused = api.post(scene.admin, "/staff", staff)
    assert refused.status_code == 400
    assert "roles" in refused.get_json()["fields"]


def test_many_actions_for_one_owner_make_one_notice_saying_how_many(api, world):
    """Issue 20's walk: 50 actions made 50 notifications. One change tells each
    recipient once, saying how many (content-free: no title, no name); the next change
    is a notice of its own."""
    from careplan.notifications.models import Notification

    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    mine = {"owner_staff_id": str(scene.outsider.id)}
    ours = {"owner_agency_id": str(scene.lead.id)}
    actions = [{"title": f"Step {n}", **mine} for n in range(48)]
    actions += [{"title": "Book the GP review", **ours}, {"title": "Phone the GP", **ours}]
    made = api.post(scene.key_worker, url, _meeting(scene, actions=actions))
    assert made.status_code == 201, made.get_json()
    notes = api.get(scene.outsider, "/me/notifications").get_json()
    assert [(n["kind"], n["count"]) for n in notes] == [("task.assigned", 48)]
    assert notes[0]["message"].startswith("You have been given 48 actions")
    assert "Step" not in str(notes)
    db.session.expire_all()
    agency = db.session.query(Notification).filter_by(recipient_agency_id=scene.lead.id).all()
    assert [(n.kind.value, n.count) for n in agency] == [("task.assigned.agency", 2)]
    # Another meeting, another notice; one action says it as before.
    again = _meeting(scene, actions=[{"title": "One more", **mine}])
    assert api.post(scene.key_worker, url, again).status_code == 201
    notes = api.get(scene.outsider, "/me/notifications").get_json()
    assert sorted(n["count"] for n in notes) == [1, 48]
    one = next(n for n in notes if n["count"] == 1)
    assert one["message"].startswith("You have been given an action")
