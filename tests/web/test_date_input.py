"""Dates are entered in the date input pattern's day, month and year boxes (issue 17: the
browser's own picker showed mm/dd/yyyy): every date on every form, a bad date named and
shown again as typed, nothing saved."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, hidden, staff, text


@pytest.fixture(scope="module")
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


@pytest.fixture(scope="module")
def sarah(demo_app):
    with demo_app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def _people(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Person))


def test_no_page_uses_the_browsers_date_picker(demo_app, morag, sarah):
    pages = [
        "/people/new",
        "/people/lookup",
        f"/people/{sarah}/care-team?staff_q=ali",  # the add form follows a staff search
        f"/people/{sarah}/sharing",
        f"/people/{sarah}/sections/housing/updates/new",
        f"/people/{sarah}/sections/goals/edit",
        f"/people/{sarah}/key-worker",
    ]
    for path in pages:
        page = text(morag.get(path))
        assert 'type="date"' not in page, path
        assert re.search(r'name="[^"]*-day"', page), path
        assert "ds_datepicker--multiple" in page, path


def test_a_date_typed_in_boxes_registers_the_person(demo_app, morag):
    before = _people(demo_app)
    page = morag.post(
        "/people/new",
        {
            "given_name": "Ailsa",
            "family_name": "Craig",
            "date_of_birth-day": "3",
            "date_of_birth-month": "2",
            "date_of_birth-year": "1990",
        },
    )
    assert page.status_code == 302
    assert _people(demo_app) == before + 1
    with demo_app.app_context():
        ailsa = db.session.scalars(select(Person).where(Person.given_name == "Ailsa")).one()
        assert ailsa.date_of_birth.isoformat() == "1990-02-03"


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        ("31", "2", "1990"),
        ("12", "13", "1990"),
        ("12", "4", "88"),
        ("x", "4", "1990"),
        ("12", "", "1990"),
    ],
)
def test_a_date_that_is_not_real_is_named_and_shown_again(demo_app, morag, day, month, year):
    before = _people(demo_app)
    page = morag.post(
        "/people/new",
        {
            "given_name": "Ailsa",
            "family_name": "Brown",
            "date_of_birth-day": day,
            "date_of_birth-month": month,
            "date_of_birth-year": year,
        },
    )
    assert page.status_code == 400
    assert "Their date of birth must be a real date" in text(page)
    assert _people(demo_app) == before
    for part, typed in (("day", day), ("month", month), ("year", year)):
        assert hidden(page, f"date_of_birth-{part}") == typed


def test_all_boxes_empty_asks_for_the_date(morag):
    page = morag.post(
        "/people/new",
        {
            "given_name": "Ailsa",
            "family_name": "Brown",
            "date_of_birth-day": "",
            "date_of_birth-month": "",
            "date_of_birth-year": "",
        },
    )
    assert "Enter their date of birth" in text(page)


def test_a_section_date_in_boxes_is_saved(demo_app, morag, sarah):
    path = f"/people/{sarah}/sections/housing/edit"
    form = morag.get(path)
    version = hidden(form, "version")
    saved = morag.post(
        path,
        {
            "version": version,
            "save": "1",
            "c.homeless_application.applied_on-day": "5",
            "c.homeless_application.applied_on-month": "10",
            "c.homeless_application.applied_on-year": "2026",
        },
    )
    assert saved.status_code == 302, text(saved)[:2000]
    shown = morag.get(path)
    assert hidden(shown, "c.homeless_application.applied_on-day") == "05"
    assert hidden(shown, "c.homeless_application.applied_on-year") == "2026"
