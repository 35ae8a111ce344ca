"""Reports that mean what they say (issue 18): a refusal by the access policy (`deny`) is
recorded apart from a request that was invalid, conflicted or failed; only refusals count
as refused attempts; refused emergency access shows; the person's access log never calls a
form mistake "not allowed"."""

from __future__ import annotations

import pytest

from audit.actions import Outcome, outcome_for_status
from tests.api.scene import build_scene

GLASS = {
    "reason": "risk_to_life",
    "justification": "Found unresponsive at the hostel; need the crisis plan now.",
}


def _report(api, scene, kind, threshold=1):
    return api.get(scene.ig, f"/audit/reports/{kind}?threshold={threshold}").get_json()["rows"]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (400, "invalid"),
        (404, "invalid"),
        (413, "invalid"),
        (415, "invalid"),
        (422, "invalid"),
        (409, "conflict"),
        (412, "conflict"),
        (428, "conflict"),
        (401, "deny"),
        (403, "deny"),
        (429, "deny"),
        (500, "failed"),
        (503, "failed"),
        (None, "failed"),
    ],
)
def test_each_error_has_its_outcome(status, outcome):
    assert outcome_for_status(status) == Outcome(outcome)


def test_typos_and_stale_versions_are_not_refused_attempts(api, world):
    """The key worker's seventeen typos: recorded, but never in the refusals report."""
    scene = build_scene(world)
    section = f"/people/{scene.person.id}/plan/sections/housing"
    for _ in range(17):  # not valid: a section's content must be an object
        bad = api.put(scene.key_worker, section, {"content": "typo"}, headers={"If-Match": '"1"'})
        assert bad.status_code == 400
    stale = api.put(scene.key_worker, section, {"content": {}}, headers={"If-Match": '"999"'})
    assert stale.status_code == 412
    missing = api.put(scene.key_worker, section, {"content": {}})
    assert missing.status_code == 428
    records = [e for e in world.audit() if e.action == "section.update"]
    assert sorted({e.outcome for e in records}) == ["conflict", "invalid"]
    assert [e.outcome for e in records].count("invalid") == 17
    assert _report(api, scene, "denied") == []
    # A real refusal still counts: someone with no basis, five times.
    for _ in range(5):
        assert api.get(scene.outsider, f"/people/{scene.person.id}/plan").status_code == 404
    rows = _report(api, scene, "denied", threshold=5)
    assert [(r["actor_name"], r["count"]) for r in rows] == [("Outsider", 5)]
    # The IG officer can still find the mistakes by their own outcome.
    found = api.get(scene.ig, f"/audit/events?actor={scene.key_worker.id}&outcome=invalid")
    assert len(found.get_json()["events"]) == 17


def test_a_failed_sign_in_is_not_a_refused_access(api, world, client):
    scene = build_scene(world)
    for _ in range(6):
        client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert _report(api, scene, "denied") == []


def test_refused_emergency_access_shows(api, world):
    """Break-glass by someone who did not look the person up first: refused by the policy,
    on the person's record for IG and the person, answered 404 as for nobody."""
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/break-glass"
    refused = api.post(scene.outsider, url, GLASS)
    assert refused.status_code == 404
    record = [e for e in world.audit() if e.action == "breakglass.invoke"][-1]
    assert (record.outcome, record.reason, record.person_id) == (
        "deny",
        "no_recent_lookup",
        scene.person.id,
    )
    # A role that may not break glass at all (an administrator): refused too.
    assert api.post(scene.admin, url, GLASS).status_code == 403
    rows = _report(api, scene, "break_glass_refused")
    assert {(r["actor_name"], r["count"]) for r in rows} == {("Outsider", 1), (scene.admin.name, 1)}
    assert _report(api, scene, "break_glass") == []
    # An id nobody has is not a refusal of anyone's record: invalid, no person.
    import uuid

    nobody = api.post(scene.outsider, f"/people/{uuid.uuid4()}/break-glass", GLASS)
    assert nobody.status_code == 404
    last = [e for e in world.audit() if e.action == "breakglass.invoke"][-1]
    assert (last.outcome, last.person_id) == ("invalid", None)
    # Used after an exact lookup: in the "used" report, not the refused one.
    api.look_up(scene.outsider, scene.person)
    assert api.post(scene.outsider, url, GLASS).status_code == 201
    assert [r["count"] for r in _report(api, scene, "break_glass")] == [1]
    assert {r["count"] for r in _report(api, scene, "break_glass_refused")} == {1}
    # The person sees the refused attempt in their access log.
    log = api.get(scene.individual, "/me/access-log").get_json()["entries"]
    tried = [e for e in log if e["what"].startswith("tried to do this but was not allowed")]
    assert any(e["emergency"] and e["who"] == "Outsider" for e in tried)


def test_the_person_is_never_told_a_form_mistake_was_not_allowed(api, world):
    scene = build_scene(world)
    section = f"/people/{scene.person.id}/plan/sections/housing"
    api.put(scene.key_worker, section, {"content": "typo"}, headers={"If-Match": '"1"'})
    api.put(scene.key_worker, section, {"content": {}}, headers={"If-Match": '"999"'})
    log = api.get(scene.individual, "/me/access-log").get_json()["entries"]
    mistakes = [e for e in log if e["who"] == "Kay Worker" and not e["done"]]
    assert len(mistakes) == 2
    for entry in mistakes:
        assert entry["allowed"] is True
        assert "not allowed" not in entry["what"]
    whats = sorted(e["what"] for e in mistakes)
    assert whats[0].startswith("started to do this, but nothing was done because someone")
    assert whats[1].startswith("started to do this, but nothing was done because what they")
    assert all(w.endswith("changed a part of your plan") for w in whats)
