"""The living plan in a real browser (issue 20): Sarah writes her own story, a closed plan
is reopened with the person's agreement, and the plan is downloaded as a PDF whose text is
read back. Screenshots at desktop (1280) and phone (390) width."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import check, choose_staff, fill_date, sign_in

pytestmark = pytest.mark.browser

SARAH = "sarah.mackenzie@example.demo"
MORAG = "morag.campbell@nhs.demo"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
STORY = "I grew up in Leith. My son is the reason I keep going."


def _signed_in(browser, site, email, size):
    context = browser.new_context(accept_downloads=True, **size)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, site, email)
    return page


def _pdf_text(download) -> str:
    with open(download.path(), "rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
    return "\n".join(p.extract_text() for p in reader.pages)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_sarah_writes_her_own_story(browser, site, size):
    page = _signed_in(browser, site, SARAH, PHONE if size == "phone" else DESKTOP)
    page.goto(site + "/my-plan")
    page.click("a[href='/my-plan/sections/about_me/edit']")
    check(page, f"write my story ({size})")
    page.fill("[name='c.my_story']", f"{STORY} ({size})")
    page.click("button:has-text('Save changes')")
    page.get_by_text("Your changes are saved.").first.wait_for()
    expect(page.get_by_text(f"{STORY} ({size})")).to_be_visible()
    expect(page.get_by_text("You wrote this.").first).to_be_visible()
    page.click("a[href='/my-plan/sections/goals/updates/new']")
    page.fill("#text", f"Went to the cafe meeting ({size}).")
    page.click("button:has-text('Add the update')")
    page.get_by_text("Your update is added.").first.wait_for()
    check(page, f"my plan after writing ({size})")
    page.context.close()


def test_the_key_worker_sees_her_words_as_hers(browser, site):
    page = _signed_in(browser, site, MORAG, DESKTOP)
    page.goto(site + "/people?q=mackenzie")
    page.get_by_role("link", name="Sarah Mackenzie").first.click()
    section = page.locator("section", has_text="About me").first
    assert "In their own words" in section.inner_text()
    assert "wrote this themselves" in section.inner_text()
    check(page, "plan with the person's own words")
    page.context.close()


def test_a_closed_plan_is_reopened(browser, site):
    page = _signed_in(browser, site, MORAG, DESKTOP)
    page.goto(site + "/people?q=wilson")
    page.get_by_role("link", name="Craig Wilson").first.click()
    expect(page.get_by_text("The plan can be read but not changed.")).to_be_visible()
    page.get_by_role("link", name="Reopen the plan").click()
    check(page, "reopen a closed plan")
    page.click("button:has-text('Reopen the plan')")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    check(page, "reopen with errors")
    choose_staff(page, "key_worker_id", "Morag Campbell")
    fill_date(page, "#agreed_on", "2026-11-20")
    page.click("label[for='agreed_how-1']")
    page.click("button:has-text('Reopen the plan')")
    page.get_by_text("The plan is open again").first.wait_for()
    expect(page.get_by_text("Two years sober").first).to_be_visible()
    expect(page.get_by_role("link", name="Reopen the plan")).to_have_count(0)
    check(page, "plan reopened")
    page.context.close()


def test_the_reopen_form_on_a_phone(browser, site):
    # The reopened plan's page on a phone, with its download link.
    page = _signed_in(browser, site, MORAG, PHONE)
    page.goto(site + "/people?q=wilson")
    page.get_by_role("link", name="Craig Wilson").first.click()
    expect(page.get_by_role("link", name="Download the plan to print")).to_be_visible()
    check(page, "reopened plan on a phone")
    page.context.close()


def test_the_plan_is_downloaded_as_a_pdf(browser, site):
    page = _signed_in(browser, site, SARAH, PHONE)
    page.goto(site + "/my-plan")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download your plan to print or keep (PDF)").click()
    download = waiting.value
    assert download.suggested_filename.startswith("care-plan-")
    text = _pdf_text(download)
    assert "My care plan" in text
    assert "Printed on" in text
    assert STORY in text.replace("\n", " ")
    assert "You wrote this." in text
    page.context.close()
    # A practitioner with consent for some parts gets those parts, and is told the rest
    # are left out.
    cafe = _signed_in(browser, site, "jamie.robertson@cafe.demo", DESKTOP)
    cafe.goto(site + "/people?q=mackenzie")
    cafe.get_by_role("link", name="Sarah Mackenzie").first.click()
    with cafe.expect_download() as waiting:
        cafe.get_by_role("link", name="Download the plan to print").click()
    text = _pdf_text(waiting.value)
    assert "Care plan for Sarah Mackenzie" in text
    assert "not shared with you" in text
    assert "Alcohol and drugs" not in text
    cafe.context.close()
