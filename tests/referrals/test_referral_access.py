"""Who may do what to a referral, role by role (issue 19), each case on a fresh referral
from Sarah's key worker to the council's housing service; and a closed plan."""

from __future__ import annotations

import pytest

from tests.referrals.scene import build, referral_body

ROLES = (
    "key_worker",  # made it
    "colleague",  # the lead agency
    "spare",  # lead agency too (and on the care team)
    "outsider",  # the receiving agency, without the referral role
    "coordinator",  # the receiving agency's referral coordinator
    "individual",  # Sarah
    "other_individual",
    "ig",
    "admin",
)
CANCEL = {"reason_code": "no_longer_needed", "reason_text": "She found a flat herself."}
FORWARD = {"reason": "The cafe runs the tenancy group she needs."}

# name: (method, path, body, If-Match, statuses in ROLES order)
ROUTES = {
    "view": ("GET", "/referrals/{r}", None, False, (200, 200, 200, 404, 200, 200, 404, 404, 404)),
    "accept": (
        "POST",
        "/referrals/{r}/status",
        {"status": "accepted"},
        True,
        (403, 403, 403, 404, 200, 403, 404, 404, 404),
    ),
    "cancel": (
        "POST",
        "/referrals/{r}/status",
        {"status": "cancelled", **CANCEL},
        True,
        (200, 200, 200, 404, 403, 403, 404, 404, 404),
    ),
    "forward": (
        "POST",
        "/referrals/{r}/forward",
        {"service_id": "{letter}", **FORWARD},
        False,
        (403, 403, 403, 404, 201, 403, 404, 404, 404),
    ),
    "person_list": (
        "GET",
        "/people/{p}/referrals",
        None,
        False,
        # The coordinator knows who was referred (403, not 404), not their other referrals.
        (200, 200, 200, 404, 403, 200, 404, 404, 404),
    ),
    "inbox": (
        "GET",
        "/referrals?direction=incoming",
        None,
        False,
        (200, 200, 200, 200, 200, 403, 403, 403, 403),
    ),
}
CASES = [(name, role, ROUTES[name][4][i]) for name in ROUTES for i, role in enumerate(ROLES)]


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("name", "role", "expected"), CASES)
def test_referral_route_by_role(api, world, name, role, expected):
    scene = build(world)
    made = api.post(scene.key_worker, f"/people/{scene.person.id}/referrals", referral_body(scene))
    assert made.status_code == 201, made.get_json()
    ids = {"r": made.get_json()["id"], "p": scene.person.id, "letter": scene.letter_service.id}
    method, path, body, if_match, _ = ROUTES[name]
    user = {"ig": scene.ig, "admin": scene.admin}.get(role) or getattr(scene, role)
    headers = {"If-Match": '"1"'} if if_match else {}
    answer = api.call(method, user, _fill(path, ids), json=_fill(body, ids), headers=headers)
    assert answer.status_code == expected, (name, role, answer.get_json())
    records = [e for e in world.audit() if e.request_id == answer.headers["X-Request-Id"]]
    assert len(records) == 1, (name, role, [(e.action, e.outcome) for e in records])
    if expected in (403, 404):
        assert records[0].outcome in ("deny", "invalid")


def test_a_closed_plan_takes_no_new_referral_or_answer_but_a_cancel(api, world):
    scene = build(world)
    made = api.post(
        scene.key_worker, f"/people/{scene.person.id}/referrals", referral_body(scene)
    ).get_json()
    closed = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/close",
        {"reason": "support_complete"},
        headers={"If-Match": '"1"'},
    )
    assert closed.status_code == 200, closed.get_json()
    again = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/referrals",
        referral_body(scene, service_id=str(scene.letter_service.id)),
    )
    assert again.status_code == 403
    assert again.get_json()["reason"] == "closed"
    answer = api.post(
        scene.coordinator,
        f"/referrals/{made['id']}/status",
        {"status": "accepted"},
        headers={"If-Match": '"1"'},
    )
    assert answer.status_code == 403
    assert answer.get_json()["reason"] == "closed"
    cancel = api.post(
        scene.key_worker,
        f"/referrals/{made['id']}/status",
        {"status": "cancelled", **CANCEL},
        headers={"If-Match": '"1"'},
    )
    assert cancel.status_code == 200, cancel.get_json()
