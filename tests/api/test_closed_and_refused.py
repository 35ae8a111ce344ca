"""A closed plan takes no writes through any door; a plan is never handed to an agency the
person has refused; an id nobody looked up answers as for nobody (issue #16, faults 2, 3
and 8).

The walks below go over the URL map, so a write route added later must be placed in one
of the tables: refused on a closed plan (with a body that would otherwise succeed), or
open because it only narrows access.
"""

from __future__ import annotations

import uuid

import pytest

from careplan.extensions import db
from careplan.plans.models import CareTeamMember, Plan
from consent.models import Consent
from tests.api.scene import build_scene
from tests.api.test_route_guard import person_routes

GLASS = {
    "reason": "risk_to_life",
    "justification": "Found unresponsive at the hostel; need the crisis plan now.",
}
CLAIM = {"reason": "Allocated as her housing officer by the homelessness team today."}
PERMIT = {
    "grantee": {"sector": "statutory"},
    "sections": ["housing"],
    "effect": "permit",
    "expires_on": "2027-06-01",
    "method": "verbal",
}
REFUSAL = {**PERMIT, "effect": "deny", "grantee": {"sector": "third_sector"}}
# endpoint -> (who sends it, body): each would succeed on an open plan.
REFUSED_WHEN_CLOSED = {
    "api.put_section": ("key_worker", {"content": {"preferred_areas": ["Leith"]}}),
    "api.add_entry": ("key_worker", {"text": "Met at the cafe."}),
    "api.add_care_team_member": ("key_worker", {"staff_id": "{outsider}", "role": "Housing"}),
    "api.change_key_worker": (
        "key_worker",
        {
            "agency_id": "{lead}",
            "staff_id": "{colleague}",
            "agreed_on": "2026-10-01",
            "agreed_how": "phone",
        },
    ),
    "api.close_plan_route": ("key_worker", {"reason": "moved_away"}),
    "api.record_key_worker_agreement": (
        "key_worker",
        {"agreed_on": "2026-10-01", "agreed_how": "phone"},
    ),
    "api.link_account": ("key_worker", {"email": "sarah.new@example.test"}),
    "api.claim_relationship": ("outsider", CLAIM),
    "api.create_consent": ("key_worker", PERMIT),
    "api.record_meeting": ("key_worker", {"held_on": "2026-11-01", "kind": "review"}),
    "api.record_crisis_event": (
        "key_worker",
        {
            "kind": "eviction",
            "occurred_on": "2026-11-01",
            "follow_up": {"owner_staff_id": "{colleague}"},
        },
    ),
    "api.add_task": ("key_worker", {"title": "Phone the GP", "owner_staff_id": "{spare}"}),
    "api.record_housing_ask": (
        "key_worker",
        {"asked_on": "2026-11-01", "council_code": "S12000036", "answer": "settled"},
    ),
    "api.create_referral": (
        "key_worker",
        {
            "service_id": "{svc}",
            "reason": "She asked for help with food while her benefits are sorted.",
            "sections": ["housing"],
            "consent": {"method": "verbal", "agreed_on": "2026-10-01"},
        },
    ),
    # Marking an update entered in error changes the record (rules.CHANGES).
    "api.mark_entry_error": ("key_worker", {"reason": "Written on the wrong plan."}),
    # Sharing with a supporter shares from the plan (rules.CHANGES); a closed plan shows a
    # supporter nothing (careplan.access.ties.Supporter).
    "api.invite_supporter": (
        "key_worker",
        {
            "name": "Lorna Mackenzie",
            "relationship": "family",
            "email": "lorna@example.test",
            "sections": ["goals"],
            "expires_on": "2027-06-01",
        },
    ),
}
# Open on a closed plan, because they only narrow access or only read (rules.CHANGES).
OPEN_WHEN_CLOSED = {
    "api.withdraw_consent",  # a person's withdrawal is never blocked
    "api.end_care_team_member",  # ending someone's place narrows who can see the plan
    "api.invoke_break_glass",  # emergency access reads; it never changes the plan
    "api.create_plan",  # refused anyway: the person has a plan (has_plan)
    "api.answer_correction",  # the person is owed an answer; it adds nothing to the plan
    "api.record_chi",  # identity only: it opens nothing, and merging may need it
    "api.reopen_plan_route",  # what a closed plan is for: tests/living/test_reopen.py
    # Stopping sharing with a supporter narrows access: never blocked (API.md).
    "api.end_supporter",  # tests/living/test_supporters_api.py
}


