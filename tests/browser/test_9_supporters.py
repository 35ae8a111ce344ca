"""Supporters in a real browser (issue 20, Done-when): Sarah, on her phone, invites her
sister (family, "my sister") to see her goals; her sister signs in with the code and sees
her goals and nothing else (not her story, her housing plan or her risks, nor by their
address); Sarah stops sharing; her sister is refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from careplan.core import clock
from tests.browser.conftest import check, fill_date, sign_in

pytestmark = pytest.mark.browser

SARAH = "sarah.mackenzie@example.demo"


def test_sarah_shares_her_goals_with_her_sister_then_stops(browser, site):
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        sarah = phone.new_page()
        sarah.set_default_timeout(10_000)
        sign_in(sarah, site, SARAH)
        sarah.get_by_role("link", name="People supporting you").first.click()
        expect(sarah.get_by_role("heading", name="Your care team")).to_be_visible()
        check(sarah, "people supporting you, on a phone")
        sarah.click("button:has-text('Invite them')")
        expect(sarah.locator(".ds_error-summary")).to_be_visible()
        check(sarah, "invite someone with errors, on a phone")
        sarah.fill("#name", "Eilidh Mackenzie")
        sarah.get_by_text("Family", exact=True).click()
        sarah.fill("#described_as", "my sister")
        sarah.fill("#email", "eilidh.mackenzie@example.test")
        sarah.locator("label", has_text="My goals and actions").click()
        fill_date(sarah, "#expires_on", (clock.today() + timedelta(days=90)).isoformat())
        sarah.click("button:has-text('Invite them')")
        expect(sarah.get_by_text("Eilidh Mackenzie is invited")).to_be_visible()
        code = sarah.locator("[data-invitation-code]").inner_text().strip()
        wide = sarah.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, "the supporters page scrolls sideways on a phone"
        check(sarah, "sister invited with her code, on a phone")

        eilidh = desk.new_page()
        eilidh.set_default_timeout(10_000)
        eilidh.goto(site + "/sign-in/invitation")
        eilidh.fill("#code", code)
        eilidh.fill("#password", "a long walk along the shore")
        eilidh.fill("#confirm", "a long walk along the shore")
        eilidh.click("button[type=submit]")
        expect(
            eilidh.get_by_role("heading", name="People who share their plan with you")
        ).to_be_visible()
        check(eilidh, "the supporter's home")
        eilidh.get_by_role("link", name="Sarah Mackenzie").click()
        plan = eilidh.url.split("?")[0]
        body = eilidh.locator("main").inner_text()
        assert "My goals and actions" in body
        assert "Move into my own tenancy" in body  # Sarah's goal, in her words
        for hidden in ("Personal housing plan", "Alcohol and drugs", "Mental health"):
            assert hidden not in body
        # Nothing of what Sarah did not choose: her story, her housing plan, her risks.
        for words in ("heroin", "Leith Walk", "Ex-partner"):
            assert words not in body
        # Her sister's name, not who she is beyond it (issue 20's walk): no date of birth.
        assert "Date of birth" not in body
        assert "CHI number" not in body
        check(eilidh, "Sarah's goals, as her sister sees them")
        eilidh.set_viewport_size({"width": 390, "height": 844})
        check(eilidh, "Sarah's goals, as her sister sees them, on a phone")
        eilidh.set_viewport_size({"width": 1280, "height": 900})
        # Nor by its address: her housing plan is refused to her sister, plainly.
        eilidh.goto(plan + "/sections/housing")
        expect(eilidh.get_by_role("heading", name="You cannot see this")).to_be_visible()
        assert "Leith Walk" not in eilidh.locator("main").inner_text()
        check(eilidh, "Sarah's housing plan refused to her sister")
        eilidh.goto(plan)

        sarah.goto(site + "/my-plan/access-log")
        expect(sarah.get_by_text("Your sister Eilidh Mackenzie").first).to_be_visible()
        check(sarah, "her sister's looking in her access log, on a phone")

        sarah.goto(site + "/my-plan/supporters")
        sarah.locator("[data-supporter]", has_text="Eilidh Mackenzie").locator(
            "xpath=following-sibling::p[1]"
        ).get_by_role("link", name=re.compile("Stop sharing")).click()
        expect(
            sarah.get_by_role("heading", name="Stop sharing with Eilidh Mackenzie?")
        ).to_be_visible()
        check(sarah, "stop sharing: confirm, on a phone")
        sarah.click("button:has-text('Stop sharing')")
        expect(sarah.get_by_text("Sharing has stopped.")).to_be_visible()
        check(sarah, "sharing stopped, on a phone")

        eilidh.goto(plan)
        expect(eilidh.get_by_role("heading", name="Page not found")).to_be_visible()
        eilidh.goto(site + "/")
        expect(eilidh.get_by_text("Nobody is sharing their plan with you")).to_be_visible()
        check(eilidh, "the supporter after sharing stopped")
    finally:
        phone.close()
        desk.close()
