"""Walk the app's URL map: every route that touches a person asks the access decision."""

from __future__ import annotations

from audit.actions import outcome_for_status
from tests.api.scene import build_scene

EXACT_ID_ROUTES = {"api.claim_relationship", "api.invoke_break_glass"}
# No person route is open to IG officers: they never see plan content (BRIEF.md).
IG_ROUTES: set[str] = set()
# Open to the owner of one of the person's tasks, who has no other basis (rules.TASK).
TASK_OWNER_ROUTES = {"api.list_tasks"}


def person_routes(app):
    # API routes (bearer tokens); the web pages have their own walk in tests/web.
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if "person_id" in rule.arguments and rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_there_are_person_routes_to_check(app):
    assert len(person_routes(app)) >= 18


def test_every_person_route_asks_the_decision(app, api, world, decisions):
    scene = build_scene(world)
    consent = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"sector": "statutory"},
            "sections": ["housing"],
            "effect": "permit",
            "expires_on": "2027-01-01",
            "method": "verbal",
        },
    ).get_json()
    values = {
        "person_id": scene.person.id,
        "key": "housing",
        "member_id": scene.member.id,
        "consent_id": consent["id"],
        "correction_id": scene.person.id,  # no such request: decided, then 404
        "supporter_id": scene.person.id,  # no such supporter: decided, then 404
        "entry_id": scene.person.id,  # no such update: decided, then 404
    }
    for endpoint, rule, method in person_routes(app):
        url = rule
        for name, value in values.items():
            url = url.replace(f"<uuid:{name}>", str(value)).replace(f"<{name}>", str(value))
        for user in (scene.key_worker, scene.outsider, scene.ig):
            decisions.clear()
            response = api.client.open(
                url, method=method, json={}, headers=api.headers(user, {"If-Match": '"1"'})
            )
            assert decisions, f"{method} {rule} answered without asking the decision"
            assert response.status_code != 500
            if user is scene.ig and endpoint in IG_ROUTES:
                assert response.status_code == 200, (method, rule)
            elif user is scene.outsider and endpoint in TASK_OWNER_ROUTES:
                # They own the scene's task (and hold nothing else): their tasks only.
                assert response.status_code == 200, (method, rule)
                assert [t["id"] for t in response.get_json()] == [str(scene.task.id)]
            elif user is scene.outsider:
                # No basis (and no lookup of their own): the person does not exist for them.
                assert response.status_code == 404, (method, rule, response.get_json())
            elif user is scene.ig:
                # IG officers hold no job that reaches a person: refused by role, as they
                # would be for any id.
                expected = 403 if endpoint in EXACT_ID_ROUTES else 404
                assert response.status_code == expected, (method, rule, response.get_json())


def _who(scene, endpoint, rule):
    """Someone allowed to use the route, and someone who is not."""
    if rule.startswith("/api/v1/audit"):
        return scene.ig, scene.key_worker
    if endpoint in {
        "api.list_agencies",
        "api.create_agency",
        "api.set_sharing_agreement",
        "api.list_staff",
        "api.create_staff",
        "api.deactivate_staff",
    }:
        return scene.admin, scene.key_worker
    if endpoint in {"api.get_my_plan", "api.my_access_log", "api.my_export"}:
        return scene.individual, scene.key_worker
    if endpoint in {"api.list_duplicates", "api.merge_people", "api.mark_distinct"}:
        return scene.ig, scene.key_worker
    return scene.key_worker, scene.outsider


def test_every_route_leaves_one_record_per_request(app, api, world):
    scene = build_scene(world)
    api.look_up(scene.outsider, scene.person)
    glass = api.post(
        scene.outsider,
        f"/people/{scene.person.id}/break-glass",
        {
            "reason": "risk_to_life",
            "justification": "Found unresponsive at the hostel; need the crisis plan now.",
        },
    )
    values = {
        "person_id": scene.person.id,
        "key": "housing",
        "member_id": scene.member.id,
        "consent_id": scene.consent.id,
        "agency_id": scene.other_agency.id,
        "staff_id": scene.spare.id,
        "item_id": glass.get_json()["id"],
        "kind": "break-glass",
        "candidate_id": scene.person.id,  # no such pair: refused (or 404) and recorded
        "service_id": scene.person.id,  # no such service: 404, recorded
        "notification_id": scene.person.id,  # not the caller's notification: 404, recorded
        "task_id": scene.person.id,  # no such task: 404, recorded
        "correction_id": scene.person.id,  # no such request: 404, recorded
        "supporter_id": scene.person.id,  # no such supporter: 404, recorded
        "entry_id": scene.person.id,  # no such update: 404, recorded
        "referral_id": scene.person.id,  # no such referral: 404, recorded
        "ask_id": scene.person.id,  # no such ask and act record: 404, recorded
        "team_id": scene.person.id,  # no such team (none the caller leads): 404, recorded
        "cover_id": scene.person.id,  # no such cover of the caller's: 404, recorded
        "request_id": scene.person.id,  # no such subject access request: 404, recorded
    }
    routes = sorted(
        (r.endpoint, r.rule, m)
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("api.") and r.endpoint != "api.openapi"
        for m in r.methods - {"HEAD", "OPTIONS"}
    )
    for endpoint, rule, method in routes:
        url = rule
        for name, value in values.items():
            for form in (f"<uuid:{name}>", f"<{name}>", f"<any('break-glass','claims'):{name}>"):
                url = url.replace(form, str(value))
        for user in _who(scene, endpoint, rule):
            response = api.client.open(
                url, method=method, json={}, headers=api.headers(user, {"If-Match": '"1"'})
            )
            assert response.status_code != 500, (method, rule)
            mine = [e for e in world.audit() if e.request_id == response.headers["X-Request-Id"]]
            assert mine, f"{method} {rule} as {user.name}: no audit record"
            status = response.status_code
            # A 404 is a refusal (a person the caller may not know of) or invalid (no
            # such id); every other error's outcome follows its status.
            expected = (
                {"permit"}
                if status < 400
                else {"deny", "invalid"}
                if status == 404
                else {outcome_for_status(status).value}
            )
            assert mine[-1].outcome in expected, (method, rule, user.name, status)