# The person's own routes (/me/...): the person is the caller's own, not in the address.
OWN_REFUSED_WHEN_CLOSED = {
    "api.put_my_section": {"content": {"my_story": "In my own words."}},
    "api.add_my_entry": {"text": "A good week."},
    # A closed plan takes no new correction request (rules.CHANGES): the person asks the
    # lead agency or an IG officer instead (their right to rectification stands).
    "api.ask_correction": {"section": "about_me", "text": "My son's name is spelt wrong."},
}
OWN_OPEN_WHEN_CLOSED: set[str] = set()


def own_writes(app):
    """API write routes about the caller's own person (`person=OWN_PERSON`)."""
    from careplan.access.pipeline import OWN_PERSON, declared

    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and getattr(declared(app.view_functions[rule.endpoint]), "person", None) == OWN_PERSON
        for method in rule.methods - {"HEAD", "OPTIONS", "GET"}
    )


def test_every_own_write_route_is_placed_in_a_table(app):
    endpoints = {endpoint for endpoint, _, _ in own_writes(app)}
    assert endpoints == set(OWN_REFUSED_WHEN_CLOSED) | OWN_OPEN_WHEN_CLOSED


def test_the_person_writes_nothing_to_their_closed_plan(app, api, world):
    scene = build_scene(world)
    _close(api, scene)
    for endpoint, rule, method in own_writes(app):
        if endpoint not in OWN_REFUSED_WHEN_CLOSED:
            continue
        url = rule.removeprefix("/api/v1").replace("<key>", "about_me")
        response = api.call(
            method,
            scene.individual,
            url,
            json=OWN_REFUSED_WHEN_CLOSED[endpoint],
            headers={"If-Match": '"1"'},
        )
        assert response.status_code == 403, (endpoint, response.get_json())
        assert response.get_json()["reason"] == "closed", endpoint
        assert "This plan is closed" in response.get_json()["message"]


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _close(api, scene):
    closed = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/close",
        {"reason": "support_complete"},
        headers={"If-Match": '"1"'},
    )
    assert closed.status_code == 200, closed.get_json()
    return closed.get_json()["version"]


def _writes(app):
    return sorted(
        (endpoint, rule, method)
        for endpoint, rule, method in person_routes(app)
        if method in {"POST", "PUT", "PATCH", "DELETE"}
    )


def test_every_write_route_is_placed_in_a_table(app):
    endpoints = {endpoint for endpoint, _, _ in _writes(app)}
    assert endpoints == set(REFUSED_WHEN_CLOSED) | OPEN_WHEN_CLOSED


def test_no_write_reaches_a_closed_plan(app, api, world):
    scene = build_scene(world)
    version = _close(api, scene)
    ids = {
        "lead": scene.lead.id,
        "colleague": scene.colleague.id,
        "outsider": scene.outsider.id,
        "spare": scene.spare.id,
        "svc": scene.service.id,
    }
    values = {
        "person_id": scene.person.id,
        "key": "housing",
        "member_id": scene.member.id,
        "entry_id": scene.person.id,  # decided (closed) before the update is looked for
    }
    api.look_up(scene.outsider, scene.person)
    counts = _counts()
    for endpoint, rule, method in _writes(app):
        if endpoint not in REFUSED_WHEN_CLOSED:
            continue
        who, body = REFUSED_WHEN_CLOSED[endpoint]
        url = rule.removeprefix("/api/v1")
        for name, value in values.items():
            url = url.replace(f"<uuid:{name}>", str(value)).replace(f"<{name}>", str(value))
        response = api.call(
            method,
            getattr(scene, who),
            url,
            json=_fill(body, ids),
            headers={
                "If-Match": f'"{version}"' if "key-worker" in url or "close" in url else '"1"'
            },
        )
        assert response.status_code == 403, (endpoint, response.get_json())
        assert response.get_json()["reason"] == "closed", endpoint
        assert "This plan is closed" in response.get_json()["message"]
    assert _counts() == counts


def _counts():
    db.session.expire_all()
    return (
        db.session.query(CareTeamMember).count(),
        db.session.query(Consent).count(),
        db.session.query(Plan).filter(Plan.closed_on.is_not(None)).count(),
    )


def test_what_narrows_access_still_works_on_a_closed_plan(api, world):
    scene = build_scene(world)
    _close(api, scene)
    base = f"/people/{scene.person.id}"
    refusal = api.post(scene.key_worker, base + "/consents", REFUSAL)
    assert refusal.status_code == 201, refusal.get_json()
    withdrawn = api.post(scene.key_worker, f"{base}/consents/{scene.consent.id}/withdraw", {})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    ended = api.post(scene.key_worker, f"{base}/care-team/{scene.member.id}/end", {})
    assert ended.status_code == 200, ended.get_json()
    # The person themselves can refuse too.
    mine = api.post(scene.individual, base + "/consents", {**REFUSAL, "method": "self_service"})
    assert mine.status_code == 201, mine.get_json()


