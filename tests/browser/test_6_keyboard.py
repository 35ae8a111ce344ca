"""A whole journey with the keyboard only (Tab, arrows, typing, Space and Enter; no
clicks): the person signs in, opens "Who can see my plan", refuses to share a part of
their plan with an organisation, and withdraws the refusal again."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORDS, check

pytestmark = pytest.mark.browser

SARAH = "sarah.mackenzie@example.demo"


def tab_to(page, selector: str, text: str | None = None, limit: int = 150) -> None:
    """Press Tab until the focused element matches (and contains `text`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(
            """([selector, text]) => {
                const el = document.activeElement;
                if (!el || !el.matches(selector)) return false;
                return text === null || el.textContent.includes(text)
                    || (el.labels && [...el.labels].some(l => l.textContent.includes(text)));
            }""",
            [selector, text],
        )
        if found:
            return
    raise AssertionError(f"Tab never reached {selector} {text!r}")


def test_refuse_and_withdraw_with_the_keyboard_only(browser, site):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(site + "/sign-in")
        tab_to(page, "#email")
        page.keyboard.type(SARAH)
        tab_to(page, "#password")
        page.keyboard.type(PASSWORDS[SARAH])
        page.keyboard.press("Enter")
        page.wait_for_url(site + "/")
        tab_to(page, "a", "Who can see my plan")
        page.keyboard.press("Enter")
        page.wait_for_url("**/my-plan/sharing")
        tab_to(page, "input[type=radio]", "Share")
        page.keyboard.press("ArrowDown")  # moves to, and chooses, "Refuse"
        assert page.is_checked("input[value=deny]")
        tab_to(page, "#grantee")
        page.keyboard.type("Broomhill")
        assert "Broomhill" in page.evaluate(
            "() => document.querySelector('#grantee').selectedOptions[0].textContent"
        )
        tab_to(page, "input[type=checkbox]", "Personal housing plan")
        page.keyboard.press("Space")
        tab_to(page, "button", "Record this choice")
        page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        page.get_by_text(
            "This is recorded. It applies from now."
        ).first.wait_for()  # waits for the next page
        cafe = page.locator("tr", has_text="Broomhill Recovery Cafe").inner_text()
        assert "Personal housing plan" not in cafe
        check(page, "keyboard only refusal recorded")
        tab_to(page, "button", "Withdraw")
        page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        page.get_by_text(
            "Withdrawn. It stops applying straight away."
        ).first.wait_for()  # waits for the next page
        assert (
            "Personal housing plan"
            in page.locator("tr", has_text="Broomhill Recovery Cafe").inner_text()
        )
        check(page, "keyboard only refusal withdrawn")
    finally:
        context.close()
