"""Referral pages (issue 19) on the demo world: Morag refers Sarah to the council's housing
support with her agreement; Niamh, its referral coordinator, finds it in the inbox, reads
only what was sent and answers; Sarah reads both referrals and their answers."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from careplan.directory.models import Service
from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, hidden, staff, text


@pytest.fixture(scope="module")
def people(demo_app):
    with demo_app.app_context():
        sarah = db.session.scalars(select(Person).where(Person.chi == "1204881235")).one()
        services = {s.source_ref: s.id for s in db.session.scalars(select(Service))}
        return {"sarah": sarah.id, **services}


@pytest.fixture(scope="module")
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


@pytest.fixture(scope="module")
def niamh(demo_app):
    return Browser(demo_app, staff(demo_app, "niamh.grant@housing.demo"))


def _refer(morag, people, service_ref, **changes):
    sarah = people["sarah"]
    form = {
        "service_id": str(people[service_ref]),
        "reason": "Sarah's tenancy ends in January and she wants help finding a flat.",
        "urgency": "soon",
        "sections": ["housing", "money"],
        "do_not_contact": "no",
        "contact_note": "",
        "consent_method": "verbal",
        "agreed_on-day": "20",
        "agreed_on-month": "11",
        "agreed_on-year": "2026",
    }
    form.update(changes)
    return morag.post(f"/people/{sarah}/referrals/new", form)


def _plain(response):
    return html.unescape(re.sub(r"\s+", " ", text(response)))


def test_the_refer_page_searches_the_directory_then_asks_for_agreement(morag, people):
    sarah = people["sarah"]
    start = morag.get(f"/people/{sarah}/referrals/new?q=housing")
    assert start.status_code == 200
    assert "Housing Support and Homelessness Prevention" in _plain(start)
    chosen = morag.get(f"/people/{sarah}/referrals/new?service={people['demo-housing-support']}")
    page = _plain(chosen)
    assert "Which parts of the plan does Sarah Mackenzie agree to send" in page
    assert "How did they agree" in page


def test_a_referral_without_agreement_says_what_to_do(morag, people):
    refused = _refer(
        morag,
        people,
        "demo-housing-support",
        consent_method="",
        **{"agreed_on-day": "", "agreed_on-month": "", "agreed_on-year": ""},
    )
    assert refused.status_code == 422
    assert "Record how and when they agreed to this referral" in _plain(refused)


def test_refer_accept_and_the_person_sees_it(morag, niamh, people, demo_app):
    made = _refer(morag, people, "demo-housing-support")
    assert made.status_code == 302, _plain(made)[:2000]
    referral_url = made.headers["Location"].split("?")[0]
    sent = _plain(morag.get(made.headers["Location"]))
    assert "The referral has been sent" in sent
    # Niamh's inbox holds it; the page shows only what was sent.
    inbox = _plain(niamh.get("/referrals"))
    assert "Sarah Mackenzie" in inbox
    assert "Housing Support and Homelessness Prevention" in inbox
    page = niamh.get(referral_url)
    assert page.status_code == 200
    shown = _plain(page)
    assert "What was sent with it" in shown
    sent_part = shown.split("What was sent with it")[1].split("What has happened")[0]
    assert "Personal housing plan" in sent_part
    assert "Money, benefits and everyday needs" in sent_part
    for withheld in ("Alcohol and drugs", "Mental health", "Safety and risk", "Justice"):
        assert withheld not in sent_part
    # A rejection with no reason, or an answer to a version someone else changed, is
    # said plainly and changes nothing.
    version = hidden(page, "version")
    missing = niamh.post(referral_url + "/status", {"status": "rejected", "version": version})
    assert missing.status_code == 400
    assert "Choose a reason from the list" in _plain(missing)
    stale = niamh.post(referral_url + "/status", {"status": "received", "version": "99"})
    assert stale.status_code == 412
    assert "Someone else updated this referral" in _plain(stale)
    # He accepts it.
    accepted = niamh.post(
        referral_url + "/status", {"status": "accepted", "version": hidden(page, "version")}
    )
    assert accepted.status_code == 302, _plain(accepted)[:1500]
    assert "The service has accepted it" in _plain(niamh.get(referral_url))
    # A second referral, by letter: the money advice centre is not on the platform.
    second = _refer(morag, people, "demo-money-advice")
    assert second.status_code == 302
    sarah = Browser(demo_app, _individual(demo_app))
    mine = _plain(sarah.get("/me/referrals"))
    assert "Housing Support and Homelessness Prevention" in mine
    assert "The service has accepted it" in mine
    assert "Leith Advice Centre" in mine
    assert "by letter" in mine


def _individual(app):
    from careplan.accounts.models import User

    with app.app_context():
        user = db.session.scalars(
            select(User).where(User.email == "sarah.mackenzie@example.demo")
        ).one()
        db.session.expunge(user)
        return user
