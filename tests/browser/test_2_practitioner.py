"""Practitioners in a real browser: a third-sector worker finds someone they work with,
sees only what is shared and why, adds an update, and is refused the rest; a justice social
worker with no relationship cannot find the person, then uses emergency access in two
deliberate steps."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, confirm_if_asked

pytestmark = pytest.mark.browser

JAMIE = "jamie.robertson@cafe.demo"
GORDON = "gordon.bell@justice.demo"
REASON = "Found unresponsive at the hostel; paramedics need her medication history now."


def test_find_a_person_see_what_is_shared_and_why(users, site):
    page = users.page(JAMIE)
    page.goto(site + "/")
    check(page, "practitioner home")
    page.get_by_role("link", name="Find a person").first.click()
    page.fill("#q", "mackenzie")
    page.click("button:has-text('Search')")
    check(page, "find a person")
    page.get_by_role("link", name="Sarah Mackenzie").click()
    body = page.content()
    assert "Some parts of this plan are not shared with you" in body
    assert "They agreed to share this with your organisation" in body
    for hidden in ("Alcohol and drugs", "Mental health", "Justice"):
        assert hidden not in body
    check(page, "plan shared with a third-sector practitioner")


def test_add_an_update_and_be_refused_the_rest(users, site):
    page = users.page(JAMIE)
    page.goto(site + "/people?q=sarah")
    page.get_by_role("link", name="Sarah Mackenzie").click()
    page.get_by_role("link", name="Add an update to personal housing plan").click()
    page.click("button:has-text('Add the update')")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    check(page, "add an update with an error")
    page.fill("#text", "Went with Sarah to view a flat in Gorgie. She liked it.")
    page.click("button:has-text('Add the update')")
    expect(page.get_by_text("Went with Sarah to view a flat in Gorgie.")).to_be_visible()
    check(page, "section with updates")
    person_url = page.url.split("/sections/")[0]
    page.goto(person_url + "/sections/mental_health")
    assert page.locator("h1").inner_text() == "You cannot see this"
    check(page, "refused a section")
    page.goto(person_url + "/sections/housing/edit")
    assert page.locator("h1").inner_text() == "You cannot see this"


def test_no_relationship_means_not_found_then_emergency_access(users, site):
    page = users.page(GORDON)
    page.goto(site + "/people?q=mackenzie")
    expect(page.get_by_text("0 people found")).to_be_visible()
    page.get_by_role("link", name="find them by their exact details").click()
    check(page, "find by exact details")
    page.fill("#chi", "1204881235")
    page.click("button:has-text('Find')")
    check(page, "found one person")
    person_url = page.url.removesuffix("/found")
    page.goto(person_url)
    assert page.locator("h1").inner_text() == "Page not found"
    check(page, "not found page")
    page.go_back()
    page.get_by_role("link", name="Emergency access").click()
    confirm_if_asked(page, GORDON)
    assert "recorded" in page.locator(".ds_warning-text").inner_text()
    check(page, "emergency access step one")
    page.click("label:has-text('Risk to life')")
    page.fill("#justification", "Urgent")
    page.click("button:has-text('Continue')")
    expect(page.get_by_text("Write at least").first).to_be_visible()
    page.fill("#justification", REASON)
    page.click("button:has-text('Continue')")
    assert page.locator("h1").inner_text() == "Check before you open the plan"
    check(page, "emergency access step two")
    page.click("button:has-text('Open the plan in an emergency')")
    page.get_by_text("Emergency access is open").first.wait_for()  # waits for the next page
    expect(page.get_by_text("Emergency access. This is recorded").first).to_be_visible()
    check(page, "plan opened in an emergency")
