"""Ask and act pages (issue 19): a key worker records asking Sarah about her housing in the
date input, radios and checkboxes; records what came of it; an IG officer reads the duty's
counts, which name nobody."""

from __future__ import annotations

from sqlalchemy import select

from careplan.ask_and_act.models import HousingAsk
from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text


def _sarah(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def test_morag_asks_sarah_and_records_what_came_of_it(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    listed = text(morag.get(f"/people/{sarah}/housing-asks"))
    # The demo's earlier ask, in words, with what was offered and wanted.
    assert "They may lose their home in the next six months" in listed
    assert "homelessness service</" not in listed  # each action with its tag
    assert 'homelessness service <strong class="ds_tag ds_tag--green">Wanted' in listed
    assert "The duty has not started yet" in listed
    form = morag.get(f"/people/{sarah}/housing-asks/new")
    assert form.status_code == 200
    sent = morag.post(
        f"/people/{sarah}/housing-asks/new",
        {
            "asked_on-day": "28",
            "asked_on-month": "11",
            "asked_on-year": "2026",
            "council_code": "S12000036",
            "answer": "homeless",
            "actions_offered": ["housing_options", "money_advice"],
            "actions_accepted": ["money_advice"],
            "note": "Slept at a friend's last night.",
        },
    )
    assert sent.status_code == 302, text(sent)[:800]
    shown = text(morag.get(sent.headers["Location"]))
    assert "Asking about their housing is recorded in the housing plan." in shown
    assert "They have no home now" in shown
    with demo_app.app_context():
        ask = db.session.scalars(select(HousingAsk).where(HousingAsk.answer == "homeless")).one()
        ask_id = ask.id
    page = f"/housing-asks/{ask_id}/outcome"
    assert morag.get(page).status_code == 200
    stale = morag.post(page, {"outcome": "temporary_accommodation", "version": "9"})
    assert stale.status_code == 412
    assert "Someone else recorded what came of this" in text(stale)
    done = morag.post(
        page,
        {
            "outcome": "temporary_accommodation",
            "outcome_on-day": "29",
            "outcome_on-month": "11",
            "outcome_on-year": "2026",
            "version": "1",
        },
    )
    assert done.status_code == 302, text(done)[:800]
    assert "They are in temporary accommodation" in text(morag.get(done.headers["Location"]))


def test_a_bad_answer_is_explained_beside_its_question(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    refused = morag.post(
        f"/people/{sarah}/housing-asks/new",
        {
            "answer": "settled",
            "actions_offered": "money_advice",
            "actions_accepted": "housing_options",
        },
    )
    assert refused.status_code == 400
    page = text(refused)
    assert "Enter the date you asked them" in page
    assert "Choose the council area" in page
    full = morag.post(
        f"/people/{sarah}/housing-asks/new",
        {
            "asked_on-day": "28",
            "asked_on-month": "11",
            "asked_on-year": "2026",
            "council_code": "S12000036",
            "answer": "settled",
            "actions_offered": "money_advice",
        },
    )
    assert full.status_code == 400
    assert "Offer actions only when their home is at risk or lost." in text(full)


def test_the_ig_officer_reads_counts_that_name_nobody(demo_app):
    priya = Browser(demo_app, staff(demo_app, "priya.shah@nhs.demo"))
    page = priya.get("/reports/housing-duty?from=2026-01-01&to=2027-03-31&by=council")
    assert page.status_code == 200
    shown = text(page)
    assert "City of Edinburgh" in shown
    assert "fewer than 5" in shown  # the demo's one ask
    assert "Sarah" not in shown
    assert "Mackenzie" not in shown
    bad = priya.get("/reports/housing-duty?from-day=31&from-month=2&from-year=2026&to=2026-03-01")
    assert bad.status_code == 400
    assert "real date" in text(bad)
