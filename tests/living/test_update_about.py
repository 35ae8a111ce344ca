"""An update says which goal or shared action it is about (issue 20): `goal_id` (a goal of
the person's "My goals and actions") or `task_id` (one of their actions). Checked against
the person's plan and what the writer may see (422 naming the field, nothing written);
shown with the update, in the chronology (and filtered by it), and withheld from a reader
who may not see that goal or action."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from careplan.extensions import db
from careplan.plans.models import Entry
from tests.api.scene import build_scene
from tests.api.test_sharing import give, join_team

GOALS = {
    "content": {
        "goals": [
            {"goal": "Move into my own tenancy", "status": "in_progress"},
            {"goal": "Stay on my prescription", "status": "in_progress"},
        ]
    }
}


@pytest.fixture
def scene(world):
    return build_scene(world)


def _goals(api, scene, body=GOALS):
    url = f"/people/{scene.person.id}/plan/sections/goals"
    version = api.get(scene.key_worker, url).get_json()["version"]
    return api.put(scene.key_worker, url, body, headers={"If-Match": f'"{version}"'})


def _goal_ids(api, scene):
    saved = _goals(api, scene)
    assert saved.status_code == 200, saved.get_json()
    return [g["id"] for g in saved.get_json()["content"]["goals"]]


def _update(api, user, scene, key="housing", **about):
    return api.post(
        user,
        f"/people/{scene.person.id}/plan/sections/{key}/entries",
        {"text": "Viewed a flat in Gorgie with her.", **about},
    )


def _entries():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Entry))


def test_every_goal_gets_an_id_that_it_keeps(api, scene):
    first = _goal_ids(api, scene)
    assert len(set(first)) == 2
    assert all(first)
    # Sent back with their ids (as the section form does), they keep them; a new goal
    # gets its own.
    body = {"content": {"goals": [*_goal_rows(api, scene), {"goal": "See my son"}]}}
    again = _goals(api, scene, body).get_json()["content"]["goals"]
    assert [g["id"] for g in again][:2] == first
    assert again[2]["id"] not in first
    twice = {"content": {"goals": [{"id": "a", "goal": "One"}, {"id": "a", "goal": "Two"}]}}
    refused = _goals(api, scene, twice)
    assert refused.status_code == 400
    assert "content.goals.1.id" in refused.get_json()["fields"]


def _goal_rows(api, scene):
    url = f"/people/{scene.person.id}/plan/sections/goals"
    return api.get(scene.key_worker, url).get_json()["content"]["goals"]


def test_an_update_about_a_goal_is_shown_with_it_and_in_the_chronology(api, scene):
    tenancy, _ = _goal_ids(api, scene)
    made = _update(api, scene.key_worker, scene, goal_id=tenancy)
    assert made.status_code == 201, made.get_json()
    about = made.get_json()["about"]
    assert about == {
        "kind": "goal",
        "id": tenancy,
        "title": "Move into my own tenancy",
        "status": "in_progress",
        "withheld": False,
        "removed": False,
    }
    listed = api.get(scene.colleague, f"/people/{scene.person.id}/plan/sections/housing/entries")
    assert listed.get_json()[0]["about"]["title"] == "Move into my own tenancy"
    url = f"/people/{scene.person.id}/chronology"
    items = api.get(scene.individual, url).get_json()["items"]
    (item,) = [i for i in items if i["kind"] == "update"]
    assert item["about"]["title"] == "Move into my own tenancy"
    only = api.get(scene.key_worker, f"{url}?about=goal:{tenancy}").get_json()["items"]
    assert [i["text"] for i in only] == ["Viewed a flat in Gorgie with her."]
    assert api.get(scene.key_worker, f"{url}?about=goal:other").get_json()["items"] == []
    assert api.get(scene.key_worker, f"{url}?about=nonsense").status_code == 400
    # The goal leaves the plan: the update says so, and keeps its words.
    _goals(api, scene, {"content": {"goals": [{"goal": "Something else"}]}})
    listed = api.get(scene.key_worker, f"/people/{scene.person.id}/plan/sections/housing/entries")
    assert listed.get_json()[0]["about"]["removed"] is True
    assert listed.get_json()[0]["about"]["title"] is None


def test_an_update_about_an_action(api, scene):
    made = _update(api, scene.key_worker, scene, task_id=str(scene.task.id))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["about"]["kind"] == "action"
    assert made.get_json()["about"]["title"] == "Hold the room at the hostel until Friday"
    assert made.get_json()["about"]["status"] == "open"
    url = f"/people/{scene.person.id}/chronology?about=action:{scene.task.id}"
    only = api.get(scene.colleague, url).get_json()["items"]
    assert [i["about"]["id"] for i in only] == [str(scene.task.id)]


def test_the_person_links_their_own_update(api, scene):
    tenancy, _ = _goal_ids(api, scene)
    mine = api.post(
        scene.individual,
        "/me/plan/sections/goals/entries",
        {"text": "I went to see the flat myself.", "goal_id": tenancy},
    )
    assert mine.status_code == 201, mine.get_json()
    assert mine.get_json()["about"]["title"] == "Move into my own tenancy"
    task = api.post(
        scene.individual,
        "/me/plan/sections/goals/entries",
        {"text": "They held the room for me.", "task_id": str(scene.task.id)},
    )
    assert task.status_code == 201, task.get_json()


def test_a_reader_who_may_not_see_the_goal_is_told_only_that_there_is_one(api, scene):
    tenancy, _ = _goal_ids(api, scene)
    assert _update(api, scene.key_worker, scene, goal_id=tenancy).status_code == 201
    join_team(api, scene)
    give(api, scene, sections=["housing"])  # housing, not goals
    listed = api.get(scene.outsider, f"/people/{scene.person.id}/plan/sections/housing/entries")
    about = listed.get_json()[0]["about"]
    assert about["withheld"] is True
    assert about["title"] is None
    assert about["status"] is None
    # Nor may they write about it: the same words as for a goal that is not there.
    refused = _update(api, scene.outsider, scene, goal_id=tenancy)
    assert refused.status_code == 422
    assert refused.get_json()["fields"] == {"goal_id": ["Choose one of this person's goals."]}


@pytest.mark.parametrize(
    ("about", "field"),
    [
        ({"goal_id": "no-such-goal"}, "goal_id"),
        ({"task_id": "00000000-0000-4000-8000-000000000000"}, "task_id"),
        ({"task_id": "other_person"}, "task_id"),
        ({"goal_id": "other_person"}, "goal_id"),
    ],
)
def test_a_bad_goal_or_action_is_422_naming_it_and_writes_nothing(api, world, scene, about, field):
    _goal_ids(api, scene)
    if about.get("task_id") == "other_person":
        # The other person's key worker gives them an action: not Sarah's.
        made = api.post(
            scene.outsider,
            f"/people/{scene.other_person.id}/tasks",
            {"title": "Phone the GP", "owner_agency_id": str(scene.other_agency.id)},
        )
        assert made.status_code == 201, made.get_json()
        about = {"task_id": made.get_json()["id"]}
    if about.get("goal_id") == "other_person":
        url = f"/people/{scene.other_person.id}/plan/sections/goals"
        saved = api.put(scene.outsider, url, GOALS, headers={"If-Match": '"1"'})
        assert saved.status_code == 200, saved.get_json()
        about = {"goal_id": saved.get_json()["content"]["goals"][0]["id"]}
    before, records = _entries(), len(world.audit())
    refused = _update(api, scene.key_worker, scene, **about)
    assert refused.status_code == 422, refused.get_json()
    assert list(refused.get_json()["fields"]) == [field]
    assert _entries() == before
    mine = [r for r in world.audit()[records:] if r.request_id == refused.headers["X-Request-Id"]]
    assert mine[-1].outcome == "invalid"


@pytest.mark.parametrize(
    "about",
    [
        {"goal_id": "", "task_id": None},
        {"goal_id": "x" * 65},
        {"task_id": "not-a-uuid"},
        {"goal_id": "a", "task_id": str(uuid.UUID(int=1))},
    ],
)
def test_malformed_links_are_400(api, scene, about):
    before = _entries()
    refused = _update(api, scene.key_worker, scene, **about)
    assert refused.status_code == 400, refused.get_json()
    assert set(refused.get_json()["fields"]) & {"goal_id", "task_id"}
    assert _entries() == before
