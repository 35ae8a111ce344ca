"""Subject access requests from receipt to release (issue 18, Done-when): IG officers
manage each request and never see the copy; the person, or their key worker to hand it
over, opens it. Every step recorded as `subject_access.*`."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from careplan.core import clock
from careplan.notifications.models import Notification
from tests.api.scene import CHI_P, build_scene
from tests.web.support import Browser

SAR = "/audit/subject-access-requests"
MINE = "Zebra Crossing Court"  # in the person's plan: must never reach an IG officer


@pytest.fixture
def app(shared_app):
    return shared_app


def _fill(api, scene):
    response = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/housing",
        {"content": {"preferred_areas": [MINE]}},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.get_json()


def _new(api, scene, **changes):
    body = {
        "chi": CHI_P,
        "received_on": clock.today().isoformat(),
        "channel": "email",
        "identity_checked": False,
        "requested_by": "person",
        "note": "Asked by email; will bring ID to the drop-in.",
        **changes,
    }
    return api.post(scene.ig, SAR, body)


def _actions(world, since):
    return [(e.action, e.outcome) for e in world.audit()[since:] if e.action.startswith("subject")]


def _notices(world, user):
    world.session.expire_all()
    return [
        n.kind.value
        for n in world.session.scalars(
            select(Notification).where(Notification.recipient_user_id == user.id)
        )
    ]


def _no_content(body):
    text = str(body)
    assert MINE not in text
    assert "sections" not in body
    assert "plan" not in body
    assert "access_log" not in body


def test_from_receipt_to_release(api, world):
    scene = build_scene(world)
    _fill(api, scene)
    since = len(world.audit())
    created = _new(api, scene)
    assert created.status_code == 201, created.get_json()
    row = created.get_json()
    # Identity awaited: the clock has not started, so nothing is due yet.
    assert (row["status"], row["clock"], row["due_on"]) == ("received", "paused", None)
    assert row["person"]["name"] == "Sarah Mackenzie"
    url = f"{SAR}/{row['id']}"
    # Steps out of order are refused and change nothing.
    assert api.post(scene.ig, url + "/release", {"to": "person"}).status_code == 409
    assert api.post(scene.ig, url + "/start").status_code == 409
    confirmed = api.post(scene.ig, url + "/identity", {"method": "photo_id"})
    assert confirmed.status_code == 200, confirmed.get_json()
    body = confirmed.get_json()
    assert body["clock"] == "running"
    assert body["starts_on"] == clock.today().isoformat()
    assert body["due_on"] is not None
    assert body["identity_checked_by"] == "IG Officer"
    # The queue shows it with its due day.
    queue = api.get(scene.ig, SAR).get_json()
    assert [r["id"] for r in queue] == [row["id"]]
    assert queue[0]["due_on"] == body["due_on"]
    assert api.post(scene.ig, url + "/start").get_json()["status"] == "in_progress"
    released = api.post(scene.ig, url + "/release", {"to": "person"})
    assert released.status_code == 200, released.get_json()
    done = released.get_json()
    assert (done["status"], done["released_to"]) == ("released", "person")
    assert done["completed_on"] == clock.today().isoformat()
    _no_content(done)
    assert api.post(scene.ig, url + "/release", {"to": "person"}).status_code == 409
    # The person is told (content-free) and opens the copy themselves.
    assert "subject_access.ready" in _notices(world, scene.individual)
    copy = api.get(scene.individual, "/me/export")
    assert copy.status_code == 200
    data = copy.get_json()
    assert MINE in str(data["plan"])
    [mine] = data["subject_access_requests"]
    assert (mine["status"], mine["released_to"]) == ("released", "person")
    assert "note" not in mine  # the IG officers' own note is about handling, not the person
    steps = _actions(world, since)
    assert steps == [
        ("subject_access.create", "permit"),
        ("subject_access.release", "conflict"),
        ("subject_access.start", "conflict"),
        ("subject_access.identity", "permit"),
        ("subject_access.list", "permit"),
        ("subject_access.start", "permit"),
        ("subject_access.release", "permit"),
        ("subject_access.release", "conflict"),
        ("subject_access.export", "permit"),
    ]
    release = next(
        e for e in world.audit() if e.action == "subject_access.release" and e.outcome == "permit"
    )
    assert release.person_id == scene.person.id
    assert release.details["to"] == "person"
    assert release.details["sections_with_content"] >= 1  # a copy was made: counted only
    assert MINE not in str(release.details)
    export = world.audit()[-1]
    assert export.details["released_request"] == row["id"]
    assert export.purpose == "subject_access"


def test_an_ig_officer_never_receives_the_copy(api, world, app):
    """Every route of the service, as an IG officer, with real ids: none answers with the
    person's plan content (the copy included)."""
    scene = build_scene(world)
    _fill(api, scene)
    row = _new(api, scene, identity_checked=True, identity_method="known_to_staff").get_json()
    api.post(scene.ig, f"{SAR}/{row['id']}/start")
    api.post(scene.ig, f"{SAR}/{row['id']}/release", {"to": "key_worker"})
    values = {
        "person_id": scene.person.id,
        "request_id": row["id"],
        "key": "housing",
        "fmt": "json",
    }
    client = app.test_client()
    headers = api.headers(scene.ig)
    web = _signed_in(world, app, scene.ig)
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if set(rule.arguments) - set(values):
            continue
        path = _build(app, rule, values)
        if path is None:
            continue
        if path.startswith("/api/v1"):
            response = client.get(path, headers=headers)
        else:
            response = web.get(path)
        assert MINE not in response.get_data(as_text=True), path
        if response.mimetype == "application/pdf":
            assert response.status_code >= 400, path
        checked += 1
    assert checked > 50
    refused = [e for e in world.audit() if e.action == "subject_access.export"]
    assert refused
    assert all(e.outcome == "deny" for e in refused)


