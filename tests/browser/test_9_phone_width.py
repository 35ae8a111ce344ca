"""Data pages on a phone (issue 17): at 390 px no page scrolls sideways. Tables become the
design system's responsive "boxes"; the IG and administrator pages use the full width on a
desk. Each page is checked (axe, ids, images) and photographed at both widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def _sideways(page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _walk(page, site, paths, who, sarah_path=""):
    wide = []
    for path in paths:
        for size in (PHONE, DESK):
            page.set_viewport_size(size)
            page.goto(site + path)
            over = _sideways(page)
            if over > 1:
                wide.append((path, size["width"], over))
            label = path.replace(sarah_path, "/sarah") if sarah_path else path
            check(page, f"{who} {label} at {size['width']}")
    page.set_viewport_size(DESK)
    assert wide == [], wide


def _sarah(page, site) -> str:
    page.goto(site + "/people?q=Sarah")
    href = page.get_by_role("link", name="Sarah Mackenzie").first.get_attribute("href")
    return href.rstrip("/")


def test_key_worker_data_pages_fit_a_phone(users, site):
    page = users.page("morag.campbell@nhs.demo")
    sarah = _sarah(page, site)
    # The living plan's pages (issue 20): updates with what they are about, the form that
    # asks it, marking one entered in error (its confirmation page), the chronology.
    page.goto(site + sarah + "/sections/housing")
    mark = page.get_by_role("link", name="Mark as entered in error").first.get_attribute("href")
    paths = [
        sarah + "/sections/housing",
        sarah + "/sections/housing/updates/new",
        mark,
        sarah + "/chronology",
        sarah + "/tasks",
        "/people?q=a",
        sarah + "/care-team",
        sarah + "/sharing",
        sarah + "/access-log",
        sarah + "/sections/goals/history",
        "/account",
        # Section forms asking questions with hints (issue 17), the plainest and the fullest.
        sarah + "/sections/housing/edit",
        sarah + "/sections/safety/edit",
        sarah + "/sections/money/edit",
    ]
    _walk(page, site, paths, "key worker", sarah)


def test_team_leader_pages_fit_a_phone(users, site):
    """The team caseload's share out: ticks and one "search then choose" question, no
    select on every row (issue 17)."""
    page = users.page("ewan.fraser@nhs.demo")
    page.goto(site + "/needing-key-worker")
    href = page.locator("main a[href^='/teams/']").first.get_attribute("href").split("?")[0]
    _walk(page, site, [href, "/cover"], "team leader")
    expect(page.locator("main select[name^='to-']")).to_have_count(0)


def test_ig_officer_data_pages_fit_a_phone(users, site):
    page = users.page("priya.shah@nhs.demo")
    _walk(
        page,
        site,
        [
            "/ig/audit",
            "/ig/audit?staff_q=campbell",
            "/ig/reviews?status=all",
            "/ig/reports?kind=break_glass",
        ],
        "ig officer",
    )


def test_administrator_data_pages_fit_a_phone(users, site):
    page = users.page("alex.murray@careplan.demo")
    page.goto(site + "/admin/teams")
    team = page.locator("a[href^='/admin/teams/']").first.get_attribute("href")
    _walk(page, site, ["/admin/staff", "/admin/agencies", "/admin/teams", team], "administrator")


def test_ig_and_admin_pages_use_the_full_width(users, site):
    page = users.page("priya.shah@nhs.demo")
    page.set_viewport_size(DESK)
    page.goto(site + "/ig/audit")
    width = page.evaluate("() => document.querySelector('.ds_layout__content').clientWidth")
    wrapper = page.evaluate("() => document.querySelector('#main').clientWidth")
    assert width >= wrapper - 2
