"""The access matrix for the team leader, key worker's team and cover bases (issue 22),
denials included: in a lead agency organised in teams, a team leader or member of another
team, or a colleague in no team, sees nothing of Sarah and finds nobody in search; her key
worker's team and its leader do (the leader only reads), and so does the colleague
covering her key worker today. Every answer about Sarah leaves a record with its basis.
"""

from __future__ import annotations

import pytest

from careplan.extensions import db
from tests.api.team_scene import ROLES, build_team_scene

HOUSING = {"content": {"preferred_areas": ["Gorgie"]}}
P = "/people/{p}"

# name: (method, path, body, If-Match, statuses in ROLES order:
#        north_lead, north_mate, south_lead, south_mate, cover, no_team)
ROUTES = {
    "person": ("GET", P, None, False, (200, 200, 404, 404, 200, 404)),
    "plan": ("GET", P + "/plan", None, False, (200, 200, 404, 404, 200, 404)),
    "section": ("GET", P + "/plan/sections/housing", None, False, (200, 200, 404, 404, 200, 404)),
    "section_update": (
        "PUT",
        P + "/plan/sections/housing",
        HOUSING,
        True,
        (403, 403, 404, 404, 403, 404),
    ),
    "entry_create": (
        "POST",
        P + "/plan/sections/housing/entries",
        {"text": "Met at the cafe."},
        False,
        (403, 201, 404, 404, 201, 404),
    ),
    "key_worker": (
        "PUT",
        P + "/plan/key-worker",
        {
            "agency_id": "{lead}",
            "staff_id": "{north_mate}",
            "agreed_on": "2026-10-01",
            "agreed_how": "phone",
        },
        True,
        # The key worker's team may hand over (as all the lead agency could before); its
        # leader and the cover only read.
        (403, 200, 404, 404, 403, 404),
    ),
    "agreement": (
        "POST",
        P + "/plan/key-worker/agreement",
        {"agreed_on": "2026-10-01", "agreed_how": "phone"},
        True,
        (403, 403, 404, 404, 403, 404),
    ),
    "care_team": ("GET", P + "/care-team", None, False, (200, 200, 404, 404, 200, 404)),
    "care_team_add": (
        "POST",
        P + "/care-team",
        {"staff_id": "{no_team}", "role": "Nurse"},
        False,
        (403, 201, 404, 404, 403, 404),
    ),
    "key_workers": ("GET", P + "/plan/key-workers", None, False, (200, 200, 404, 404, 200, 404)),
    "consents": ("GET", P + "/consents", None, False, (403, 200, 404, 404, 200, 404)),
    "access_log": ("GET", P + "/access-log", None, False, (403, 403, 404, 404, 403, 404)),
    # Supporters (issue 20): the key worker's team and its leader see who supports the
    # person; the cover acts for the key worker and may invite one with the person.
    "supporters": ("GET", P + "/supporters", None, False, (200, 200, 404, 404, 200, 404)),
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
        False,
        (403, 403, 404, 404, 201, 404),
    ),
    # The living plan (issue 20): the key worker's team as the lead agency, its leader
    # reads (supervision), the cover acts for the key worker (rules.MEETING, TASK,
    # CHRONOLOGY); another team and a colleague in no team have nothing.
    "meetings": ("GET", P + "/meetings", None, False, (200, 200, 404, 404, 200, 404)),
    "meeting_record": (
        "POST",
        P + "/meetings",
        {"held_on": "2026-11-01", "kind": "review", "summary": "Reviewed housing."},
        False,
        (403, 201, 404, 404, 201, 404),
    ),
    "tasks": ("GET", P + "/tasks", None, False, (200, 200, 404, 404, 200, 404)),
    "task_create": (
        "POST",
        P + "/tasks",
        {"title": "Phone the GP surgery", "owner_agency_id": "{lead}", "due_on": "2030-01-01"},
        False,
        (403, 201, 404, 404, 201, 404),
    ),
    "chronology": ("GET", P + "/chronology", None, False, (200, 200, 404, 404, 200, 404)),
    "caseload_north": (
        "GET",
        "/teams/{north}/caseload",
        None,
        False,
        (200, 404, 404, 404, 404, 404),
    ),
    "caseload_south": (
        "GET",
        "/teams/{south}/caseload",
        None,
        False,
        (404, 404, 200, 404, 404, 404),
    ),
    "hand_over_north": (
        "POST",
        "/teams/{north}/hand-over",
        {"moves": [{"person_id": "{p}", "key_worker_id": "{north_mate}"}]},
        False,
        (200, 404, 404, 404, 404, 404),
    ),
    "hand_over_south": (
        "POST",
        "/teams/{south}/hand-over",
        {"moves": [{"person_id": "{p}", "key_worker_id": "{south_mate}"}]},
        False,
        # South's leader does not lead Kay's team: Sarah is not on their caseload.
        (404, 404, 422, 404, 404, 404),
    ),
    "needing_key_worker": (
        "GET",
        "/plans/needing-key-worker",
        None,
        False,
        (200, 200, 200, 200, 200, 200),
    ),
}
PERSON_ROUTES = {name for name, route in ROUTES.items() if route[1].startswith(P)}
CASES = [(n, r, ROUTES[n][4][i]) for n in ROUTES for i, r in enumerate(ROLES)]
BASIS = {
    "north_lead": "team_leader",
    "north_mate": "key_worker_team",
    "cover": "cover:",
}


@pytest.fixture
def app(shared_app):
    return shared_app


