"""Consent-scoped sharing end to end: consent, refusal, withdrawal, claims, break-glass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from audit.log import open_justification
from careplan.core import clock, prepared
from careplan.extensions import db
from consent.models import SharingAgreement
from tests.api.scene import build_scene


def _opened(event_):
    """The audit record keeps the justification sealed; IG tools open it."""
    assert event_.justification.startswith("v1:")
    return open_justification(
        {
            "justification": event_.justification,
            "request_id": event_.request_id,
            "action": event_.action,
        }
    )


def agreement(world, agency, ceiling="sensitive", sections=None, until=None):
    admin = world.staff(None, roles=("admin",))
    world.session.add(
        SharingAgreement(
            agency_id=agency.id,
            max_sensitivity=ceiling,
            sections=sections,
            lawful_basis="art6_1_e_art9_2_h",
            valid_until=until or date(2030, 1, 1),
            created_by_id=admin.id,
        )
    )
    world.session.commit()


def join_team(api, scene):
    made = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/care-team",
        {"staff_id": str(scene.outsider.id), "role": "Housing officer"},
    )
    assert made.status_code == 201
    return made.get_json()["id"]


def give(api, scene, by=None, **overrides):
    body = {
        "grantee": {"agency_id": str(scene.other_agency.id)},
        "sections": ["housing", "money", "substance_use", "safety"],
        "effect": "permit",
        "expires_on": "2027-06-01",
        "method": "written",
        "evidence_note": "Signed form",
        **overrides,
    }
    made = api.post(by or scene.key_worker, f"/people/{scene.person.id}/consents", body)
    assert made.status_code == 201, made.get_json()
    return made.get_json()


@pytest.fixture
def shared(api, world):
    scene = build_scene(world)
    agreement(world, scene.other_agency)
    join_team(api, scene)
    return scene


def plan_of(api, user, scene):
    return api.get(user, f"/people/{scene.person.id}/plan")


def test_consent_opens_exactly_the_agreed_sections(api, world, shared):
    assert plan_of(api, shared.outsider, shared).status_code == 404
    consent = give(api, shared)
    plan = plan_of(api, shared.outsider, shared).get_json()
    # safety is restricted: beyond the "sensitive" agreement, whatever the consent says.
    assert sorted(plan["sections"]) == ["housing", "money", "substance_use"]
    assert "safety" in plan["withheld"]
    assert plan["basis"]["housing"] == f"consent:{consent['id']}"
    refused = api.get(shared.outsider, f"/people/{shared.person.id}/plan/sections/safety")
    assert refused.status_code == 403
    assert refused.get_json()["reason"] == "agreement_ceiling"
    assert api.get(shared.outsider, f"/people/{shared.person.id}").status_code == 200


def test_consent_without_care_team_membership_shows_nothing(api, world):
    scene = build_scene(world)
    agreement(world, scene.other_agency)
    give(api, scene)
    assert plan_of(api, scene.outsider, scene).status_code == 404
    found = api.get(scene.outsider, "/people?q=mackenzie").get_json()
    assert found == []


def test_refusal_beats_consent(api, world, shared):
    give(api, shared)
    refusal = give(api, shared, effect="deny", sections=["substance_use"], expires_on=None)
    plan = plan_of(api, shared.outsider, shared).get_json()
    assert "substance_use" in plan["withheld"]
    section = api.get(shared.outsider, f"/people/{shared.person.id}/plan/sections/substance_use")
    assert section.get_json()["reason"] == f"refused:{refusal['id']}"


def test_sector_consent(api, world, shared):
    give(api, shared, grantee={"sector": "statutory"}, sections=["housing"])
    assert list(plan_of(api, shared.outsider, shared).get_json()["sections"]) == ["housing"]


def test_withdrawal_takes_effect_on_the_next_request(app, api, world, shared):
    consent = give(api, shared)
    practitioner = app.test_client()
    person = app.test_client()
    headers = api.headers(shared.outsider)
    url = f"/api/v1/people/{shared.person.id}/plan/sections/housing"
    assert practitioner.get(url, headers=headers).status_code == 200
    withdrawn = person.post(
        f"/api/v1/people/{shared.person.id}/consents/{consent['id']}/withdraw",
        json={"reason": "I changed my mind"},
        headers=api.headers(shared.individual),
    )
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["status"] == "withdrawn"
    # The very next request from the other client: the plan is gone from view.
    assert practitioner.get(url, headers=headers).status_code == 404
    history = api.get(shared.individual, f"/people/{shared.person.id}/consents").get_json()
    mine = next(c for c in history if c["id"] == consent["id"])
    assert mine["status"] == "withdrawn"
    assert mine["withdrawn_by"]["name"] == shared.individual.name
    assert mine["withdrawn_reason"] == "I changed my mind"
    again = person.post(
        f"/api/v1/people/{shared.person.id}/consents/{consent['id']}/withdraw",
        headers=api.headers(shared.individual),
    )
    assert again.status_code == 409


def test_person_records_their_own_consent_self_service(api, world, shared):
    mine = give(api, shared, by=shared.individual, method="self_service")
    assert mine["method"] == "self_service"
    refused = api.post(
        shared.individual,
        f"/people/{shared.person.id}/consents",
        {
            "grantee": {"sector": "third_sector"},
            "sections": "all",
            "effect": "permit",
            "expires_on": "2027-01-01",
            "method": "written",
        },
    )
    assert refused.status_code == 400


def test_consent_input_is_checked(api, world, shared):
    url = f"/people/{shared.person.id}/consents"
    base = {
        "grantee": {"agency_id": str(shared.other_agency.id)},
        "sections": ["housing"],
        "effect": "permit",
        "expires_on": "2027-01-01",
        "method": "written",
    }
    for change, field in (
        ({"sections": ["tarot"]}, "sections"),
        ({"sections": []}, "sections"),
        ({"expires_on": None}, "expires_on"),
        ({"expires_on": "2001-01-01"}, "expires_on"),
        ({"grantee": {}}, "grantee._schema"),
        ({"effect": "maybe"}, "effect"),
    ):
        bad = api.post(shared.key_worker, url, {**base, **change})
        assert bad.status_code == 400, change
        assert field in bad.get_json()["fields"], (change, bad.get_json())
    assert len(api.get(shared.key_worker, url).get_json()) == 1  # the scene's own
    assert api.post(shared.colleague, url, base).status_code == 403
    assert api.post(shared.outsider, url, base).status_code == 404


def test_expired_consent_grants_nothing(api, world, shared, monkeypatch):
    give(api, shared, expires_on=(clock.today() + timedelta(days=2)).isoformat())
    assert plan_of(api, shared.outsider, shared).status_code == 200
    later = clock.now() + timedelta(days=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    monkeypatch.setattr(clock, "today", lambda: later.date())
    assert plan_of(api, shared.outsider, shared).status_code == 404


def test_ended_membership_grants_nothing_from_the_next_request(api, world):
    scene = build_scene(world)
    agreement(world, scene.other_agency)
    member = join_team(api, scene)
    give(api, scene)
    assert plan_of(api, scene.outsider, scene).status_code == 200
    ended = api.post(scene.key_worker, f"/people/{scene.person.id}/care-team/{member}/end")
    assert ended.status_code == 200
    assert plan_of(api, scene.outsider, scene).status_code == 404


def test_expired_agreement_grants_nothing(api, world):
    scene = build_scene(world)
    agreement(world, scene.other_agency, until=clock.today() - timedelta(days=1))
    join_team(api, scene)
    give(api, scene)
    assert plan_of(api, scene.outsider, scene).status_code == 404


def test_consented_practitioner_adds_entries_but_cannot_edit(api, world, shared):
    give(api, shared)
    url = f"/people/{shared.person.id}/plan/sections/housing"
    assert api.post(shared.outsider, url + "/entries", {"text": "Viewed a flat"}).status_code == 201
    edit = api.put(shared.outsider, url, {"content": {}}, headers={"If-Match": '"1"'})
    assert edit.status_code == 403
    assert edit.get_json()["reason"] == "read_only"


def test_claim_a_relationship(api, world):
    scene = build_scene(world)
    agreement(world, scene.other_agency)
    give(api, scene)
    found = api.post(scene.outsider, "/people/lookup", {"chi": scene.person.chi}).get_json()
    url = f"/people/{found['id']}/care-team/claim"
    assert api.post(scene.outsider, url, {"reason": "short"}).status_code == 400
    claimed = api.post(
        scene.outsider,
        url,
        {"reason": "Allocated as her housing officer from today by the homelessness team."},
    )
    assert claimed.status_code == 201
    assert claimed.get_json()["how"] == "claimed"
    assert api.post(scene.outsider, url, {"reason": "x" * 50}).status_code == 409
    assert plan_of(api, scene.outsider, scene).status_code == 200
    claims = [e for e in world.audit() if e.action == "careteam.claim"]
    # Too short (invalid), made, made again (conflict): none of them a refusal.
    assert [e.outcome for e in claims] == ["invalid", "permit", "conflict"]
    event_ = claims[1]
    assert event_.details["review"] == "pending"
    assert _opened(event_).startswith("Allocated")


def test_claim_or_break_glass_needs_an_agreement(api, world):
    scene = build_scene(world)
    stranger = world.staff(world.agency("No agreement charity"))
    url = f"/people/{scene.person.id}"
    api.look_up(stranger, scene.person)
    claim = api.post(stranger, url + "/care-team/claim", {"reason": "x" * 60})
    assert claim.status_code == 403
    assert claim.get_json()["reason"] == "no_agreement"
    glass = api.post(
        stranger, url + "/break-glass", {"reason": "risk_to_life", "justification": "x" * 60}
    )
    assert glass.status_code == 403


def test_break_glass_is_time_limited_and_read_only(api, world, monkeypatch):
    scene = build_scene(world)
    agreement(world, scene.other_agency, ceiling="standard")
    url = f"/people/{scene.person.id}/break-glass"
    api.look_up(scene.outsider, scene.person)
    short = api.post(scene.outsider, url, {"reason": "risk_to_life", "justification": "help"})
    assert short.status_code == 400
    invoked = api.post(
        scene.outsider,
        url,
        {
            "reason": "risk_to_life",
            "justification": "Found unresponsive at the hostel; need her crisis contacts now.",
        },
    )
    assert invoked.status_code == 201
    body = invoked.get_json()
    assert "substance_use" not in body["sections"]
    assert "housing" in body["sections"]
    plan = plan_of(api, scene.outsider, scene).get_json()
    assert plan["basis"]["contacts"] == f"breakglass:{body['id']}"
    assert (
        api.post(
            scene.outsider,
            f"/people/{scene.person.id}/plan/sections/housing/entries",
            {"text": "x"},
        ).status_code
        == 403
    )
    later = clock.now() + timedelta(hours=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert plan_of(api, scene.outsider, scene).status_code == 404
    record = [e for e in world.audit() if e.action == "breakglass.invoke"][-1]
    assert _opened(record).startswith("Found unresponsive")


def test_plan_view_costs_the_same_queries_however_many_consents(api, world, shared, monkeypatch):
    statements = []

    real_run = prepared.run_statement

    def run_prepared(cursor, sql, values, **kw):
        statements.append(sql)
        real_run(cursor, sql, values, **kw)

    # Statements go to the database through SQLAlchemy or as prepared hot-path statements.
    monkeypatch.setattr(prepared, "run_statement", run_prepared)

    def count_plan_view():
        statements.clear()

        def seen(*_args, **_kwargs):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert plan_of(api, shared.outsider, shared).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return len(statements)

    give(api, shared)
    plan_of(api, shared.outsider, shared)  # the token is looked up once, cached in `api`
    few = count_plan_view()
    for n in range(25):
        give(
            api,
            shared,
            sections=["housing"],
            effect="deny" if n % 5 == 0 else "permit",
            expires_on="2027-06-01",
        )
    many = count_plan_view()
    # Both paths are counted: the facts, sections and audit append are all in there.
    assert few >= 8
    assert many == few
