"""Two people saving one section (issue 17): after "someone else saved first", the form
keeps the other person's changes to fields this person did not touch (it used to revert
them), keeps this person's own, names the fields both changed, shows both sets of
differences beside the form, and saves nothing until this person saves again."""

from __future__ import annotations

import re

from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Plan, Section
from careplan.web.merge import merge
from tests.web.support import Browser, hidden, staff, text


def _kerry(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Kerry")).one()


def _about_me(app, person_id):
    with app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.person_id == person_id)).one()
        return (
            db.session.scalars(
                select(Section).where(Section.plan_id == plan.id, Section.key == "about_me")
            )
            .one()
            .content
        )


def test_the_other_persons_change_to_an_untouched_field_is_kept(demo_app):
    kerry = _kerry(demo_app)
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))
    path = f"/people/{kerry}/sections/about_me/edit"
    form = ali.get(path)
    stale = hidden(form, "version")
    start = {"version": stale, "save": "1", "c.my_story": "Before", "c.preferred_pronouns": ""}
    assert ali.post(path, start).status_code == 302
    stale = hidden(ali.get(path), "version")
    # The other person changes the pronouns; this person, from the same version, the story.
    other = ali.post(
        path,
        {"version": stale, "save": "1", "c.my_story": "Before", "c.preferred_pronouns": "she/her"},
    )
    assert other.status_code == 302
    page = ali.post(
        path, {"version": stale, "save": "1", "c.my_story": "After", "c.preferred_pronouns": ""}
    )
    assert page.status_code == 412
    body = text(page)
    assert re.search(r'name="c.preferred_pronouns" value="she/her"', body)  # theirs kept
    assert "After</textarea>" in body  # mine kept
    changes = body[body.index("careplan-conflict-changes") :]
    assert "she/her" in changes[: changes.index("What you changed")]
    assert "After" in changes[changes.index("What you changed") :]
    assert _about_me(demo_app, kerry)["my_story"] == "Before"  # nothing saved yet
    again = ali.post(
        path,
        {
            "version": hidden(page, "version"),
            "save": "1",
            "c.my_story": "After",
            "c.preferred_pronouns": "she/her",
        },
    )
    assert again.status_code == 302
    saved = _about_me(demo_app, kerry)
    assert (saved["my_story"], saved["preferred_pronouns"]) == ("After", "she/her")


def test_a_field_both_changed_keeps_mine_and_is_named(demo_app):
    kerry = _kerry(demo_app)
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))
    path = f"/people/{kerry}/sections/about_me/edit"
    stale = hidden(ali.get(path), "version")
    assert (
        ali.post(path, {"version": stale, "save": "1", "c.my_story": "Theirs"}).status_code == 302
    )
    page = ali.post(path, {"version": stale, "save": "1", "c.my_story": "Mine"})
    body = text(page)
    assert page.status_code == 412
    assert "You both changed: My story" in body
    assert "Mine</textarea>" in body


def test_merge_pairs_rows_only_when_no_row_was_added_or_removed():
    base = {"goals": [{"goal": "A", "status": "not_started"}], "x": 1}
    theirs = {"goals": [{"goal": "A", "status": "in_progress"}], "x": 1}
    mine = {"goals": [{"goal": "A2", "status": "not_started"}], "x": 2}
    done = merge(base, theirs, mine)
    assert done.content == {"goals": [{"goal": "A2", "status": "in_progress"}], "x": 2}
    assert done.both_changed == []
    # A row added on one side and changed on the other: the list is one field, mine kept.
    grown = {"goals": [*mine["goals"], {"goal": "B"}], "x": 1}
    clash = merge(base, theirs, grown)
    assert clash.content["goals"] == grown["goals"]
    assert clash.both_changed == ["goals"]
    # A field removed by them and untouched by me stays removed.
    assert merge({"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2}).content == {"a": 1}
