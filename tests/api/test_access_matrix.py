"""Every route against every kind of caller: who gets in, who is refused, and the record.

Roles: the key worker, lead agency staff, another agency's practitioner, the person
themselves, another individual, an IG officer, an administrator, and nobody signed in.
A person someone has no basis for answers 404, exactly as a person that does not exist.
"""

from __future__ import annotations

import pytest

from audit.actions import outcome_for_status
from tests.api.scene import build_scene, paths

ROLES = (
    "key_worker",
    "lead_agency",
    "other_agency",
    "self",
    "other_individual",
    "ig_officer",
    "admin",
)

HOUSING = {"content": {"preferred_areas": ["Gorgie"]}}
ENTRY = {"text": "Met at the cafe; bidding on two flats."}
HAND_OVER = {
    "agency_id": "{lead}",
    "staff_id": "{spare}",
    "agreed_on": "2026-10-01",
    "agreed_how": "phone",
}
TEAM = {"staff_id": "{outsider}", "role": "Housing officer"}
PERSON = {"given_name": "New", "family_name": "Person", "date_of_birth": "1990-05-05"}
AGENCY = {"name": "New charity", "sector": "third_sector", "kind": "charity"}
AGREEMENT = {"max_sensitivity": "standard", "sections": None, "valid_until": "2030-01-01"}
STAFF = {
    "email": "new@example.test",
    "name": "New",
    "agency_id": "{lead}",
    "roles": ["practitioner"],
}
CONSENT = {
    "grantee": {"sector": "third_sector"},
    "sections": ["goals"],
    "effect": "permit",
    "expires_on": "2028-01-01",
    "method": "self_service",
}
GLASS = {
    "reason": "risk_to_life",
    "justification": "Found unresponsive at the hostel; need the crisis plan now.",
}
P = "/people/{p}"
SAR = "/audit/subject-access-requests"
NO_SAR = "9f0c5a52-1f7e-4d8e-9a44-6f1f0c3f9a01"  # no such request
NEW_SAR = {
    "chi": "1204881235",
    "received_on": "2026-11-02",
    "identity_checked": True,
    "identity_method": "photo_id",
    "requested_by": "person",
}