def test_a_closed_plan_can_still_be_read_and_opened_in_an_emergency(api, world):
    scene = build_scene(world)
    _close(api, scene)
    assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").status_code == 200
    api.look_up(scene.outsider, scene.person)
    glass = api.post(scene.outsider, f"/people/{scene.person.id}/break-glass", GLASS)
    assert glass.status_code == 201
    assert api.get(scene.outsider, f"/people/{scene.person.id}/plan").status_code == 200


# --- hand-over into a refused agency (fault 3) ----------------------------------------


def _refuse(api, scene, grantee, sections):
    body = {**REFUSAL, "grantee": grantee, "sections": sections}
    made = api.post(scene.key_worker, f"/people/{scene.person.id}/consents", body)
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def _hand_to(api, scene, staff, agency):
    return api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/key-worker",
        {
            "agency_id": str(agency.id),
            "staff_id": str(staff.id),
            "agreed_on": "2026-10-01",
            "agreed_how": "phone",
        },
        headers={"If-Match": '"1"'},
    )


@pytest.mark.parametrize(
    ("grantee", "sections"),
    [
        ("agency", ["substance_use"]),
        ("agency", "all"),
        ("sector", ["mental_health"]),
    ],
)
def test_no_hand_over_into_a_refused_agency(api, world, grantee, sections):
    scene = build_scene(world)
    incoming = world.staff(scene.other_agency, name="Incoming Worker")
    target = (
        {"agency_id": str(scene.other_agency.id)}
        if grantee == "agency"
        else {"sector": scene.other_agency.sector.value}
    )
    refusal = _refuse(api, scene, target, sections)
    refused = _hand_to(api, scene, incoming, scene.other_agency)
    assert refused.status_code == 409, refused.get_json()
    assert "refused" in refused.get_json()["message"]
    assert "Mackenzie" not in refused.get_data(as_text=True)
    plan = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").get_json()
    assert plan["key_worker"]["id"] == str(scene.key_worker.id)
    events = [e for e in world.audit() if e.action == "keyworker.change"]
    assert events[-1].outcome == "conflict"
    assert events[-1].reason == "refused_agency"
    # Withdrawn with the person first: the hand-over goes ahead.
    url = f"/people/{scene.person.id}/consents/{refusal}/withdraw"
    assert api.post(scene.key_worker, url, {}).status_code == 200
    assert _hand_to(api, scene, incoming, scene.other_agency).status_code == 200


def test_a_refusal_of_the_own_agency_blocks_a_hand_over_inside_it(api, world):
    scene = build_scene(world)
    _refuse(api, scene, {"agency_id": str(scene.lead.id)}, ["mental_health"])
    refused = _hand_to(api, scene, scene.colleague, scene.lead)
    assert refused.status_code == 409


def test_a_refusal_of_another_agency_does_not_block(api, world):
    scene = build_scene(world)
    _refuse(api, scene, {"agency_id": str(scene.other_agency.id)}, "all")
    assert _hand_to(api, scene, scene.colleague, scene.lead).status_code == 200


# --- an id nobody looked up (fault 8) ------------------------------------------------

BODIES = [None, {}, {"reason": ""}, {"justification": "x"}, GLASS, CLAIM, "not json", []]


@pytest.mark.parametrize("body", BODIES, ids=[repr(b)[:20] for b in BODIES])
@pytest.mark.parametrize("route", ["/care-team/claim", "/break-glass"])
def test_an_id_not_looked_up_is_nobody_whatever_the_body(api, world, route, body):
    scene = build_scene(world)
    answers = []
    for person_id in (scene.person.id, uuid.uuid4()):
        response = api.post(scene.outsider, f"/people/{person_id}{route}", body)
        answers.append((response.status_code, response.get_json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404


def test_a_lookup_opens_the_id_for_the_one_who_made_it_only(api, world):
    scene = build_scene(world)
    api.look_up(scene.colleague, scene.person)  # someone else's lookup
    url = f"/people/{scene.person.id}/break-glass"
    assert api.post(scene.outsider, url, GLASS).status_code == 404
    api.look_up(scene.outsider, scene.person)
    assert api.post(scene.outsider, url, GLASS).status_code == 201


def test_a_lookup_expires(api, world, app, monkeypatch):
    scene = build_scene(world)
    api.look_up(scene.outsider, scene.person)
    app.config["LOOKUP_VALID_MINUTES"] = 0
    url = f"/people/{scene.person.id}/care-team/claim"
    assert api.post(scene.outsider, url, CLAIM).status_code == 404
