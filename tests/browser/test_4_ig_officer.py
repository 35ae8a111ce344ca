"""The IG officer in a real browser: audit search with filters and CSV download, review of
emergency access, unusual-access reports, checking the log is intact; never plan content."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, confirm_if_asked

pytestmark = pytest.mark.browser

PRIYA = "priya.shah@nhs.demo"
CONTENT = ("heroin", "Seeing my son", "methadone", "Leith Walk", "Ex-partner", "Gorgie")


def _no_content(page):
    body = page.content()
    assert not [word for word in CONTENT if word in body]


def test_audit_search_with_filters_and_csv(users, site):
    page = users.page(PRIYA)
    page.goto(site + "/")
    check(page, "ig officer home")
    page.get_by_role("link", name="Audit log").first.click()
    _no_content(page)
    check(page, "audit log")
    page.click("summary:has-text('Filters')")
    page.select_option("#action", "breakglass.invoke")
    page.select_option("#outcome", "permit")
    page.click("button:has-text('Search')")
    expect(page.get_by_text("1 events")).to_be_visible()
    expect(page.locator("td", has_text="Gordon Bell").first).to_be_visible()
    _no_content(page)
    check(page, "audit log filtered to emergency access")
    # The design system's date picker: a text box that takes what people type (never the
    # browser's mm/dd/yyyy picker), with a calendar button where scripts run.
    expect(page.locator("input[type=date], input[type=datetime-local]")).to_have_count(0)
    expect(page.locator(".ds_datepicker__button")).to_have_count(2)
    page.fill("#from", "1 January 2030")
    page.fill("#to", "01/01/2029")
    page.click("button:has-text('Search')")
    summary = page.locator(".ds_error-summary")
    expect(summary).to_be_visible()
    assert "The last day must be the same as the first day or after it." in summary.inner_text()
    assert page.input_value("#from") == "1 January 2030"  # kept as typed, to correct
    check(page, "audit log with a bad filter")
    page.fill("#from", "12/04/2020")
    page.fill("#to", "31 December 2030")
    page.click("button:has-text('Search')")
    expect(page.locator(".ds_error-summary")).to_have_count(0)
    expect(page.get_by_text("1 events")).to_be_visible()
    check(page, "audit log between two typed days")
    # A complaint gives the CHI, read out with a space: the person's events, named.
    page.goto(site + "/ig/audit")
    page.click("summary:has-text('Filters')")
    page.fill("#person", "120488 1235")
    page.click("button:has-text('Search')")
    expect(page.locator("td", has_text="Sarah Mackenzie").first).to_be_visible()
    check(page, "audit log for a person found by their CHI number")
    page.fill("#person", "")
    page.fill("#person_name", "Sarah Mackenzie")
    page.fill("#date_of_birth-day", "1")
    page.fill("#date_of_birth-month", "1")
    page.fill("#date_of_birth-year", "1990")
    page.click("button:has-text('Search')")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    expect(page.get_by_text("No one matches exactly").first).to_be_visible()
    check(page, "audit log when nobody matches the name and date of birth")
    page.goto(site + "/ig/audit?action=breakglass.invoke")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
        confirm_if_asked(page, PRIYA)
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith('"seq",')
    assert "breakglass.invoke" in csv_text
    assert not [word for word in CONTENT if word in csv_text]


def test_two_reviews_answer_their_own_forms(users, site):
    """Clicking an answer in the second review ticks the second review's radio, never the
    first's (issue 17: the forms shared ids, so an outcome could land on the wrong one)."""
    gordon = users.page("gordon.bell@justice.demo")
    gordon.goto(site + "/people/lookup")
    gordon.fill("#chi", "2201957819")
    gordon.click("button:has-text('Find')")
    gordon.get_by_role("link", name="Emergency access").click()
    confirm_if_asked(gordon, "gordon.bell@justice.demo")
    gordon.click("label:has-text('Risk of serious harm')")
    gordon.fill("#justification", "Threats made at the day centre; need the safety plan now.")
    gordon.click("button:has-text('Continue')")
    gordon.click("button:has-text('Open the plan in an emergency')")
    gordon.get_by_text("Emergency access is open").first.wait_for()
    page = users.page(PRIYA)
    page.goto(site + "/ig/reviews")
    rows = page.locator(".careplan-row", has=page.locator("form"))
    assert rows.count() >= 2
    first, second = rows.nth(0), rows.nth(1)
    second.locator("label", has_text="Not appropriate").click()
    assert second.locator("input[value=inappropriate]").is_checked()
    expect(first.locator("input[type=radio]:checked")).to_have_count(0)
    check(page, "two reviews waiting")


def test_review_emergency_access(users, site):
    page = users.page(PRIYA)
    page.goto(site + "/ig/reviews")
    item = page.locator(".careplan-row", has_text="paramedics need her medication").first
    assert "paramedics need her medication history" in item.inner_text()
    check(page, "reviews")
    item.get_by_role("button", name="Record the review").click()
    expect(page.locator(".ds_error-summary")).to_be_visible()
    item = page.locator(".careplan-row", has_text="paramedics need her medication").first
    item.locator("label", has_text="Appropriate").first.click()
    item.locator("textarea").fill("Confirmed with the ambulance service log.")
    item.get_by_role("button", name="Record the review").click()
    page.get_by_text("Your review is recorded.").first.wait_for()  # waits for the next page
    page.goto(site + "/ig/reviews?status=reviewed")
    expect(page.get_by_text("Confirmed with the ambulance service log.")).to_be_visible()
    _no_content(page)
    check(page, "reviewed")


def test_unusual_access_reports(users, site):
    page = users.page(PRIYA)
    page.goto(site + "/ig/reports")
    page.select_option("#kind", "break_glass")
    page.click("button:has-text('Show the report')")
    expect(page.locator("th", has_text="Gordon Bell")).to_be_visible()
    _no_content(page)
    check(page, "unusual access report")


def test_check_the_log_is_intact(users, site):
    page = users.page(PRIYA)
    page.goto(site + "/ig/verify")
    # The default installation's file witness, beside the signing key.
    expect(page.locator("#witness-lag tbody tr")).to_have_count(1)
    expect(page.locator("#witness-lag td", has_text="File")).to_be_visible()
    check(page, "check the log")
    page.click("button:has-text('Check the log now')")
    assert page.locator("#verify-result h2").inner_text() == "The log is intact"
    assert "present and unchanged" in page.locator("#witness-checks").inner_text()
    # What was read, and when the whole log was last checked in full.
    scope = page.locator("#verify-scope").inner_text()
    assert "Whole log last checked in full" in scope
    assert "What was checked" in scope
    check(page, "the log is intact")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check(page, "the log is intact at phone width")


def test_ig_officer_is_refused_plan_pages(users, site):
    page = users.page(PRIYA)
    page.goto(site + "/people?q=sarah")
    assert page.locator("h1").inner_text() == "You cannot see this"
    check(page, "ig officer refused a plan page")
