"""Marking an update "entered in error" from the pages (issue 20): the key worker confirms
on a page that shows the update and asks why; the update is kept, struck through with the
reason and who marked it, on the section page, Sarah's own plan, the chronology (when
asked for) and her copy of everything held; a practitioner without the permission sees
no link and is refused the page; a missing reason is asked for again, nothing changed."""

from __future__ import annotations

import re

from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Entry, Plan
from tests.web.support import Browser, staff, text

WORDS = "Talked through the two areas Sarah wants to live in."  # careplan/demo.py
FIONAS = "Sent the housing application to the council. Decision due soon."
REASON = "Written about another person by mistake."


def _sarah_and_update(app, words=WORDS):
    with app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
        plan = db.session.scalars(select(Plan.id).where(Plan.person_id == sarah)).one()
        entry = db.session.scalars(
            select(Entry).where(Entry.plan_id == plan, Entry.section_key == "housing")
        ).all()
        (mine,) = [e for e in entry if e.text == words]
        return sarah, mine.id


def _marked(app, entry_id):
    with app.app_context():
        db.session.expire_all()
        return db.session.get(Entry, entry_id).error_at is not None


def test_the_key_worker_marks_an_update_entered_in_error(demo_app):
    sarah, entry_id = _sarah_and_update(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    section = f"/people/{sarah}/sections/housing"
    page = morag.get(section).get_data(as_text=True)
    confirm = f"{section}/updates/{entry_id}/error"
    assert confirm in page
    shown = morag.get(confirm)
    assert shown.status_code == 200
    assert "Mark this update as entered in error?" in text(shown)
    assert WORDS in text(shown)

    # No reason: asked again, with the update still shown; nothing changed.
    empty = morag.post(confirm, {"reason": "  "})
    assert empty.status_code == 400
    assert "Say why this update was entered in error." in text(empty)
    assert WORDS in text(empty)
    assert not _marked(demo_app, entry_id)

    done = morag.post(confirm, {"reason": REASON})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"#update-{entry_id}")
    assert _marked(demo_app, entry_id)
    after = morag.get(section)
    body = after.get_data(as_text=True)
    assert "The update is marked as entered in error" in text(morag.get(done.headers["Location"]))
    assert re.search(r"Entered in error</strong> Marked by Morag Campbell on [^<]+Reason: ", body)
    assert f"<del>{WORDS}</del>" in body
    assert REASON in body
    assert confirm not in body  # marked once: no link to mark it again
    assert morag.get(confirm).status_code == 409
    assert morag.post(confirm, {"reason": REASON}).status_code == 409

    # The chronology leaves it out unless asked, then shows it struck through, with why.
    chronology = f"/people/{sarah}/chronology"
    assert WORDS not in text(morag.get(chronology))
    listed = morag.get(chronology + "?include=entered_in_error").get_data(as_text=True)
    assert f"<del>{WORDS}</del>" in listed
    assert "Marked by Morag Campbell" in listed
    assert REASON in listed

    # Sarah sees it struck through on her own plan, and in her copy of everything held.
    person = Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))
    own = person.get("/my-plan").get_data(as_text=True)
    assert f"<del>{WORDS}</del>" in own
    assert REASON in own
    copy = text(person.get("/my-plan/copy"))
    assert "(Entered in error: marked by Morag Campbell on" in copy
    assert REASON in copy


def test_who_may_not_mark_sees_no_link_and_is_refused(demo_app):
    # Fiona's own update (the first test marks Morag's): its author may not mark it either.
    sarah, entry_id = _sarah_and_update(demo_app, FIONAS)
    confirm = f"/people/{sarah}/sections/housing/updates/{entry_id}/error"
    for email in ("fiona.reid@housing.demo", "jamie.robertson@cafe.demo"):
        worker = Browser(demo_app, staff(demo_app, email))
        page = worker.get(f"/people/{sarah}/sections/housing").get_data(as_text=True)
        assert "Mark as entered in error" not in page
        assert worker.get(confirm).status_code == 403
        assert worker.post(confirm, {"reason": REASON}).status_code == 403
    assert not _marked(demo_app, entry_id)
    # An update of another section, or none: not found.
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    wrong = f"/people/{sarah}/sections/goals/updates/{entry_id}/error"
    assert morag.get(wrong).status_code == 404
    assert morag.post(wrong, {"reason": REASON}).status_code == 404
    assert not _marked(demo_app, entry_id)