# name: (method, path, body, needs If-Match, expected statuses in ROLES order)
ROUTES = {
    "search": ("GET", "/people?q=sarah", None, False, (200, 200, 200, 403, 403, 403, 403)),
    "register": ("POST", "/people", PERSON, False, (201, 201, 201, 403, 403, 403, 403)),
    "lookup": (
        "POST",
        "/people/lookup",
        {"chi": "1204881235"},
        False,
        (200, 200, 200, 403, 403, 403, 403),
    ),
    "person": ("GET", P, None, False, (200, 200, 404, 200, 404, 404, 404)),
    "plan": ("GET", P + "/plan", None, False, (200, 200, 404, 200, 404, 404, 404)),
    "create_plan": (
        "POST",
        P + "/plan",
        {
            "lead_agency_id": "{lead}",
            "key_worker_id": "{spare}",
            "agreed_on": "2026-10-01",
            "agreed_how": "phone",
        },
        False,
        (403, 403, 404, 403, 404, 404, 404),
    ),
    "section": (
        "GET",
        P + "/plan/sections/housing",
        None,
        False,
        (200, 200, 404, 200, 404, 404, 404),
    ),
    "section_update": (
        "PUT",
        P + "/plan/sections/housing",
        HOUSING,
        True,
        (200, 403, 404, 403, 404, 404, 404),
    ),
    "versions": (
        "GET",
        P + "/plan/sections/housing/versions",
        None,
        False,
        (200, 200, 404, 200, 404, 404, 404),
    ),
    "entries": (
        "GET",
        P + "/plan/sections/housing/entries",
        None,
        False,
        (200, 200, 404, 200, 404, 404, 404),
    ),
    "entry_create": (
        "POST",
        P + "/plan/sections/housing/entries",
        ENTRY,
        False,
        (201, 201, 404, 403, 404, 404, 404),
    ),
    "key_worker": (
        "PUT",
        P + "/plan/key-worker",
        HAND_OVER,
        True,
        (200, 200, 404, 403, 404, 404, 404),
    ),
    "key_workers": (
        "GET",
        P + "/plan/key-workers",
        None,
        False,
        (200, 200, 404, 200, 404, 404, 404),
    ),
    "care_team": ("GET", P + "/care-team", None, False, (200, 200, 404, 200, 404, 404, 404)),
    # Step-down and return: the plan is open here, so those allowed are told so (409).
    "reopen": (
        "POST",
        P + "/plan/reopen",
        {
            "lead_agency_id": "{lead}",
            "key_worker_id": "{spare}",
            "agreed_on": "2026-10-01",
            "agreed_how": "phone",
        },
        True,
        (409, 409, 404, 403, 404, 404, 404),
    ),
    "care_team_add": ("POST", P + "/care-team", TEAM, False, (201, 201, 404, 403, 404, 404, 404)),
    "care_team_end": (
        "POST",
        P + "/care-team/{m}/end",
        None,
        False,
        (200, 200, 404, 403, 404, 404, 404),
    ),
    # The person already has an account: the key worker passes the check, then conflicts.
    "account": (
        "POST",
        P + "/account",
        {"email": "someone@example.test"},
        False,
        (409, 403, 404, 403, 404, 404, 404),
    ),
    "consents": ("GET", P + "/consents", None, False, (200, 200, 404, 200, 404, 404, 404)),
    "consent_create": (
        "POST",
        P + "/consents",
        CONSENT,
        False,
        (201, 403, 404, 201, 404, 404, 404),
    ),
    "consent_withdraw": (
        "POST",
        P + "/consents/{c}/withdraw",
        {"reason": "changed my mind"},
        False,
        (200, 403, 404, 200, 404, 404, 404),
    ),
    # Found by exact identifier: no basis needed, but a practitioner with an agreement.
    "claim": (
        "POST",
        P + "/care-team/claim",
        {"reason": "Allocated as her housing officer by the homelessness team today."},
        False,
        (201, 201, 201, 403, 403, 403, 403),
    ),
    "break_glass": ("POST", P + "/break-glass", GLASS, False, (201, 201, 201, 403, 403, 403, 403)),
    "access_log": ("GET", P + "/access-log", None, False, (200, 403, 404, 200, 404, 404, 404)),
    "my_access_log": ("GET", "/me/access-log", None, False, (404, 404, 404, 200, 200, 404, 404)),
    "audit_events": ("GET", "/audit/events", None, False, (403, 403, 403, 403, 403, 200, 403)),
    "audit_export": ("GET", "/audit/events.csv", None, False, (403, 403, 403, 403, 403, 200, 403)),
    "audit_verify": ("GET", "/audit/verify", None, False, (403, 403, 403, 403, 403, 200, 403)),
    "audit_reviews": (
        "GET",
        "/audit/break-glass",
        None,
        False,
        (403, 403, 403, 403, 403, 200, 403),
    ),
    "audit_report": (
        "GET",
        "/audit/reports/denied",
        None,
        False,
        (403, 403, 403, 403, 403, 200, 403),
    ),
    # Possible duplicate records: IG officers and administrators only (identities, no content).
    "duplicates": ("GET", "/people/duplicates", None, False, (403, 403, 403, 403, 403, 200, 200)),
    "merge": ("POST", "/people/merge", {}, False, (403, 403, 403, 403, 403, 400, 400)),
    "me": ("GET", "/me", None, False, (200, 200, 200, 200, 200, 200, 200)),
    # How colleagues reach staff (issue 17): their own, for staff; individuals have none.
    "my_contact": (
        "PUT",
        "/me/contact",
        {"work_phone": "0131 496 0000", "working_pattern": "Weekdays"},
        False,
        (200, 200, 200, 404, 404, 200, 200),
    ),
    "my_plan": ("GET", "/me/plan", None, False, (404, 404, 404, 200, 200, 404, 404)),
    # The plan on paper: the plan as the caller may see it, recorded as an export.
    "plan_pdf": ("GET", P + "/plan.pdf", None, False, (200, 200, 404, 200, 404, 404, 404)),
    "my_plan_pdf": ("GET", "/me/plan.pdf", None, False, (404, 404, 404, 200, 200, 404, 404)),
    # Subject access (issue 18): the copy is the person's (at any time) and their key
    # worker's to hand over, never an IG officer's; IG officers manage the requests.
    "export": ("GET", P + "/export", None, False, (200, 403, 404, 200, 404, 404, 404)),
    "export_pdf": (
        "GET",
        P + "/export?format=pdf",
        None,
        False,
        (200, 403, 404, 200, 404, 404, 404),
    ),
    "my_export": ("GET", "/me/export", None, False, (404, 404, 404, 200, 200, 404, 404)),
    "my_export_html": (
        "GET",
        "/me/export?format=html",
        None,
        False,
        (404, 404, 404, 200, 200, 404, 404),
    ),
    "sar_create": ("POST", SAR, NEW_SAR, False, (403, 403, 403, 403, 403, 201, 403)),
    "sar_list": ("GET", SAR + "?status=all", None, False, (403, 403, 403, 403, 403, 200, 403)),
    "sar_view": ("GET", SAR + "/" + NO_SAR, None, False, (403, 403, 403, 403, 403, 404, 403)),
    "sar_start": (
        "POST",
        SAR + "/" + NO_SAR + "/start",
        None,
        False,
        (403, 403, 403, 403, 403, 404, 403),
    ),
    "sar_release": (
        "POST",
        SAR + "/" + NO_SAR + "/release",
        None,
        False,
        (403, 403, 403, 403, 403, 404, 403),
    ),
    # The person's own voice: only the sections the catalogue marks `person_writes`.
    "my_section_update": (
        "PUT",
        "/me/plan/sections/about_me",
        {"content": {"my_story": "In my own words."}},
        True,
        (404, 404, 404, 200, 200, 404, 404),
    ),
    "my_section_staff_only": (
        "PUT",
        "/me/plan/sections/housing",
        HOUSING,
        True,
        (404, 404, 404, 403, 403, 404, 404),
    ),
    "my_entry_create": (
        "POST",
        "/me/plan/sections/goals/entries",
        ENTRY,
        False,
        (404, 404, 404, 201, 201, 404, 404),
    ),
    "my_entry_staff_only": (
        "POST",
        "/me/plan/sections/housing/entries",
        ENTRY,
        False,
        (404, 404, 404, 403, 403, 404, 404),
    ),
    # Through the staff route, the person may write their own sections too, and only those.
    "own_section_by_id": (
        "PUT",
        P + "/plan/sections/about_me",
        {"content": {"my_story": "In my own words."}},
        True,
        (200, 403, 404, 200, 404, 404, 404),
    ),
    "agencies": ("GET", "/agencies", None, False, (403, 403, 403, 403, 403, 403, 200)),
    "agency_create": ("POST", "/agencies", AGENCY, False, (403, 403, 403, 403, 403, 403, 201)),
    "agreement": (
        "PUT",
        "/agencies/{lead}/sharing-agreement",
        AGREEMENT,
        False,
        (403, 403, 403, 403, 403, 403, 200),
    ),
    # The service directory (issue 19): read by every account, kept by administrators.
    "services": ("GET", "/services?q=food", None, False, (200,) * 7),
    "service": ("GET", "/services/{svc}", None, False, (200,) * 7),
    "services_map": ("GET", "/services.geojson", None, False, (200,) * 7),
    "service_create": (
        "POST",
        "/services",
        {"name": "Peer support", "organization_name": "Recovery cafe"},
        False,
        (403, 403, 403, 403, 403, 403, 201),
    ),
    "service_update": (
        "PUT",
        "/services/{svc}",
        {"thresholds": "Anyone over 16 in the city."},
        True,
        (403, 403, 403, 403, 403, 403, 200),
    ),
    # Shared actions (issue 20). The other agency's practitioner owns the scene's task and
    # has no other basis: they see and close their task, and nothing else (rules.TASK).
    "tasks": ("GET", P + "/tasks", None, False, (200, 200, 200, 200, 404, 404, 404)),
    "task_create": (
        "POST",
        P + "/tasks",
        {"title": "Phone the GP surgery", "owner_agency_id": "{lead}", "due_on": "2030-01-01"},
        False,
        (201, 201, 404, 403, 404, 404, 404),
    ),
    "task_status": (
        "POST",
        "/tasks/{t}/status",
        {"status": "done", "note": "Room held."},
        True,
        # The owner (other agency) and the key worker; not the lead agency (issue 20:
        # "status changes by the owner's agency"; API.md "owner, key worker").
        (200, 403, 200, 403, 404, 404, 404),
    ),
    "my_tasks": ("GET", "/me/tasks", None, False, (200, 200, 200, 403, 403, 403, 403)),
    # Corrections: the person asks (their own plan); key worker and lead agency read them.
    "correction_ask": (
        "POST",
        "/me/corrections",
        {"section": "housing", "text": "I moved out in October."},
        False,
        (404, 404, 404, 201, 201, 404, 404),
    ),
    "my_corrections": ("GET", "/me/corrections", None, False, (404, 404, 404, 200, 200, 404, 404)),
    "corrections": ("GET", P + "/corrections", None, False, (200, 200, 404, 200, 404, 404, 404)),
    # Crisis events: the care team records and reads them (rules.CRISIS).
    "crises": ("GET", P + "/crisis-events", None, False, (200, 200, 404, 200, 404, 404, 404)),
    "crisis_record": (
        "POST",
        P + "/crisis-events",
        {
            "kind": "near_fatal_overdose",
            "occurred_on": "2026-11-01",
            "follow_up": {"owner_staff_id": "{colleague}"},
        },
        False,
        (201, 201, 404, 403, 404, 404, 404),
    ),
    # Ask and act: decided as the housing section is (rules.HOUSING_ASK, SECTION_BOUND).
    "housing_asks": ("GET", P + "/housing-asks", None, False, (200, 200, 404, 200, 404, 404, 404)),
    "housing_ask_record": (
        "POST",
        P + "/housing-asks",
        {
            "asked_on": "2026-11-01",
            "council_code": "S12000036",
            "answer": "at_risk",
            "actions_offered": ["housing_options", "homelessness_referral"],
            "actions_accepted": ["housing_options"],
        },
        False,
        (201, 201, 404, 403, 404, 404, 404),
    ),
    # The duty's counts name nobody: IG officers and administrators.
    "housing_duty_report": (
        "GET",
        "/reports/housing-duty?from=2026-01-01&to=2026-12-31&by=council",
        None,
        False,
        (403, 403, 403, 403, 403, 200, 200),
    ),
    # The chronology: any basis on the plan opens it; each item is decided on its own.
    "chronology": ("GET", P + "/chronology", None, False, (200, 200, 404, 200, 404, 404, 404)),
    # Meetings: attending or owning an action is no basis (rules.MEETING).
    "meetings": ("GET", P + "/meetings", None, False, (200, 200, 404, 200, 404, 404, 404)),
    "meeting_record": (
        "POST",
        P + "/meetings",
        {"held_on": "2026-11-01", "kind": "review", "summary": "Reviewed housing."},
        False,
        (201, 201, 404, 403, 404, 404, 404),
    ),
    "staff": ("GET", "/staff", None, False, (403, 403, 403, 403, 403, 403, 200)),
    "staff_create": ("POST", "/staff", STAFF, False, (403, 403, 403, 403, 403, 403, 201)),
    "staff_contact": (
        "PUT",
        "/staff/{colleague}/contact",
        {"work_phone": "0131 496 0000"},
        False,
        (403, 403, 403, 403, 403, 403, 200),
    ),
    "deactivate": (
        "POST",
        "/staff/{colleague}/deactivate",
        None,
        False,
        (403, 403, 403, 403, 403, 403, 200),
    ),
    # Teams and continuity (issue 22); the team leader, key worker's team and cover bases
    # have a matrix of their own (tests/api/test_team_access.py).
    # The key worker's plan is agreed already: the key worker passes the check, then
    # conflicts; nobody else may record the person's agreement to their key worker.
    "key_worker_agreement": (
        "POST",
        P + "/plan/key-worker/agreement",
        {"agreed_on": "2026-10-01", "agreed_how": "phone"},
        True,
        (409, 403, 404, 403, 404, 404, 404),
    ),
    "teams": ("GET", "/teams", None, False, (403, 403, 403, 403, 403, 403, 200)),
    "team_create": (
        "POST",
        "/teams",
        {"name": "North", "agency_id": "{lead}", "leaders": ["{colleague}"]},
        False,
        (403, 403, 403, 403, 403, 403, 201),
    ),
    # Nobody in this scene leads a team: a practitioner is told there is no such team.
    "team_caseload": (
        "GET",
        "/teams/{colleague}/caseload",
        None,
        False,
        (404, 404, 404, 403, 403, 403, 403),
    ),
    "team_hand_over": (
        "POST",
        "/teams/{colleague}/hand-over",
        {"moves": [{"person_id": "{p}", "key_worker_id": "{spare}"}]},
        False,
        (404, 404, 404, 403, 403, 403, 403),
    ),
    "needing_key_worker": (
        "GET",
        "/plans/needing-key-worker",
        None,
        False,
        (200, 200, 200, 403, 403, 403, 403),
    ),
    "my_cover": ("GET", "/me/cover", None, False, (200, 200, 200, 403, 403, 403, 403)),
    "cover_create": (
        "POST",
        "/me/cover",
        {"staff_id": "{spare}", "from": "2030-01-01", "to": "2030-01-14"},
        False,
        (201, 201, 422, 403, 403, 403, 403),
    ),
}
# Routes about a person: every answer, permit or deny, leaves an audit record.
PERSON_ROUTES = {name for name, route in ROUTES.items() if route[1].startswith(P)} | {
    "search",
    "register",
    "lookup",
    "task_status",
}

