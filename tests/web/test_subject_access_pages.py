"""Subject access pages (issue 18): Priya (IG officer) records and answers requests from
her queue and home page, never seeing the copy; Sarah reads and downloads her own copy,
in plain words, whenever she likes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text

PRIYA = "priya.shah@nhs.demo"
SARAH = "sarah.mackenzie@example.demo"
MORAG = "morag.campbell@nhs.demo"
# Words from Sarah's and Craig's plans (careplan/demo_content.py): never on an IG page.
CONTENT = ("heroin", "Seeing my son", "methadone", "Leith Walk", "Ex-partner")


@pytest.fixture(scope="module")
def priya(demo_app):
    return Browser(demo_app, staff(demo_app, PRIYA))


def _no_content(page: str) -> None:
    assert not any(word in page for word in CONTENT)


def test_the_home_page_counts_what_is_due_and_the_queue_shows_it(priya):
    home = text(priya.get("/"))
    assert "Subject access requests" in home
    assert "1 request due within 7 days" in home or "1 request open in all" in home
    queue = priya.get("/ig/subject-access")
    assert queue.status_code == 200
    page = text(queue)
    assert "Craig Wilson" in page
    assert "Ann Duncan (advocate, Partners in Advocacy), for them" in page
    assert "Sarah Mackenzie" not in page  # answered: under "answered", not "open"
    assert "Sarah Mackenzie" in text(priya.get("/ig/subject-access?status=completed"))
    _no_content(page)


def test_a_request_recorded_on_the_page_in_plain_words(priya):
    empty = priya.post("/ig/subject-access/new", {})
    assert empty.status_code == 400
    page = text(empty)
    assert "Enter the day the request was received." in page
    assert "Say who made the request" in page
    assert "Field may not be null" not in page
    assert "Missing data" not in page
    made = priya.post(
        "/ig/subject-access/new",
        {
            "chi": "1506821235",
            "received_on-day": "2",
            "received_on-month": "11",
            "received_on-year": "2026",
            "channel": "phone",
            "requested_by": "person",
            "identity_checked": "false",
        },
    )
    assert made.status_code == 302, text(made)[:500]
    shown = text(priya.get(made.headers["Location"]))
    assert "Waiting for proof: the month has not started" in shown
    assert "Confirm identity and start the month" in shown
    _no_content(shown)


def test_release_to_the_key_worker_who_hands_it_over(demo_app, priya):
    queue = text(priya.get("/ig/subject-access"))
    [request_id] = re.findall(r"/ig/subject-access/([0-9a-f-]{36})\">Craig Wilson", queue)[:1]
    released = priya.post(f"/ig/subject-access/{request_id}/release", {"to": "key_worker"})
    assert released.status_code == 302, text(released)[:500]
    page = text(priya.get(released.headers["Location"]))
    assert "You do not see what it holds" in page
    assert "their key worker, to hand over" in page
    _no_content(page)
    again = priya.post(f"/ig/subject-access/{request_id}/release", {"to": "key_worker"})
    assert again.status_code == 409
    assert "has already been released" in text(again)
    # Priya cannot open the copy by any door; Morag, Craig's key worker, can.
    with demo_app.app_context():
        craig = db.session.scalars(select(Person.id).where(Person.chi == "1506821235")).one()
    for path in ("/my-plan/copy", "/my-plan/copy.pdf", f"/people/{craig}/copy"):
        assert priya.get(path).status_code == 404, path
    handed = Browser(demo_app, staff(demo_app, MORAG)).get(f"/people/{craig}/copy")
    assert handed.status_code == 200
    assert "Give it to them" in text(handed)


def test_sarah_reads_her_copy_in_plain_words(demo_app):
    sarah = Browser(demo_app, staff(demo_app, SARAH))
    page = sarah.get("/my-plan/copy")
    assert page.status_code == 200
    body = text(page)
    for heading in (
        "Why we hold your information",
        "Which organisations have seen your information",
        "How long we keep it",
        "Your rights",
        "How to complain",
        "Where your information came from",
        "Your plan",
        "Everyone who has looked at or changed your information",
    ):
        assert f">{heading}</h2>" in body, heading
    assert "Your request received on" in body
    assert "answered, and this copy is ready" in body
    assert "0303 123 1113" in body
    assert '{"' not in body
    assert "{&#34;" not in body
    assert "A copy of my information" in body  # in her navigation too
    pdf = sarah.get("/my-plan/copy.pdf")
    assert pdf.mimetype == "application/pdf"
    assert sarah.get("/my-plan/copy.docx").status_code == 404
    morag = Browser(demo_app, staff(demo_app, MORAG))
    assert morag.get("/my-plan/copy").status_code == 404