def _ids(scene):
    return {
        "p": scene.sarah.id,
        "lead": scene.lead.id,
        "north": scene.north.id,
        "south": scene.south.id,
        "north_mate": scene.north_mate.id,
        "south_mate": scene.south_mate.id,
        "no_team": scene.no_team.id,
    }


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("name", "role", "expected"), CASES, ids=[f"{n}-{r}" for n, r, _ in CASES])
def test_team_route_by_role(api, world, name, role, expected):
    scene = build_team_scene(world)
    method, path, body, versioned, _ = ROUTES[name]
    ids = _ids(scene)
    before = len(world.audit())
    response = api.call(
        method,
        scene.role(role),
        _fill(path, ids),
        json=_fill(body, ids),
        headers={"If-Match": '"1"'} if versioned else {},
    )
    assert response.status_code == expected, response.get_json()
    mine = [r for r in world.audit()[before:] if r.request_id == response.headers["X-Request-Id"]]
    assert mine, "no audit record for this request"
    if name in PERSON_ROUTES:
        outcome = "permit" if expected < 400 else "deny"
        assert mine[-1].outcome == outcome
        if expected < 400 and role in BASIS:
            bases = [b for r in mine for b in (r.basis or {}).values() if b]
            assert bases
            assert all(b.startswith(BASIS[role]) for b in bases), bases


@pytest.mark.parametrize("role", ROLES)
def test_search_finds_only_whom_the_team_ties_reach(api, world, role):
    scene = build_team_scene(world)
    found = api.get(scene.role(role), "/people?q=mackenzie").get_json()
    sees = role in ("north_lead", "north_mate", "cover")
    assert (str(scene.sarah.id) in {p["id"] for p in found}) is sees
    # Nobody in the teamed agency reaches the plain agency's person.
    assert str(scene.tom.id) not in {p["id"] for p in found}


def test_an_agency_without_teams_keeps_the_lead_agency_rule(api, world):
    scene = build_team_scene(world)
    plan = api.get(scene.plain_colleague, f"/people/{scene.tom.id}/plan")
    assert plan.status_code == 200
    assert set(plan.get_json()["basis"].values()) == {"lead_agency"}
    found = api.get(scene.plain_colleague, "/people?q=plainfield").get_json()
    assert [p["id"] for p in found] == [str(scene.tom.id)]


def test_the_person_sees_the_cover_and_team_leader_in_their_access_log(api, world):
    scene = build_team_scene(world)
    assert api.get(scene.cover, f"/people/{scene.sarah.id}/plan").status_code == 200
    assert api.get(scene.north_lead, f"/people/{scene.sarah.id}/plan").status_code == 200
    log = api.get(scene.sarah_account, "/me/access-log").get_json()
    entries = log["entries"] if isinstance(log, dict) else log
    text = repr(entries)
    assert "covering for your key worker" in text
    assert "lead your key worker's team" in text


def test_cover_ends_when_stopped(api, world):
    scene = build_team_scene(world)
    path = f"/people/{scene.sarah.id}/plan"
    assert api.get(scene.cover, path).status_code == 200
    ended = api.post(scene.kay, f"/me/cover/{scene.covering.id}/end")
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["in_force"] is False
    assert api.get(scene.cover, path).status_code == 404
    # Someone else's cover cannot be ended: answered as for no cover.
    assert api.post(scene.no_team, f"/me/cover/{scene.covering.id}/end").status_code == 404


def test_leaving_a_team_ends_its_basis_on_the_next_request(api, world):
    scene = build_team_scene(world)
    path = f"/people/{scene.sarah.id}/plan"
    assert api.get(scene.north_mate, path).status_code == 200
    changed = api.put(
        scene.admin,
        f"/teams/{scene.north.id}",
        {"name": "North", "members": [str(scene.kay.id)], "leaders": [str(scene.north_lead.id)]},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.get_json()
    assert api.get(scene.north_mate, path).status_code == 404


def test_the_team_and_cover_statement_runs_once_and_never_for_the_key_worker(
    api, world, monkeypatch
):
    """Issue 22 adds one statement to a plan request by anyone but the key worker (teams
    and covers together), and none to the key worker's, the busiest page."""
    from careplan.core import prepared
    from consent import facts

    ran = []
    sql = facts._statements().teams_one._compiled(db.engine.dialect).sql
    real = prepared.run_statement

    def counted(cursor, text, values, **kwargs):
        # Counted where it reaches the driver: alone, or in a PostgreSQL pipeline.
        if text == sql:
            ran.append(1)
        return real(cursor, text, values, **kwargs)

    monkeypatch.setattr(prepared, "run_statement", counted)
    scene = build_team_scene(world)
    path = f"/people/{scene.sarah.id}/plan"
    assert api.get(scene.kay, path).status_code == 200
    assert ran == []
    for who in (scene.north_mate, scene.cover, scene.south_mate):
        ran.clear()
        api.get(who, path)
        assert ran == [1], who.name


def test_who_can_see_what_is_the_agencys_not_the_covering_callers(api, world, app):
    """The sharing page asks the policy what a care-team member of each agency would see:
    the cover's own basis must not be lent to every agency (issue 22)."""
    import re

    from tests.identity.pages import signed_in_browser

    scene = build_team_scene(world)
    page = signed_in_browser(app, scene.cover).get(f"/people/{scene.sarah.id}/sharing")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    row = re.search(r"Recovery cafe</th>\s*<td>(.*?)</td>", body, re.S)
    assert row is not None, body[:2000]
    assert row.group(1).strip() == "Nothing"