# Reached by the id of the caller's own recent exact lookup (issue #16, fault 8).
EXACT_ID = {"claim", "break_glass"}

CASES = [(name, role, ROUTES[name][4][i]) for name in ROUTES for i, role in enumerate(ROLES)]


@pytest.fixture
def app(shared_app):
    """One app for the module, its database emptied for each test (tests/conftest.py)."""
    return shared_app


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("name", "role", "expected"), CASES, ids=[f"{n}-{r}" for n, r, _ in CASES])
def test_route_by_role(api, world, name, role, expected):
    scene = build_scene(world)
    method, path, body, versioned, _ = ROUTES[name]
    ids = paths(scene)
    headers = {"If-Match": '"1"'} if versioned else {}
    if name in EXACT_ID and scene.role(role) is not None:
        # The id comes from the caller's own exact lookup (only practitioners may look up).
        api.post(scene.role(role), "/people/lookup", {"chi": scene.person.chi})
    before = len(world.audit())
    response = api.call(
        method, scene.role(role), _fill(path, ids), json=_fill(body, ids), headers=headers
    )
    assert response.status_code == expected, response.get_json()
    if name in PERSON_ROUTES:
        records = world.audit()[before:]
        mine = [r for r in records if r.request_id == response.headers["X-Request-Id"]]
        assert mine, "no audit record for this request"
        # Refused by the policy (403, or 404 as for nobody: the ids are real) is `deny`;
        # an allowed attempt that failed is recorded as what it was (issue 18).
        outcome = (
            "permit"
            if expected < 400
            else "deny"
            if expected in (403, 404)
            else outcome_for_status(expected).value
        )
        assert mine[-1].outcome == outcome
        assert mine[-1].actor_id == scene.role(role).id


