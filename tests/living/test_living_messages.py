"""The living plan's error messages (issue 20's walk: five named the wrong field or used
the wrong words): each under the field the request sent, in the design system's words for
that question ("Enter the date the meeting took place", "Choose who owns this action"),
and nothing recorded."""

from __future__ import annotations

import uuid

import pytest

from careplan.crisis.models import CrisisEvent
from careplan.extensions import db
from careplan.meetings.models import Meeting
from careplan.tasks.models import Task
from tests.api.scene import build_scene


@pytest.fixture
def app(shared_app):
    return shared_app


def _fields(response, status):
    assert response.status_code == status, response.get_json()
    return response.get_json()["fields"]


def test_a_meetings_messages_name_its_questions(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    fields = _fields(api.post(scene.key_worker, url, {"kind": "review"}), 400)
    assert fields == {"held_on": ["Enter the date the meeting took place"]}
    late = {"held_on": "2099-01-01", "kind": "review", "next_review_on": "2020-01-01"}
    fields = _fields(api.post(scene.key_worker, url, late), 400)
    assert fields["held_on"] == ["The date the meeting took place must be today or in the past"]
    assert fields["next_review_on"] == [
        "The date of the next review must be today or in the future"
    ]
    base = {"held_on": "2026-11-20", "kind": "review"}
    ownerless = {**base, "actions": [{"title": "Phone the GP"}]}
    fields = _fields(api.post(scene.key_worker, url, ownerless), 400)
    assert fields == {"actions.0.owner_staff_id": ["Choose who owns this action"]}
    # An owner who cannot be: under the field that named them, not another.
    ig = {**base, "actions": [{"title": "Phone", "owner_staff_id": str(scene.ig.id)}]}
    fields = _fields(api.post(scene.key_worker, url, ig), 422)
    assert list(fields) == ["actions.0.owner_staff_id"]
    assert fields["actions.0.owner_staff_id"][0].startswith("Choose who owns this action")
    nowhere = {**base, "actions": [{"title": "Phone", "owner_agency_id": str(uuid.uuid4())}]}
    fields = _fields(api.post(scene.key_worker, url, nowhere), 422)
    assert fields == {"actions.0.owner_agency_id": ["Choose who owns this action from the list"]}
    db.session.expire_all()
    assert db.session.query(Meeting).count() == 0


def test_an_actions_and_a_crisis_owner_are_refused_where_they_were_given(api, world):
    scene = build_scene(world)
    tasks = db.session.query(Task).count()
    url = f"/people/{scene.person.id}/tasks"
    fields = _fields(api.post(scene.key_worker, url, {"title": "Phone the GP"}), 400)
    assert fields == {"owner_staff_id": ["Choose who owns this action"]}
    ig = {"title": "Phone the GP", "owner_staff_id": str(scene.ig.id)}
    assert list(_fields(api.post(scene.key_worker, url, ig), 422)) == ["owner_staff_id"]
    past = {"title": "Phone", "owner_staff_id": str(scene.spare.id), "due_on": "2020-01-01"}
    fields = _fields(api.post(scene.key_worker, url, past), 400)
    assert fields == {"due_on": ["The due date must be today or in the future"]}

    url = f"/people/{scene.person.id}/crisis-events"
    event = {"kind": "hospital_discharge", "occurred_on": "2026-11-01"}
    fields = _fields(api.post(scene.key_worker, url, event), 400)
    assert fields == {"follow_up": ["Choose who will follow this up"]}
    fields = _fields(api.post(scene.key_worker, url, {**event, "follow_up": {}}), 400)
    assert fields == {"follow_up.owner_staff_id": ["Choose who will follow this up"]}
    ig = {**event, "follow_up": {"owner_staff_id": str(scene.ig.id)}}
    assert list(_fields(api.post(scene.key_worker, url, ig), 422)) == ["follow_up.owner_staff_id"]
    future = {
        **event,
        "occurred_on": "2099-01-01",
        "follow_up": {"owner_agency_id": str(scene.lead.id)},
    }
    fields = _fields(api.post(scene.key_worker, url, future), 400)
    assert fields == {"occurred_on": ["The date it happened must be today or in the past"]}
    db.session.expire_all()
    assert db.session.query(Task).count() == tasks
    assert db.session.query(CrisisEvent).count() == 0


def test_an_agreement_and_an_update_say_which_date_is_wrong(api, world):
    scene = build_scene(world)
    version = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").headers["ETag"]
    body = {
        "agency_id": str(scene.lead.id),
        "staff_id": str(scene.spare.id),
        "agreed_on": "2099-01-01",
        "agreed_how": "phone",
    }
    handed = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/key-worker",
        body,
        headers={"If-Match": version},
    )
    assert _fields(handed, 400) == {
        "agreed_on": ["The date they agreed must be today or in the past"]
    }
    entry = {"text": "Met at the cafe.", "occurred_on": "2099-01-01"}
    added = api.post(
        scene.key_worker, f"/people/{scene.person.id}/plan/sections/housing/entries", entry
    )
    assert _fields(added, 400) == {
        "occurred_on": ["The date it happened must be today or in the past"]
    }