def _build(app, rule, values):
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        try:
            return adapter.build(rule.endpoint, {a: values[a] for a in rule.arguments})
        except Exception:
            return None


def _signed_in(world, app, user):
    """A signed-in browser; the user loaded and detached first, so the test's own session
    holds no transaction (SQLite's write lock) while the pages run."""
    world.session.refresh(user)
    world.session.expunge(user)
    world.session.commit()
    return Browser(app, user)


def test_a_representative_and_release_to_the_key_worker(api, world):
    scene = build_scene(world)
    _fill(api, scene)
    missing = _new(api, scene, requested_by="representative")
    assert missing.status_code == 400
    assert set(missing.get_json()["fields"]) == {"representative_name", "authority"}
    assert api.get(scene.ig, SAR + "?status=all").get_json() == []  # nothing was recorded
    created = _new(
        api,
        scene,
        requested_by="representative",
        representative_name="Jean Mackenzie",
        authority="power_of_attorney",
        identity_checked=True,
        identity_method="documents",
    )
    assert created.status_code == 201, created.get_json()
    row = created.get_json()
    assert row["representative_name"] == "Jean Mackenzie"
    assert row["authority_checked_by"] == "IG Officer"
    assert row["status"] == "identity_checked"
    assert row["due_on"] is not None
    url = f"{SAR}/{row['id']}"
    api.post(scene.ig, url + "/start")
    released = api.post(scene.ig, url + "/release", {"to": "key_worker"}).get_json()
    assert released["released_to"] == "key_worker"
    assert "subject_access.hand_over" in _notices(world, scene.key_worker)
    assert "subject_access.ready" not in _notices(world, scene.individual)
    # The key worker opens it to hand over; their copy is the person's, not the IG's.
    handed = api.get(scene.key_worker, f"/people/{scene.person.id}/export?format=html")
    assert handed.status_code == 200
    page = handed.get_data(as_text=True)
    assert "Jean Mackenzie, for you" in page or "Jean Mackenzie" in page
    assert MINE in page
    assert api.get(scene.colleague, f"/people/{scene.person.id}/export").status_code == 403


def test_a_refused_request(api, world):
    scene = build_scene(world)
    row = _new(api, scene).get_json()
    url = f"{SAR}/{row['id']}"
    short = api.post(scene.ig, url + "/refuse", {"reason": "withdrawn", "text": "no"})
    assert short.status_code == 400
    assert api.get(scene.ig, url).get_json()["status"] == "received"
    refused = api.post(
        scene.ig,
        url + "/refuse",
        {
            "reason": "identity_not_confirmed",
            "text": "We could not confirm who asked. Ask again with proof of identity.",
        },
    )
    assert refused.status_code == 200, refused.get_json()
    body = refused.get_json()
    assert (body["status"], body["refusal_reason"]) == ("refused", "identity_not_confirmed")
    assert body["completed_on"] == clock.today().isoformat()
    assert api.post(scene.ig, url + "/start").status_code == 409
    assert api.post(scene.ig, url + "/release", {"to": "person"}).status_code == 409
    assert "subject_access.answered" in _notices(world, scene.individual)
    # The person sees the answer and the reason in their own copy, and can still download it.
    copy = api.get(scene.individual, "/me/export?format=html")
    assert copy.status_code == 200
    assert "We could not confirm who asked" in copy.get_data(as_text=True)
    assert api.get(scene.ig, SAR + "?status=completed").get_json()[0]["id"] == row["id"]
    assert api.get(scene.ig, SAR).get_json() == []