def test_search_finds_only_people_the_caller_can_see(api, world):
    scene = build_scene(world)
    for role, sees in (("key_worker", True), ("lead_agency", True), ("other_agency", False)):
        found = api.get(scene.role(role), "/people?q=mackenzie").get_json()
        assert (str(scene.person.id) in {p["id"] for p in found}) is sees


def test_no_basis_looks_exactly_like_no_person(api, world):
    import uuid

    scene = build_scene(world)
    hidden = api.get(scene.outsider, f"/people/{scene.person.id}/plan")
    missing = api.get(scene.outsider, f"/people/{uuid.uuid4()}/plan")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_anonymous_and_bad_tokens_get_401(api, world, client, name):
    scene = build_scene(world)
    method, path, body, _, _ = ROUTES[name]
    url = "/api/v1" + _fill(path, paths(scene))
    assert client.open(url, method=method, json=_fill(body, paths(scene))).status_code == 401
    bad = {"Authorization": "Bearer cpat_not-a-real-token"}
    assert client.open(url, method=method, headers=bad).status_code == 401


def test_plan_view_says_the_basis_for_every_section(api, world):
    scene = build_scene(world)
    keys = world.catalogue_keys()
    for role, basis in (
        ("key_worker", "key_worker"),
        ("lead_agency", "lead_agency"),
        ("self", "self"),
    ):
        plan = api.get(scene.role(role), f"/people/{scene.person.id}/plan").get_json()
        assert list(plan["sections"]) == keys
        assert plan["withheld"] == []
        assert set(plan["basis"].values()) == {basis}


