"""The timeout warning (issue 17): two minutes before the idle limit a dialog says the
person will be signed out and offers "Stay signed in", which keeps the session. The
browser's clock is moved on, not waited for. (What the sign-in page says after the limit is
tested in tests/web/test_idle_sign_out.py, where the session's clock can be moved too.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check

pytestmark = pytest.mark.browser

MORAG = "morag.campbell@nhs.demo"


def test_warned_before_being_signed_out_and_can_stay(users, site):
    page = users.page(MORAG)
    page.clock.install()
    page.goto(site + "/people/new")
    idle = int(page.locator("body").get_attribute("data-idle-seconds"))
    dialog = page.locator("#timeout-warning")
    expect(dialog).not_to_be_visible()
    page.clock.fast_forward((idle - 125) * 1000)
    expect(dialog).not_to_be_visible()
    page.clock.fast_forward(10_000)
    expect(dialog).to_be_visible()
    assert "You will be signed out soon" in dialog.inner_text()
    check(page, "timeout warning")
    dialog.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    # Still signed in on the server: the next page opens without signing in again.
    page.goto(site + "/people/new")
    assert "/sign-in" not in page.url
