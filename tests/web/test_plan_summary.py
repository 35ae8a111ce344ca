"""The plan page supports the job (issue 17, key worker and practitioners): a summary at
the top (risks first, the key worker and care team and how to reach them, what each can
see, next review, overdue actions, last update, the basis once), a contents list; for
emergency access, what an emergency needs first, the end of access, and the parts the
person had refused marked; and staff contact details kept on admin and own pages.

Tests that change the demo world (emergency access, contact details) come last.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from careplan.accounts.models import User
from careplan.core import prepared
from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text


def _sarah(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def _plain(response) -> str:
    """The main content as words, one space apart."""
    body = text(response)
    body = body[body.find('id="main-content"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def _summary(response) -> str:
    body = _plain(response)
    return body[body.find("Summary") : body.find("Contents")]


def test_the_key_workers_summary_puts_risks_and_people_first(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = morag.get(f"/people/{sarah}")
    assert page.status_code == 200
    summary = _summary(page)
    # "Do not visit alone" is a warning, before anything else in the summary.
    assert summary.index("Do not visit alone.") < summary.index("Key worker")
    assert "Her ex-partner may be at the flat" in summary
    assert "Risks: overdose, domestic abuse." in summary
    # The key worker and how to reach them.
    assert "0131 496 0101" in summary
    assert "morag.campbell@nhs.demo" in summary
    assert "Works: Monday to Thursday, 9am to 5pm" in summary
    html = text(page)
    assert 'href="tel:01314960101"' in html
    # The care team, with a team inbox where one is given, and what each can see.
    assert "Fiona Reid , Housing support worker" in summary
    assert "housing.support@housing.demo" in summary
    fiona = summary[summary.index("Fiona Reid") : summary.index("Jamie Robertson")]
    assert "Can see: My goals and actions, Personal housing plan, Money" in fiona
    jamie = summary[summary.index("Jamie Robertson") :]
    assert "Can see: About me, My goals and actions, Personal housing plan" in jamie
    # The demo's review is set relative to the day the demo is loaded.
    assert re.search(r"Next review \d{1,2} [A-Z][a-z]+ 20\d\d", summary)
    assert "1 action is overdue" in summary
    assert re.search(r'href="/people/[0-9a-f-]+/tasks">1 action is overdue', html)
    assert "Last update" in summary
    # The basis, the same for every section, is said once.
    assert summary.count("You are their key worker.") == 1
    assert "Why you can see this:" not in _plain(page)


def test_the_contents_list_links_to_every_part_shown(demo_app):
    sarah = _sarah(demo_app)
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    html = text(jamie.get(f"/people/{sarah}"))
    nav = html[
        html.index('class="ds_contents-nav"') : html.index("</nav>", html.index("ds_contents-nav"))
    ]
    assert re.findall(r'href="#section-([a-z_]+)"', nav) == ["about_me", "goals", "housing"]
    for key in ("about_me", "goals", "housing"):
        assert f'id="section-{key}"' in html


def test_the_overdue_count_is_of_the_actions_the_caller_may_see(demo_app):
    """Issue 20's walk: the summary counted every overdue action of the person's, also
    those about sections the person did not share with the caller. Each caller's count is
    the number of overdue actions their own list of the person's actions shows."""
    sarah = _sarah(demo_app)
    counts = {}
    for email in (
        "morag.campbell@nhs.demo",
        "fiona.reid@housing.demo",
        "jamie.robertson@cafe.demo",
    ):
        browser = Browser(demo_app, staff(demo_app, email))
        listed = text(browser.get(f"/people/{sarah}/tasks")).count(">Overdue</strong>")
        summary = _summary(browser.get(f"/people/{sarah}"))
        said = re.search(r"(\d+) actions? (?:is|are) overdue", summary)
        counts[email] = int(said[1]) if said else 0
        assert counts[email] == listed, email
    # The demo's overdue action is the cafe's, agreed at a review: Fiona's agency owns
    # none of the review's actions, so her summary counts none (it said 1 before).
    assert counts == {
        "morag.campbell@nhs.demo": 1,
        "fiona.reid@housing.demo": 0,
        "jamie.robertson@cafe.demo": 1,
    }


