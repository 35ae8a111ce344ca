"""The person's own voice on the pages (issue 20): Sarah writes "About me" and adds an
update to "My goals" from her own plan; staff see both marked as hers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, hidden, staff, text


@pytest.fixture(scope="module")
def sarah_id(demo_app):
    with demo_app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


@pytest.fixture(scope="module")
def sarah(demo_app):
    return Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))


def test_my_plan_offers_to_write_only_my_own_sections(sarah):
    body = text(sarah.get("/my-plan"))
    assert 'href="/my-plan/sections/about_me/edit"' in body
    assert 'href="/my-plan/sections/goals/updates/new"' in body
    assert "/my-plan/sections/housing/" not in body
    assert "/my-plan/sections/safety/" not in body


def test_sarah_writes_her_story_and_staff_see_it_as_hers(demo_app, sarah, sarah_id):
    path = "/my-plan/sections/about_me/edit"
    form = sarah.get(path)
    assert form.status_code == 200
    assert "Write this in your own words" in text(form)
    saved = sarah.post(
        path,
        {
            "version": hidden(form, "version"),
            "save": "1",
            "c.my_story": "I grew up in Leith and I am working on staying well.",
        },
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/my-plan?done=saved#section-about_me")
    mine = text(sarah.get("/my-plan"))
    assert "You wrote this." in mine
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    plan = text(morag.get(f"/people/{sarah_id}"))
    assert "wrote this themselves" in plan
    section = text(morag.get(f"/people/{sarah_id}/sections/about_me"))
    assert "In their own words" in section
    assert "I grew up in Leith" in section


def test_sarah_adds_an_update_to_her_goals(demo_app, sarah, sarah_id):
    page = sarah.get("/my-plan/sections/goals/updates/new")
    assert page.status_code == 200
    added = sarah.post(
        "/my-plan/sections/goals/updates/new", {"text": "Went to my first cafe meeting."}
    )
    assert added.status_code == 302
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    section = text(morag.get(f"/people/{sarah_id}/sections/goals"))
    assert "Went to my first cafe meeting." in section
    assert "In their own words" in section


def test_an_empty_update_is_refused_in_plain_words(sarah):
    page = sarah.post("/my-plan/sections/goals/updates/new", {"text": ""})
    assert page.status_code == 400
    assert "There is a problem" in text(page)


def test_a_section_staff_keep_cannot_be_written_from_my_pages(sarah):
    assert sarah.get("/my-plan/sections/housing/edit").status_code == 403
    assert sarah.post("/my-plan/sections/housing/updates/new", {"text": "x"}).status_code == 403
