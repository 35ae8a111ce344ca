"""The web forms: server-side validation with the API's schemas, errors shown in the design
system's summary with what was typed kept, CSRF, the 412 conflict, and the changes the
forms make, each checked through the pages and the audit log."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Plan, Section
from consent.models import BreakGlass, Consent
from tests.web.support import Browser, hidden, staff, text


@pytest.fixture(scope="module")
def ids(demo_app):
    with demo_app.app_context():
        people = {p.given_name: p.id for p in db.session.scalars(select(Person))}
    return people


@pytest.fixture(scope="module")
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


def _events(app, action):
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )


def test_a_form_without_the_csrf_token_changes_nothing(demo_app, morag, ids):
    before = len(_events(demo_app, "entry.create"))
    page = morag.post(
        f"/people/{ids['Sarah']}/sections/housing/updates/new",
        {"text": "Viewed a flat"},
        csrf_token=False,
    )
    assert page.status_code == 400
    assert "did not come from this service" in text(page)
    assert len(_events(demo_app, "entry.create")) == before


def _unsafe_page_routes(app):
    """Every page route that changes something, its arguments filled with values that
    parse (the CSRF check comes before any lookup)."""
    values = {"kind": "claims", "key": "housing"}
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static/")):
            continue
        url = rule.rule
        for name in rule.arguments:
            converted = re.search(rf"<[^>]*:?{name}>", url)
            # `any(a,b)` takes one of its words; anything else a fresh id.
            words = re.match(r"<any\(([^),]+)", converted.group(0))
            filled = values.get(name) or (
                words.group(1).strip("'\" ") if words else str(uuid.uuid4())
            )
            url = url.replace(converted.group(0), filled)
        routes += [(method, url) for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    return sorted(routes)


def test_every_form_refuses_a_request_without_this_browsers_token(demo_app, morag):
    # Three ways in for a forger, on every route that changes something: no token, a token
    # from another browser's session, and this browser's token sent from another site.
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    routes = _unsafe_page_routes(demo_app)
    assert len(routes) >= 30
    refused = []
    for method, url in routes:
        for data, headers in (
            ({}, {}),
            ({"csrf_token": jamie.token}, {}),
            ({"csrf_token": morag.token}, {"Origin": "https://evil.example"}),
        ):
            answer = morag.client.open(url, method=method, data=data, headers=headers)
            if answer.status_code == 400 and "did not come from this service" in text(answer):
                refused.append((method, url))
    assert len(refused) == 3 * len(routes), sorted(set(routes) - set(refused))


def test_a_token_from_another_session_is_refused(demo_app, morag, ids):
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    page = jamie.post(
        f"/people/{ids['Sarah']}/sections/housing/updates/new",
        {"text": "Viewed a flat", "csrf_token": morag.token},
    )
    assert page.status_code == 400


def test_register_shows_errors_in_the_summary_and_keeps_what_was_typed(morag):
    page = morag.post(
        "/people/new",
        {"given_name": "Ewan", "family_name": "", "date_of_birth": "2999-01-01", "chi": "123"},
    )
    body = text(page)
    assert page.status_code == 400
    assert 'class="ds_error-summary"' in body
    assert 'href="#family_name"' in body
    assert "Enter a real date of birth, in the past." in body
    assert 'value="Ewan"' in body
    assert 'value="123"' in body


def test_register_then_start_the_plan_recording_the_agreement(demo_app, morag):
    page = morag.post(
        "/people/new", {"given_name": "Ewan", "family_name": "Gray", "date_of_birth": "1990-02-03"}
    )
    assert page.status_code == 302
    start = page.headers["Location"]
    missing = morag.post(start, {"key_worker_id": str(morag.user.id)})
    assert missing.status_code == 400
    assert "Enter the date they agreed to the plan" in text(missing)
    done = morag.post(
        start,
        {"key_worker_id": str(morag.user.id), "agreed_on": "2026-11-01", "agreed_how": "in_person"},
    )
    assert done.status_code == 302
    plan_page = morag.get(done.headers["Location"])
    assert "The care plan is started." in text(plan_page)
    assert "Morag Campbell" in text(plan_page)
    assert _events(demo_app, "plan.create")[-1].outcome == "permit"


def test_goals_form_adds_a_row_and_saves_a_new_version(demo_app, morag, ids):
    path = f"/people/{ids['Kerry']}/sections/goals/edit"
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))
    form = ali.get(path)
    version = hidden(form, "version")
    added = ali.post(path, {"version": version, "add": "goals"})
    assert 'name="c.goals.0.goal"' in text(added)
    with_action = ali.post(
        path,
        {"version": version, "c.goals.0.goal": "Register with a GP", "add": "goals.0.actions"},
    )
    body = text(with_action)
    assert 'value="Register with a GP"' in body  # what was typed is kept
    assert 'name="c.goals.0.actions.0.action"' in body
    saved = ali.post(
        path,
        {
            "version": version,
            "save": "1",
            "c.goals.0.goal": "Register with a GP",
            "c.goals.0.status": "in_progress",
            "c.goals.0.actions.0.action": "Phone the practice",
            "c.goals.0.actions.0.by_when": "2026-12-01",
            "c.goals.0.actions.0.status": "to_do",
        },
    )
    assert saved.status_code == 302
    with demo_app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.person_id == ids["Kerry"])).one()
        row = db.session.scalars(
            select(Section).where(Section.plan_id == plan.id, Section.key == "goals")
        ).one()
        assert row.content["goals"][0]["actions"][0]["by_when"] == "2026-12-01"
        assert row.version == int(version) + 1
    history = text(ali.get(f"/people/{ids['Kerry']}/sections/goals/history"))
    assert '<ins class="careplan-added">Phone the practice</ins>' in history


def test_a_bad_row_is_named_in_the_summary_and_links_to_its_field(demo_app, ids):
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))
    path = f"/people/{ids['Kerry']}/sections/housing/edit"
    version = hidden(ali.get(path), "version")
    page = ali.post(
        path,
        {
            "version": version,
            "save": "1",
            "c.offers.0.offered_on": "2026-10-01",
            "c.offers.0.outcome": "refused",
            "c.offers.0.area": "Leith",
        },
    )
    body = text(page)
    assert page.status_code == 400
    assert 'href="#f-offers-0-refusal_reason"' in body
    assert "Say why the offer was refused." in body
    assert 'value="Leith"' in body


def test_someone_else_saving_first_keeps_my_text_and_saves_nothing(demo_app, ids):
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))
    path = f"/people/{ids['Kerry']}/sections/about_me/edit"
    stale = hidden(ali.get(path), "version")
    first = ali.post(path, {"version": stale, "save": "1", "c.my_story": "First words"})
    assert first.status_code == 302
    page = ali.post(path, {"version": stale, "save": "1", "c.my_story": "My own words"})
    body = text(page)
    assert page.status_code == 412
    assert "Someone else saved this section while you were changing it" in body
    assert "My own words" in body
    assert "not saved yet" in body
    with demo_app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.person_id == ids["Kerry"])).one()
        row = db.session.scalars(
            select(Section).where(Section.plan_id == plan.id, Section.key == "about_me")
        ).one()
        assert row.content["my_story"] == "First words"
    # The form now carries the newer version: saving again is a deliberate overwrite.
    again = ali.post(
        path, {"version": hidden(page, "version"), "save": "1", "c.my_story": "My own words"}
    )
    assert again.status_code == 302


def test_practitioner_adds_an_update_through_consent(demo_app, ids):
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    path = f"/people/{ids['Sarah']}/sections/housing/updates/new"
    empty = jamie.post(path, {"text": ""})
    assert empty.status_code == 400
    assert "ds_error-summary" in text(empty)
    done = jamie.post(path, {"text": "Went with Sarah to view a flat in Leith."})
    assert done.status_code == 302
    page = text(jamie.get(done.headers["Location"]))
    assert "Went with Sarah to view a flat in Leith." in page
    assert _events(demo_app, "entry.create")[-1].basis["housing"].startswith("consent:")


def test_consent_refusal_and_withdrawal_take_effect_at_once(demo_app, morag, ids):
    sarah_path = f"/people/{ids['Sarah']}"
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    assert jamie.get(f"{sarah_path}/sections/about_me").status_code == 200
    bad = morag.post(f"{sarah_path}/sharing", {"effect": "deny", "method": "verbal"})
    assert bad.status_code == 400
    assert "ds_error-summary" in text(bad)
    with demo_app.app_context():
        cafe = db.session.scalars(
            select(Consent.grantee_sector).where(Consent.person_id == ids["Sarah"])
        ).all()
        assert cafe
    refused = morag.post(
        f"{sarah_path}/sharing",
        {
            "effect": "deny",
            "grantee": "sector:third_sector",
            "sections": "about_me",
            "method": "verbal",
        },
    )
    assert refused.status_code == 302
    assert jamie.get(f"{sarah_path}/sections/about_me").status_code == 403
    summary = text(morag.get(f"{sarah_path}/sharing"))
    consent_id = re.findall(r"/sharing/([0-9a-f-]{36})/withdraw", summary)[0]
    withdrawn = morag.post(f"{sarah_path}/sharing/{consent_id}/withdraw")
    assert withdrawn.status_code == 302
    assert jamie.get(f"{sarah_path}/sections/about_me").status_code == 200


def test_break_glass_takes_two_steps_and_is_shown_to_the_person(demo_app, ids):
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    sarah_path = f"/people/{ids['Sarah']}"
    assert gordon.get(sarah_path).status_code == 404
    found = gordon.post("/people/lookup", {"chi": "1204881235"})
    assert found.headers["Location"].endswith(f"{sarah_path}/found")
    short = gordon.post(
        f"{sarah_path}/emergency", {"reason": "risk_to_life", "justification": "Urgent"}
    )
    assert short.status_code == 400
    assert "Write at least" in text(short)
    reason = "Found unresponsive at the hostel; paramedics need her medication history now."
    step_one = gordon.post(
        f"{sarah_path}/emergency", {"reason": "risk_to_life", "justification": reason}
    )
    assert "Check before you open the plan" in text(step_one)
    with demo_app.app_context():
        assert db.session.scalars(select(BreakGlass)).all() == []
    step_two = gordon.post(
        f"{sarah_path}/emergency",
        {"reason": "risk_to_life", "justification": reason, "step": "confirm"},
    )
    assert step_two.status_code == 302
    plan_page = text(gordon.get(sarah_path))
    assert "Emergency access. This is recorded, reviewed and shown to the person." in plan_page
    sarah = Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))
    log = text(sarah.get("/my-plan/access-log"))
    assert "Gordon Bell" in log
    assert reason in log
    priya = Browser(demo_app, staff(demo_app, "priya.shah@nhs.demo"))
    reviews = text(priya.get("/ig/reviews"))
    assert reason in reviews
    item = re.findall(r"/ig/reviews/break-glass/([0-9a-f-]{36})", reviews)[0]
    missing = priya.post(f"/ig/reviews/break-glass/{item}", {"outcome": "appropriate"})
    assert missing.status_code == 400
    done = priya.post(
        f"/ig/reviews/break-glass/{item}", {"outcome": "appropriate", "note": "Ambulance log."}
    )
    assert done.status_code == 302


def test_hand_over_records_the_new_key_worker(demo_app, ids):
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    path = f"/people/{ids['John']}/key-worker"
    form = fiona.get(path)
    assert form.status_code == 200
    with demo_app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.person_id == ids["John"])).one()
        agency = plan.lead_agency_id
    gordon = staff(demo_app, "gordon.bell@justice.demo")
    wrong = fiona.post(
        path,
        {
            "version": hidden(form, "version"),
            "agency_id": str(agency),
            "staff_id": str(gordon.id),
            "agreed_on": "2026-11-02",
            "agreed_how": "phone",
        },
    )
    assert wrong.status_code == 422
    assert "Choose an active practitioner in the lead agency." in text(wrong)
    done = fiona.post(
        path,
        {
            "version": hidden(form, "version"),
            "agency_id": str(gordon.agency_id),
            "staff_id": str(gordon.id),
            "agreed_on": "2026-11-02",
            "agreed_how": "phone",
        },
    )
    assert done.status_code == 302
    new_key_worker = Browser(demo_app, gordon)
    page = text(new_key_worker.get(f"/people/{ids['John']}"))
    assert "Why you can see this plan" in page
    assert "You are their key worker." in page
    assert _events(demo_app, "keyworker.change")[-1].outcome == "permit"
    # A warm hand-over (the form's default): Fiona still reads John's plan, and no more.
    after = text(fiona.get(f"/people/{ids['John']}"))
    assert "You were their key worker: you can read the plan for a while" in after
    assert f"/people/{ids['John']}/sections/housing/edit" not in after


def test_admin_invites_and_deactivates_staff(demo_app):
    alex = Browser(demo_app, staff(demo_app, "alex.murray@careplan.demo"))
    bad = alex.post("/admin/staff", {"name": "Rab", "email": "not-an-email", "roles": "admin"})
    assert bad.status_code == 400
    assert 'value="Rab"' in text(bad)
    page = alex.post(
        "/admin/staff", {"name": "Rab Neil", "email": "rab@careplan.demo", "roles": "admin"}
    )
    assert page.status_code == 200
    assert "is invited" in text(page)
    assert re.search(
        r'id="invitation-code">[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}<', text(page)
    )
    rab = staff(demo_app, "rab@careplan.demo")
    assert alex.post(f"/admin/staff/{rab.id}/deactivate").status_code == 302
    assert "Deactivated" in text(alex.get("/admin/staff"))


def test_caseload_shows_new_updates_from_the_care_team(demo_app, morag, ids):
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    added = fiona.post(
        f"/people/{ids['Sarah']}/sections/money/updates/new",
        {"text": "Helped Sarah apply for a community care grant."},
    )
    assert added.status_code == 302
    caseload = text(morag.get("/"))
    assert "New updates from the care team" in caseload
    assert "Fiona Reid (City of Edinburgh Council Housing Support)" in caseload
    assert _events(demo_app, "entry.view")[-1].details["view"] == "recent_updates"


def test_who_can_see_what_follows_a_refusal(demo_app, morag, ids):
    path = f"/people/{ids['Sarah']}/sharing"

    def housing_row():
        body = text(morag.get(path))
        start = body.index('<th scope="row">City of Edinburgh Council Housing Support</th>')
        return body[start : body.index("</tr>", start)]

    assert "Contacts and appointments" in housing_row()
    refused = morag.post(
        path,
        {
            "effect": "deny",
            "grantee": "sector:statutory",
            "sections": "contacts",
            "method": "written",
        },
    )
    assert refused.status_code == 302
    assert "Contacts and appointments" not in housing_row()


def test_key_worker_adds_and_ends_a_care_team_member(demo_app, morag, ids):
    path = f"/people/{ids['Sarah']}/care-team"
    ali = staff(demo_app, "ali.hassan@nhs.demo")
    missing = morag.post(path, {"staff_id": str(ali.id), "from": "2026-11-01"})
    assert missing.status_code == 400
    assert 'href="#role"' in text(missing)
    # The date typed is kept, shown in the date input's boxes.
    assert 'name="from-day" value="01"' in text(missing)
    assert 'name="from-year" value="2026"' in text(missing)
    added = morag.post(path, {"staff_id": str(ali.id), "role": "Nurse", "from": "2026-11-01"})
    assert added.status_code == 302
    page = text(morag.get(path))
    member = re.findall(r"/care-team/([0-9a-f-]{36})/end", page)
    assert member
    assert morag.post(f"{path}/{member[0]}/end").status_code == 302
    assert _events(demo_app, "careteam.end")[-1].outcome == "permit"


@pytest.mark.parametrize(
    "controls",
    [
        {"version": "abc", "save": "1"},
        {"version": "2", "add": "goals'); drop"},
        {"version": "2", "remove": "../../etc"},
    ],
)
def test_tampered_form_controls_are_refused_and_change_nothing(demo_app, ids, controls):
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))
    path = f"/people/{ids['Kerry']}/sections/money/edit"
    before = len(_events(demo_app, "section.update"))
    page = ali.post(path, {**controls, "c.bank_account": "true"})
    assert page.status_code == 400
    assert "Traceback" not in text(page)
    events = _events(demo_app, "section.update")
    assert len(events) == before + 1
    assert events[-1].outcome == "invalid"  # the attempt is on record, as invalid


def test_an_appointment_is_a_day_and_a_time_as_people_type_them(demo_app, ids):
    """No browser date-time picker (it shows mm/dd/yyyy): the date input's boxes and a
    time box that takes "2.30pm"; a missing time is named, and nothing is saved."""
    path = f"/people/{ids['Kerry']}/sections/contacts/edit"
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))
    version = hidden(ali.get(path), "version")
    added = text(ali.post(path, {"version": version, "add": "appointments"}))
    assert 'type="datetime-local"' not in added
    assert 'name="c.appointments.0.when-day"' in added
    assert 'name="c.appointments.0.when-time"' in added
    form = {
        "version": version,
        "save": "1",
        "c.appointments.0.when-day": "12",
        "c.appointments.0.when-month": "4",
        "c.appointments.0.when-year": "2027",
        "c.appointments.0.with_whom": "Dr Shah",
    }
    missing = ali.post(path, {**form, "c.appointments.0.when-time": ""})
    assert missing.status_code == 400
    assert "must be a real date and time" in text(missing)
    assert 'value="12"' in text(missing)  # what was typed stays
    saved = ali.post(path, {**form, "c.appointments.0.when-time": "2.30pm"})
    assert saved.status_code == 302
    with demo_app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.person_id == ids["Kerry"])).one()
        row = db.session.scalars(
            select(Section).where(Section.plan_id == plan.id, Section.key == "contacts")
        ).one()
        assert row.content["appointments"][0]["when"].startswith("2027-04-12T14:30")
    again = text(ali.get(path))
    assert 'value="2.30pm"' not in again
    assert 'value="14:30"' in again


def test_choosing_one_of_many_staff_is_search_then_choose(demo_app, ids):
    """A long list of staff is never listed (a national deployment has tens of thousands):
    the hand-over, cover, start, reopen and deactivate forms search by name or work email,
    then offer radios of the matches; a short list is radios of everyone. No <select>."""
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))  # Kerry's key worker
    path = f"/people/{ids['Kerry']}/key-worker"
    short = text(ali.get(path))
    assert 'name="staff_q"' not in short  # the demo's few practitioners: radios of all
    assert re.search(r'type="radio"[^>]*name="staff_id"', short)
    assert '<select class="ds_select" id="staff_id"' not in short
    demo_app.config["STAFF_PICKER_SHORT"] = 2
    try:
        first = text(ali.get(path))
        assert 'name="staff_q"' in first
        assert "Search for staff" in first
        assert 'name="staff_id"' not in first  # nobody listed before a search
        assert "Gordon Bell" not in first
        found = text(ali.get(f"{path}?staff_q=gordon"))
        assert re.search(r'type="radio"[^>]*name="staff_id"', found)
        assert "Gordon Bell" in found
        assert "Ewan Fraser" not in found
        by_email = text(ali.get(f"{path}?staff_q=bell%40justice"))
        assert "Gordon Bell" in by_email
        assert "Type at least 2 letters" in text(ali.get(f"{path}?staff_q=g"))
        assert "No one matches" in text(ali.get(f"{path}?staff_q=zzzz"))
        # Sent back with a mistake: the one chosen is still offered, and chosen.
        gordon = staff(demo_app, "gordon.bell@justice.demo")
        again = ali.post(
            path,
            {
                "version": hidden(ali.get(path), "version"),
                "staff_id": str(gordon.id),
                "agreed_how": "phone",
            },
        )
        assert again.status_code == 400
        assert re.search(rf'value="{gordon.id}"\s*checked', text(again))
        morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
        cover = text(morag.get("/cover?staff_q=ali"))
        assert "Ali Hassan" in cover
        assert re.search(r'type="radio"[^>]*name="staff_id"', cover)
    finally:
        demo_app.config.pop("STAFF_PICKER_SHORT")
