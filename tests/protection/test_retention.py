"""Closing a plan makes it read-only; retention erases exactly what is due."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from audit.verify import verify_chain
from careplan.ask_and_act.models import HousingAsk
from careplan.core import clock
from careplan.corrections.models import Correction
from careplan.crisis.models import CrisisEvent
from careplan.extensions import db
from careplan.meetings.models import Meeting, MeetingAttendee
from careplan.people.models import Person
from careplan.plans.models import Plan, SectionVersion
from careplan.referrals.models import Referral, ReferralEvent
from careplan.subject_access.models import SubjectAccessRequest
from careplan.supporters.models import Supporter
from careplan.tasks.models import Task
from consent.models import Consent
from tests.api.scene import build_scene
from tests.referrals.scene import build as build_referral_scene
from tests.referrals.scene import referral_body


def _close(api, scene, person, by=None, closed_on=None):
    body = {"reason": "support_complete"}
    if closed_on:
        body["closed_on"] = closed_on
    return api.post(
        by or scene.key_worker, f"/people/{person.id}/plan/close", body, headers={"If-Match": '"1"'}
    )


def test_closed_plan_is_read_only(api, world):
    scene = build_scene(world)
    assert _close(api, scene, scene.person, by=scene.colleague).status_code == 403
    closed = _close(api, scene, scene.person)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["reason"] == "support_complete"
    plan = api.get(scene.key_worker, f"/people/{scene.person.id}/plan").get_json()
    assert plan["closed"]["reason"] == "support_complete"
    put = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/housing",
        {"content": {}},
        headers={"If-Match": '"1"'},
    )
    assert put.status_code == 403
    assert put.get_json()["reason"] == "closed"
    entry = api.post(
        scene.key_worker, f"/people/{scene.person.id}/plan/sections/housing/entries", {"text": "x"}
    )
    assert entry.status_code == 403
    assert api.get(scene.individual, "/me/plan").status_code == 200
    again = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/close",
        {"reason": "other"},
        headers={"If-Match": '"2"'},
    )
    assert again.get_json()["reason"] == "closed"


def test_retention_erases_exactly_what_is_due(app, api, world):
    scene = build_referral_scene(world)
    days = app.config["RETENTION_DAYS"]
    old = (clock.today() - timedelta(days=days + 1)).isoformat()
    recent = (clock.today() - timedelta(days=days - 1)).isoformat()
    api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/housing",
        {"content": {"preferred_areas": ["Gorgie"]}},
        headers={"If-Match": '"1"'},
    )
    # The living plan's records about the person go with the plan (issue 20).
    p = f"/people/{scene.person.id}"
    owner = {"owner_staff_id": str(scene.colleague.id)}
    meeting = {"held_on": old, "kind": "review", "attendees": [{"name": "A sister"}]}
    assert api.post(scene.key_worker, p + "/meetings", meeting).status_code == 201
    crisis = {"kind": "eviction", "occurred_on": old, "follow_up": owner}
    assert api.post(scene.key_worker, p + "/crisis-events", crisis).status_code == 201
    asked = {"section": "housing", "text": "Wrong date."}
    assert api.post(scene.individual, "/me/corrections", asked).status_code == 201
    # Referrals, their history and travelling consent, and ask and act (issue 19) too.
    referral = api.post(scene.key_worker, p + "/referrals", referral_body(scene))
    assert referral.status_code == 201, referral.get_json()
    received = api.post(
        scene.coordinator,
        f"/referrals/{referral.get_json()['id']}/status",
        {"status": "received"},
        headers={"If-Match": '"1"'},
    )
    assert received.status_code == 200, received.get_json()
    ask = {
        "asked_on": old,
        "council_code": "S12000036",
        "answer": "at_risk",
        "referral_id": referral.get_json()["id"],
    }
    assert api.post(scene.key_worker, p + "/housing-asks", ask).status_code == 201
    # A subject access request (issue 18).
    request = {
        "person_id": str(scene.person.id),
        "received_on": old,
        "channel": "letter",
        "identity_checked": False,
        "requested_by": "person",
    }
    made = api.post(scene.ig, "/audit/subject-access-requests", request)
    assert made.status_code == 201, made.get_json()
    # A supporter's place (issue 20): it goes; the supporter's own account stays theirs.
    invited = {
        "name": "Lorna Mackenzie",
        "relationship": "family",
        "email": "lorna@example.test",
        "sections": ["goals"],
        "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
    }
    place = api.post(scene.key_worker, p + "/supporters", invited)
    assert place.status_code == 201, place.get_json()
    assert _close(api, scene, scene.person, closed_on=old).status_code == 200
    recent_person = world.person(scene.key_worker)
    world.plan(recent_person, scene.key_worker)
    assert _close(api, scene, recent_person, closed_on=recent).status_code == 200
    erased_id, kept = scene.person.id, {recent_person.id, scene.other_person.id}
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert "1 closed plans" in dry.output
    out = runner.invoke(args=["retention", "run"])
    assert out.exit_code == 0, out.output
    assert "Erased 1" in out.output
    db.session.expire_all()
    people = set(db.session.scalars(select(Person.id)))
    assert erased_id not in people
    assert kept <= people
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 2
    assert (
        db.session.scalar(
            select(func.count()).select_from(Consent).where(Consent.person_id == erased_id)
        )
        == 0
    )
    assert db.session.scalar(select(func.count()).select_from(SectionVersion)) > 0
    for model in (
        Task,
        Meeting,
        MeetingAttendee,
        CrisisEvent,
        Correction,
        Referral,
        ReferralEvent,
        HousingAsk,
        SubjectAccessRequest,
        Supporter,
    ):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    events = world.audit()
    erasures = [e for e in events if e.action == "erase"]
    assert [e.person_id for e in erasures] == [erased_id]
    result = verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public)
    assert result.ok
    assert api.get(scene.key_worker, f"/people/{erased_id}").status_code == 404


def test_close_date_cannot_be_in_the_future(api, world):
    scene = build_scene(world)
    future = (date.today() + timedelta(days=3)).isoformat()
    bad = _close(api, scene, scene.person, closed_on=future)
    assert bad.status_code == 400
    assert "closed_on" in bad.get_json()["fields"]


# Every table that points at a person: the erasure above empties each of them (the person
# and plan rows go too). A new kind of record about a person fails here until
# careplan/records/retention.py erases it (on PostgreSQL its foreign key would otherwise
# refuse the erasure) and the test above makes one.
ERASED_WITH_THE_PERSON = {
    "person",  # merged_into_id: a merged duplicate goes with the record it points at
    "duplicate_candidate",
    "user_account",
    "break_glass",
    "plan",
    "consent",
    "task",
    "meeting",
    "crisis_event",
    "correction",
    "referral",
    "housing_ask",
    "subject_access_request",
    "supporter",
}


def test_erasure_covers_every_record_that_points_at_a_person(app):
    pointing = {
        table.name
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.target_fullname == "person.id"
    }
    assert pointing == ERASED_WITH_THE_PERSON
