"""The person themselves in a real browser, on a phone-sized screen: my plan in plain
language, who can see it (give, refuse, withdraw), and who has looked at it, emergency
access included. Runs after the practitioner journeys, whose emergency access it expects."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, fill_date

pytestmark = pytest.mark.browser

SARAH = "sarah.mackenzie@example.demo"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_my_plan_in_plain_language(users, site):
    page = users.page(SARAH, **PHONE)
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "My plan"
    expect(page.get_by_text("Your key worker").first).to_be_visible()
    expect(page.get_by_text("Seeing my son every week")).to_be_visible()
    check(page, "my plan on a phone")


def test_who_can_see_my_plan_give_refuse_withdraw(users, site):
    page = users.page(SARAH, **PHONE)
    page.goto(site + "/my-plan")
    page.get_by_role("link", name="Who can see my plan").first.click()
    check(page, "who can see my plan")
    cafe = page.locator("tr", has_text="Broomhill Recovery Cafe")
    assert "About me" in cafe.inner_text()
    # Refuse: never share "About me" with the cafe.
    page.click("label:has-text('Refuse: never let them see these parts')")
    page.select_option("#grantee", label="Broomhill Recovery Cafe")
    page.click("label:has-text('About me')")
    page.click("button:has-text('Record this choice')")
    page.get_by_text(
        "This is recorded. It applies from now."
    ).first.wait_for()  # waits for the next page
    assert "About me" not in page.locator("tr", has_text="Broomhill Recovery Cafe").inner_text()
    # Give: share money with the cafe, until a date.
    page.click("label:has-text('Share: let them see these parts')")
    page.select_option("#grantee", label="Broomhill Recovery Cafe")
    page.click("label:has-text('Money, benefits and everyday needs')")
    page.click("button:has-text('Record this choice')")
    expect(page.locator(".ds_error-summary")).to_be_visible()  # a permission needs an end date
    check(page, "give permission with an error")
    fill_date(page, "#expires_on", "2027-06-30")
    page.click("button:has-text('Record this choice')")
    assert "Money" in page.locator("tr", has_text="Broomhill Recovery Cafe").inner_text()
    # Withdraw the refusal: "About me" is shared again at once.
    refusal = page.locator(".careplan-row", has_text="never with Broomhill Recovery Cafe")
    refusal.get_by_role("button", name="Withdraw").click()
    page.get_by_text(
        "Withdrawn. It stops applying straight away."
    ).first.wait_for()  # waits for the next page
    assert "About me" in page.locator("tr", has_text="Broomhill Recovery Cafe").inner_text()
    check(page, "who can see my plan after changes")


def test_who_has_looked_at_my_plan_shows_emergency_access(users, site):
    page = users.page(SARAH, **PHONE)
    page.goto(site + "/my-plan/access-log")
    # A summary first: the emergency access, with a link to why.
    summary = page.locator("#emergency-summary")
    assert "Gordon Bell" in summary.inner_text()
    assert "emergency access on" in summary.inner_text()
    assert "You looked at your plan" not in page.locator("main").inner_text()
    check(page, "who has looked at my plan")
    summary.get_by_role("link", name="see why").first.click()
    row = page.locator(".careplan-row", has_text="Used emergency access").first
    assert "Gordon Bell" in row.inner_text()
    assert "paramedics need her medication history" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check(page, "who has looked at my plan: emergency access")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "/my-plan/access-log?show=all")
    expect(page.get_by_text("You looked at your plan").first).to_be_visible()
    check(page, "who has looked at my plan, with my own visits, at 1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/people?q=a")
    assert page.locator("h1").inner_text() == "You cannot see this"
    check(page, "individual refused a staff page")


def test_my_plan_with_updates_a_safety_block_and_on_paper(users, site):
    page = users.page(SARAH, **PHONE)
    page.goto(site + "/my-plan")
    housing = page.locator("#updates-housing")
    assert "Sent the housing application" in housing.inner_text()
    assert "Fiona Reid" in housing.inner_text()
    safety = page.locator("#safety")
    assert "Samaritans" in safety.inner_text()
    assert "116 123" in safety.inner_text()
    assert "Morag Campbell" in safety.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check(page, "my plan with updates and the safety block on a phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    check(page, "my plan with updates and the safety block at 1280")
    # On paper: no navigation, the day it was printed, the plan itself.
    page.emulate_media(media="print")
    expect(page.locator("nav[aria-label='Main']")).not_to_be_visible()
    expect(page.locator(".ds_site-footer")).not_to_be_visible()
    expect(page.get_by_text("Your plan as it was on")).to_be_visible()
    expect(page.locator("#section-housing")).to_be_visible()
    check(page, "my plan as printed")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})
