"""Notifications in a real browser (issue 19): a key worker adds a nurse to Sarah's care
team; the nurse sees the count in the header, reads the list and chooses texts; Sarah
chooses how she is told, on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, sign_in

pytestmark = pytest.mark.browser

MORAG = "morag.campbell@nhs.demo"
ALI = "ali.hassan@nhs.demo"
SARAH = "sarah.mackenzie@example.demo"


def _unread(page) -> int:
    """The header's unread count (0 when it shows none)."""
    count = page.locator("#unread-count")
    return int(count.inner_text().split()[0]) if count.count() else 0


def test_a_nurse_added_to_a_care_team_is_told(users, site):
    ali = users.page(ALI)
    ali.goto(site + "/")
    before = _unread(ali)  # earlier journeys may have told Ali of something else
    morag = users.page(MORAG)
    morag.goto(site + "/")
    morag.get_by_role("link", name="Sarah Mackenzie").first.click()
    sarah_url = morag.url.split("?")[0]
    morag.goto(sarah_url + "/care-team")
    # Search, then choose (issue 17: no list of every member of staff).
    morag.fill("#staff_q", "hassan")
    morag.click("button:has-text('Search for staff')")
    morag.click("label:has-text('Ali Hassan (NHS Lothian Addiction Recovery Team)')")
    morag.fill("#role", "Community nurse")
    morag.click("button:has-text('Add to the care team')")
    added = morag.locator("#added")
    assert "Ali Hassan is added to the care team" in added.inner_text()
    # What they can see now is said (NHS Lothian leads Sarah's plan: everything).
    assert "can see now" in added.inner_text()
    check(morag, "care team member added")

    ali.goto(site + "/")
    assert _unread(ali) == before + 1
    ali.click("#notifications-link")
    assert ali.locator("h1").inner_text() == "Notifications"
    expect(ali.get_by_role("link", name="Added to a care team").first).to_be_visible()
    assert "Sarah" not in ali.locator("#notifications").inner_text()
    check(ali, "notifications")
    ali.get_by_role("link", name="Added to a care team").first.click()
    assert ali.url.startswith(sarah_url)
    assert _unread(ali) == before
    ali.goto(site + "/me/notification-preferences")
    ali.click("label[for=choice-2]")
    ali.click("button:has-text('Save')")
    expect(ali.locator(".ds_error-summary")).to_be_visible()
    check(ali, "notification preferences with an error")
    ali.fill("#phone", "07700 900 982")
    ali.click("button:has-text('Save')")
    expect(ali.get_by_text("Your choice is saved.")).to_be_visible()
    check(ali, "notification preferences")


def test_the_person_chooses_how_she_is_told_on_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, site, SARAH)
        page.goto(site + "/me/notifications")
        check(page, "notifications on a phone")
        page.get_by_role("link", name="Choose how we tell you").click()
        expect(
            page.get_by_text("You have not chosen yet, so we only tell you here.")
        ).to_be_visible()
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, "the preferences page scrolls sideways on a phone"
        check(page, "notification preferences on a phone")
    finally:
        context.close()
