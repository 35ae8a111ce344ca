"""Signed out for inactivity (issue 17): the form sent after the idle limit is not called
forged; the sign-in page says plainly why, and brings the person back to the form's page.
"Stay signed in" (the timeout warning, careplan/static/careplan.js) keeps the session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from careplan.core import clock
from careplan.extensions import db
from careplan.identity import sessions
from careplan.identity.models import WebSession
from careplan.people.models import Person
from tests.web.support import Browser, staff, text


@pytest.fixture
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


def _session(app, browser) -> WebSession:
    raw = browser.client.get_cookie(sessions.LOOPBACK_COOKIE, domain="localhost").value
    return db.session.scalars(
        select(WebSession).where(WebSession.key_hash == sessions.digest(raw))
    ).one()


def _idle(app, browser, minutes: int) -> None:
    with app.app_context():
        row = _session(app, browser)
        row.last_seen_at = clock.now() - timedelta(minutes=minutes)
        db.session.commit()


def _people(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Person))


def test_a_form_sent_after_the_idle_limit_says_why_and_goes_back_to_the_form(demo_app, morag):
    limit = demo_app.config["SESSION_IDLE_MINUTES"]
    _idle(demo_app, morag, limit + 1)
    before = _people(demo_app)
    sent = morag.post(
        "/people/new", {"given_name": "Ewan", "family_name": "Gray", "date_of_birth": "1990-02-03"}
    )
    assert sent.status_code == 302
    assert "/sign-in?" in sent.headers["Location"]
    assert "ended=idle" in sent.headers["Location"]
    assert _people(demo_app) == before
    page = text(morag.get(sent.headers["Location"]))
    assert f"no activity for {limit} minutes" in page
    assert "What you were sending was not saved" in page
    assert "did not come from this service" not in page
    assert 'action="/sign-in?next=/people/new"' in page


def test_a_form_with_no_page_of_its_own_goes_back_home(demo_app, morag):
    _idle(demo_app, morag, demo_app.config["SESSION_IDLE_MINUTES"] + 1)
    nobody = "00000000-0000-0000-0000-000000000000"
    # "Mark as done" on an action: a button on other pages, with no page of its own.
    sent = morag.post(f"/tasks/{nobody}/status", {"status": "done"})
    assert sent.status_code == 302
    assert "next=/&" in sent.headers["Location"] or "next=%2F&" in sent.headers["Location"]


def test_a_forged_form_is_still_refused_as_one(demo_app, morag):
    page = morag.post("/people/new", {"given_name": "Ewan"}, csrf_token=False)
    assert page.status_code == 400
    assert "did not come from this service" in text(page)


def test_stay_signed_in_keeps_the_session(demo_app, morag):
    limit = demo_app.config["SESSION_IDLE_MINUTES"]
    _idle(demo_app, morag, limit - 2)  # the warning shows two minutes before the limit
    answer = morag.post("/session/still-here", {})
    assert answer.status_code == 204
    with demo_app.app_context():
        seen = _session(demo_app, morag).last_seen_at
        assert clock.now() - seen.replace(tzinfo=clock.now().tzinfo) < timedelta(minutes=1)
    assert morag.get("/people/new").status_code == 200


def test_stay_signed_in_too_late_or_forged(demo_app, morag):
    assert morag.post("/session/still-here", {}, csrf_token=False).status_code == 400
    _idle(demo_app, morag, demo_app.config["SESSION_IDLE_MINUTES"] + 1)
    assert morag.post("/session/still-here", {}).status_code in (302, 401)
    assert demo_app.test_client().post("/session/still-here").status_code == 400


def test_signed_in_pages_carry_the_warning_and_its_fallback(demo_app, morag):
    page = text(morag.get("/people/new"))
    seconds = demo_app.config["SESSION_IDLE_MINUTES"] * 60
    assert f'data-idle-seconds="{seconds}"' in page
    assert 'id="timeout-warning"' in page
    assert "Stay signed in" in page
    assert "<noscript>" in page
    signed_out = text(demo_app.test_client().get("/sign-in"))
    assert "timeout-warning" not in signed_out
