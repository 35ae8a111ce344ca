"""A web page for the key worker to give the person access to their plan (issue 17; only
the API could), saying whether they have signed in."""

from __future__ import annotations

import re

from sqlalchemy import select

from careplan.accounts import invitations
from careplan.accounts.models import User
from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text


def _person(app, given):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == given)).one()


def test_the_key_worker_sees_that_the_person_has_signed_in(demo_app):
    sarah = _person(demo_app, "Sarah")
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    plan = text(morag.get(f"/people/{sarah}"))
    assert f'href="/people/{sarah}/account"' in plan
    page = text(morag.get(f"/people/{sarah}/account"))
    assert "Signed in</strong> Sarah Mackenzie has signed in" in page
    assert "Give them a new code" not in page
    # A care-team member may not, and does not see the link.
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    assert jamie.get(f"/people/{sarah}/account").status_code == 403
    assert f'href="/people/{sarah}/account"' not in text(jamie.get(f"/people/{sarah}"))


def test_inviting_the_person_then_giving_a_new_code(demo_app):
    john = _person(demo_app, "John")
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    path = f"/people/{john}/account"
    first = text(fiona.get(path))
    assert "Not invited yet" in first
    missing = fiona.post(path, {"email": ""})
    assert missing.status_code == 400
    assert "Missing data" not in text(missing)
    bad = fiona.post(path, {"email": "not an address"})
    assert bad.status_code == 400
    with demo_app.app_context():
        assert db.session.scalars(select(User).where(User.person_id == john)).first() is None
    invited = fiona.post(path, {"email": "Johnny.P@Example.demo"})
    assert invited.status_code == 200
    code = re.search(r'id="invitation-code">([^<]+)<', text(invited)).group(1)
    assert "Invited, not signed in yet" in text(invited)
    again = fiona.post(path, {})
    assert again.status_code == 200
    new_code = re.search(r'id="invitation-code">([^<]+)<', text(again)).group(1)
    assert new_code != code
    with demo_app.app_context():
        assert invitations.find(db.session, code) is None  # the old code stops working
        found = invitations.find(db.session, new_code)
        assert found is not None
        assert found.email == "johnny.p@example.demo"
    assert "Invited, not signed in yet" in text(fiona.get(path))
