"""The notifications pages: the list with its unread count in the header, opening one,
marking all read, and choosing how to be told (with its errors), for staff and the person."""

from __future__ import annotations

from sqlalchemy import select

from careplan.core import unit_of_work
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.models import Notification
from careplan.notifications.outbox import queue
from careplan.people.models import Person
from tests.web.support import Browser, staff, text


def _queue(app, user, kind, link):
    with app.app_context(), unit_of_work.job("test-queue"):
        return queue(db.session, kind, to_user_id=user.id, link=link).id


def test_the_list_the_header_count_and_opening_one(demo_app):
    morag = staff(demo_app, "morag.campbell@nhs.demo")
    with demo_app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
    first = _queue(demo_app, morag, NotificationKind.CONSENT_WITHDRAWN, f"/people/{sarah}/sharing")
    _queue(demo_app, morag, NotificationKind.CARE_TEAM_ADDED, f"/people/{sarah}")
    browser = Browser(demo_app, morag)
    home = text(browser.get("/"))
    assert 'id="unread-count">2<span class="visually-hidden"> new</span>' in home
    page = browser.get("/me/notifications")
    assert page.status_code == 200
    body = text(page)
    assert "Consent withdrawn" in body
    assert "Added to a care team" in body
    assert body.count(">New</strong>") == 2
    assert "Sarah" not in body  # the list names no one either
    opened = browser.get(f"/me/notifications/{first}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/people/{sarah}/sharing"
    with demo_app.app_context():
        assert db.session.get(Notification, first).read_at is not None
    assert 'id="unread-count">1<' in text(browser.get("/"))
    # Someone else's notification: not found, as for none.
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    assert fiona.get(f"/me/notifications/{first}").status_code == 404
    marked = browser.post("/me/notifications/read")
    assert marked.status_code == 302
    after = text(browser.get(marked.headers["Location"]))
    assert "All your notifications are marked as read." in after
    assert 'id="unread-count"' not in after
    assert ">New</strong>" not in after


def test_choosing_how_to_be_told(demo_app):
    sarah = Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))
    page = text(sarah.get("/me/notification-preferences"))
    assert "You have not chosen yet, so we only tell you here." in page
    assert "will not learn anything about your support" in page
    refused = sarah.post("/me/notification-preferences", {"choice": "sms", "phone": ""})
    assert refused.status_code == 400
    body = text(refused)
    assert "There is a problem" in body
    assert "Enter the mobile phone number to send texts to." in body
    bad = sarah.post("/me/notification-preferences", {"choice": "sms", "phone": "0131 555 0000"})
    assert bad.status_code == 400
    assert "Enter a mobile phone number, like 07700 900 982" in text(bad)
    assert 'value="0131 555 0000"' in text(bad)  # what she typed, shown again
    nothing = sarah.post("/me/notification-preferences", {})
    assert nothing.status_code == 400
    assert "Choose how you want to be told" in text(nothing)
    saved = sarah.post("/me/notification-preferences", {"choice": "sms", "phone": "07700 900 982"})
    assert saved.status_code == 302
    again = text(sarah.get(saved.headers["Location"]))
    assert "Your choice is saved." in again
    assert 'value="+447700900982"' in again
    assert 'value="sms" checked' in again
    morag = text(
        Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo")).get(
            "/me/notification-preferences"
        )
    )
    assert "so we email you at morag.campbell@nhs.demo" in morag
