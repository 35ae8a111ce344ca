"""An update "entered in error" (issue 20): the key worker or lead agency marks it with a
reason; it is kept as written (for the record and the audit), labelled wherever updates
are listed, and left out of the chronology unless asked for."""

from __future__ import annotations

import uuid

import pytest

from careplan.extensions import db
from careplan.plans.models import Entry
from tests.api.scene import build_scene

REASON = {"reason": "Written on the wrong person's plan."}


def _update(api, scene, key="housing"):
    made = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/{key}/entries",
        {"text": "Viewed the flat in Leith with her."},
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def _mark(api, scene, who, entry_id, key="housing", body=None):
    return api.post(
        who,
        f"/people/{scene.person.id}/plan/sections/{key}/entries/{entry_id}/error",
        REASON if body is None else body,
    )


def test_an_update_entered_in_error_is_kept_labelled_and_left_out_of_the_chronology(api, world):
    scene = build_scene(world)
    entry_id = _update(api, scene)
    marked = _mark(api, scene, scene.key_worker, entry_id)
    assert marked.status_code == 200, marked.get_json()
    body = marked.get_json()
    assert body["text"] == "Viewed the flat in Leith with her."  # kept as written
    assert body["entered_in_error"]["reason"] == REASON["reason"]
    assert body["entered_in_error"]["by"]["name"] == "Kay Worker"
    listed = api.get(scene.colleague, f"/people/{scene.person.id}/plan/sections/housing/entries")
    (shown,) = [e for e in listed.get_json() if e["id"] == entry_id]
    assert shown["entered_in_error"]["reason"] == REASON["reason"]

    url = f"/people/{scene.person.id}/chronology"
    default = api.get(scene.key_worker, url).get_json()["items"]
    assert all(i["text"] != "Viewed the flat in Leith with her." for i in default)
    everything = api.get(scene.key_worker, url + "?include=entered_in_error").get_json()["items"]
    (item,) = [i for i in everything if i["text"] == "Viewed the flat in Leith with her."]
    assert item["entered_in_error"]["reason"] == REASON["reason"]
    assert api.get(scene.key_worker, url + "?include=everything").status_code == 400

    again = _mark(api, scene, scene.key_worker, entry_id)
    assert again.status_code == 409
    db.session.expire_all()
    row = db.session.get(Entry, uuid.UUID(entry_id))
    assert row.error_reason == REASON["reason"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("key_worker", 200),
        ("lead_agency", 200),
        ("other_agency", 404),  # a task owner only: no basis on the plan
        ("self", 403),  # the person asks for a correction instead
        ("other_individual", 404),
        ("ig_officer", 404),
        ("admin", 404),
    ],
)
def test_who_may_mark_an_update_entered_in_error(api, world, role, expected):
    scene = build_scene(world)
    entry_id = _update(api, scene)
    before = len(world.audit())
    response = _mark(api, scene, scene.role(role), entry_id)
    assert response.status_code == expected, response.get_json()
    records = [
        r for r in world.audit()[before:] if r.request_id == response.headers["X-Request-Id"]
    ]
    assert records
    assert records[-1].action == "entry.error"
    assert records[-1].outcome == ("permit" if expected == 200 else "deny")


def test_bad_marks_change_nothing(api, world):
    scene = build_scene(world)
    entry_id = _update(api, scene)
    for body in ({}, {"reason": ""}, {"reason": "x" * 2001}, {"reason": "ok", "extra": 1}):
        assert _mark(api, scene, scene.key_worker, entry_id, body=body).status_code == 400
    # Not an update of this section, or of this person: as if there were none.
    assert _mark(api, scene, scene.key_worker, entry_id, key="goals").status_code == 404
    assert _mark(api, scene, scene.key_worker, uuid.uuid4()).status_code == 404
    db.session.expire_all()
    assert db.session.get(Entry, uuid.UUID(entry_id)).error_at is None
