"""Referrals in a real browser (issue 19): Morag refers Sarah to the council's housing
support with her agreement; Niamh accepts it from the inbox and reads only what was sent;
a second referral, to the recovery cafe, is rejected with a reason and a suggested
service; Sarah sees both, on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, sign_in

pytestmark = pytest.mark.browser

MORAG = "morag.campbell@nhs.demo"
NIAMH = "niamh.grant@housing.demo"
JAMIE = "jamie.robertson@cafe.demo"
SARAH = "sarah.mackenzie@example.demo"


def _refer(page, site, search, service, parts):
    page.goto(site + "/")
    page.get_by_role("link", name="Sarah Mackenzie").first.click()
    page.get_by_role("link", name="Referrals", exact=True).last.click()
    page.get_by_role("link", name="Refer to a service").click()
    page.fill("#q", search)
    page.click("button:has-text('Search')")
    page.get_by_role("link", name=service).first.click()
    page.fill("#reason", "Her tenancy ends in January; she wants a settled home near her son.")
    page.click("label:has-text('Soon: within a week')")
    for part in parts:
        page.click(f"label:has-text('{part}')")
    page.click("label:has-text('They told me (verbal)')")
    page.fill("#agreed_on-day", "20")
    page.fill("#agreed_on-month", "11")
    page.fill("#agreed_on-year", "2026")


def test_refer_accept_reject_and_sarah_sees_both(users, site, browser):
    morag = users.page(MORAG)
    _refer(
        morag,
        site,
        "housing",
        "Housing Support and Homelessness Prevention",
        ["Personal housing plan"],
    )
    check(morag, "refer to a service: the question page")
    morag.click("button:has-text('Send the referral')")
    expect(morag.get_by_text("The referral has been sent")).to_be_visible()
    check(morag, "a referral just sent")

    niamh = users.page(NIAMH)
    niamh.goto(site + "/")
    niamh.get_by_role("link", name="Referrals").first.click()
    check(niamh, "the referral inbox")
    niamh.get_by_role("link", name="Sarah Mackenzie").first.click()
    sent = niamh.locator("main").inner_text()
    assert "What was sent with it" in sent
    shared = sent.split("What was sent with it")[1].split("What has happened")[0]
    assert "Personal housing plan" in shared
    for withheld in ("Alcohol and drugs", "Mental health", "Safety and risk", "Money, benefits"):
        assert withheld not in shared
    check(niamh, "a referral as the receiving service reads it")
    niamh.click("label:has-text('The service has accepted it')")
    niamh.click("button:has-text('Save')")
    expect(niamh.get_by_text("The referral has been updated")).to_be_visible()
    expect(niamh.get_by_text("Taken on by")).to_be_visible()

    _refer(morag, site, "cafe", "Recovery Cafe Drop-in", ["My goals and actions"])
    morag.click("button:has-text('Send the referral')")
    expect(morag.get_by_text("The referral has been sent")).to_be_visible()
    jamie = users.page(JAMIE)
    jamie.goto(site + "/referrals")
    jamie.get_by_role("link", name="Sarah Mackenzie").first.click()
    jamie.click("label:has-text('The service cannot take it')")
    jamie.click("button:has-text('Save')")
    expect(jamie.locator(".ds_error-summary")).to_be_visible()
    check(jamie, "a rejection without its reason")
    jamie.select_option("#reason_code", "better_elsewhere")
    jamie.fill("#reason_text", "Our group is full until March; the advice centre can help sooner.")
    jamie.click("label:has-text('Our service')")
    jamie.select_option(
        "#suggested_service_id", label="Money and Debt Advice (Leith Advice Centre)"
    )
    jamie.click("label:has-text('The service cannot take it')")
    jamie.click("button:has-text('Save')")
    expect(jamie.get_by_text("The referral has been updated")).to_be_visible()

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, site, SARAH)
        page.goto(site + "/me/referrals")
        mine = page.locator("main").inner_text()
        assert "Housing Support and Homelessness Prevention" in mine
        assert "The service has accepted it" in mine
        assert "Recovery Cafe Drop-in" in mine
        assert "The service cannot take it" in mine
        assert "the advice centre can help sooner" in mine
        assert "Money and Debt Advice" in mine
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, "the referrals page scrolls sideways on a phone"
        check(page, "my referrals on a phone")
    finally:
        phone.close()
