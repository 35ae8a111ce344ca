"""The living plan's pages on the demo world (issue 20): the caseload shows the plan's
review date and overdue actions; a task owner sees their actions only; meetings withhold
what was said from the care team outside the lead agency."""

from __future__ import annotations

import html

from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text


def _sarah(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def test_the_caseload_shows_overdue_actions_and_the_review(demo_app):
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get("/"))
    # The demo's cafe action was due yesterday (careplan/demo.py, _living_plan).
    assert "Book a place at the Tuesday peer group (Broomhill Recovery Cafe)" in page
    # Sarah attended her review a fortnight ago (or a dated update came later).
    assert "Last contact: none recorded yet" not in page.split("John")[0]


def test_my_tasks_lists_the_agencys_and_my_own(demo_app):
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    page = text(jamie.get("/my-tasks"))
    assert "Book a place at the Tuesday peer group" in page
    assert "Overdue" in page
    assert "Chase the housing application" not in page  # Fiona's
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    assert "Answer a request to correct" in text(morag.get("/my-tasks"))


def test_meetings_withhold_what_was_said_from_the_care_team(demo_app):
    sarah = _sarah(demo_app)
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    page = text(fiona.get(f"/people/{sarah}/meetings"))
    assert "Chase the housing application" in page
    assert "away from the old crowd" not in page
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    assert "away from the old crowd" in text(morag.get(f"/people/{sarah}/meetings"))


def test_the_chronology_is_filtered_item_by_item(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get(f"/people/{sarah}/chronology"))
    assert "Plan review with 3 others" in page
    assert "Key worker: Morag Campbell" in page
    assert "Asked for a correction to Contacts and appointments" in page
    # The recovery cafe worker: third-sector consent for about me, goals and housing only.
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    seen = text(jamie.get(f"/people/{sarah}/chronology"))
    assert "Plan review with 3 others" in seen
    assert "Asked for a correction" not in seen  # corrections: key worker and lead agency
    assert "Some events are not shared with you" in seen
    for section in ("Alcohol and drugs", "Mental health", "Safety and risk"):
        assert f"Update on {section}" not in seen


def test_a_person_s_actions_offer_buttons_only_where_allowed(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get(f"/people/{sarah}/tasks"))
    assert page.count("Mark as done") == 2
    # Her request for a correction closes when it is answered, on its own page.
    assert page.count("Answer the request") == 1
    # Fiona (housing, care team) closes her own action only.
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    assert text(fiona.get(f"/people/{sarah}/tasks")).count("Mark as done") == 1


def test_meeting_attendees_beyond_the_care_team_are_searched_for(demo_app):
    """The key worker and the care team are always offered; the lead agency's other
    practitioners (a health board has thousands) are found by a search, then ticked, and
    can be given an action; actions go to organisations working with the person only."""
    import re

    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    path = f"/people/{sarah}/meetings/new"
    demo_app.config["STAFF_PICKER_SHORT"] = 0
    try:
        page = text(morag.get(path))
        assert 'name="staff_q"' in page
        for always in ("Morag Campbell", "Fiona Reid", "Jamie Robertson"):
            assert re.search(rf'name="staff_ids"[^>]*>\s*<label[^>]*>{always}', page), always
        assert "Ewan Fraser" not in page  # lead agency, not in the care team: search first
        found = text(morag.get(f"{path}?staff_q=ewan"))
        box = r'name="staff_ids" value="([0-9a-f-]{36})"[^>]*>\s*<label[^>]*>Ewan'
        ewan = re.search(box, found)
        assert ewan
        assert "Anyone at City of Edinburgh Council Justice Social Work" not in found
        sent = morag.post(
            path,
            {
                "held_on-day": "31",
                "held_on-month": "2",
                "held_on-year": "2026",
                "kind": "review",
                "staff_ids": ewan[1],
                "action-0-title": "Phone the GP",
                "action-0-owner": f"staff:{ewan[1]}",
            },
        )
        body = text(sent)
        assert sent.status_code == 400  # no 31 February: Ewan is still offered, and ticked
        assert re.search(rf'value="{ewan[1]}"\s*checked', body)
        assert f'value="staff:{ewan[1]}" selected' in body
    finally:
        demo_app.config.pop("STAFF_PICKER_SHORT")


