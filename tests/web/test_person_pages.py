"""The person's own pages (issue 17, "The person"): the care team's updates under each part
of My plan, the safety block, printing, "Who has looked at my plan" (own visits left out,
emergency access first, no form mistake shown as a refusal) and the key worker's view of
the same log (staff words, repeated visits grouped, filters); what happens when a choice
ends; no API tokens for a person."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from careplan.accounts.models import AccessToken
from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff, text

REASON = "Police report a threat to her life tonight; need her crisis plan and contacts now."


@pytest.fixture(scope="module")
def sarah_id(demo_app):
    with demo_app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


@pytest.fixture(scope="module")
def sarah(demo_app):
    return Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))


@pytest.fixture(scope="module")
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


def _main(response) -> str:
    body = text(response)
    return body[body.index("<main") : body.index("</main>")]


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",").strip()


def _part(page: str, key: str) -> str:
    start = page.index(f'id="section-{key}"')
    end = page.find("<section", start)
    return page[start : end if end > 0 else len(page)]


def test_my_plan_shows_the_care_teams_updates_under_each_part(demo_app, sarah):
    before = _count(demo_app, "plan.view")
    page = _main(sarah.get("/my-plan"))
    housing = _words(_part(page, "housing"))
    assert "Updates (2)" in housing
    assert "Sent the housing application to the council" in housing
    assert "Fiona Reid, City of Edinburgh Council Housing Support" in housing
    assert "Talked through the two areas" in housing
    # Newest first, under the part it belongs to.
    assert housing.index("Talked through") < housing.index("Sent the housing")
    goals = _words(_part(page, "goals"))
    assert "Sarah came to the Tuesday peer group" in goals
    assert "Sent the housing application" not in goals
    assert "No updates yet." in _words(_part(page, "money"))
    # One visit in her log, saying the updates were read with the plan.
    assert _count(demo_app, "plan.view") == before + 1
    with demo_app.app_context():
        last = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "plan.view")
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert last.details == {"with": "updates"}


def test_the_safety_block_gives_her_key_worker_and_lines_to_call(demo_app, sarah):
    block = _main(sarah.get("/my-plan"))
    block = block[block.index('id="safety"') : block.index("</aside>")]
    words = _words(block)
    assert "If you need help now" in words
    assert "Morag Campbell" in words
    # How to reach her as colleagues do (the plan summary's fields): work phone first.
    assert 'href="tel:01314960101"' in block
    assert "Works: " in words
    assert 'href="mailto:morag.campbell@nhs.demo"' in block
    assert 'href="tel:111"' in block
    assert "NHS 24" in words
    assert 'href="tel:116123"' in block
    assert "Samaritans" in words
    assert "999" in words
    assert "Crisis Centre" not in words  # none configured: nothing made up
    demo_app.config.update(
        CRISIS_LINE_NAME="Edinburgh Crisis Centre", CRISIS_LINE_PHONE="0808 801 0414"
    )
    try:
        block = _main(sarah.get("/my-plan"))
        assert "Edinburgh Crisis Centre" in block
        assert 'href="tel:08088010414"' in block
        # A name without a number is not a line anyone can call: not shown.
        demo_app.config.update(CRISIS_LINE_PHONE="")
        assert "Edinburgh Crisis Centre" not in _main(sarah.get("/my-plan"))
    finally:
        demo_app.config.update(CRISIS_LINE_NAME="", CRISIS_LINE_PHONE="")


def test_every_page_prints_without_navigation_and_with_the_day(sarah, morag, sarah_id):
    for browser, path in ((sarah, "/my-plan"), (morag, f"/people/{sarah_id}")):
        body = text(browser.get(path))
        assert 'href="/static/print.css" media="print"' in body
        assert re.search(
            r'class="careplan-print-only">Shared care plan. Printed on \d+ \w+ 20\d\d', body
        )
    mine = _words(_main(sarah.get("/my-plan")))
    assert re.search(r"Your plan as it was on \d+ \w+ 20\d\d\. It was last changed on", mine)


def _count(app, action: str) -> int:
    with app.app_context():
        return len(
            db.session.scalars(select(AuditEvent.seq).where(AuditEvent.action == action)).all()
        )


def test_my_access_log_leaves_out_my_own_visits_unless_i_ask(sarah, morag, sarah_id):
    morag.get(f"/people/{sarah_id}/sections/money")
    sarah.get("/my-plan")
    default = _words(_main(sarah.get("/my-plan/access-log")))
    assert "Your own visits are left out" in default
    assert "You looked at your plan" not in default
    assert (
        "Morag Campbell, NHS Lothian Addiction Recovery Team, looked at a part of your plan: Money"
        in default
    )
    everything = _words(_main(sarah.get("/my-plan/access-log?show=all")))
    assert "You looked at your plan" in everything
    assert "Morag Campbell" in everything


def test_a_choice_that_is_not_on_the_list_is_refused_and_says_why(sarah):
    page = sarah.get("/my-plan/access-log?show=other_agencies")  # the key worker's choice
    assert page.status_code == 400
    assert "Choose which visits to show from the list" in text(page)
    assert 'href="#show"' in text(page)  # the error summary links to the choices
    assert "Your own visits are left out" in text(page)  # and the default is shown


def test_a_staff_form_mistake_is_never_shown_to_her_as_refused(demo_app, morag, sarah, sarah_id):
    sent = morag.post(f"/people/{sarah_id}/sections/goals/updates/new", {"text": ""})
    assert sent.status_code == 400
    page = _words(_main(sarah.get("/my-plan/access-log")))
    assert "nothing was done because what they sent had a mistake in it: added an update" in page
    assert "not allowed: added an update" not in page


def test_emergency_access_comes_first_with_a_link_to_why(demo_app, sarah, morag, sarah_id):
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    gordon.look_up(sarah_id)
    opened = gordon.post(
        f"/people/{sarah_id}/emergency",
        {"reason": "risk_to_life", "justification": REASON, "step": "confirm"},
    )
    assert opened.status_code == 302
    gordon.get(f"/people/{sarah_id}")
    body = _main(sarah.get("/my-plan/access-log"))
    words = _words(body)
    summary = words[words.index("Emergency access") : words.index("Show ")]
    assert re.search(
        r"1 emergency access on \d+ \w+ 20\d\d by Gordon Bell, "
        r"City of Edinburgh Council Justice Social Work: see why",
        summary,
    ), summary
    link = re.search(r'href="(/my-plan/access-log\?show=emergency#event-(\d+))"', body)
    assert link
    why = _main(sarah.get(link.group(1).split("#")[0]))
    row = why[why.index(f'id="event-{link.group(2)}"') :]
    assert REASON in row[: row.index("</li>")]
    assert "Emergency access only" in why
    assert "Morag Campbell" not in _words(why[why.index('id="visits"') :])
    # The key worker sees the same summary.
    assert "1 emergency access on" in _words(_main(morag.get(f"/people/{sarah_id}/access-log")))


def test_the_key_workers_view_speaks_to_staff_and_groups_repeats(demo_app, morag, sarah_id):
    for _ in range(3):
        morag.get(f"/people/{sarah_id}/sections/family")
    body = _main(morag.get(f"/people/{sarah_id}/access-log"))
    words = _words(body)
    assert "You looked at a part of Sarah\u2019s plan: Family, carers and children" in words
    assert re.search(r"3 times (at|from) \d\d:\d\d", words)
    assert "your plan" not in words  # the person's words are not for staff
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    fiona.get(f"/people/{sarah_id}/sections/housing")
    others = _words(_main(morag.get(f"/people/{sarah_id}/access-log?show=other_agencies")))
    fiona_words = "Fiona Reid, City of Edinburgh Council Housing Support, looked at a part of"
    assert f"{fiona_words} Sarah\u2019s plan" in others
    assert "You looked" not in others
    assert "NHS Lothian Addiction Recovery Team," not in others


def test_a_choice_with_an_end_date_says_what_happens_then(sarah, morag, sarah_id):
    mine = _words(_main(sarah.get("/my-plan/sharing")))
    assert "After 1 September 2027 this refusal ends. Then the usual rules apply again" in mine
    assert "To keep refusing, make this choice again before then." in mine
    assert "After 1 September 2027 they can no longer see these parts, unless you agree" in mine
    theirs = _words(_main(morag.get(f"/people/{sarah_id}/sharing")))
    assert "To keep refusing, record it again with them before then." in theirs


def test_no_api_tokens_on_a_persons_account(demo_app, sarah, morag):
    page = _words(_main(sarah.get("/account")))
    assert "API token" not in page
    assert "Create token" not in page
    made = sarah.post("/account/tokens", {"label": "x", "scope": "read", "expires": "1h"})
    assert made.status_code == 403
    assert "API tokens are for staff" in text(made)
    with demo_app.app_context():
        assert not db.session.scalars(
            select(AccessToken).where(AccessToken.user_id == sarah.user.id)
        ).all()
    assert "Create token" in text(morag.get("/account"))
