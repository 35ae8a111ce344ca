"""Subject access in a real browser (issue 18): Priya records a request and releases it
without ever seeing the copy; Sarah reads her copy at desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, fill_date

pytestmark = pytest.mark.browser

PRIYA = "priya.shah@nhs.demo"
SARAH = "sarah.mackenzie@example.demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CONTENT = ("heroin", "Seeing my son", "methadone", "Leith Walk", "Ex-partner")


def test_a_request_from_receipt_to_release_and_the_persons_copy(users, site):
    page = users.page(PRIYA)
    page.set_viewport_size(DESKTOP)
    page.goto(site + "/")
    expect(page.get_by_text("request", exact=False).first).to_be_visible()
    page.get_by_role("link", name="Subject access requests").first.click()
    check(page, "subject access queue")
    page.get_by_role("link", name="Record a new request").click()
    page.fill("#chi", "1204881235")
    fill_date(page, "#received_on", "2026-11-27")
    page.select_option("#channel", "email")
    page.click("label[for='requested_by-1']")
    page.click("label[for='identity_checked-1']")
    page.select_option("#identity_method", "photo_id")
    check(page, "record a subject access request")
    page.click("button:has-text('Record the request')")
    expect(page.get_by_text("The request is recorded.")).to_be_visible()
    page.click("button:has-text('Start work on this request')")
    page.click("label[for='release-to-1']")
    check(page, "subject access request in progress")
    page.set_viewport_size(PHONE)
    check(page, "subject access request in progress at phone width")
    page.set_viewport_size(DESKTOP)
    page.click("button:has-text('Release the copy')")
    expect(page.get_by_text("You do not see what it holds")).to_be_visible()
    body = page.content()
    assert not [word for word in CONTENT if word in body]
    check(page, "subject access request released")
    sarah = users.page(SARAH)
    sarah.set_viewport_size(DESKTOP)
    sarah.goto(site + "/")
    sarah.get_by_role("link", name="A copy of my information").first.click()
    expect(
        sarah.get_by_role("heading", name="Which organisations have seen your information")
    ).to_be_visible()
    check(sarah, "my copy of my information")
    sarah.set_viewport_size(PHONE)
    width = sarah.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
    check(sarah, "my copy of my information at phone width")