# --- The living plan's records for the other bases (issue 20, Done-when) ----------------
# Meetings, tasks, the chronology, supporters and marking an update entered in error, for
# the bases the roles above do not hold: a care-team member on the person's consent
# (housing and money), an emergency (break-glass), the previous key worker after a warm
# hand-over to another agency, that care-team member once the person refuses both
# sections to their agency (the refusal leaves them only the action they own), and a
# supporter (Sarah's sister: goals and housing). The team bases (key worker's team, team
# leader, cover) are in tests/api/test_team_access.py. Columns: BASES order.
BASES = ("consent", "break_glass", "handed_over", "refused", "supporter")
MEETING = {"held_on": "2026-11-01", "kind": "review", "summary": "Reviewed housing."}
LIVING = {
    "meetings": ("GET", P + "/meetings", None, (200, 200, 200, 404, 403)),
    "meeting_record": ("POST", P + "/meetings", MEETING, (403, 403, 403, 404, 403)),
    # The outsider owns the scene's task: refused everything else, they still see it.
    "tasks": ("GET", P + "/tasks", None, (200, 200, 200, 200, 403)),
    "task_create": (
        "POST",
        P + "/tasks",
        {"title": "Phone the GP surgery", "owner_agency_id": "{lead}", "due_on": "2030-01-01"},
        (201, 403, 403, 404, 403),
    ),
    # Owning the action lets them close it whatever else holds (rules.TASK: TASK_OWNER).
    "task_status": (
        "POST",
        "/tasks/{t}/status",
        {"status": "done", "note": "Room held."},
        (200, 200, 403, 200, 403),
    ),
    "chronology": ("GET", P + "/chronology", None, (200, 200, 200, 404, 403)),
    # Who supports the person: an emergency sees; a consent, a warm hand-over and a
    # supporter do not (rules.SUPPORTER).
    "supporters": ("GET", P + "/supporters", None, (403, 200, 403, 404, 403)),
    "supporter_invite": (
        "POST",
        P + "/supporters",
        {
            "name": "Ann Advocate",
            "relationship": "advocate",
            "email": "ann@ex.test",
            "sections": ["goals"],
            "expires_on": "2027-06-01",
        },
        (403, 403, 403, 404, 403),
    ),
    "entry_error": (
        "POST",
        P + "/plan/sections/housing/entries/{e}/error",
        {"reason": "Written on the wrong plan."},
        (403, 403, 403, 404, 403),
    ),
}
LIVING_CASES = [(n, b, LIVING[n][3][i]) for n in LIVING for i, b in enumerate(BASES)]
LIVING_VERSIONED = {"task_status"}


