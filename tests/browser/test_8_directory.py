"""The service directory in a real browser (issue 19): a key worker searches it and reads
a service; the person finds support on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, sign_in

pytestmark = pytest.mark.browser

FIONA = "fiona.reid@housing.demo"
SARAH = "sarah.mackenzie@example.demo"


def test_a_practitioner_searches_the_directory_and_reads_a_service(users, site):
    page = users.page(FIONA)
    page.goto(site + "/")
    page.get_by_role("link", name="Service directory").first.click()
    check(page, "service directory")
    page.fill("#q", "recovery")
    page.select_option("#area", "S12000036")
    page.click("label[for=accepts_referrals]")
    page.click("button:has-text('Search')")
    expect(page.get_by_text("1 service found")).to_be_visible()
    check(page, "service directory search results")
    page.get_by_role("link", name="Recovery Cafe Drop-in").click()
    assert page.locator("h1").inner_text() == "Recovery Cafe Drop-in"
    expect(
        page.get_by_text("Refer through this service, or the person can walk in.")
    ).to_be_visible()
    check(page, "a service in the directory")
    page.goto(site + "/directory?area=S99")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    check(page, "service directory with an error")


def test_the_person_finds_support_on_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, site, SARAH)
        page.goto(site + "/directory?q=listening")
        expect(page.get_by_role("link", name="Listening Line")).to_be_visible()
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, "the directory scrolls sideways on a phone"
        check(page, "find support on a phone")
        page.get_by_role("link", name="Listening Line").click()
        check(page, "a service on a phone")
    finally:
        context.close()


def test_an_administrator_records_how_to_refer(users, site):
    page = users.page("alex.murray@careplan.demo")
    page.goto(site + "/directory?q=money")
    page.get_by_role("link", name="Money and Debt Advice").click()
    page.get_by_role("link", name="Change the details recorded here").click()
    check(page, "change a service's local details")
    page.fill("#maximum_age", "12")
    page.fill("#minimum_age", "16")
    page.click("button:has-text('Save the changes')")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    expect(page.get_by_text("The youngest age must not be above the oldest.").first).to_be_visible()
    check(page, "change a service with an error")
    page.fill("#maximum_age", "")
    page.fill("#referral_method", "Phone the centre; they call back within two days.")
    page.click("button:has-text('Save the changes')")
    expect(page.get_by_text("Your changes have been saved.")).to_be_visible()
    expect(page.get_by_text("they call back within two days")).to_be_visible()
    check(page, "a service after its details changed")
