"""The administrator in a real browser: agencies and agreements, staff accounts (invite,
deactivate, reset the second factor); no plan content anywhere, and plan pages refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ENROLLED, PASSWORDS, check, code, confirm_if_asked, fill_date

pytestmark = pytest.mark.browser

ALEX = "alex.murray@careplan.demo"
FIONA = "fiona.reid@housing.demo"
CONTENT = ("heroin", "Seeing my son", "methadone", "Leith Walk", "Ex-partner")


def test_agencies_and_agreements(users, site):
    page = users.page(ALEX)
    page.goto(site + "/")
    check(page, "administrator home")
    page.get_by_role("link", name="Agencies").first.click()
    check(page, "agencies")
    page.fill("#name", "Streetwork Outreach")
    page.click("button:has-text('Add the agency')")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    assert page.input_value("#name") == "Streetwork Outreach"
    check(page, "add an agency with errors")
    page.select_option("#sector", "third_sector")
    page.select_option("#kind", "charity")
    page.click("button:has-text('Add the agency')")
    page.get_by_text("The agency is added.").first.wait_for()  # waits for the next page
    row = page.locator("tr", has_text="Streetwork Outreach")
    assert "No agreement" in row.inner_text()
    row.get_by_role("link", name="Set the agreement").click()
    check(page, "set an agreement")
    page.click("label:has-text('Standard')")
    fill_date(page, "#valid_until", "2027-12-31")
    page.click("button:has-text('Record the agreement')")
    assert "Up to standard" in page.locator("tr", has_text="Streetwork Outreach").inner_text()
    # An agency can be changed; NHS is spelt as an acronym.
    assert "NHS" in page.locator("tr", has_text="NHS Lothian").inner_text()
    page.locator("tr", has_text="Streetwork Outreach").get_by_role("link", name="Change").click()
    check(page, "change an agency")
    page.fill("#name", "Streetwork Outreach Edinburgh")
    page.click("button:has-text('Save the changes')")
    page.get_by_text("The agency's details are changed.").first.wait_for()
    expect(page.locator("tr", has_text="Streetwork Outreach Edinburgh")).to_have_count(1)


def test_staff_invite_deactivate_reset(users, site):
    page = users.page(ALEX)
    page.goto(site + "/admin/staff")
    check(page, "staff accounts")
    page.fill("#name", "Rab Neil")
    page.fill("#email", "rab.neil@outreach.demo")
    page.click("button:has-text('Invite')")
    expect(page.locator(".ds_error-summary")).to_be_visible()  # no role chosen
    page.select_option("#agency_id", label="Streetwork Outreach Edinburgh")  # renamed above
    page.click("label:has-text('Practitioner')")
    page.click("button:has-text('Invite')")
    first = page.locator("#invitation-code").inner_text().strip()
    assert len(first) == 19  # four groups of four, to read over the phone
    expect(page.get_by_text("It works until")).to_be_visible()
    check(page, "staff invited")
    # Search the list; Rab is invited and has not signed in: send a new code.
    page.fill("#q", "rab")
    page.press("#q", "Enter")
    page.wait_for_url("**q=rab**")
    row = page.locator("tr", has_text="Rab Neil")
    assert "Invited, not yet signed in" in row.inner_text()
    check(page, "staff search: invited, not yet signed in")
    row.get_by_role("button", name="Send a new code").click()
    assert page.locator("#invitation-code").inner_text().strip() != first
    # Change his roles.
    page.locator("tr", has_text="Rab Neil").get_by_role("link", name="Change roles").click()
    check(page, "change roles or organisation")
    page.click("label:has-text('Referral coordinator')")
    page.click("button:has-text('Save the changes')")
    page.get_by_text("roles and organisation are changed").first.wait_for()
    assert "Referral coordinator" in page.locator("tr", has_text="Rab Neil").inner_text()
    # No deactivate on my own row.
    mine = page.locator("tr", has_text="Alex Murray")
    expect(mine.get_by_role("link", name="Deactivate")).to_have_count(0)
    row = page.locator("tr", has_text="Rab Neil")
    row.get_by_role("link", name="Deactivate").click()  # a page to confirm, then deactivate
    check(page, "deactivate someone who is key worker for no one")
    page.click("button:has-text('Deactivate Rab Neil')")
    assert "Deactivated" in page.locator("tr", has_text="Rab Neil").inner_text()
    page.locator("tr", has_text="Rab Neil").get_by_role("button", name="Reactivate").click()
    page.get_by_text("The account is active again.").first.wait_for()
    assert "Deactivated" not in page.locator("tr", has_text="Rab Neil").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/admin/staff?status=invited")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check(page, "staff accounts on a phone, invited only")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "/admin/staff")
    row = page.locator("tr", has_text="Fiona Reid")
    row.get_by_role("button", name="Reset second factor").click()
    if "/confirm" in page.url:  # another person's credential: confirm it is you first
        confirm_if_asked(page, ALEX)
        row = page.locator("tr", has_text="Fiona Reid")
        row.get_by_role("button", name="Reset second factor").click()
    page.get_by_text("set up a new authenticator app").first.wait_for()  # waits for the next page
    body = page.content()
    assert not [word for word in CONTENT if word in body]


def test_after_a_reset_the_qr_code_shows_to_set_up_a_new_app(browser, site):
    """Fiona's second factor was reset above: at her next sign-in the authenticator's QR
    code loads as an image (it once had no SVG namespace, so everyone typed the key)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(site + "/sign-in")
    page.fill("#email", FIONA)
    page.fill("#password", PASSWORDS[FIONA])
    page.click("button:has-text('Sign in')")
    assert "/sign-in/set-up-code" in page.url
    qr = page.locator("img.careplan-qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
    check(page, "set up a new authenticator app: the QR code shows")
    ENROLLED[FIONA] = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#code", code(FIONA))
    page.click("button[type=submit]")
    page.get_by_role("link", name="I have saved my codes").click()
    assert "/sign-in" not in page.url
    context.close()


def test_administrator_is_refused_plan_and_ig_pages(users, site):
    page = users.page(ALEX)
    page.goto(site + "/ig/audit")
    assert page.locator("h1").inner_text() == "You cannot see this"
    check(page, "forbidden page")
    page.goto(site + "/my-plan")
    assert page.locator("h1").inner_text() == "Page not found"
