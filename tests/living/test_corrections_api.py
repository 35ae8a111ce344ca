"""The person asks for a correction; the key worker answers; the person sees it."""

from __future__ import annotations

import uuid

from careplan.corrections.models import Correction
from careplan.extensions import db
from careplan.tasks.models import Task
from tests.api.scene import build_scene


def test_a_correction_becomes_a_task_and_its_answer_reaches_the_person(api, world):
    scene = build_scene(world)
    asked = api.post(
        scene.individual,
        "/me/corrections",
        {"section": "housing", "text": "I left the Cowgate hostel in October, not September."},
    )
    assert asked.status_code == 201, asked.get_json()
    body = asked.get_json()
    assert body["status"] == "waiting"
    tasks = api.get(scene.key_worker, "/me/tasks").get_json()
    (task,) = [t for t in tasks if t["source"] == "correction"]
    assert task["id"] == body["task_id"]
    assert "Cowgate" not in task["title"]
    notes = api.get(scene.key_worker, "/me/notifications").get_json()
    assert [n["kind"] for n in notes] == ["task.assigned"]

    url = f"/people/{scene.person.id}/corrections/{body['id']}/answer"
    answer = {"answer": "Thank you, I have changed the date to October."}
    assert api.post(scene.key_worker, url, answer).status_code == 428
    assert api.post(scene.outsider, url, answer, headers={"If-Match": '"1"'}).status_code == 404
    assert api.post(scene.individual, url, answer, headers={"If-Match": '"1"'}).status_code == 403
    done = api.post(scene.key_worker, url, answer, headers={"If-Match": '"1"'})
    assert done.status_code == 200, done.get_json()
    assert api.post(scene.key_worker, url, answer, headers={"If-Match": '"2"'}).status_code == 409

    (mine,) = api.get(scene.individual, "/me/corrections").get_json()
    assert mine["status"] == "answered"
    assert mine["answer"] == answer["answer"]
    assert mine["answered_by"] == "Kay Worker"
    assert [n["kind"] for n in api.get(scene.individual, "/me/notifications").get_json()] == [
        "correction.answered"
    ]
    db.session.expire_all()
    assert db.session.get(Task, uuid.UUID(body["task_id"])).status.value == "done"


def test_bad_requests_change_nothing(api, world):
    scene = build_scene(world)
    for body in (
        {"section": "nowhere", "text": "x"},
        {"section": "housing", "text": ""},
        {"section": "housing"},
        {"section": "housing", "text": "x" * 5001},
    ):
        response = api.post(scene.individual, "/me/corrections", body)
        assert response.status_code == 400, body
        assert response.get_json()["fields"]
    assert (
        api.post(
            scene.key_worker, "/me/corrections", {"section": "housing", "text": "x"}
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.query(Correction).count() == 0
    assert db.session.query(Task).count() == 1


def test_only_the_person_key_worker_and_lead_agency_read_requests(api, world):
    scene = build_scene(world)
    api.post(scene.individual, "/me/corrections", {"section": "goals", "text": "Wrong goal."})
    url = f"/people/{scene.person.id}/corrections"
    assert len(api.get(scene.key_worker, url).get_json()) == 1
    assert len(api.get(scene.colleague, url).get_json()) == 1
    assert api.get(scene.spare, url).status_code == 200  # lead agency (a nurse there)
    assert api.get(scene.outsider, url).status_code == 404
    assert api.get(scene.ig, url).status_code == 404


def test_a_hand_over_gives_the_open_corrections_to_the_new_key_worker(api, world):
    """Issue 20's walk: after a hand-over, the person's open requests for a correction
    stayed with the old key worker. They move to the new one, who is told once for both;
    the old one hears nothing more of them; an answered one stays as it was."""
    scene = build_scene(world)
    asked = []
    for text in ("Wrong date in October.", "My sister's name is Lorna.", "Not Leith: Gorgie."):
        made = api.post(scene.individual, "/me/corrections", {"section": "housing", "text": text})
        assert made.status_code == 201, made.get_json()
        asked.append(made.get_json())
    answered = asked[2]
    url = f"/people/{scene.person.id}/corrections/{answered['id']}/answer"
    done = api.post(scene.key_worker, url, {"answer": "Changed."}, headers={"If-Match": '"1"'})
    assert done.status_code == 200
    before = len(api.get(scene.key_worker, "/me/notifications").get_json())
    version = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").headers["ETag"]
    handed = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/key-worker",
        {
            "agency_id": str(scene.lead.id),
            "staff_id": str(scene.spare.id),
            "agreed_on": "2026-11-01",
            "agreed_how": "phone",
        },
        headers={"If-Match": version},
    )
    assert handed.status_code == 200, handed.get_json()
    listed = api.get(scene.spare, "/me/tasks").get_json()
    theirs = [t for t in listed if t["source"] == "correction"]
    assert sorted(t["id"] for t in theirs) == sorted(a["task_id"] for a in asked[:2])
    old = api.get(scene.key_worker, "/me/tasks").get_json()
    assert not [t for t in old if t["source"] == "correction"]
    notes = api.get(scene.spare, "/me/notifications").get_json()
    assert [(n["kind"], n["count"]) for n in notes] == [("task.assigned", 2)]
    assert len(api.get(scene.key_worker, "/me/notifications").get_json()) == before
    db.session.expire_all()
    kept = db.session.get(Task, uuid.UUID(answered["task_id"]))
    assert (kept.owner_staff_id, kept.status.value) == (scene.key_worker.id, "done")
    # The new key worker answers one; the person hears it from them.
    url = f"/people/{scene.person.id}/corrections/{asked[0]['id']}/answer"
    answer = api.post(scene.spare, url, {"answer": "Put right."}, headers={"If-Match": '"1"'})
    assert answer.status_code == 200, answer.get_json()