def test_an_extension_within_the_first_month_only(api, world):
    scene = build_scene(world)
    received = clock.today() - timedelta(days=3)
    row = _new(
        api,
        scene,
        received_on=received.isoformat(),
        identity_checked=True,
        identity_method="photo_id",
    ).get_json()
    url = f"{SAR}/{row['id']}"
    extended = api.post(
        scene.ig,
        url + "/extend",
        {"reason": "Records from four agencies and ten years of history to check."},
    )
    assert extended.status_code == 200, extended.get_json()
    body = extended.get_json()
    assert body["extended"] is True
    assert date.fromisoformat(body["due_on"]) > date.fromisoformat(row["due_on"])
    again = api.post(scene.ig, url + "/extend", {"reason": "Still more records to check."})
    assert again.status_code == 409
    # Received 40 days ago: the first month has passed, and the request is overdue.
    late = _new(
        api,
        scene,
        received_on=(clock.today() - timedelta(days=40)).isoformat(),
        identity_checked=True,
        identity_method="photo_id",
    ).get_json()
    too_late = api.post(
        scene.ig, f"{SAR}/{late['id']}/extend", {"reason": "Records from four agencies to check."}
    )
    assert too_late.status_code == 422
    overdue = api.get(scene.ig, SAR).get_json()
    assert overdue[0]["id"] == late["id"]
    assert overdue[0]["overdue"] is True


def test_unknown_person_and_bad_input_change_nothing(api, world):
    scene = build_scene(world)
    assert _new(api, scene, chi="1234567890").status_code in (400, 404)
    assert _new(api, scene, chi=None, person_id=str(scene.member.id)).status_code == 404
    assert _new(api, scene, received_on="2099-01-01").status_code == 400
    assert _new(api, scene, identity_checked=True).status_code == 400
    assert api.get(scene.ig, SAR + "?status=all").get_json() == []
    assert api.get(scene.ig, SAR + "?status=nonsense").status_code == 400


ARTICLE_15 = {
    # UK GDPR Art 15(1)(a)-(h) and 15(2), as the person reads them.
    "purposes": "Why we hold your information",
    "categories": "What kinds of information we hold",
    "recipients": "Which organisations have seen your information",
    "retention": "How long we keep it",
    "rights": "Your rights",
    "complaint": "How to complain",
    "sources": "Where your information came from",
    "automated_decisions": "Decisions made by computer",
    "transfers": "Sending your information outside the UK",
}
OTHER_PARTS = (
    "Your details",
    "Your plan",
    "Who you agreed to share with, and what you refused",
    "Meetings and reviews",
    "Actions agreed for you",
    "Crisis events",
    "Your requests for corrections",
    "Referrals",
    "Your requests for a copy of your information",
    "Everyone who has looked at or changed your information",
)


def test_the_persons_own_copy_at_any_time_with_every_article_15_heading(api, world):
    scene = build_scene(world)
    _fill(api, scene)
    api.get(scene.spare, f"/people/{scene.person.id}/plan")  # the care team looks
    since = len(world.audit())
    # No request needed: the person downloads their own copy themselves.
    data = api.get(scene.individual, "/me/export").get_json()
    about = data["about_this_copy"]
    assert set(ARTICLE_15) <= set(about)
    assert about["complaint"]["phone"] == "0303 123 1113"
    assert {r["right"] for r in about["rights"]} == {
        "Correction",
        "Erasure",
        "Restriction",
        "Objection",
    }
    [lead] = [r for r in about["recipients"] if r["organisation"] == scene.lead.name]
    assert lead["times"] >= 2
    assert "Personal housing plan" in " ".join(lead["parts"]) or lead["parts"]
    assert "outside the UK" in about["transfers"]
    page = api.get(scene.individual, "/me/export?format=html")
    assert page.mimetype == "text/html"
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    for heading in (*ARTICLE_15.values(), *OTHER_PARTS):
        assert f">{heading}</h2>" in html, heading
    # Sections in plain form: the form's labels and answers, never raw JSON.
    assert MINE in html
    assert "preferred_areas" not in html
    assert '{"' not in html
    assert "{&#34;" not in html
    pdf = api.get(scene.individual, "/me/export?format=pdf")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf.get_data())).pages)
    text = " ".join(text.split())
    for heading in ARTICLE_15.values():
        assert heading in text, heading
    assert "Information Commissioner" in text
    assert MINE in text
    records = [e for e in world.audit()[since:] if e.action == "subject_access.export"]
    assert [(e.outcome, e.details["format"], e.details["self_service"]) for e in records] == [
        ("permit", "json", True),
        ("permit", "html", True),
        ("permit", "pdf", True),
    ]
    assert all(e.basis == {"export": "self"} for e in records)
    # Nobody else's copy: another individual has no basis on this person.
    other = api.get(scene.other_individual, f"/people/{scene.person.id}/export")
    assert other.status_code == 404
