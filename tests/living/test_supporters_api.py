"""Supporters (issue 20): the person or their key worker invites a family member, carer or
advocate to see chosen sections until a date; they see only those; the person ends it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from careplan.accounts import invitations
from careplan.accounts.models import AccountKind, User
from careplan.core import clock
from careplan.extensions import db
from careplan.notifications.models import Notification
from careplan.supporters.models import Supporter
from tests.api.scene import build_scene


def _body(**changes):
    body = {
        "name": "Lorna Mackenzie",
        "relationship": "family",
        "described_as": "my sister",
        "email": "Lorna@Example.test",
        "phone": "07700 900 982",
        "sections": ["goals"],
        "expires_on": (clock.today() + timedelta(days=90)).isoformat(),
    }
    body.update(changes)
    return body


def _supporter(api, scene, by=None, **changes):
    """Invite through the API; the supporter's account."""
    response = api.post(
        by or scene.individual, f"/people/{scene.person.id}/supporters", _body(**changes)
    )
    assert response.status_code == 201, response.get_json()
    db.session.expire_all()
    account = db.session.scalars(select(User).where(User.email == "lorna@example.test")).one()
    return response.get_json(), account


def test_the_person_invites_their_sister_who_sees_only_her_goals_until_stopped(api, world):
    scene = build_scene(world)
    body, lorna = _supporter(api, scene)
    assert body["status"] == "active"
    assert body["sections"] == ["goals"]
    assert body["relationship"] == "family"
    assert body["described_as"] == "my sister"
    assert body["email"] == "lorna@example.test"
    assert body["phone"] == "07700 900 982"
    code = body["invitation"]["code"]
    assert code
    assert body["invitation"]["sign_in"] == "/sign-in/invitation"
    # A supporter's account: never staff, no roles, no agency, no person of its own.
    assert lorna.kind is AccountKind.SUPPORTER
    assert lorna.roles == []
    assert lorna.agency_id is None
    assert lorna.person_id is None
    assert invitations.find(db.session, code).id == lorna.id

    who = api.get(lorna, f"/people/{scene.person.id}").get_json()
    assert who["given_name"] == "Sarah"
    assert who["chi"] is None  # the NHS identifier is not a supporter's to hold
    plan = api.get(lorna, f"/people/{scene.person.id}/plan").get_json()
    assert list(plan["sections"]) == ["goals"]
    assert plan["basis"] == {"goals": f"supporter:{body['id']}"}
    assert "housing" in plan["withheld"]
    assert "safety" in plan["withheld"]
    assert api.get(lorna, f"/people/{scene.person.id}/plan/sections/goals").status_code == 200
    for key in ("housing", "about_me", "safety"):
        assert api.get(lorna, f"/people/{scene.person.id}/plan/sections/{key}").status_code == 403
    # No other person, no search, no caseload, no care team, no writing.
    assert api.get(lorna, f"/people/{scene.other_person.id}/plan").status_code == 404
    assert api.get(lorna, "/people?q=mackenzie").status_code == 403
    assert api.get(lorna, f"/people/{scene.person.id}/care-team").status_code == 403
    write = api.post(
        lorna, f"/people/{scene.person.id}/plan/sections/goals/entries", {"text": "Hello"}
    )
    assert write.status_code == 403

    # Every read shows in the person's access log, naming the supporter and why.
    log = api.get(scene.individual, "/me/access-log").get_json()["entries"]
    seen = [e for e in log if e["who"] == "Your sister Lorna Mackenzie"]
    assert {e["what"] for e in seen} >= {"looked at your plan", "looked at a part of your plan"}
    looked = [e for e in seen if e["done"]]
    assert looked
    assert {e["why"] for e in looked} == {
        "you chose to share this with them, as someone supporting you"
    }
    assert any(e["sections"] == ["My goals and actions"] for e in looked), looked
    # The refused attempts show too, as refused.
    assert any(e["who"] == "Lorna Mackenzie" and not e["allowed"] for e in log)

    ended = api.post(scene.individual, f"/people/{scene.person.id}/supporters/{body['id']}/end")
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["status"] == "ended"
    # At once: the next request is refused, as for a person they have no basis for.
    assert api.get(lorna, f"/people/{scene.person.id}/plan").status_code == 404
    assert api.get(lorna, f"/people/{scene.person.id}/plan/sections/goals").status_code == 404
    # Ending again changes nothing (a second press of the button).
    again = api.post(scene.individual, f"/people/{scene.person.id}/supporters/{body['id']}/end")
    assert again.status_code == 200
    assert again.get_json()["ended_at"] == ended.get_json()["ended_at"]
    # The code not yet used died with the only place it was for.
    assert invitations.find(db.session, code) is None


def test_notifications_say_nothing_of_the_person_or_what_is_shared(api, world):
    scene = build_scene(world)
    _, lorna = _supporter(api, scene)
    kinds = {n.kind.value: n for n in db.session.scalars(select(Notification)).all()}
    assert kinds["supporter.invited"].recipient_user_id == lorna.id
    assert kinds["supporter.changed"].recipient_user_id == scene.key_worker.id
    for note in kinds.values():
        assert "Sarah" not in note.link
        assert "goals" not in note.link


