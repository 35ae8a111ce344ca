"""The key worker's journeys in a real browser: caseload, register, start the plan, the
housing plan and goals as forms, the 412 conflict, history, consent with the person and
hand-over. Every page is checked with axe and saved as a screenshot."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, choose_staff, fill_date

pytestmark = pytest.mark.browser

MORAG = "morag.campbell@nhs.demo"


def test_caseload_shows_my_people_and_what_is_due(users, site):
    page = users.page(MORAG)
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "My caseload"
    expect(page.get_by_role("link", name="Sarah Mackenzie").first).to_be_visible()
    assert page.get_by_text("new update").count() or page.get_by_text("new updates").count()
    check(page, "key worker caseload")


def test_register_a_person_and_start_their_plan(users, site):
    page = users.page(MORAG)
    page.goto(site + "/people/new")
    check(page, "register a person")
    page.fill("#given_name", "Ewan")
    page.fill("#chi", "12345")
    page.click("button:has-text('Register')")
    summary = page.locator(".ds_error-summary")
    expect(summary).to_be_visible()
    assert page.input_value("#given_name") == "Ewan"  # what was typed is kept
    assert page.input_value("#chi") == "12345"
    check(page, "register a person with errors")
    page.fill("#family_name", "Gray")
    fill_date(page, "#date_of_birth", "1990-02-03")
    page.fill("#chi", "")
    page.click("button:has-text('Register')")
    assert "/plan/new" in page.url
    check(page, "start the plan")
    choose_staff(page, "key_worker_id", "Morag Campbell")
    fill_date(page, "#agreed_on", "2026-11-20")
    page.click("label[for='agreed_how-1']")
    page.click("button:has-text('Start the plan')")
    assert page.locator(".ds_notification--success").inner_text().strip() == (
        "The care plan is started."
    )
    # The basis, the same for every part, is said once in the summary (issue 17).
    expect(
        page.locator(".ds_summary-list__item", has_text="Why you can see this plan")
        .filter(has_text="You are their key worker.")
        .first
    ).to_be_visible()
    check(page, "new plan")


def _open_plan(page, site, name):
    page.goto(site + "/people?q=" + name.split()[0])
    page.get_by_role("link", name=name).first.click()


def test_goals_as_a_form_with_rows_dates_and_statuses(users, site):
    page = users.page(MORAG)
    _open_plan(page, site, "Sarah Mackenzie")
    check(page, "plan of sarah for her key worker")
    page.get_by_role("link", name="Change my goals and actions").click()
    check(page, "change goals")
    page.click("button[value='goals']")  # Add another goal
    goal = page.locator("[name='c.goals.2.goal']")
    goal.fill("Get my driving licence back")
    page.select_option("[name='c.goals.2.status']", "not_started")
    fill_date(page, "[name='c.goals.2.review_on']", str(date.today() + timedelta(days=7)))
    page.click("button[value='goals.2.actions']")
    assert page.input_value("[name='c.goals.2.goal']") == "Get my driving licence back"
    page.fill("[name='c.goals.2.actions.0.action']", "Ask the GP for a medical report")
    fill_date(page, "[name='c.goals.2.actions.0.by_when']", str(date.today() - timedelta(days=3)))
    page.select_option("[name='c.goals.2.actions.0.status']", "to_do")
    check(page, "change goals with a new row")
    page.click("button:has-text('Save changes')")
    page.get_by_text("Your changes are saved.").first.wait_for()  # waits for the next page
    page.goto(site + "/")
    expect(page.get_by_text("Ask the GP for a medical report")).to_be_visible()  # overdue now
    expect(page.get_by_text("Get my driving licence back").first).to_be_visible()  # review due
    check(page, "caseload with an overdue action")


def test_housing_plan_rows_can_be_removed(users, site):
    page = users.page(MORAG)
    _open_plan(page, site, "Sarah Mackenzie")
    page.get_by_role("link", name="Change personal housing plan").click()
    check(page, "change the personal housing plan")
    before = page.locator("[name^='c.offers.'][name$='.offered_on-day']").count()
    page.click("button[value='offers']")
    fill_date(page, f"[name='c.offers.{before}.offered_on']", "2026-11-18")
    page.select_option(f"[name='c.offers.{before}.outcome']", "refused")
    page.click("button:has-text('Save changes')")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    expect(page.get_by_role("link", name="Say why the offer was refused.")).to_be_visible()
    check(page, "housing plan with an error")
    page.get_by_role("link", name="Say why the offer was refused.").click()
    page.fill(f"[name='c.offers.{before}.refusal_reason']", "Too far from her son's school")
    page.check("#f-safety_needs-no_mixed_gender_shared-true")  # yes or no as radios
    page.click(f"button[value='offers.{before}']")  # remove it again
    expect(page.locator(f"[name='c.offers.{before}.offered_on-day']")).to_have_count(0)
    page.click("button:has-text('Save changes')")
    page.get_by_text("Your changes are saved.").first.wait_for()  # waits for the next page


def test_someone_else_saving_first_keeps_my_words(users, site):
    page = users.page(MORAG)
    _open_plan(page, site, "Sarah Mackenzie")
    page.get_by_role("link", name="Change about me").click()
    edit_url = page.url
    other = page.context.new_page()
    other.goto(edit_url)
    other.fill("#f-my_story", "Saved first, in another window.")
    other.click("button:has-text('Save changes')")
    other.get_by_text("Your changes are saved.").first.wait_for()  # saved before we go on
    other.close()
    page.fill("#f-my_story", "My own careful words about Sarah's story.")
    page.click("button:has-text('Save changes')")
    expect(
        page.get_by_text("Someone else saved this section while you were changing it")
    ).to_be_visible()
    assert page.input_value("#f-my_story") == "My own careful words about Sarah's story."
    check(page, "someone else saved first")
    page.click("button:has-text('Save changes')")
    page.get_by_text("Your changes are saved.").first.wait_for()  # waits for the next page


def test_history_highlights_what_changed(users, site):
    page = users.page(MORAG)
    _open_plan(page, site, "Sarah Mackenzie")
    page.get_by_role("link", name="Earlier versions of about me").click()
    expect(
        page.locator("ins.careplan-added", has_text="My own careful words").first
    ).to_be_visible()
    expect(page.locator("del.careplan-removed", has_text="Saved first").first).to_be_visible()
    check(page, "version history")


def test_who_can_see_what_with_the_person(users, site):
    page = users.page(MORAG)
    _open_plan(page, site, "Sarah Mackenzie")
    page.get_by_role("link", name="Who can see what").click()
    check(page, "who can see what")
    page.check("text=Refuse: never let them see these parts")
    page.select_option("#grantee", label="City of Edinburgh Council Housing Support")
    page.check("label:has-text('Money, benefits and everyday needs')")
    page.check("text=They told me")
    page.click("button:has-text('Record this choice')")
    page.get_by_text(
        "This is recorded. It applies from now."
    ).first.wait_for()  # waits for the next page
    row = page.locator("tr", has_text="City of Edinburgh Council Housing Support")
    assert "Money" not in row.inner_text()
    page.check("text=Share: let them see these parts")
    page.click("button:has-text('Record this choice')")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    check(page, "who can see what with errors")


def test_access_log_for_the_key_worker(users, site):
    page = users.page(MORAG)
    _open_plan(page, site, "Sarah Mackenzie")
    page.get_by_role("link", name="Who has looked at this plan").click()
    # Said to staff about Sarah, her repeated visits on one line.
    expect(page.get_by_text("You looked at Sarah\u2019s plan").first).to_be_visible()
    assert "your plan" not in page.locator("main").inner_text()
    check(page, "access log for the key worker")
    page.click("label:has-text('Other organisations only')")
    page.click("button:has-text('Show these visits')")
    page.wait_for_url("**show=other_agencies**")
    assert "You looked" not in page.locator("main").inner_text()
    check(page, "access log for the key worker: other organisations")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check(page, "access log for the key worker on a phone")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_hand_over_to_a_new_key_worker(users, site):
    page = users.page(MORAG)
    _open_plan(page, site, "Ewan Gray")
    page.get_by_role("link", name="Hand over to a new key worker").click()
    check(page, "hand over")
    choose_staff(page, "staff_id", "Ali Hassan")
    fill_date(page, "#agreed_on", "2026-11-21")
    page.click("label[for='agreed_how-2']")
    page.click("button:has-text('Record the hand-over')")
    page.get_by_text("The new key worker is recorded.").first.wait_for()  # waits for the next page
    expect(page.locator(".ds_summary-list", has_text="Ali Hassan").first).to_be_visible()
    # Morag still reads it (she is in Ali's team, issue 22) but may no longer change it.
    expect(
        page.locator(".ds_summary-list__item", has_text="Why you can see this plan")
        .filter(has_text="You are in their key worker's team.")
        .first
    ).to_be_visible()
    expect(page.get_by_role("link", name="Change about me")).to_have_count(0)
    check(page, "plan after hand-over")


def test_caseload_and_forms_work_on_a_phone(users, site):
    page = users.page(MORAG).context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto(site + "/")
        assert page.locator("h1").inner_text() == "My caseload"
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # never behind a menu
        check(page, "caseload on a phone")
        _open_plan(page, site, "Sarah Mackenzie")
        page.get_by_role("link", name="Change my goals and actions").click()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390  # nothing wider than the screen: no sideways scrolling
        check(page, "change goals on a phone")
    finally:
        page.close()
