"""A review of emergency access gives what a judgement needs (issue 17): the person's
name, which sections were opened and how often, and whether a refusal was overridden."""

from __future__ import annotations

from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text

REASON = "Found unresponsive at the hostel; paramedics need her medication history now."


def test_the_review_names_the_person_what_was_opened_and_any_refusal_overridden(demo_app):
    with demo_app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    with demo_app.app_context():
        justice = staff(demo_app, "gordon.bell@justice.demo").agency_id
    refused = morag.post(
        f"/people/{sarah}/sharing",
        {
            "grantee": f"agency:{justice}",
            "effect": "deny",
            "sections": "safety",
            "method": "verbal",
        },
    )
    assert refused.status_code == 302, text(refused)[:3000]
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    gordon.look_up(sarah)
    opened = gordon.post(
        f"/people/{sarah}/emergency",
        {"reason": "risk_to_life", "justification": REASON, "step": "confirm"},
    )
    assert opened.status_code == 302
    assert gordon.get(f"/people/{sarah}").status_code == 200
    assert gordon.get(f"/people/{sarah}/sections/safety").status_code == 200
    priya = Browser(demo_app, staff(demo_app, "priya.shah@nhs.demo"))
    page = text(priya.get("/ig/reviews"))
    card = page.split(REASON)[0].rsplit('class="careplan-row"', 1)[1] + page.split(REASON)[1]
    assert "Sarah Mackenzie" in card
    assert "Safety and risk" in card
    assert "2 times" in card or "1 time" in card
    assert "Refusal overridden" in card
    assert "<strong>Yes.</strong>" in card
