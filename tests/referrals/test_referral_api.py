"""The referral life cycle over the API (issue 19), on both databases: the consent that
travels, its withdrawal, refusal and ceiling, statuses and their reasons, expiry,
forwarding, "do not contact", letters for services not on the platform, the inbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from careplan.core import clock
from careplan.notifications.models import Notification
from careplan.plans.models import CareTeamMember, MembershipHow
from careplan.referrals import expiry
from careplan.referrals.models import Referral
from consent.models import Consent
from tests.referrals.scene import HOUSING, build, referral_body


@pytest.fixture
def scene(world):
    return build(world)


def _refer(api, scene, user=None, **changes):
    return api.post(
        user or scene.key_worker,
        f"/people/{scene.person.id}/referrals",
        referral_body(scene, **changes),
    )


def _status(api, user, referral, status, **fields):
    body = {"status": status, **fields}
    return api.post(
        user,
        f"/referrals/{referral['id']}/status",
        body,
        headers={"If-Match": f'"{referral["version"]}"'},
    )


def _write_housing(api, scene):
    url = f"/people/{scene.person.id}/plan/sections/housing"
    version = api.get(scene.key_worker, url).get_json()["version"]
    saved = api.put(scene.key_worker, url, HOUSING, headers={"If-Match": f'"{version}"'})
    assert saved.status_code == 200


def _records(world, action):
    return [e for e in world.audit() if e.action == action]


def test_a_referral_carries_the_persons_consent_as_an_ordinary_consent(api, world, scene):
    made = _refer(api, scene)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["status"] == "requested"
    assert body["status_words"].startswith("Sent")
    assert body["on_platform"] is True
    assert body["receiving_agency"]["id"] == str(scene.other_agency.id)
    assert made.headers["ETag"] == '"1"'
    assert made.headers["Location"].endswith(f"/referrals/{body['id']}")
    consent = world.session.get(Consent, uuid.UUID(body["consent_id"]))
    assert consent.purpose == "referral"
    assert consent.grantee_agency_id == scene.other_agency.id
    assert consent.sections == ["housing", "substance_use"]
    assert str(consent.referral_id) == body["id"]
    assert consent.method.value == "verbal"
    # The person sees it among their consents, like any other.
    mine = api.get(scene.individual, f"/people/{scene.person.id}/consents").get_json()
    assert body["consent_id"] in [c["id"] for c in mine]
    created = _records(world, "referral.create")
    assert [(e.outcome, e.person_id) for e in created] == [("permit", scene.person.id)]
    assert created[0].sections == ["housing", "substance_use"]
    # The receiving agency's coordinators are told, with no personal content.
    notice = world.session.scalars(
        select(Notification).where(Notification.recipient_agency_id == scene.other_agency.id)
    ).one()
    assert notice.kind.value == "referral.received"
    assert notice.link == f"/referrals/{body['id']}"


def test_without_the_persons_agreement_nothing_is_made(api, world, scene):
    refused = _refer(api, scene, consent=None)
    assert refused.status_code == 422
    assert "consent" in refused.get_json()["fields"]
    assert world.session.scalars(select(Referral)).all() == []
    assert world.session.scalars(select(Consent).where(Consent.purpose == "referral")).all() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sections": []}, "sections"),
        ({"sections": ["nope"]}, "sections"),
        ({"sections": ["safety"]}, "sections"),  # above the council's agreement ceiling
        ({"service_id": "00000000-0000-4000-8000-000000000000"}, "service_id"),
        ({"reason": "   "}, "reason"),
        ({"urgency": "whenever"}, "urgency"),
        ({"consent": {"method": "self_service", "agreed_on": "2026-11-01"}}, "consent.method"),
        ({"consent": {"method": "verbal", "agreed_on": "2099-01-01"}}, "consent.agreed_on"),
    ],
)
def test_bad_referrals_say_what_to_fix_and_change_nothing(api, world, scene, changes, field):
    refused = _refer(api, scene, **changes)
    assert refused.status_code in (400, 422), refused.get_json()
    fields = refused.get_json()["fields"]
    assert any(k == field or k.startswith(field) for k in fields), fields
    assert world.session.scalars(select(Referral)).all() == []


def test_a_refused_section_cannot_be_sent(api, world, scene):
    world.session.add(
        Consent(
            person_id=scene.person.id,
            grantee_agency_id=scene.other_agency.id,
            sections=["substance_use"],
            effect="deny",
            starts_on=clock.today(),
            method="verbal",
            recorded_by_id=scene.key_worker.id,
        )
    )
    world.session.commit()
    refused = _refer(api, scene)
    assert refused.status_code == 422
    assert "never to share substance_use" in " ".join(refused.get_json()["fields"]["sections"])


def test_a_second_open_referral_to_the_same_service_is_409_with_a_link(api, world, scene):
    first = _refer(api, scene).get_json()
    again = _refer(api, scene)
    assert again.status_code == 409
    assert again.get_json()["link"] == f"/referrals/{first['id']}"
    assert len(world.session.scalars(select(Referral)).all()) == 1


def test_the_coordinator_reads_the_referral_and_the_travelling_sections_only(api, world, scene):
    _write_housing(api, scene)
    made = _refer(api, scene).get_json()
    seen = api.get(scene.coordinator, f"/referrals/{made['id']}")
    assert seen.status_code == 200, seen.get_json()
    body = seen.get_json()
    shared = {s["key"]: s for s in body["shared_sections"]}
    assert set(shared) == {"housing", "substance_use"}
    assert shared["housing"]["content"]["preferred_areas"] == ["Gorgie"]
    assert body["person"]["name"] == "Sarah Mackenzie"
    view = _records(world, "referral.view")[-1]
    assert view.basis == {"referral": f"referral:{made['id']}"}
    assert sorted(view.sections) == ["housing", "substance_use"]
    # Nothing else of the plan.
    plan = f"/people/{scene.person.id}/plan/sections"
    assert api.get(scene.coordinator, plan + "/housing").status_code == 200
    assert api.get(scene.coordinator, plan + "/goals").status_code == 403
    assert api.get(scene.coordinator, plan + "/mental_health").status_code == 403
    # A colleague at the council without the referral role sees nothing of it.
    assert api.get(scene.outsider, f"/referrals/{made['id']}").status_code == 404
    assert api.get(scene.outsider, plan + "/housing").status_code == 404


@pytest.mark.parametrize("stop", ["withdrawn", "refused", "ceiling"])
def test_withdrawal_refusal_and_the_ceiling_stop_it_at_the_next_request(api, world, scene, stop):
    _write_housing(api, scene)
    made = _refer(api, scene).get_json()
    consent = world.session.get(Consent, uuid.UUID(made["consent_id"]))
    if stop == "withdrawn":
        withdrawn = api.post(
            scene.individual,
            f"/people/{scene.person.id}/consents/{consent.id}/withdraw",
            {"reason": "Changed my mind"},
        )
        assert withdrawn.status_code == 200, withdrawn.get_json()
    elif stop == "refused":
        world.session.add(
            Consent(
                person_id=scene.person.id,
                grantee_agency_id=scene.other_agency.id,
                sections=["housing"],
                effect="deny",
                starts_on=clock.today(),
                method="verbal",
                recorded_by_id=scene.key_worker.id,
            )
        )
        world.session.commit()
    else:
        from consent.models import SharingAgreement

        agreement = world.session.scalars(
            select(SharingAgreement).where(SharingAgreement.agency_id == scene.other_agency.id)
        ).one()
        agreement.sections = ["goals"]
        world.session.commit()
    body = api.get(scene.coordinator, f"/referrals/{made['id']}").get_json()
    housing = next(s for s in body["shared_sections"] if s["key"] == "housing")
    assert housing["content"] is None
    assert housing["withheld"]
    section = f"/people/{scene.person.id}/plan/sections/housing"
    assert api.get(scene.coordinator, section).status_code in (403, 404)


def test_accepting_puts_the_practitioner_on_the_care_team(api, world, scene):
    made = _refer(api, scene).get_json()
    received = _status(api, scene.coordinator, made, "received")
    assert received.status_code == 200, received.get_json()
    accepted = _status(api, scene.coordinator, received.get_json(), "accepted")
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert body["taken_by"]["id"] == str(scene.coordinator.id)
    assert [h["status"] for h in body["history"]] == ["requested", "received", "accepted"]
    place = world.session.scalars(
        select(CareTeamMember).where(CareTeamMember.staff_id == scene.coordinator.id)
    ).one()
    assert place.how is MembershipHow.REFERRAL
    # Reads the travelling sections for the person's care from now on.
    assert (
        api.get(scene.coordinator, f"/people/{scene.person.id}/plan/sections/housing").status_code
        == 200
    )
    # The referrer is told.
    told = world.session.scalars(
        select(Notification).where(Notification.recipient_user_id == scene.key_worker.id)
    ).all()
    assert {n.kind.value for n in told} == {"referral.status"}


def test_reasons_are_required_where_the_life_cycle_says(api, world, scene):
    made = _refer(api, scene).get_json()
    for body in (
        {"status": "rejected"},
        {"status": "rejected", "reason_code": "not_eligible", "reason_text": "Under 25s only."},
        {
            "status": "rejected",
            "reason_code": "nonsense",
            "reason_text": "x",
            "declined_by": "provider",
        },
        {"status": "on-hold"},
        {"status": "accepted", "reason_code": "not_eligible"},
    ):
        refused = _status(api, scene.coordinator, made, **{k: v for k, v in body.items()})
        assert refused.status_code == 400, (body, refused.get_json())
    assert world.session.get(Referral, uuid.UUID(made["id"])).status.value == "requested"


def test_a_rejection_names_who_declined_and_may_suggest_another_service(api, world, scene):
    made = _refer(api, scene).get_json()
    rejected = _status(
        api,
        scene.coordinator,
        made,
        "rejected",
        reason_code="outside_area",
        reason_text="We cover the city only; the county service covers her village.",
        declined_by="provider",
        suggested_service_id=str(scene.service.id),
    )
    assert rejected.status_code == 200, rejected.get_json()
    body = rejected.get_json()
    assert body["suggested_service"]["name"] == "Food bank drop-in"
    assert body["closed_at"] is not None
    # The consent that travelled ends at once.
    consent = world.session.get(Consent, uuid.UUID(made["consent_id"]))
    world.session.refresh(consent)
    assert consent.withdrawn_at is not None
    # Closed: nothing follows.
    again = _status(api, scene.coordinator, body, "accepted")
    assert again.status_code == 409
    assert again.get_json()["reason"] == "illegal_transition"
    # The person reads it in plain words.
    mine = api.get(scene.individual, "/me/referrals").get_json()
    assert mine[0]["status_words"] == "The service cannot take it"
    assert mine[0]["history"][-1]["reason"] == "They live outside the area the service covers"


def test_who_sets_which_status(api, world, scene):
    made = _refer(api, scene).get_json()
    # The referrer cannot answer for the service; the service cannot cancel.
    assert _status(api, scene.key_worker, made, "accepted").status_code == 403
    cancel = {"reason_code": "no_longer_needed", "reason_text": "She found a flat herself."}
    assert _status(api, scene.coordinator, made, "cancelled", **cancel).status_code == 403
    assert [e.outcome for e in _records(world, "referral.status")] == ["deny", "deny"]
    cancelled = _status(api, scene.key_worker, made, "cancelled", **cancel)
    assert cancelled.status_code == 200
    told = world.session.scalars(
        select(Notification).where(Notification.kind == "referral.cancelled")
    ).all()
    assert [n.recipient_agency_id for n in told] == [scene.other_agency.id]


def test_status_changes_need_the_version_read(api, world, scene):
    made = _refer(api, scene).get_json()
    url = f"/referrals/{made['id']}/status"
    missing = api.post(scene.coordinator, url, {"status": "received"})
    assert missing.status_code == 428
    stale = api.post(scene.coordinator, url, {"status": "received"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert world.session.get(Referral, uuid.UUID(made["id"])).status.value == "requested"


def test_unanswered_referrals_are_warned_of_then_close_saying_so(app, api, world, scene):
    made = _refer(api, scene, urgency="urgent").get_json()
    row = world.session.get(Referral, uuid.UUID(made["id"]))
    due = row.respond_by
    with app.test_request_context():
        from careplan.core import unit_of_work

        with unit_of_work.job("test-expire"):
            early = expiry.run(due - timedelta(hours=2))
    assert (early.warned, early.closed) == (1, 0)
    with app.test_request_context():
        from careplan.core import unit_of_work

        with unit_of_work.job("test-expire"):
            late = expiry.run(due + timedelta(minutes=1))
    assert late.closed == 1
    body = api.get(scene.key_worker, f"/referrals/{made['id']}").get_json()
    assert body["status"] == "failed"
    assert body["reason_code"] == "no_answer"
    assert "did not answer in time" in body["reason_text"]
    kinds = {n.kind.value for n in world.session.scalars(select(Notification))}
    assert {"referral.expiring", "referral.expiring.referrer", "referral.status"} <= kinds


def test_forwarding_keeps_the_chain_and_closes_the_first(api, world, scene):
    made = _refer(api, scene).get_json()
    forwarded = api.post(
        scene.coordinator,
        f"/referrals/{made['id']}/forward",
        {
            "service_id": str(scene.letter_service.id),
            "reason": "The recovery cafe runs the tenancy support group she needs.",
        },
    )
    assert forwarded.status_code == 201, forwarded.get_json()
    new = forwarded.get_json()
    assert new["part_of"] == made["id"]
    assert new["sections"] == []  # no agreement to send anything on yet
    first = api.get(scene.key_worker, f"/referrals/{made['id']}").get_json()
    assert first["status"] == "rejected"
    assert first["reason_code"] == "forwarded"
    assert first["suggested_service"]["id"] == str(scene.letter_service.id)
    assert [e.outcome for e in _records(world, "referral.forward")] == ["permit"]


def test_do_not_contact_is_shown_to_the_receiving_service(api, world, scene):
    made = _refer(
        api, scene, do_not_contact=True, contact_note="Only through Kay: her partner reads post."
    ).get_json()
    body = api.get(scene.coordinator, f"/referrals/{made['id']}").get_json()
    assert body["do_not_contact"] is True
    assert body["contact_note"] == "Only through Kay: her partner reads post."


def test_a_service_not_on_the_platform_is_referred_to_by_letter(api, world, scene):
    made = _refer(api, scene, service_id=str(scene.letter_service.id))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["on_platform"] is False
    assert body["consent"] == {"by": "letter", "method": "verbal", "agreed_on": "2026-11-01"}
    assert body["consent_id"] is None
    # The referrer records the answer the service gave.
    answered = _status(api, scene.key_worker, body, "accepted")
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["taken_by"] is None


def test_the_inbox_and_the_outbox(api, world, scene):
    made = _refer(api, scene).get_json()
    incoming = api.get(scene.coordinator, "/referrals?direction=incoming")
    assert incoming.status_code == 200
    assert [r["id"] for r in incoming.get_json()] == [made["id"]]
    assert incoming.headers["X-Total-Count"] == "1"
    outgoing = api.get(scene.key_worker, "/referrals?direction=outgoing&status=requested")
    assert [r["id"] for r in outgoing.get_json()] == [made["id"]]
    # The council colleague without the referral role has an empty inbox.
    assert api.get(scene.outsider, "/referrals?direction=incoming").get_json() == []
    assert api.get(scene.individual, "/referrals").status_code == 403
    listed = _records(world, "referral.list")
    assert listed[0].details["returned"] == [made["id"]]


def test_the_person_sees_their_referrals(api, world, scene):
    made = _refer(api, scene).get_json()
    mine = api.get(scene.individual, "/me/referrals")
    assert mine.status_code == 200
    assert [r["id"] for r in mine.get_json()] == [made["id"]]
    assert mine.get_json()[0]["person"] is None
    one = api.get(scene.individual, f"/referrals/{made['id']}")
    assert one.status_code == 200
    assert "shared_sections" not in one.get_json() or one.get_json()["shared_sections"] is None
    assert api.get(scene.other_individual, f"/referrals/{made['id']}").status_code == 404


def test_the_person_reads_in_their_access_log_who_read_their_referral(api, world, scene):
    made = _refer(api, scene).get_json()
    assert api.get(scene.coordinator, f"/referrals/{made['id']}").status_code == 200
    log = api.get(scene.individual, "/me/access-log").get_json()
    lines = log["entries"] if isinstance(log, dict) else log
    read = [e for e in lines if e["who"] == "Cora Ordinator"]
    assert read[0]["what"] == "looked at a referral of yours"
    assert read[0]["why"] == "you agreed to send this to their organisation with a referral"
    made_line = [e for e in lines if e["what"] == "referred you to a service"]
    assert made_line
    assert made_line[0]["who"] == "Kay Worker"


def _pdf_text(response) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.get_data()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_letter_for_a_service_not_on_the_platform(api, world, scene):
    _write_housing(api, scene)
    made = _refer(
        api, scene, service_id=str(scene.letter_service.id), sections=["housing", "safety"]
    ).get_json()
    letter = api.get(scene.key_worker, f"/referrals/{made['id']}/letter.pdf")
    assert letter.status_code == 200, letter.get_data()[:200]
    assert letter.mimetype == "application/pdf"
    assert letter.headers["Cache-Control"] == "no-store"
    assert "Mackenzie" not in letter.headers["Content-Disposition"]
    text = _pdf_text(letter)
    assert "Referral to Hillside recovery cafe" in text
    assert "Sarah Mackenzie" in text
    assert "sofa surfing" in text
    assert "Personal housing plan" in text
    assert "Gorgie" in text
    printed = _records(world, "referral.letter")
    assert [(e.outcome, e.person_id) for e in printed] == [("permit", scene.person.id)]
    # Only the referrer's side prints it; a service here needs no letter.
    assert api.get(scene.individual, f"/referrals/{made['id']}/letter.pdf").status_code == 403
    on_platform = _refer(api, scene).get_json()
    refused = api.get(scene.key_worker, f"/referrals/{on_platform['id']}/letter.pdf")
    assert refused.status_code == 409
    assert refused.get_json()["reason"] == "on_platform"


def test_the_outbox_pages_through_both_kinds_of_outgoing_referral(api, world, scene):
    """The outbox: referrals the caller made (for anyone) and referrals made for the
    people they are key worker of (by anyone), each once, newest first, a page at a time,
    with the total; a status narrows both (careplan.referrals.services._outgoing)."""
    from careplan.plans.models import Plan

    kw, colleague = scene.key_worker, scene.colleague
    theirs = world.session.scalars(
        select(Plan).where(Plan.person_id == scene.other_person.id)
    ).one()
    now = clock.now()
    made = {}
    for name, by, plan, hours, status in (
        ("mine for someone else", kw, theirs, 1, "requested"),
        ("a colleague's for my person", colleague, scene.plan, 2, "requested"),
        ("mine for my person", kw, scene.plan, 3, "requested"),
        ("a colleague's for someone else", colleague, theirs, 4, "requested"),
        ("mine, rejected", kw, scene.plan, 5, "rejected"),
    ):
        row = Referral(
            person_id=plan.person_id,
            plan_id=plan.id,
            service_id=scene.housing_service.id,
            receiving_agency_id=scene.other_agency.id,
            referrer_id=by.id,
            referring_agency_id=by.agency_id,
            urgency="routine",
            sections=[],
            status=status,
            respond_by=now + timedelta(days=14),
            created_at=now - timedelta(hours=hours),
            updated_at=now - timedelta(hours=hours),
            version=1,
        )
        row.reason = "Support before winter."
        world.session.add(row)
        world.session.flush()
        made[name] = str(row.id)
    world.session.commit()
    expected = [
        made[n]
        for n in (
            "mine for someone else",
            "a colleague's for my person",
            "mine for my person",
            "mine, rejected",
        )
    ]
    pages = []
    for offset in (0, 2, 4):
        page = api.get(kw, f"/referrals?direction=outgoing&limit=2&offset={offset}")
        assert page.status_code == 200, page.get_json()
        assert page.headers["X-Total-Count"] == "4"
        pages.append([r["id"] for r in page.get_json()])
    assert pages == [expected[:2], expected[2:], []]
    waiting = api.get(kw, "/referrals?direction=outgoing&status=requested")
    assert [r["id"] for r in waiting.get_json()] == expected[:3]
    assert waiting.headers["X-Total-Count"] == "3"


def test_the_receiving_service_knows_who_was_referred(api, world, scene):
    """Issue 20's walk, every basis: the receiving service (basis `referral`) sees the
    person's date of birth and CHI number, to match them with its own records (a referral
    is direct care); a supporter sees the name only (tests/api/test_supporter_access.py)."""
    made = _refer(api, scene)
    assert made.status_code == 201, made.get_json()
    body = api.get(scene.coordinator, f"/people/{scene.person.id}").get_json()
    assert body["date_of_birth"] == scene.person.date_of_birth.isoformat()
    assert body["chi"] == scene.person.chi
