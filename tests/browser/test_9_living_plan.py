"""The living plan in a real browser (issue 20): a key worker records a review with the
person and two agencies, whose actions appear in the owners' "My tasks"; Sarah asks for a
correction, on a phone, and reads her key worker's answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from careplan.demo import CAFE, HOUSING
from tests.browser.conftest import check, sign_in

pytestmark = pytest.mark.browser

MORAG = "morag.campbell@nhs.demo"
FIONA = "fiona.reid@housing.demo"
JAMIE = "jamie.robertson@cafe.demo"
SARAH = "sarah.mackenzie@example.demo"


def _sarah_url(page, site) -> str:
    page.goto(site + "/")
    page.get_by_role("link", name="Sarah Mackenzie").first.click()
    return page.url.split("?")[0]


def test_a_review_with_two_agencies_puts_actions_in_their_tasks(users, site):
    morag = users.page(MORAG)
    sarah = _sarah_url(morag, site)
    morag.get_by_role("link", name="Reviews and meetings").click()
    check(morag, "reviews and meetings")
    morag.get_by_role("link", name="Record a review or meeting").click()
    morag.fill("#held_on-month", "13")  # a date that is not one: a plain error
    morag.click("button:has-text('Record the meeting')")
    expect(morag.locator(".ds_error-summary")).to_be_visible()
    check(morag, "record a review with an error")
    morag.fill("#held_on-month", "11")
    morag.locator("label", has_text=f"Fiona Reid ({HOUSING})").click()
    morag.locator("label", has_text=f"Jamie Robertson ({CAFE})").click()
    morag.fill("#other-0-name", "Eilidh Mackenzie")
    morag.fill("#other-0-role", "Sister")
    morag.click("label[for=person_attended-1]")
    morag.fill("#person_views", "I want to be near my sister and keep going to the cafe.")
    morag.fill("#summary", "Talked through the flat in Leith and the Tuesday group.")
    morag.fill("#decisions", "Fiona chases the flat; the cafe keeps a place for Sarah.")
    morag.fill("#action-0-title", "Phone the housing officer about the Leith flat")
    morag.select_option("#action-0-owner", label=f"Fiona Reid ({HOUSING})")
    morag.fill("#action-0-due-day", "20")
    morag.fill("#action-0-due-month", "12")
    morag.fill("#action-0-due-year", "2030")
    morag.fill("#action-1-title", "Keep a place for Sarah at the Tuesday group")
    morag.select_option("#action-1-owner", label=f"Anyone at {CAFE}")
    morag.fill("#next_review_on-day", "15")
    morag.fill("#next_review_on-month", "1")
    morag.fill("#next_review_on-year", "2031")
    check(morag, "record a review")
    morag.click("button:has-text('Record the meeting')")
    expect(morag.get_by_text("The meeting is recorded.")).to_be_visible()
    expect(morag.get_by_text("Next review: 15 January 2031")).to_be_visible()
    expect(morag.get_by_text("Eilidh Mackenzie, Sister")).to_be_visible()
    check(morag, "the review recorded")

    fiona = users.page(FIONA)
    fiona.goto(site + "/my-tasks")
    row = fiona.locator("tr", has_text="Phone the housing officer about the Leith flat")
    expect(row).to_be_visible()
    assert "Sarah Mackenzie" in row.inner_text()
    check(fiona, "my tasks (housing)")
    row.get_by_role("button", name="Mark as done").click()
    expect(fiona.get_by_text("The action is marked as done.")).to_be_visible()
    assert not fiona.locator("tr", has_text="the Leith flat").count()
    # She writes what came of it, saying which action it is about (issue 20).
    fiona.goto(sarah + "/sections/housing/updates/new")
    fiona.fill("#text", "Phoned the housing officer: a viewing of the Leith flat on Friday.")
    fiona.select_option(
        "#about", label="Action: Phone the housing officer about the Leith flat (done)"
    )
    check(fiona, "an update about an action")
    fiona.click("button:has-text('Add the update')")
    expect(fiona.get_by_text("About the action: Phone the housing officer").first).to_be_visible()
    check(fiona, "the update shows its action")
    # The housing worker reads who met, not what was said (only the lead agency does).
    fiona.goto(sarah + "/meetings")
    expect(fiona.get_by_text("What was said at these meetings is shared")).to_be_visible()
    assert not fiona.get_by_text("Talked through the flat").count()
    check(fiona, "meetings seen by the care team")

    jamie = users.page(JAMIE)
    jamie.goto(site + "/my-tasks")
    expect(
        jamie.locator("tr", has_text="Keep a place for Sarah at the Tuesday group")
    ).to_be_visible()
    check(jamie, "my tasks (cafe)")

    # The viewing was for another flat: Morag marks the update entered in error, with why.
    morag.goto(sarah + "/sections/housing")
    morag.locator(".careplan-row", has_text="a viewing of the Leith flat").get_by_role(
        "link", name="Mark as entered in error"
    ).click()
    morag.click("button:has-text('Mark as entered in error')")
    expect(morag.locator(".ds_error-summary")).to_be_visible()
    check(morag, "entered in error: the reason asked for")
    morag.fill("#reason", "The viewing is for the Gorgie flat, not Leith.")
    morag.click("button:has-text('Mark as entered in error')")
    expect(morag.get_by_text("The update is marked as entered in error")).to_be_visible()
    marked = morag.locator(".careplan-row", has_text="a viewing of the Leith flat")
    assert "Marked by Morag Campbell" in marked.inner_text()
    expect(marked.locator("del")).to_have_count(1)
    check(morag, "an update marked entered in error")


def test_sarah_asks_for_a_correction_and_reads_the_answer(users, browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, site, SARAH)
        page.goto(site + "/my-plan/corrections")
        page.click("button:has-text('Send to my key worker')")
        expect(page.locator(".ds_error-summary")).to_be_visible()
        check(page, "ask for a correction with errors, on a phone")
        page.select_option("#section", label="Personal housing plan")
        page.fill("#text", "I left the Cowgate hostel in October, not September.")
        page.click("button:has-text('Send to my key worker')")
        expect(page.get_by_text("Your key worker has been asked to look at it.")).to_be_visible()
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, "the corrections page scrolls sideways on a phone"
        check(page, "correction asked, on a phone")

        morag = users.page(MORAG)
        morag.goto(site + "/my-tasks")
        expect(morag.locator("tr", has_text="Answer a request to correct").first).to_be_visible()
        sarah = _sarah_url(morag, site)
        morag.goto(sarah + "/corrections")
        section = morag.locator("section", has_text="Cowgate")
        section.locator("textarea").fill("Thank you. I have changed it to October.")
        section.get_by_role("button", name="Send the answer").click()
        expect(morag.get_by_text("Your answer is recorded.")).to_be_visible()
        check(morag, "correction answered")

        page.goto(site + "/my-plan/corrections")
        expect(page.get_by_text("Thank you. I have changed it to October.")).to_be_visible()
        check(page, "correction answer, on a phone")
    finally:
        context.close()