def test_a_care_team_member_is_not_shown_the_persons_sharing_choices(demo_app):
    """What each member can see is the person's choice: shown to those who may read
    their choices (key worker, lead agency), not to every member; without the safety
    part they are told who to ask about risks (never which parts are withheld)."""
    sarah = _sarah(demo_app)
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    summary = _summary(jamie.get(f"/people/{sarah}"))
    assert "Can see" not in summary
    assert "Do not visit alone" not in summary
    assert "Ask their key worker about any risks before a visit." in summary
    assert "0131 496 0101" in summary  # they can still reach the key worker
    assert summary.count("They agreed to share this with your organisation") == 1


def test_a_supporter_is_shown_who_leads_the_plan_never_the_care_team(demo_app):
    """Sarah's advocate (issue 20) sees her key worker, to know whom to speak to; the care
    team's names and contacts are not in the parts Sarah chose to show her (the plan's
    `plan:care_team:view`, which a supporter and a receiving service do not have)."""
    sarah = _sarah(demo_app)
    ruth = Browser(demo_app, staff(demo_app, "ruth.ogilvie@advocacy.demo"))
    page = ruth.get(f"/people/{sarah}")
    assert page.status_code == 200
    summary = _summary(page)
    assert "Morag Campbell" in summary
    assert "Care team" not in summary
    for member in ("Fiona Reid", "Jamie Robertson", "housing.support@housing.demo"):
        assert member not in _plain(page)


