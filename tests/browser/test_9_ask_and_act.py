"""Ask and act (issue 19; Housing (Scotland) Act 2025, Part 5): the key worker records
asking Sarah about her housing and what came of it, and an IG officer reads the duty's
counts, naming nobody. Each page is checked (axe, ids, images) and photographed at 1280
and 390 px."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from careplan.core import clock
from tests.browser.conftest import check, fill_date

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
MORAG = "morag.campbell@nhs.demo"
PRIYA = "priya.shah@nhs.demo"


def _sideways(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_the_key_worker_asks_sarah_about_her_housing(users, site):
    page = users.page(MORAG, viewport=DESK)
    page.set_viewport_size(DESK)
    page.goto(site + "/people?q=Sarah")
    page.get_by_role("link", name="Sarah Mackenzie").first.click()
    page.get_by_role("link", name="Asked about their housing").click()
    # The demo's earlier ask, ten days ago, with what she wanted.
    expect(
        page.get_by_text("They may lose their home in the next six months").first
    ).to_be_visible()
    page.get_by_role("link", name="Ask about their housing").click()
    # Nothing chosen: each question says what to do, in words.
    page.get_by_role("button", name="Record it").click()
    errors = page.locator(".ds_error-summary").inner_text()
    assert "Choose what they told you" in errors
    assert "Missing data" not in errors
    check(page, "ask and act errors at 1280")
    fill_date(page, "#asked_on", clock.today().isoformat())
    page.select_option("#council_code", "S12000036")
    # The design system's radios and checkboxes are chosen by their labels, as people do.
    page.click("label:has-text('They may lose their home in the next six months')")
    page.click("label[for='actions_offered-2']")
    page.click("label[for='actions_accepted-2']")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("Asking about their housing is recorded")).to_be_visible()
    asks = page.locator("section.careplan-section")
    expect(asks).to_have_count(2)
    page.get_by_role("link", name="Record what came of it").first.click()
    page.click("label:has-text('They kept their home')")
    fill_date(page, "#outcome_on", clock.today().isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("What came of it is recorded.")).to_be_visible()
    expect(page.get_by_text("They kept their home").first).to_be_visible()
    for size in (DESK, PHONE):
        page.set_viewport_size(size)
        page.reload()
        assert _sideways(page) <= 1
        check(page, f"asked about their housing at {size['width']}")


def test_ig_reads_the_duty_counts_naming_nobody(users, site):
    page = users.page(PRIYA, viewport=DESK)
    page.set_viewport_size(DESK)
    page.goto(site + "/")
    page.get_by_role("link", name="Housing duty counts").first.click()
    today = clock.today()
    fill_date(page, "#from", date(today.year - 1, today.month, 1).isoformat())
    fill_date(page, "#to", today.isoformat())
    page.click("label:has-text('Organisation that asked')")
    page.get_by_role("button", name="Show the counts").click()
    # Every organisation first, then each on its own.
    expect(page.get_by_role("table", name="Every organisation", exact=False).first).to_be_visible()
    assert page.locator("table.careplan-duty-counts").count() >= 2
    words = page.locator("main").inner_text()
    # Two asks this year, both by Morag's organisation: under five, so not shown as a number.
    assert "fewer than 5" in words
    assert "Mackenzie" not in words
    for size in (DESK, PHONE):
        page.set_viewport_size(size)
        page.reload()
        assert _sideways(page) <= 1
        check(page, f"housing duty counts at {size['width']}")
