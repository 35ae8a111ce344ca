"""Referral notices (issue 19) through the real GOV.UK Notify client to the loopback
Notify server: received (the receiving agency's referral coordinators), updated (the
referrer; the person in-app), cancelled (the receiving agency), content-free."""

from __future__ import annotations

from careplan.extensions import db
from careplan.notifications import sender
from tests.api.scene import CHI_P
from tests.referrals.scene import build, referral_body


def _send(app):
    counts = sender.Sender(app).run(once=True)
    db.session.expire_all()
    return counts


def _kinds(api, user):
    answer = api.get(user, "/me/notifications")
    assert answer.status_code == 200
    return [n["kind"] for n in answer.get_json()]


def test_a_referrals_notices_reach_who_must_act_and_name_no_one(app, api, world, stub):
    scene = build(world)
    body = referral_body(scene)
    made = api.post(scene.key_worker, f"/people/{scene.person.id}/referrals", body)
    assert made.status_code == 201, made.get_json()
    referral = made.get_json()
    _send(app)
    # The council's referral coordinator, not its other practitioner.
    assert _kinds(api, scene.coordinator) == ["referral.received"]
    assert _kinds(api, scene.outsider) == []
    assert _kinds(api, scene.key_worker) == []  # nobody is told of their own action
    accepted = api.post(
        scene.coordinator,
        f"/referrals/{referral['id']}/status",
        {"status": "accepted"},
        headers={"If-Match": '"1"'},
    )
    assert accepted.status_code == 200, accepted.get_json()
    _send(app)
    assert _kinds(api, scene.key_worker) == ["referral.status"]
    assert _kinds(api, scene.individual) == ["referral.status.person"]
    cancelled = api.post(
        scene.key_worker,
        f"/referrals/{referral['id']}/status",
        {
            "status": "cancelled",
            "reason_code": "no_longer_needed",
            "reason_text": "She has found a flat through a friend.",
        },
        headers={"If-Match": '"2"'},
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    _send(app)
    assert _kinds(api, scene.coordinator) == ["referral.cancelled", "referral.received"]
    bodies = stub.bodies()
    assert {b["email_address"] for b in bodies} >= {
        scene.coordinator.email,
        scene.key_worker.email,
    }
    words = ["Sarah", "Mackenzie", CHI_P, str(scene.person.id), "sofa surfing", "flat"]
    for sent in bodies:
        assert not [w for w in words if w in str(sent)], sent