def _statements_of_a_plan_page(app, monkeypatch, email: str) -> list[str]:
    """The SQL of each statement one view of Sarah's plan page runs for `email` (after a
    first view: caches warm, the session's last-seen time fresh)."""
    sarah = _sarah(app)
    browser = Browser(app, staff(app, email))
    browser.get(f"/people/{sarah}")
    ran = []
    real = prepared.run_statement

    def counted(cursor, sql, values, **kw):
        ran.append(sql)
        real(cursor, sql, values, **kw)

    def seen(_connection, _cursor, sql, *_args, **_kwargs):
        ran.append(sql)

    monkeypatch.setattr(prepared, "run_statement", counted)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert browser.get(f"/people/{sarah}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        monkeypatch.setattr(prepared, "run_statement", real)
    return ran


def test_the_summary_adds_one_statement_to_the_key_workers_plan_page(demo_app, monkeypatch):
    """The key worker's plan page ran 7 statements before issue 17 (session, person and
    plan, sections, unread notifications, the audit head, event and head update). The
    summary's care team, what each can see and the overdue count add one statement (the
    key worker's contact details and the next review come with the plan's own row). The
    audit writer's summary of who touched whom (issue 18, audit.summary) adds two: the
    (day, actor, person) and the (actor, day) upserts. On PostgreSQL the record, both
    upserts and the head's move are one statement (audit.writer): 7 there, sent with the
    transaction's COMMIT in one pipeline (counted apart: it is not a statement of the
    page's)."""
    ran = _statements_of_a_plan_page(demo_app, monkeypatch, "morag.campbell@nhs.demo")
    with demo_app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    commits = [i for i, sql in enumerate(ran) if sql == "COMMIT"]
    if postgresql:
        assert commits == [len(ran) - 1]  # last, right after the append
        assert "audit_event" in ran[-2]
        ran = ran[:-1]
    else:
        assert commits == []  # SQLite commits at the driver
    assert len(ran) == (7 if postgresql else 10)
    appends = [sql for sql in ran if "audit_event" in sql]
    assert len(appends) == 1  # the view's one audit record
    if postgresql:
        assert "audit_access_actor_day" in appends[0]
        assert "UPDATE audit_head" in appends[0]


@pytest.mark.parametrize("email", ["fiona.reid@housing.demo", "jamie.robertson@cafe.demo"])
def test_the_overdue_count_costs_a_care_team_member_no_statement_of_its_own(
    demo_app, monkeypatch, email
):
    """Someone other than the key worker sees only the overdue actions the decision lets
    them see (above). The actions come with the summary's one statement, so their page
    reads the person's overdue actions no second time (it did: one more statement for
    everyone but the key worker, who is counted every action)."""
    ran = _statements_of_a_plan_page(demo_app, monkeypatch, email)
    overdue = [sql for sql in ran if "due_on" in sql]
    assert len(overdue) == 1
    assert "care_team_member" in overdue[0]  # the summary's statement, not one of its own


def test_emergency_access_opens_on_what_an_emergency_needs(demo_app):
    sarah = _sarah(demo_app)
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    gordon.post("/people/lookup", {"chi": "1204881235"})
    reason = "Found unresponsive at the hostel; paramedics need her crisis plan now."
    opened = gordon.post(
        f"/people/{sarah}/emergency",
        {"reason": "risk_to_life", "justification": reason, "step": "confirm"},
    )
    assert opened.status_code == 302
    page = gordon.get(f"/people/{sarah}")
    body = _plain(page)
    assert re.search(r"Emergency access until \d\d:\d\d (today|on \d+ \w+)", body)
    # The safety and crisis plan and the contacts come first; the rest after.
    order = re.findall(r'<h2 id="section-([a-z_]+)"', text(page))
    assert order[:2] == ["safety", "contacts"]
    assert sorted(order) == sorted(
        [
            "safety",
            "contacts",
            "about_me",
            "goals",
            "housing",
            "money",
            "substance_use",
            "mental_health",
            "physical_health",
            "family",
            "justice",
        ]
    )
    # The key worker and how to reach them, in the summary before any section.
    html = text(page)
    assert html.index('href="tel:01314960101"') < html.index('id="section-safety"')
    # The parts Sarah refused to justice social work are marked, and only those.
    marked = re.findall(
        r'<h2 id="section-([a-z_]+)">[^<]*</h2>\s*<p><strong class="ds_tag ds_tag--orange">'
        r"Seen because of the emergency",
        html,
    )
    assert marked == ["substance_use", "mental_health"]
    assert "chose not to share this with your organisation" in body


def test_an_administrator_records_how_colleagues_reach_someone(demo_app):
    sarah = _sarah(demo_app)
    alex = Browser(demo_app, staff(demo_app, "alex.murray@careplan.demo"))
    ali = staff(demo_app, "ali.hassan@nhs.demo")
    path = f"/admin/staff/{ali.id}/contact"
    form = alex.get(path)
    assert form.status_code == 200
    assert "What is their work phone number?" in text(form)
    bad = alex.post(path, {"work_phone": "call me", "work_email": "nope", "working_pattern": ""})
    assert bad.status_code == 400
    words = text(bad)
    assert "Enter a phone number, like 0131 496 0000" in words
    assert "Enter an email address in the correct format" in words
    with demo_app.app_context():
        assert db.session.get(User, ali.id).work_phone == "0131 496 0102"  # nothing changed
    saved = alex.post(
        path,
        {
            "work_phone": "0131 496 0999 ext 12",
            "work_email": "Leith.Team@NHS.demo",
            "working_pattern": "Mondays and Fridays",
        },
    )
    assert saved.status_code == 302
    with demo_app.app_context():
        row = db.session.get(User, ali.id)
        assert (row.work_phone, row.work_email, row.working_pattern) == (
            "0131 496 0999 ext 12",
            "leith.team@nhs.demo",
            "Mondays and Fridays",
        )
    # Blank boxes clear what was there.
    alex.post(path, {"work_phone": "", "work_email": "", "working_pattern": ""})
    with demo_app.app_context():
        row = db.session.get(User, ali.id)
        assert (row.work_phone, row.work_email, row.working_pattern) == (None, None, None)
    # A care team page is no way in for anyone else: only administrators.
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    assert morag.get(path).status_code == 403
    assert morag.get(f"/people/{sarah}").status_code == 200


def test_staff_keep_their_own_contact_details(demo_app):
    sarah = _sarah(demo_app)
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    account = _plain(jamie.get("/account"))
    assert "How colleagues reach you" in account
    assert "07700 900301" in account
    bad = jamie.post("/account/contact", {"work_phone": "<script>", "working_pattern": "x" * 201})
    assert bad.status_code == 400
    assert "Say when they work in 200 characters or fewer." in text(bad)
    saved = jamie.post(
        "/account/contact",
        {"work_phone": "07700 900999", "work_email": "", "working_pattern": "Weekends"},
    )
    assert saved.status_code == 302
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    summary = _summary(morag.get(f"/people/{sarah}"))
    jamie_line = summary[summary.index("Jamie Robertson") :]
    assert "07700 900999" in jamie_line
    assert "Works: Weekends" in jamie_line
    # An individual has no work contact details.
    person = Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))
    assert person.get("/account/contact").status_code == 404
