"""Shared actions through the API: who sees which, who closes them, and "My tasks"."""

from __future__ import annotations

from audit.models import AuditEvent
from careplan.extensions import db
from careplan.tasks.models import Task, TaskSource
from tests.api.scene import build_scene


def _task(scene, title, due, **owner):
    task = Task(
        person_id=scene.person.id,
        due_on=due,
        source=TaskSource.GOAL,
        created_by_id=scene.key_worker.id,
        **owner,
    )
    task.title = title
    db.session.add(task)
    db.session.commit()
    return task


def test_a_task_owner_outside_the_care_team_sees_their_task_and_nothing_else(api, world):
    scene = build_scene(world)
    from datetime import date

    _task(scene, "Book the GP review", date(2030, 1, 2), owner_agency_id=scene.lead.id)
    p = f"/people/{scene.person.id}"
    mine = api.get(scene.outsider, f"{p}/tasks").get_json()
    assert [t["title"] for t in mine] == ["Hold the room at the hostel until Friday"]
    everyone = api.get(scene.key_worker, f"{p}/tasks").get_json()
    assert len(everyone) == 2
    # The plan, its sections, meetings and the person stay closed to them: as for nobody.
    for path in ("/plan", "/plan/sections/housing", "", "/meetings"):
        assert api.get(scene.outsider, p + path).status_code == 404, path
    # The basis is on the record, and in words the person can read in their access log.
    listing = [
        e for e in world.audit() if e.action == "task.list" and e.actor_id == scene.outsider.id
    ]
    assert listing[-1].outcome == "permit"
    assert listing[-1].basis == {"plan": "task_owner"}


def test_status_needs_if_match_and_a_legal_move(api, world):
    scene = build_scene(world)
    url = f"/tasks/{scene.task.id}/status"
    body = {"status": "done", "note": "Room held until Friday."}
    assert api.post(scene.outsider, url, body).status_code == 428
    assert api.post(scene.outsider, url, body, headers={"If-Match": '"7"'}).status_code == 412
    done = api.post(scene.outsider, url, body, headers={"If-Match": '"1"'})
    assert done.status_code == 200
    assert done.headers["ETag"] == '"2"'
    assert done.get_json()["status"] == "done"
    again = api.post(scene.outsider, url, body, headers={"If-Match": '"2"'})
    assert again.status_code == 409
    reopened = api.post(scene.key_worker, url, {"status": "open"}, headers={"If-Match": '"2"'})
    assert reopened.get_json()["status"] == "open"
    bad = api.post(scene.key_worker, url, {"status": "lost"}, headers={"If-Match": '"3"'})
    assert bad.status_code == 400
    assert "status" in bad.get_json()["fields"]


def test_an_owner_closes_only_their_own_task(api, world):
    scene = build_scene(world)
    from datetime import date

    theirs = _task(scene, "Ask about the PIP form", date(2030, 1, 3), owner_staff_id=scene.spare.id)
    url = f"/tasks/{theirs.id}/status"
    refused = api.post(scene.outsider, url, {"status": "done"}, headers={"If-Match": '"1"'})
    assert refused.status_code == 404  # not theirs, and the person is unknown to them
    # The care-team nurse (a consent basis) owns it: their consent alone would not do.
    done = api.post(scene.spare, url, {"status": "done"}, headers={"If-Match": '"1"'})
    assert done.status_code == 200, done.get_json()
    nobody = api.post(
        scene.key_worker,
        "/tasks/00000000-0000-4000-8000-000000000000/status",
        {"status": "done"},
        headers={"If-Match": '"1"'},
    )
    assert nobody.status_code == 404


def test_my_tasks_are_mine_and_my_agencys_soonest_first(api, world):
    scene = build_scene(world)
    from datetime import date

    _task(scene, "Later", date(2030, 5, 1), owner_agency_id=scene.other_agency.id)
    _task(scene, "No date", None, owner_staff_id=scene.outsider.id)
    _task(scene, "Not mine", date(2029, 1, 1), owner_staff_id=scene.spare.id)
    found = api.get(scene.outsider, "/me/tasks").get_json()
    assert [t["title"] for t in found] == [
        "Hold the room at the hostel until Friday",
        "Later",
        "No date",
    ]
    assert {t["person_name"] for t in found} == {"Sarah Mackenzie"}
    assert found[0]["due_on"] == "2026-12-01"
    records = [e for e in world.audit() if e.action == "task.mine"]
    assert [r.person_id for r in records] == [scene.person.id]


def test_creating_a_task_tells_the_owner_and_checks_the_owner(api, world):
    scene = build_scene(world)
    p = f"/people/{scene.person.id}/tasks"
    made = api.post(
        scene.key_worker,
        p,
        {"title": "Bring the naloxone kit", "owner_staff_id": str(scene.outsider.id)},
    )
    assert made.status_code == 201
    assert made.get_json()["source"] == "goal"
    notes = api.get(scene.outsider, "/me/notifications").get_json()
    assert [n["kind"] for n in notes] == ["task.assigned"]
    assert "naloxone" not in str(notes)
    for body in (
        {"title": "x", "owner_staff_id": str(scene.ig.id)},
        {
            "title": "x",
            "owner_staff_id": str(scene.spare.id),
            "owner_agency_id": str(scene.lead.id),
        },
        {"title": "x"},
        {"title": "", "owner_staff_id": str(scene.spare.id)},
        {"title": "x", "owner_staff_id": str(scene.spare.id), "due_on": "2020-01-01"},
        {"title": "x", "owner_staff_id": str(scene.spare.id), "source": "referral"},
    ):
        before = db.session.query(Task).count()
        response = api.post(scene.key_worker, p, body)
        assert response.status_code in (400, 422), body
        assert response.get_json()["fields"], body
        db.session.expire_all()
        assert db.session.query(Task).count() == before
    assert db.session.query(AuditEvent).filter_by(action="task.create").count() >= 7


def test_an_actions_own_page_lists_its_updates_for_the_care_team_only(app, api, world):
    """The action's own page (issue 20's walk): the care team sees the updates about it;
    a task owner outside the care team sees the action and nothing of the plan's updates;
    someone with no basis is answered as if it were not there; one audit record each."""
    from tests.web.support import Browser, text

    scene = build_scene(world)
    p = f"/people/{scene.person.id}"
    written = api.post(
        scene.key_worker,
        f"{p}/plan/sections/housing/entries",
        {"text": "Rang the hostel about the room.", "task_id": str(scene.task.id)},
    )
    assert written.status_code == 201, written.get_json()
    url = f"{p}/actions/{scene.task.id}"
    people = (scene.key_worker, scene.outsider, scene.other_individual)
    for user in people:  # loaded and detached: no transaction held while the pages run
        world.session.refresh(user)
        world.session.expunge(user)
    before = len(world.audit())
    world.session.commit()
    kay, owner, stranger = (Browser(app, u) for u in people)
    page = text(kay.get(url))
    assert "Hold the room at the hostel until Friday" in page
    assert "Updates about this action" in page
    assert "Rang the hostel about the room." in page
    theirs = owner.get(url)
    assert theirs.status_code == 200
    assert "Hold the room at the hostel until Friday" in text(theirs)
    assert "Rang the hostel" not in text(theirs)
    assert "Updates about this action" not in text(theirs)
    assert stranger.get(url).status_code == 404
    records = world.audit()[before:]
    assert [r.action for r in records if r.outcome == "permit"] == [
        "chronology.view",
        "task.list",
    ]
