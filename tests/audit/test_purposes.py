"""Purpose of access (issue 18; Caldicott principle 1): every request carries one, from a
fixed vocabulary, recorded in its audit record; an unknown purpose is a clear 400 and
nothing is done; a consent serves only the purposes it was given for; IG officers get a
report on purposes of access."""

from __future__ import annotations

from datetime import date

import pytest

from careplan.plans.models import CareTeamMember, MembershipHow
from consent.models import Consent
from tests.api.scene import build_scene


def _records(world, response):
    rid = response.headers["X-Request-Id"]
    return [e for e in world.audit() if e.request_id == rid]


def _plan(scene):
    return f"/people/{scene.person.id}/plan"


def test_the_default_is_direct_care_and_a_named_purpose_is_recorded(api, world):
    scene = build_scene(world)
    plain = api.get(scene.key_worker, _plan(scene))
    assert [e.purpose for e in _records(world, plain)] == ["direct_care"]
    header = api.get(scene.key_worker, _plan(scene), headers={"X-Purpose": "safeguarding"})
    assert header.status_code == 200
    assert [e.purpose for e in _records(world, header)] == ["safeguarding"]
    param = api.get(scene.key_worker, _plan(scene) + "?purpose=statutory_return")
    assert [e.purpose for e in _records(world, param)] == ["statutory_return"]
    # A refusal carries the purpose it was asked for too.
    refused = api.get(scene.outsider, _plan(scene), headers={"X-Purpose": "referral"})
    assert refused.status_code == 404
    assert [(e.outcome, e.purpose) for e in _records(world, refused)] == [("deny", "referral")]


def test_ig_tools_default_to_audit(api, world):
    scene = build_scene(world)
    search = api.get(scene.ig, "/audit/events")
    assert [e.purpose for e in _records(world, search)] == ["audit"]
    named = api.get(scene.ig, "/audit/events", headers={"X-Purpose": "ig_investigation"})
    assert [e.purpose for e in _records(world, named)] == ["ig_investigation"]


@pytest.mark.parametrize(
    "asked", ["research", "marketing", "Direct Care", "x" * 500, "direct-care"]
)
def test_an_unknown_purpose_is_refused_and_nothing_is_done(api, world, asked):
    scene = build_scene(world)
    before = api.get(scene.key_worker, _plan(scene)).get_json()["sections"]["housing"]
    section = f"/people/{scene.person.id}/plan/sections/housing"
    refused = api.put(
        scene.key_worker,
        section,
        {"content": {"current_accommodation": "Changed"}},
        headers={"If-Match": f'"{before["version"]}"', "X-Purpose": asked},
    )
    assert refused.status_code == 400
    body = refused.get_json()
    assert "purpose" in body["fields"]
    if asked == "research":
        assert "Public Benefit and Privacy Panel" in body["message"]
    else:
        assert "direct_care" in body["message"]
    assert asked not in refused.get_data(as_text=True) or asked == "research"
    after = api.get(scene.key_worker, _plan(scene)).get_json()["sections"]["housing"]
    assert after["version"] == before["version"]
    records = _records(world, refused)
    assert [(e.outcome, e.purpose) for e in records] == [("invalid", None)]
    # Reads too: nothing shown.
    read = api.get(scene.key_worker, _plan(scene) + f"?purpose={asked[:40]}")
    assert read.status_code == 400
    assert "sections" not in read.get_json()


def test_a_consent_serves_only_its_purposes(api, world):
    """A care team member of another agency reads housing through the person's consent
    for their care: for their care or a referral, yes; for a return or an
    investigation, no (403 saying why); the key worker is not limited by consent."""
    scene = build_scene(world)
    plan = scene.plan
    world.session.add(
        CareTeamMember(
            plan_id=plan.id,
            staff_id=scene.outsider.id,
            role="Housing officer",
            valid_from=plan.agreed_on,
            how=MembershipHow.ADDED,
            added_by_id=scene.key_worker.id,
        )
    )
    world.session.add(
        Consent(
            person_id=scene.person.id,
            grantee_agency_id=scene.other_agency.id,
            sections=["housing"],
            effect="permit",
            purpose="direct_care",
            starts_on=date(2026, 1, 1),
            expires_on=date(2030, 1, 1),
            method="written",
            recorded_by_id=scene.key_worker.id,
        )
    )
    world.session.commit()
    housing = f"/people/{scene.person.id}/plan/sections/housing"
    for purpose in ("direct_care", "referral"):
        ok = api.get(scene.outsider, housing, headers={"X-Purpose": purpose})
        assert ok.status_code == 200, (purpose, ok.get_json())
        assert [e.basis["housing"].startswith("consent:") for e in _records(world, ok)] == [True]
    for purpose in ("statutory_return", "ig_investigation", "safeguarding"):
        refused = api.get(scene.outsider, housing, headers={"X-Purpose": purpose})
        assert refused.status_code == 403, purpose
        assert "agreed to share this for their care" in refused.get_json()["message"]
        assert [(e.outcome, e.reason, e.purpose) for e in _records(world, refused)] == [
            ("deny", "purpose", purpose)
        ]
    mine = api.get(
        scene.key_worker,
        housing,
        headers={"X-Purpose": "statutory_return"},
    )
    assert mine.status_code == 200


def test_report_on_purposes_of_access(api, world):
    scene = build_scene(world)
    api.get(scene.key_worker, _plan(scene))
    api.get(scene.key_worker, _plan(scene), headers={"X-Purpose": "safeguarding"})
    api.get(scene.key_worker, _plan(scene), headers={"X-Purpose": "safeguarding"})
    api.get(scene.outsider, _plan(scene), headers={"X-Purpose": "safeguarding"})  # refused
    rows = api.get(scene.ig, "/audit/reports/purposes").get_json()["rows"]
    mine = {(r["actor_name"], r["purpose"]): (r["count"], r["people"]) for r in rows}
    assert mine[("Kay Worker", "safeguarding")] == (2, 1)
    assert mine[("Kay Worker", "direct_care")] == (1, 1)
    assert ("Outsider", "safeguarding") not in mine  # refusals are not access
    only = api.get(scene.ig, "/audit/reports/purposes?for_purpose=safeguarding").get_json()["rows"]
    assert {r["purpose"] for r in only} == {"safeguarding"}
    found = api.get(scene.ig, "/audit/events?for_purpose=safeguarding").get_json()["events"]
    assert len(found) == 3
    assert api.get(scene.ig, "/audit/events?for_purpose=research").status_code == 400
    assert api.get(scene.key_worker, "/audit/reports/purposes").status_code == 403