def test_a_meeting_action_can_say_which_part_of_the_plan_it_is_about(demo_app):
    """The record-a-meeting form asks which part of the plan each action is about (the
    person's refusals then reach it); an unknown part is refused under that action."""
    import re

    from careplan.tasks.models import Task

    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    path = f"/people/{sarah}/meetings/new"
    page = text(morag.get(path))
    assert "Which part of the plan is it about?" in page
    assert '<option value="substance_use">' in page
    owner = re.search(r'<option value="(staff:[0-9a-f-]{36})"[^>]*>Morag Campbell', page)[1]
    form = {
        "held_on-day": "2",
        "held_on-month": "11",
        "held_on-year": "2026",
        "kind": "review",
        "action-0-title": "Collect the prescription on Friday",
        "action-0-owner": owner,
        "action-0-section": "pets",
    }
    refused = morag.post(path, form)
    assert refused.status_code == 400
    assert "Choose the part of the plan the action is about from the list." in text(refused)
    sent = morag.post(path, {**form, "action-0-section": "substance_use"})
    assert sent.status_code == 302
    with demo_app.app_context():
        made = [
            t
            for t in db.session.scalars(select(Task).where(Task.person_id == sarah))
            if t.title == "Collect the prescription on Friday"
        ]
        assert [t.section_key for t in made] == ["substance_use"]


def test_the_same_attendee_twice_is_refused_on_the_page(demo_app):
    """Issue 20's walk: one person named twice as an attendee; the page says so at the
    question of who attended, keeps what was typed and records nothing."""
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    path = f"/people/{sarah}/meetings/new"
    before = _meetings(demo_app)
    sent = morag.post(
        path,
        {
            "held_on-day": "2",
            "held_on-month": "11",
            "held_on-year": "2026",
            "kind": "review",
            "other-0-name": "Ruth Ogilvie",
            "other-0-role": "Advocate",
            "other-1-name": "ruth ogilvie",
            "other-1-role": "advocate",
        },
    )
    body = text(sent)
    assert sent.status_code == 400
    assert "There is a problem" in body
    assert "Choose each person who attended once" in body
    # Said at the second naming: the summary links to that row's name.
    assert 'href="#other-1-name"' in body
    assert 'value="ruth ogilvie"' in body
    assert _meetings(demo_app) == before


def _meetings(app):
    from sqlalchemy import func

    from careplan.meetings.models import Meeting

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Meeting))


AGREEMENT_CEILING = (
    "They could not see this action: their organisation's information-sharing agreement "
    "does not cover what it is about. Give it to someone who can."
)


def _tasks_and_notices() -> tuple[int, int]:
    from sqlalchemy import func

    from careplan.notifications.models import Notification
    from careplan.tasks.models import Task

    return (
        db.session.scalar(select(func.count()).select_from(Task)),
        db.session.scalar(select(func.count()).select_from(Notification)),
    )


def test_the_meeting_page_says_why_at_the_owner_question(demo_app):
    """Morag gives Broomhill Recovery Cafe an action about substance use, which its
    agreement does not reach: the page says so beside "Who will do it?", keeps what she
    typed and records nothing; about housing, it goes."""
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    path = f"/people/{sarah}/meetings/new"
    page = text(morag.get(path))
    import re

    cafe = re.search(r'<option value="(agency:[0-9a-f-]{36})"[^>]*>Anyone at Broomhill', page)
    assert cafe is not None, "the cafe is offered as an owner"
    form = {
        "held_on-day": "2",
        "held_on-month": "11",
        "held_on-year": "2026",
        "kind": "review",
        "action-0-title": "Ask about the needle exchange",
        "action-0-owner": cafe[1],
        "action-0-section": "substance_use",
    }
    with demo_app.app_context():
        before = _tasks_and_notices()
    refused = morag.post(path, form)
    assert refused.status_code == 422
    shown = text(refused)
    assert AGREEMENT_CEILING in html.unescape(shown)
    assert 'href="#action-0-owner"' in shown  # the error summary links to the question
    assert "Ask about the needle exchange" in shown  # kept as typed
    with demo_app.app_context():
        assert _tasks_and_notices() == before
    sent = morag.post(path, {**form, "action-0-section": "housing"})
    assert sent.status_code == 302
