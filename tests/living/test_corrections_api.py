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
