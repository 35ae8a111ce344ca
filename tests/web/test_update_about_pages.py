"""Saying which goal or action an update is about, from the pages (issue 20): the add-update
form offers the person's goals and the actions the writer may see; the update shows it;
the goals page lists the updates about each goal; an action's own page lists its
updates; the person does the same from their own plan. A bad choice is asked again,
with the form kept and nothing written."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Entry
from careplan.tasks.models import Task
from tests.web.support import Browser, staff
from tests.web.support import text as html

GOAL = "Move into my own tenancy"  # careplan/demo_content.py, id "sarah-tenancy"
ACTION = "Chase the housing application"  # careplan/demo.py


def text(response):
    """The page's words as a reader hears them: no tags, entities read, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html(response))).split())


def _ids(app):
    with app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
        tasks = db.session.scalars(select(Task).where(Task.person_id == sarah)).all()
        (task,) = [t for t in tasks if t.title == ACTION]
        return sarah, task.id


def _entries(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Entry))


def test_the_key_worker_says_an_update_is_about_a_goal(demo_app):
    sarah, _ = _ids(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    form_url = f"/people/{sarah}/sections/housing/updates/new"
    form = text(morag.get(form_url))
    assert "What is this update about?" in form
    assert f"Goal: {GOAL}" in form
    assert f"Action: {ACTION}" in form

    before = _entries(demo_app)
    wrong = morag.post(form_url, {"text": "Saw the flat.", "about": "goal:no-such-goal"})
    assert wrong.status_code == 422
    assert "Choose one of this person's goals." in text(wrong)
    assert "Saw the flat." in text(wrong)  # what was typed is kept
    assert _entries(demo_app) == before

    done = morag.post(form_url, {"text": "Saw the flat in Gorgie.", "about": "goal:sarah-tenancy"})
    assert done.status_code == 302
    assert f"About the goal: {GOAL}" in text(morag.get(f"/people/{sarah}/sections/housing"))
    goals = text(morag.get(f"/people/{sarah}/sections/goals"))
    assert "Updates about each goal" in goals
    assert "Saw the flat in Gorgie." in goals.split("Updates about each goal")[1]
    chronology = text(morag.get(f"/people/{sarah}/chronology?about=goal:sarah-tenancy"))
    assert "Saw the flat in Gorgie." in chronology
    assert "Plan review" not in chronology  # only the updates about that goal


def test_an_update_about_an_action_is_found_from_the_action(demo_app):
    sarah, task_id = _ids(demo_app)
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    made = fiona.post(
        f"/people/{sarah}/sections/housing/updates/new",
        {"text": "Phoned the council about the application.", "about": f"task:{task_id}"},
    )
    assert made.status_code == 302
    tasks = fiona.get(f"/people/{sarah}/tasks").get_data(as_text=True)
    # The action's own page lists the updates about it (issue 20's walk: it only linked
    # to the chronology's filter).
    link = f"/people/{sarah}/actions/{task_id}"
    assert link in tasks
    page = fiona.get(link)
    assert page.status_code == 200
    found = text(page)
    assert ACTION in found
    assert "Updates about this action" in found
    assert "Phoned the council about the application." in found
    # The chronology's filter says the same.
    found = text(fiona.get(f"/people/{sarah}/chronology?about=action:{task_id}"))
    assert f"About the action: {ACTION}" in found
    assert "Phoned the council about the application." in found
    # Another person's id with this action: as if there were no such action.
    with demo_app.app_context():
        other = db.session.scalars(select(Person.id).where(Person.given_name != "Sarah")).first()
    assert fiona.get(f"/people/{other}/actions/{task_id}").status_code == 404


def test_sarah_says_what_her_own_update_is_about(demo_app):
    _, task_id = _ids(demo_app)
    person = Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))
    form_url = "/my-plan/sections/goals/updates/new"
    assert f"Goal: {GOAL}" in text(person.get(form_url))
    made = person.post(
        form_url, {"text": "I put in two bids this week.", "about": "goal:sarah-tenancy"}
    )
    assert made.status_code == 302
    page = text(person.get("/my-plan"))
    assert f"About the goal: {GOAL}" in page
    about_action = person.post(
        form_url, {"text": "Fiona called me back.", "about": f"task:{task_id}"}
    )
    assert about_action.status_code == 302
    assert f"About the action: {ACTION}" in text(person.get("/my-plan"))
