"""The person's own voice (issue 20): Sarah writes "About me" and "My goals" herself and
adds updates to them, versioned and audited like a staff write; staff see what she wrote
as hers; the rest of the plan stays the key worker's to write."""

from __future__ import annotations

import pytest

from tests.api.scene import build_scene

STORY = {
    "content": {
        "my_story": "I grew up in Leith. I want to be near my son.",
        "what_matters": ["My son"],
        "communication": {"preferred_contact": "text"},
    }
}
GOALS = {"content": {"goals": [{"goal": "My own flat", "status": "in_progress"}]}}


@pytest.fixture
def app(shared_app):
    return shared_app


def _section_records(world, action, request_id):
    return [r for r in world.audit() if r.action == action and r.request_id == request_id]


def test_the_person_writes_about_me_in_their_own_words(api, world):
    scene = build_scene(world)
    written = api.put(
        scene.individual, "/me/plan/sections/about_me", STORY, headers={"If-Match": '"1"'}
    )
    assert written.status_code == 200, written.get_json()
    body = written.get_json()
    assert body["version"] == 2
    assert written.headers["ETag"] == '"2"'
    assert body["by_person"] is True
    assert body["updated_by"]["id"] == str(scene.individual.id)
    assert body["content"]["my_story"].startswith("I grew up in Leith")
    # Audited as a section update on the person's own basis.
    mine = _section_records(world, "section.update", written.headers["X-Request-Id"])
    assert [(r.outcome, r.basis) for r in mine] == [("permit", {"about_me": "self"})]
    # The key worker sees it as hers, in the plan and in the section's history.
    plan = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").get_json()
    assert plan["sections"]["about_me"]["by_person"] is True
    assert plan["sections"]["housing"]["by_person"] is False
    versions = api.get(
        scene.key_worker, f"/people/{scene.person.id}/plan/sections/about_me/versions"
    ).get_json()
    assert versions[0]["changed_by"]["id"] == str(scene.individual.id)
    # Her own plan shows it too.
    own = api.get(scene.individual, "/me/plan").get_json()
    assert own["sections"]["about_me"]["content"] == body["content"]


def test_the_persons_write_is_versioned_like_staff_writes(api, world):
    scene = build_scene(world)
    path = "/me/plan/sections/goals"
    assert api.put(scene.individual, path, GOALS).status_code == 428
    first = api.put(scene.individual, path, GOALS, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    # The key worker saves over it knowing version 2; Sarah, still on version 1, is told.
    staff_write = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/goals",
        {"content": {"goals": [{"goal": "Stay well", "status": "in_progress"}]}},
        headers={"If-Match": '"2"'},
    )
    assert staff_write.status_code == 200
    assert staff_write.get_json()["by_person"] is False
    stale = api.put(scene.individual, path, GOALS, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    now = api.get(scene.key_worker, f"/people/{scene.person.id}/plan/sections/goals").get_json()
    assert now["content"]["goals"][0]["goal"] == "Stay well"
    assert now["version"] == 3


def test_bad_content_changes_nothing(api, world):
    scene = build_scene(world)
    bad = {"content": {"communication": {"preferred_contact": "pigeon"}}}
    response = api.put(
        scene.individual, "/me/plan/sections/about_me", bad, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 400
    assert "content.communication.preferred_contact" in response.get_json()["fields"]
    now = api.get(scene.individual, "/me/plan").get_json()["sections"]["about_me"]
    assert now["version"] == 1


@pytest.mark.parametrize("key", ["housing", "substance_use", "safety", "contacts"])
def test_sections_staff_keep_are_read_only_to_the_person(api, world, key):
    scene = build_scene(world)
    before = len(world.audit())
    written = api.put(
        scene.individual,
        f"/me/plan/sections/{key}",
        {"content": {}},
        headers={"If-Match": '"1"'},
    )
    assert written.status_code == 403
    added = api.post(scene.individual, f"/me/plan/sections/{key}/entries", {"text": "Hi"})
    assert added.status_code == 403
    refusals = [r for r in world.audit()[before:] if r.outcome == "deny"]
    assert {r.action for r in refusals} == {"section.update", "entry.create"}
    assert all(r.reason == "read_only" and r.sections == [key] for r in refusals)


def test_an_unknown_section_is_not_found(api, world):
    scene = build_scene(world)
    response = api.put(
        scene.individual, "/me/plan/sections/no_such", STORY, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 404


def test_staff_cannot_use_the_persons_own_routes(api, world):
    scene = build_scene(world)
    for user in (scene.key_worker, scene.ig, scene.admin):
        response = api.put(user, "/me/plan/sections/about_me", STORY, headers={"If-Match": '"1"'})
        assert response.status_code == 404
        assert response.get_json()["message"] == "You have no plan linked to your account."


def test_the_person_adds_an_update_staff_see_as_theirs(api, world):
    scene = build_scene(world)
    added = api.post(
        scene.individual,
        "/me/plan/sections/goals/entries",
        {"text": "Viewed a flat in Leith today.", "occurred_on": "2026-11-02"},
    )
    assert added.status_code == 201, added.get_json()
    entry = added.get_json()
    assert entry["by_person"] is True
    assert entry["agency"] is None
    assert entry["author"]["id"] == str(scene.individual.id)
    mine = _section_records(world, "entry.create", added.headers["X-Request-Id"])
    assert [(r.outcome, r.basis) for r in mine] == [("permit", {"goals": "self"})]
    seen = api.get(
        scene.key_worker, f"/people/{scene.person.id}/plan/sections/goals/entries"
    ).get_json()
    assert [(e["text"], e["by_person"]) for e in seen] == [("Viewed a flat in Leith today.", True)]
    empty = api.post(scene.individual, "/me/plan/sections/goals/entries", {"text": "  "})
    assert empty.status_code == 400


def test_another_person_writes_only_their_own_plan(api, world):
    scene = build_scene(world)
    other = api.put(
        scene.other_individual,
        f"/people/{scene.person.id}/plan/sections/about_me",
        STORY,
        headers={"If-Match": '"1"'},
    )
    assert other.status_code == 404
    own = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").get_json()
    assert own["sections"]["about_me"]["version"] == 1
