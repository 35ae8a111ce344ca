"""Subject access export: everything about the person, nothing about anyone else."""

from __future__ import annotations

import json

from tests.api.scene import build_scene

MINE = "Zebra Crossing Court"
THEIRS = "Otter Lane flat"


def _fill(api, scene):
    p, other = scene.person.id, scene.other_person.id
    assert (
        api.put(
            scene.key_worker,
            f"/people/{p}/plan/sections/housing",
            {"content": {"preferred_areas": [MINE]}},
            headers={"If-Match": '"1"'},
        ).status_code
        == 200
    )
    assert (
        api.post(
            scene.key_worker,
            f"/people/{p}/plan/sections/goals/entries",
            {"text": "Bidding near " + MINE},
        ).status_code
        == 201
    )
    assert (
        api.put(
            scene.key_worker,
            f"/people/{p}/plan/key-worker",
            {
                "agency_id": str(scene.lead.id),
                "staff_id": str(scene.spare.id),
                "agreed_on": "2026-11-01",
                "agreed_how": "phone",
            },
            headers={"If-Match": '"1"'},
        ).status_code
        == 200
    )
    # Someone else's plan, with content that must never leak into this export.
    assert (
        api.put(
            scene.outsider,
            f"/people/{other}/plan/sections/housing",
            {"content": {"preferred_areas": [THEIRS]}},
            headers={"If-Match": '"1"'},
        ).status_code
        == 200
    )
    api.get(scene.outsider, f"/people/{other}/plan")


def test_export_holds_everything_and_nothing_else(api, world):
    scene = build_scene(world)
    _fill(api, scene)
    response = api.get(scene.spare, f"/people/{scene.person.id}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["chi"] == scene.person.chi
    housing = next(s for s in data["plan"]["sections"] if s["key"] == "housing")
    assert housing["current"] == {"preferred_areas": [MINE]}
    assert [v["version"] for v in housing["versions"]] == [2, 1]
    goals = next(s for s in data["plan"]["sections"] if s["key"] == "goals")
    assert goals["entries"][0]["text"] == "Bidding near " + MINE
    assert [k["name"] for k in data["plan"]["key_workers"]] == ["Spare Practitioner", "Kay Worker"]
    assert {c["name"] for c in data["plan"]["care_team"]} == {"Spare Practitioner"}
    assert data["consents"][0]["grantee"]["sector"] == "third_sector"
    assert any(a["what"] == "changed a part of your plan" for a in data["access_log"])
    assert data["account"]["email"] == scene.individual.email
    # The living plan (issue 20): the scene's action for the person is theirs to have.
    assert [t["title"] for t in data["tasks"]] == ["Hold the room at the hostel until Friday"]
    assert data["meetings"] == []
    text = response.get_data(as_text=True)
    assert THEIRS not in text
    assert str(scene.other_person.id) not in text
    assert scene.other_individual.email not in text
    exports = [
        e for e in world.audit() if e.action == "subject_access.export" and e.outcome == "permit"
    ]
    assert exports[-1].person_id == scene.person.id
    assert exports[-1].basis == {"export": "key_worker"}


def test_html_export_for_the_person_not_the_ig_officer(api, world):
    scene = build_scene(world)
    _fill(api, scene)
    mine = api.get(scene.individual, f"/people/{scene.person.id}/export?format=html")
    assert mine.status_code == 200
    assert mine.mimetype == "text/html"
    page = mine.get_data(as_text=True)
    assert "A copy of my information" in page
    assert MINE in page
    assert THEIRS not in page
    # IG officers never see plan content (BRIEF.md): the person does not exist for them
    # here, exactly as for someone with no basis, and the attempt is on record.
    ig = api.get(scene.ig, f"/people/{scene.person.id}/export")
    assert ig.status_code == 404
    assert MINE not in ig.get_data(as_text=True)
    refused = world.audit()[-1]
    assert (refused.action, refused.outcome, refused.actor_role) == (
        "subject_access.export",
        "deny",
        "ig_officer",
    )


def test_export_refused_without_a_basis(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/export"
    assert api.get(scene.outsider, url).status_code == 404
    assert api.get(scene.colleague, url).status_code == 403
    assert api.get(scene.other_individual, url).status_code == 404
    assert api.get(scene.admin, url).status_code == 404
    assert api.get(scene.key_worker, url + "?format=docx").status_code == 400
