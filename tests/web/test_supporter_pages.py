"""Supporters on the pages (issue 20): "People supporting you" names Sarah's care team and
who else sees what until when; she invites her sister, who signs in with the code and sees
only her goals; Sarah stops sharing (a confirmation page) and her sister is refused."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from careplan.core import clock
from careplan.extensions import db
from careplan.people.models import Person
from tests.identity.pages import post_form
from tests.web.support import Browser, staff, text

SARAH = "sarah.mackenzie@example.demo"


def _sarah(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def _invite(browser, path, **changes):
    until = clock.today() + timedelta(days=60)
    form = {
        "name": "Eilidh Mackenzie",
        "relationship": "family",
        "described_as": "my sister",
        "email": "eilidh@example.test",
        "sections": "goals",
        "expires_on-day": str(until.day),
        "expires_on-month": str(until.month),
        "expires_on-year": str(until.year),
    }
    form.update(changes)
    return browser.post(path, form)


def test_people_supporting_you_names_the_care_team_and_the_advocate(demo_app):
    sarah = Browser(demo_app, staff(demo_app, SARAH))
    page = text(sarah.get("/my-plan/supporters"))
    assert "Your care team" in page
    assert "Morag Campbell" in page
    assert "Your key worker" in page
    assert "morag.campbell@nhs.demo" in page
    # How to reach each, as the plan summary gives them: work phone, work email, pattern.
    assert "0131 496 0101" in page
    assert "Monday to Thursday, 9am to 5pm" in page
    assert "housing.support@housing.demo" in page  # Fiona's team inbox, not her sign-in
    assert "Ruth Ogilvie (my advocate)" in page
    assert "About me" in page
    assert "My goals and actions" in page
    assert "Stop sharing" in page


def test_sarah_invites_her_sister_who_sees_only_her_goals_until_she_stops(demo_app):
    person = _sarah(demo_app)
    sarah = Browser(demo_app, staff(demo_app, SARAH))
    bad = _invite(sarah, "/my-plan/supporters", sections="", email="not an email")
    assert bad.status_code == 400
    assert "There is a problem" in text(bad)
    done = _invite(sarah, "/my-plan/supporters")
    assert done.status_code == 201, text(done)[:400]
    code = re.search(r"data-invitation-code>([^<]+)<", done.get_data(as_text=True)).group(1)
    assert "It is shown only once" in text(done)
    # The sister chooses a password with the code, and lands on her list of people.
    eilidh = Browser(demo_app, None)
    phrase = "a long walk by the shore"
    first = post_form(
        eilidh.client, "/sign-in/invitation", {"code": code, "password": phrase, "confirm": phrase}
    )
    assert first.status_code == 302, text(first)[:400]
    home = text(eilidh.get("/"))
    assert "Sarah Mackenzie" in home
    assert "My goals and actions" in home
    plan = text(eilidh.get(f"/people/{person}"))
    assert "My goals and actions" in plan
    assert "Personal housing plan" not in plan
    assert "Alcohol and drugs" not in plan
    # Her sister's name, not who she is beyond it (issue 20's walk: the date of birth
    # showed): no date of birth, no CHI number, on the page or through the API's identity.
    assert "Date of birth" not in plan
    assert "CHI number" not in plan
    with demo_app.app_context():
        sarah_row = db.session.get(Person, person)
        born, chi = sarah_row.date_of_birth, sarah_row.chi
    assert f"{born.day} {born:%B %Y}" not in plan
    assert chi not in plan
    assert eilidh.get(f"/people/{person}/sections/goals").status_code == 200
    assert eilidh.get(f"/people/{person}/sections/housing").status_code == 403
    assert eilidh.get("/people?q=mackenzie").status_code == 403
    # Her looking shows in Sarah's access log, as Sarah knows her.
    log = text(sarah.get("/my-plan/access-log"))
    assert "Your sister Eilidh Mackenzie" in log

    listed = sarah.get("/my-plan/supporters").get_data(as_text=True)
    ends = re.findall(r'href="(/my-plan/supporters/[0-9a-f-]{36}/end)"', listed)
    assert len(ends) == 2  # her advocate's and her sister's
    confirm = None
    for path in ends:
        page = sarah.get(path)
        if "Eilidh" in text(page):
            confirm = (path, page)
    assert confirm is not None
    assert "Stop sharing with Eilidh Mackenzie?" in text(confirm[1])
    stopped = sarah.post(confirm[0])
    assert stopped.status_code == 302
    assert "done=sharing_stopped" in stopped.headers["Location"]
    assert "Sharing has stopped" in text(sarah.get(stopped.headers["Location"]))
    # At once: her sister sees nothing, as if Sarah were not there.
    assert eilidh.get(f"/people/{person}").status_code == 404
    assert "Nobody is sharing their plan with you" in text(eilidh.get("/"))


def test_the_key_worker_sees_and_invites_with_the_person(demo_app):
    person = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get(f"/people/{person}/supporters"))
    assert "People supporting them" in page
    assert "Ruth Ogilvie" in page
    done = _invite(morag, f"/people/{person}/supporters", email="eilidh2@example.test")
    assert done.status_code == 201
    # The cafe's worker in her care team sees no one's family.
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    assert jamie.get(f"/people/{person}/supporters").status_code == 403
