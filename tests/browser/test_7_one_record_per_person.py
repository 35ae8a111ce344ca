"""One record per person in a real browser: a recovery cafe worker trying to register Sarah a
second time is stopped and sent to the exact lookup; going ahead needs a reason; the IG
officer then finds the pair and decides (issue #16, fault 14). Desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, confirm_if_asked, fill_date

pytestmark = pytest.mark.browser

JAMIE = "jamie.robertson@cafe.demo"  # a practitioner who is nobody's key worker
PRIYA = "priya.shah@nhs.demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _both_widths(page, name):
    check(page, name)
    page.set_viewport_size(PHONE)
    check(page, name + " on a phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: scrolls sideways on a phone ({width}px)"
    page.set_viewport_size(DESKTOP)


def test_registering_sarah_again_is_stopped(users, site):
    page = users.page(JAMIE, viewport=DESKTOP)
    page.goto(site + "/people/new")
    page.fill("#given_name", "Sally")
    page.fill("#family_name", "McKenzie")
    fill_date(page, "#date_of_birth", "1988-04-12")
    page.click("button:has-text('Register')")
    expect(page.get_by_text("This person may already be registered")).to_be_visible()
    expect(page.get_by_role("link", name="find them by their exact details").first).to_be_visible()
    _both_widths(page, "register: possible duplicate")
    page.fill("#duplicate_reason", "Different woman: lives in Wick, GP is the Pulteney surgery.")
    page.click("button:has-text('Register them as a different person')")
    expect(page.get_by_text("The person is registered.")).to_be_visible()


def test_ig_decides_the_pair(users, site):
    page = users.page(PRIYA, viewport=DESKTOP)
    page.goto(site + "/")
    page.get_by_role("link", name="Possible duplicates").first.click()
    expect(page.get_by_text("1 pair waiting")).to_be_visible()
    _both_widths(page, "possible duplicates")
    page.get_by_role("link", name="Sarah Mackenzie and Sally McKenzie").click()
    confirm_if_asked(page, PRIYA)
    expect(page.get_by_text("Are these records the same person?").first).to_be_visible()
    _both_widths(page, "possible duplicate pair")
    page.check("text=Two different people: keep both records")
    page.fill("#reason", "Checked with the housing officer: a different woman in Wick.")
    page.click("button:has-text('Record the decision')")
    expect(page.get_by_text("Recorded: they are two different people.")).to_be_visible()
    check(page, "possible duplicates decided")
