"""The IG officer's and administrator's home says what is waiting (issue 17): "2 emergency
accesses to review", follow-ups, possible duplicates; counts only, no one's details."""

from __future__ import annotations

from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text

REASON = "Found unresponsive at the hostel; paramedics need her medication history now."


def test_the_home_page_says_what_is_waiting(demo_app):
    priya = Browser(demo_app, staff(demo_app, "priya.shah@nhs.demo"))
    assert "Nothing to review." in text(priya.get("/"))
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    with demo_app.app_context():
        people = {p.given_name: p.id for p in db.session.scalars(select(Person))}
    for name in ("Sarah", "Kerry"):
        gordon.look_up(people[name])
        opened = gordon.post(
            f"/people/{people[name]}/emergency",
            {"reason": "risk_to_life", "justification": REASON, "step": "confirm"},
        )
        assert opened.status_code == 302
    home = text(priya.get("/"))
    assert "2 emergency accesses to review" in home
    assert "Sarah" not in home
    reviews = text(priya.get("/ig/reviews"))
    item = reviews.split("/ig/reviews/break-glass/")[1][:36]
    answer = priya.post(
        f"/ig/reviews/break-glass/{item}", {"outcome": "needs_follow_up", "note": "Ask them."}
    )
    assert answer.status_code == 302
    home = text(priya.get("/"))
    assert "1 emergency access to review" in home
    assert "1 review waiting for follow-up" in home
    alex = Browser(demo_app, staff(demo_app, "alex.murray@careplan.demo"))
    assert "Nothing to check." in text(alex.get("/"))
    assert "to review" not in text(alex.get("/"))
