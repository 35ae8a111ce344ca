"""Administration: agencies, staff, sharing agreements, deactivation. Never plan content."""

from __future__ import annotations

from tests.api.scene import build_scene


def test_admin_creates_agency_and_staff(api, world):
    scene = build_scene(world)
    agency = api.post(
        scene.admin,
        "/agencies",
        {"name": "Simon Community Scotland", "sector": "third_sector", "kind": "charity"},
    )
    assert agency.status_code == 201
    agency_id = agency.get_json()["id"]
    dup = api.post(
        scene.admin,
        "/agencies",
        {"name": "Simon Community Scotland", "sector": "third_sector", "kind": "charity"},
    )
    assert dup.status_code == 409
    bad = api.post(
        scene.admin, "/agencies", {"name": "X Y", "sector": "private", "kind": "charity"}
    )
    assert "sector" in bad.get_json()["fields"]
    staff = api.post(
        scene.admin,
        "/staff",
        {
            "email": "Outreach@Example.test",
            "name": "Out",
            "agency_id": agency_id,
            "roles": ["practitioner"],
        },
    )
    assert staff.status_code == 201
    assert staff.get_json()["email"] == "outreach@example.test"
    listed = api.get(scene.admin, "/staff").get_json()
    assert "outreach@example.test" in {s["email"] for s in listed}
    no_agency = api.post(
        scene.admin,
        "/staff",
        {"email": "p@example.test", "name": "P", "agency_id": None, "roles": ["practitioner"]},
    )
    assert no_agency.status_code == 400
    bad_role = api.post(
        scene.admin,
        "/staff",
        {"email": "q@example.test", "name": "Q", "agency_id": agency_id, "roles": ["god"]},
    )
    assert "roles.0" in bad_role.get_json()["fields"]


def test_sharing_agreement_validated(api, world):
    scene = build_scene(world)
    url = f"/agencies/{scene.other_agency.id}/sharing-agreement"
    ok = api.put(
        scene.admin,
        url,
        {
            "max_sensitivity": "sensitive",
            "sections": ["housing", "money"],
            "valid_until": "2030-01-01",
        },
    )
    assert ok.status_code == 200
    assert ok.get_json()["lawful_basis"] == "art6_1_e_art9_2_h"
    unknown = api.put(
        scene.admin,
        url,
        {"max_sensitivity": "sensitive", "sections": ["tarot"], "valid_until": "2030-01-01"},
    )
    assert unknown.status_code == 400
    past = api.put(
        scene.admin,
        url,
        {"max_sensitivity": "standard", "sections": None, "valid_until": "2001-01-01"},
    )
    assert "valid_until" in past.get_json()["fields"]


def test_deactivated_staff_token_stops_on_next_request(api, world):
    scene = build_scene(world)
    assert api.get(scene.key_worker, "/me").status_code == 200
    done = api.post(scene.admin, f"/staff/{scene.key_worker.id}/deactivate")
    assert done.status_code == 200
    assert done.get_json()["active"] is False
    assert api.get(scene.key_worker, "/me").status_code == 401
    again = api.post(scene.admin, f"/staff/{scene.key_worker.id}/deactivate")
    assert again.status_code == 409


def test_admin_and_ig_never_see_plan_content(api, world):
    scene = build_scene(world)
    for user in (scene.admin, scene.ig):
        for path in ("", "/plan", "/plan/sections/about_me", "/care-team"):
            assert api.get(user, f"/people/{scene.person.id}{path}").status_code == 404
        assert api.get(user, "/people?q=sarah").status_code == 403


def test_practitioner_who_is_also_ig_gets_no_content(api, world):
    scene = build_scene(world)
    both = world.staff(scene.lead, roles=("practitioner", "ig_officer"))
    assert api.get(both, f"/people/{scene.person.id}/plan").status_code == 404
