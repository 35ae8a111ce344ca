"""Versioned writes need the version their client read (issue 16, fault 9).

Every write that takes If-Match (a section, the plan's hand-over and its closure, found by
walking the OpenAPI document) refuses a missing one and `*` with 428 Precondition Required
(RFC 6585 section 3), another version with 412, and changes nothing either way; each refusal
is recorded as a failed attempt. A consent's withdrawal never needs If-Match, but one sent is
checked the same way.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from audit.verify import verify_chain
from careplan.extensions import db
from tests.api.scene import build_scene

HAND_OVER = {
    "agency_id": "{lead}",
    "staff_id": "{spare}",
    "agreed_on": "2026-10-01",
    "agreed_how": "phone",
}
# name: (method, path, body, how to read its version)
WRITES = {
    "section": (
        "PUT",
        "/people/{p}/plan/sections/housing",
        {"content": {"preferred_areas": ["Gorgie"]}},
        "/people/{p}/plan/sections/housing",
    ),
    "hand_over": ("PUT", "/people/{p}/plan/key-worker", HAND_OVER, "/people/{p}/plan"),
    "close": ("POST", "/people/{p}/plan/close", {"reason": "moved_away"}, "/people/{p}/plan"),
    # The person's own voice (issue 20): Sarah writes "About me" herself.
    "own_section": (
        "PUT",
        "/me/plan/sections/about_me",
        {"content": {"my_story": "In my own words."}},
        "/people/{p}/plan/sections/about_me",
    ),
    # A service in the directory, kept by administrators (issue 19).
    "service": ("PUT", "/services/{svc}", {"thresholds": "Over 16."}, "/services/{svc}"),
}
# Who makes each write (the key worker unless named here).
WRITERS = {"service": "admin", "own_section": "self"}
REQUIRED = {
    "missing": None,
    "star": "*",
    "star_among_others": '"1", *',
    "weak_star": 'W/"*"',
    "spaces": "   ",
}
STALE = {"old": '"0"', "next": '"2"', "not_a_version": '"abc"', "empty_tag": '""', "unquoted": "7"}


@pytest.fixture
def app(shared_app):
    return shared_app


def _fill(value, scene):
    ids = {
        "p": scene.person.id,
        "lead": scene.lead.id,
        "spare": scene.spare.id,
        "svc": scene.service.id,
    }
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, scene) for k, v in value.items()}
    return value


def _version(api, scene, read_path) -> int:
    return api.get(scene.key_worker, _fill(read_path, scene)).get_json()["version"]


def _records(world, response) -> list[AuditEvent]:
    world.session.expire_all()
    rid = response.headers["X-Request-Id"]
    return list(
        world.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == rid).order_by(AuditEvent.seq)
        )
    )


def test_the_document_lists_exactly_these_versioned_writes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    taking = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "If-Match":
                    taking[(method.upper(), path.removeprefix("/api/v1"))] = parameter["required"]
                    assert {"412", "428"} <= set(operation["responses"])
    assert taking == {
        ("PUT", "/people/{person_id}/plan/sections/{key}"): True,
        ("PUT", "/people/{person_id}/plan/key-worker"): True,
        ("POST", "/people/{person_id}/plan/close"): True,
        ("POST", "/people/{person_id}/plan/reopen"): True,
        ("PUT", "/me/plan/sections/{key}"): True,
        ("POST", "/people/{person_id}/consents/{consent_id}/withdraw"): False,
        ("PUT", "/services/{service_id}"): True,
        ("POST", "/referrals/{referral_id}/status"): True,
        ("POST", "/people/{person_id}/corrections/{correction_id}/answer"): True,
        ("POST", "/tasks/{task_id}/status"): True,
        # Issue 22: the person's agreement to their key worker, and a team's members.
        ("POST", "/people/{person_id}/plan/key-worker/agreement"): True,
        ("PUT", "/teams/{team_id}"): True,
        # Issue 19, ask and act: what came of asking (tests/ask_and_act).
        ("POST", "/housing-asks/{ask_id}"): True,
        # Issue 18: a subject access request's steps check a version when one is sent
        # (two IG officers at once); each step is also refused (409) out of order.
        ("POST", "/audit/subject-access-requests/{request_id}/identity"): False,
        ("POST", "/audit/subject-access-requests/{request_id}/start"): False,
        ("POST", "/audit/subject-access-requests/{request_id}/extend"): False,
        ("POST", "/audit/subject-access-requests/{request_id}/release"): False,
        ("POST", "/audit/subject-access-requests/{request_id}/refuse"): False,
    }


@pytest.mark.parametrize("sent", sorted(REQUIRED))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_missing_if_match_or_star_is_precondition_required(api, world, app, write, sent):
    scene = build_scene(world)
    method, path, body, read = WRITES[write]
    before = _version(api, scene, read)
    value = REQUIRED[sent]
    headers = {} if value is None else {"If-Match": value}
    writer = scene.role(WRITERS.get(write, "key_worker"))
    refused = api.call(method, writer, _fill(path, scene), json=_fill(body, scene), headers=headers)
    assert refused.status_code == 428, refused.get_json()
    answer = refused.get_json()
    assert answer["error"] == "precondition_required"
    assert "If-Match" in answer["fields"]
    assert _version(api, scene, read) == before
    records = _records(world, refused)
    assert [(r.outcome, r.reason) for r in records] == [("conflict", "precondition_required")]
    done = api.call(
        method,
        writer,
        _fill(path, scene),
        json=_fill(body, scene),
        headers={"If-Match": f'"{before}"'},
    )
    assert done.status_code == 200, done.get_json()
    assert _version(api, scene, read) == before + 1
    db.session.remove()
    assert verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public).ok


@pytest.mark.parametrize("sent", sorted(STALE))
@pytest.mark.parametrize("write", sorted(WRITES))
def test_another_version_is_precondition_failed(api, world, write, sent):
    scene = build_scene(world)
    method, path, body, read = WRITES[write]
    before = _version(api, scene, read)
    refused = api.call(
        method,
        scene.role(WRITERS.get(write, "key_worker")),
        _fill(path, scene),
        json=_fill(body, scene),
        headers={"If-Match": STALE[sent]},
    )
    assert refused.status_code == 412
    assert _version(api, scene, read) == before
    assert [r.reason for r in _records(world, refused)] == ["precondition_failed"]


def test_a_withdrawal_needs_no_if_match_but_one_sent_is_checked(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/consents/{scene.consent.id}/withdraw"
    for value, status in (("*", 428), ('"1", *', 428), ('"2"', 412), ('"x"', 412)):
        refused = api.post(scene.key_worker, url, {"reason": "asked"}, headers={"If-Match": value})
        assert refused.status_code == status, value
    listed = api.get(scene.key_worker, f"/people/{scene.person.id}/consents").get_json()
    assert all(c["withdrawn_at"] is None for c in listed)
    assert api.post(scene.key_worker, url, {"reason": "asked"}).status_code == 200
    again = api.post(scene.key_worker, url, headers={"If-Match": '"2"'})
    assert again.status_code == 409  # already withdrawn: the version matched, the state did not
