"""The IG audit page starts from what the person says: a CHI number as read out, or a
full name with a date of birth typed in the date input pattern; exact matches only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from careplan.extensions import db
from careplan.ig.finding import NOBODY
from careplan.people.models import Person
from tests.web.support import Browser, staff, text

IG = "priya.shah@nhs.demo"


@pytest.fixture(scope="module")
def ig(demo_app):
    """The IG officer, after Sarah's key worker has opened her plan: events to find."""
    with demo_app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
    Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo")).get(f"/people/{sarah}")
    return Browser(demo_app, staff(demo_app, IG))


def _rows(body: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>\d+</td>.*?</tr>", body, flags=re.S)


@pytest.mark.parametrize(
    "query",
    [
        "person=120488+1235",
        "person_name=Sarah+Mackenzie&date_of_birth-day=12&date_of_birth-month=4"
        "&date_of_birth-year=1988",
    ],
)
def test_ig_finds_sarahs_events_by_chi_or_name_and_birth_date(ig, query):
    page = ig.get(f"/ig/audit?{query}")
    assert page.status_code == 200, text(page)[:500]
    rows = _rows(text(page))
    assert rows
    # Each row names the person to the IG officer: Sarah's events only.
    assert all("Sarah Mackenzie" in row for row in rows)
    assert any("Morag Campbell" in row and "plan.view" in row for row in rows)
    # What was typed stays in the form, so the officer can change it.
    assert "1988" in text(page) or "120488 1235" in text(page)


def test_nobody_matching_says_so_in_plain_words(ig):
    page = ig.get("/ig/audit?person_name=Sarah+Mackenzie&date_of_birth=1990-01-01")
    assert page.status_code == 404
    body = text(page)
    assert NOBODY in body
    assert "events" in body
    assert not _rows(body)


def test_a_chi_with_a_wrong_check_digit_is_a_plain_error(ig):
    page = ig.get("/ig/audit?person=1204881236")
    assert page.status_code == 400
    assert "CHI number check digit is wrong" in text(page)


def test_outcomes_read_as_what_happened_not_all_as_refused(ig):
    ig.get("/ig/audit?person=1204881236")  # recorded as invalid
    page = text(ig.get("/ig/audit?outcome=invalid"))
    assert "Not valid, nothing done" in page
    assert "ds_tag--red" not in page  # no row says refused