def _caller(api, world, scene, basis):
    """Give the basis, return who holds it (the scene's outsider but for the previous key
    worker and the supporter)."""
    from datetime import date

    from careplan.accounts.models import AccountKind, User
    from careplan.supporters.models import Supporter, SupporterRelationship
    from tests.api.test_sharing import give, join_team

    p = f"/people/{scene.person.id}"
    if basis in ("consent", "refused"):
        join_team(api, scene)
        give(api, scene, sections=["housing", "money"])
    if basis == "refused":
        for key in ("housing", "money"):
            give(
                api,
                scene,
                by=scene.individual,
                effect="deny",
                sections=[key],
                expires_on=None,
                method="self_service",
            )
    if basis == "break_glass":
        api.post(scene.outsider, "/people/lookup", {"chi": scene.person.chi})
        assert api.post(scene.outsider, p + "/break-glass", GLASS).status_code == 201
    if basis == "handed_over":
        handed = api.put(
            scene.key_worker,
            p + "/plan/key-worker",
            {
                "agency_id": str(scene.other_agency.id),
                "staff_id": str(scene.outsider.id),
                "agreed_on": "2026-11-01",
                "agreed_how": "in_person",
            },
            headers={"If-Match": '"1"'},
        )
        assert handed.status_code == 200, handed.get_json()
        return scene.key_worker
    if basis == "supporter":
        sister = User(kind=AccountKind.SUPPORTER, email="eilidh@ex.test", name="Eilidh", roles=[])
        world.session.add(sister)
        world.session.flush()
        world.session.add(
            Supporter(
                person_id=scene.person.id,
                account_id=sister.id,
                relationship=SupporterRelationship.FAMILY,
                sections=["goals", "housing"],
                expires_on=date(2030, 1, 1),
                created_by_id=scene.key_worker.id,
            )
        )
        world.session.commit()
        return sister
    return scene.outsider