def test_the_key_worker_invites_with_the_person_and_is_not_told_of_their_own_act(api, world):
    scene = build_scene(world)
    body, _ = _supporter(api, scene, by=scene.key_worker, sections=["housing", "goals"])
    # Catalogue order, whatever order they were sent in.
    assert body["sections"] == ["goals", "housing"]
    assert body["created_by"] == "Kay Worker"
    kinds = [n.kind.value for n in db.session.scalars(select(Notification)).all()]
    assert kinds == ["supporter.invited"]
    listed = api.get(scene.key_worker, f"/people/{scene.person.id}/supporters").get_json()
    assert [s["id"] for s in listed] == [body["id"]]
    assert listed[0]["invitation"] is None  # the code is shown once, to whoever invited


def test_bad_invitations_are_refused_and_change_nothing(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/supporters"
    today = clock.today()
    bad = (
        _body(sections=["nowhere"]),
        _body(sections=[]),
        _body(sections="goals"),
        _body(expires_on=(today - timedelta(days=1)).isoformat()),
        _body(expires_on=(today + timedelta(days=5000)).isoformat()),
        _body(relationship="cousin"),
        _body(email="not an email"),
        _body(name=""),
        _body(name="Lor\u202ena"),
        _body(phone="call me"),
        {k: v for k, v in _body().items() if k != "expires_on"},
        {**_body(), "role": "admin"},
    )
    for body in bad:
        response = api.post(scene.individual, url, body)
        assert response.status_code == 400, body
        assert response.get_json()["fields"], body
    # Staff and individual accounts cannot be made supporters of anyone.
    for email in (scene.outsider.email, scene.other_individual.email):
        taken = api.post(scene.individual, url, _body(email=email))
        assert taken.status_code == 409
        assert "email" in taken.get_json()["fields"]
    db.session.expire_all()
    assert db.session.scalars(select(Supporter)).all() == []
    assert db.session.scalars(select(User).where(User.kind == AccountKind.SUPPORTER)).all() == []


def test_one_place_at_a_time_and_an_advocate_may_support_two_people(api, world):
    scene = build_scene(world)
    body, lorna = _supporter(api, scene, relationship="advocate", described_as=None)
    again = api.post(scene.individual, f"/people/{scene.person.id}/supporters", _body())
    assert again.status_code == 409
    # The other person's key worker invites the same advocate: one account, two places, no
    # new code (they have not signed in yet, so the code is renewed for both).
    other = api.post(
        scene.outsider,
        f"/people/{scene.other_person.id}/supporters",
        _body(relationship="advocate", sections=["housing"]),
    )
    assert other.status_code == 201, other.get_json()
    assert other.get_json()["invitation"]["code"]
    db.session.expire_all()
    assert db.session.scalars(select(User).where(User.kind == AccountKind.SUPPORTER)).all() == [
        lorna
    ]
    # Each person's sections, and only theirs.
    first = api.get(lorna, f"/people/{scene.person.id}/plan").get_json()
    second = api.get(lorna, f"/people/{scene.other_person.id}/plan").get_json()
    assert list(first["sections"]) == ["goals"]
    assert list(second["sections"]) == ["housing"]
    assert body["described_as"] is None


def test_a_place_ends_at_the_end_of_its_day(api, world):
    scene = build_scene(world)
    body, lorna = _supporter(api, scene, expires_on=clock.today().isoformat())
    assert api.get(lorna, f"/people/{scene.person.id}/plan").status_code == 200
    row = db.session.get(Supporter, uuid.UUID(body["id"]))
    row.expires_on = clock.today() - timedelta(days=1)
    db.session.commit()
    assert api.get(lorna, f"/people/{scene.person.id}/plan").status_code == 404
    listed = api.get(scene.individual, f"/people/{scene.person.id}/supporters").get_json()
    assert listed[0]["status"] == "expired"


def test_a_closed_plan_shows_a_supporter_nothing_but_can_still_be_stopped(api, world):
    scene = build_scene(world)
    body, lorna = _supporter(api, scene)
    closed = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/close",
        {"reason": "moved_away"},
        headers={"If-Match": '"1"'},
    )
    assert closed.status_code == 200, closed.get_json()
    assert api.get(lorna, f"/people/{scene.person.id}/plan").status_code == 404
    assert api.get(lorna, f"/people/{scene.person.id}/plan/sections/goals").status_code == 404
    invite = api.post(
        scene.individual, f"/people/{scene.person.id}/supporters", _body(email="b@ex.test")
    )
    assert invite.status_code == 403
    assert invite.get_json()["reason"] == "closed"
    ended = api.post(scene.individual, f"/people/{scene.person.id}/supporters/{body['id']}/end")
    assert ended.status_code == 200


def test_ending_someone_elses_place_is_not_found(api, world):
    scene = build_scene(world)
    body, _ = _supporter(api, scene)
    other = api.post(scene.outsider, f"/people/{scene.other_person.id}/supporters/{body['id']}/end")
    assert other.status_code == 404
    missing = api.post(scene.individual, f"/people/{scene.person.id}/supporters/{uuid.uuid4()}/end")
    assert missing.status_code == 404
    db.session.expire_all()
    assert db.session.get(Supporter, uuid.UUID(body["id"])).ended_at is None
