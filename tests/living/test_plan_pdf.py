"""The plan on paper (issue 20): a tagged PDF of what the caller may see, dated, saying how
many parts are left out, recorded as an export; for the person and for staff."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.api.scene import build_scene

STORY = {"content": {"my_story": "I grew up in Leith and I want to be near my son."}}
HOUSING = {"content": {"preferred_areas": ["Gorgie"]}}


@pytest.fixture
def app(shared_app):
    return shared_app


def _text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return "\n".join(page.extract_text() for page in reader.pages)


def _write(api, scene):
    path = f"/people/{scene.person.id}/plan/sections"
    ok = api.put(scene.key_worker, f"{path}/about_me", STORY, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    ok = api.put(scene.key_worker, f"{path}/housing", HOUSING, headers={"If-Match": '"1"'})
    assert ok.status_code == 200


def test_the_key_worker_prints_the_whole_plan(api, world):
    scene = build_scene(world)
    _write(api, scene)
    response = api.get(scene.key_worker, f"/people/{scene.person.id}/plan.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="care-plan-')
    assert "Mackenzie" not in disposition
    text = _text(response)
    assert "Care plan for Sarah Mackenzie" in text
    assert "Printed on" in text
    assert "Kay Worker" in text
    assert "I grew up in Leith" in text
    assert "Gorgie" in text
    assert "not shared with you" not in text
    # Recorded once, as an export of what was shown, on what basis.
    mine = [r for r in world.audit() if r.request_id == response.headers["X-Request-Id"]]
    assert [(r.action, r.outcome) for r in mine] == [("export", "permit")]
    assert mine[0].details["format"] == "pdf"
    assert set(mine[0].sections) == set(world.catalogue_keys())
    assert mine[0].withheld == []


def test_a_practitioner_with_consent_prints_only_what_they_may_see(api, world):
    scene = build_scene(world)
    _write(api, scene)
    # The scene's consent covers the third sector for housing; make the outsider's
    # agency third sector and a care team member.
    member = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/care-team",
        {"staff_id": str(scene.outsider.id), "role": "Housing officer"},
    )
    assert member.status_code == 201
    consent = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"agency_id": str(scene.other_agency.id)},
            "sections": ["housing"],
            "effect": "permit",
            "expires_on": "2028-01-01",
            "method": "verbal",
        },
    )
    assert consent.status_code == 201, consent.get_json()
    response = api.get(scene.outsider, f"/people/{scene.person.id}/plan.pdf")
    assert response.status_code == 200
    text = _text(response)
    assert "Gorgie" in text
    assert "I grew up in Leith" not in text
    withheld = len(world.catalogue_keys()) - 1
    assert f"{withheld} parts of this plan are not shared with you" in text
    # The names of what is left out are never printed for them.
    for title in ("Alcohol and drugs", "Mental health", "Safety and risk", "About me"):
        assert title not in text
    record = next(r for r in world.audit() if r.request_id == response.headers["X-Request-Id"])
    assert record.sections == ["housing"]
    assert len(record.withheld) == withheld


def test_the_person_prints_their_own_plan(api, world):
    scene = build_scene(world)
    written = api.put(
        scene.individual, "/me/plan/sections/about_me", STORY, headers={"If-Match": '"1"'}
    )
    assert written.status_code == 200
    response = api.get(scene.individual, "/me/plan.pdf")
    assert response.status_code == 200
    text = _text(response)
    assert "My care plan" in text
    assert "You wrote this." in text
    record = next(r for r in world.audit() if r.request_id == response.headers["X-Request-Id"])
    assert (record.action, record.outcome, record.person_id) == (
        "export",
        "permit",
        scene.person.id,
    )


def test_the_pdf_is_tagged_and_titled_for_screen_readers(api, world):
    scene = build_scene(world)
    response = api.get(scene.key_worker, f"/people/{scene.person.id}/plan.pdf")
    reader = PdfReader(io.BytesIO(response.get_data()))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Care plan for Sarah Mackenzie"


@pytest.mark.parametrize("who", ["other_agency", "other_individual", "ig_officer", "admin"])
def test_no_basis_no_paper(api, world, who):
    scene = build_scene(world)
    response = api.get(scene.role(who), f"/people/{scene.person.id}/plan.pdf")
    assert response.status_code == 404
    record = [r for r in world.audit() if r.request_id == response.headers["X-Request-Id"]][-1]
    assert (record.action, record.outcome) == ("export", "deny")