@pytest.mark.parametrize(
    ("name", "basis", "expected"), LIVING_CASES, ids=[f"{n}-{b}" for n, b, _ in LIVING_CASES]
)
def test_living_plan_by_basis(api, world, name, basis, expected):
    scene = build_scene(world)
    entry = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/housing/entries",
        {"text": "Viewed the flat in Leith with her."},
    )
    assert entry.status_code == 201
    caller = _caller(api, world, scene, basis)
    method, path, body, _ = LIVING[name]
    ids = {**paths(scene), "e": entry.get_json()["id"]}
    headers = {"If-Match": '"1"'} if name in LIVING_VERSIONED else {}
    before = len(world.audit())
    response = api.call(method, caller, _fill(path, ids), json=_fill(body, ids), headers=headers)
    assert response.status_code == expected, response.get_json()
    mine = [r for r in world.audit()[before:] if r.request_id == response.headers["X-Request-Id"]]
    assert mine, "no audit record for this request"
    assert mine[-1].outcome == ("permit" if expected < 400 else "deny")
    assert mine[-1].actor_id == caller.id
    if name == "tasks" and expected == 200 and basis == "refused":
        # Only the action they own: the refusal took the rest.
        assert [t["id"] for t in response.get_json()] == [str(scene.task.id)]


def test_the_chronology_honours_the_persons_refusal_item_by_item(api, world):
    """A refusal of one section to the member's agency takes that section's updates out of
    their chronology at once, and says something was withheld; the rest stays."""
    from tests.api.test_sharing import give, join_team

    scene = build_scene(world)
    p = f"/people/{scene.person.id}"
    for key, words in (("housing", "Viewed a flat."), ("money", "Applied for a grant.")):
        made = api.post(scene.key_worker, f"{p}/plan/sections/{key}/entries", {"text": words})
        assert made.status_code == 201
    join_team(api, scene)
    give(api, scene, sections=["housing", "money"])
    seen = api.get(scene.outsider, p + "/chronology").get_json()
    assert {i["text"] for i in seen["items"] if i["kind"] == "update"} == {
        "Viewed a flat.",
        "Applied for a grant.",
    }
    give(
        api,
        scene,
        by=scene.individual,
        effect="deny",
        sections=["housing"],
        expires_on=None,
        method="self_service",
    )
    seen = api.get(scene.outsider, p + "/chronology").get_json()
    assert {i["text"] for i in seen["items"] if i["kind"] == "update"} == {"Applied for a grant."}
    assert "housing" in seen["withheld"]
