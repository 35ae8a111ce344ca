"""The caseload works for care-team members too (issue 17): their own actions due and the
latest updates for the people they work with; and its counts link to what they count."""

from __future__ import annotations

import re

from tests.web.support import Browser, staff, text


def _plain(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))


def test_a_care_team_member_sees_their_own_actions_and_updates(demo_app):
    jamie = Browser(demo_app, staff(demo_app, "jamie.robertson@cafe.demo"))
    page = _plain(jamie.get("/"))
    people = page[page.index("Other people you work with") :]
    sarah = people[people.index("Sarah Mackenzie") :]
    # The cafe's own action (owned by the agency), a day late.
    assert "Book a place at the Tuesday peer group" in sarah
    assert "Late" in sarah
    # Not the housing worker's action: not theirs.
    assert "Chase the housing application" not in page
    assert "of your own action" in page
    fiona = Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))
    theirs = _plain(fiona.get("/"))
    assert "Chase the housing application" in theirs
    assert "Book a place at the Tuesday peer group" not in theirs


def test_the_counts_link_to_the_people_they_count(demo_app):
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get("/"))
    for show in ("reviews", "overdue", "updates", "referrals"):
        assert f'href="/?show={show}#my-people"' in page
    everyone = len(re.findall(r'class="ds_card careplan-card"', page))
    overdue = text(morag.get("/?show=overdue"))
    assert "Showing" in overdue
    assert "Show everyone" in overdue
    assert len(re.findall(r'class="ds_card careplan-card"', overdue)) <= everyone
    # An unknown filter shows everyone.
    assert "Showing" not in text(morag.get("/?show=nonsense"))
