"""What every public service has (issue 17): a privacy notice (UK GDPR Art 13/14), an
accessibility statement, help and feedback (linked from the footer and the phase banner on
every page), a favicon, and page titles that name the service once."""

from __future__ import annotations

import re

import pytest

from tests.web.support import Browser, staff, text


@pytest.fixture(scope="module")
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_footer_pages_open_for_everyone(demo_app, morag, signed_in):
    client = morag.client if signed_in else demo_app.test_client()
    for path, heading in (
        ("/privacy", "Privacy notice"),
        ("/accessibility", "Accessibility statement"),
        ("/contact", "Help and feedback"),
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert f'<h1 class="ds_page-header__title">{heading}</h1>' in text(page)


def test_the_privacy_notice_says_what_the_law_asks(demo_app):
    page = text(demo_app.test_client().get("/privacy"))
    for heading in (
        "Who is responsible",
        "What we hold",
        "Why we hold it",
        "Who can see it",
        "How long it is kept",
        "Your rights",
    ):
        assert heading in page
    assert "6 years" in page  # CAREPLAN_RETENTION_DAYS, 2190 by default
    assert "Article 6(1)(e)" in page
    assert "Information Commissioner" in page
    assert "Personal housing plan" in page or "personal housing plan" in page


def test_the_contact_address_comes_from_configuration(demo_app, monkeypatch):
    # Read when each page is made (CAREPLAN_CONTACT_EMAIL, CAREPLAN_OPERATOR).
    monkeypatch.setitem(demo_app.config, "CONTACT_EMAIL", "help@careplan.example")
    monkeypatch.setitem(demo_app.config, "OPERATOR", "Glasgow City HSCP")
    for path in ("/privacy", "/accessibility", "/contact"):
        page = text(demo_app.test_client().get(path))
        assert "mailto:help@careplan.example" in page
    assert "Glasgow City HSCP" in text(demo_app.test_client().get("/privacy"))


def test_every_page_links_to_them_and_to_feedback(demo_app, morag):
    for page in (text(demo_app.test_client().get("/")), text(morag.get("/people/new"))):
        assert 'href="/privacy"' in page
        assert 'href="/accessibility"' in page
        assert 'href="/contact"' in page
        assert 'href="/contact#service">Tell us what you think' in page
        assert 'rel="icon" href="/static/favicon.svg"' in page


def test_the_favicon_is_served(demo_app):
    icon = demo_app.test_client().get("/static/favicon.svg")
    try:
        assert icon.status_code == 200
        assert b'xmlns="http://www.w3.org/2000/svg"' in icon.get_data()
    finally:
        icon.close()


def test_titles_name_the_service_once_and_say_when_there_is_an_error(demo_app, morag):
    assert _title(text(demo_app.test_client().get("/"))) == "Shared coordinated care plan"
    assert _title(text(morag.get("/people/new"))) == "Register a person - Shared care plan"
    bad = morag.post("/people/new", {"given_name": ""})
    assert _title(text(bad)) == "Error: Register a person - Shared care plan"
    for page in (text(demo_app.test_client().get("/sign-in")), text(morag.get("/"))):
        assert _title(page).count("Shared care plan") <= 1
