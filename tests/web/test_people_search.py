"""Find a person (issue 17): dates of birth as people type them and names as people write
them (Mac and Mc, apostrophes, short forms), only ever among the people the caller may see."""

from __future__ import annotations

import pytest

from careplan.people.operations import name_variants
from tests.web.support import Browser, staff, text


@pytest.fixture(scope="module")
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


def _found(browser, q: str) -> str:
    page = browser.get("/people", query_string={"q": q})
    assert page.status_code == 200, q
    return text(page)


@pytest.mark.parametrize(
    "q",
    [
        "12/04/1988",
        "12 April 1988",
        "12-4-1988",
        "1988-04-12",
        "McKenzie",
        "mckenzie",
        "Mac Kenzie",
        "Mackenzie 12/04/1988",
        "sarah 12 april 1988",
        "Sara",
        "MacKenzie Sally",
    ],
)
def test_the_key_worker_finds_sarah_however_it_is_typed(morag, q):
    page = _found(morag, q)
    assert "Sarah" in page
    assert "1 person found" in page


def test_a_date_that_does_not_match_finds_nobody(morag):
    assert "0 people found" in _found(morag, "13/04/1988")


def test_someone_they_cannot_see_is_never_found(demo_app):
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    for q in ("McKenzie", "12/04/1988", "12 April 1988", "Mackenzie"):
        assert "0 people found" in _found(gordon, q)


def test_name_variants():
    assert name_variants("McKenzie") == ["mackenzie", "mckenzie"]
    assert name_variants("O'Neill") == ["oneill"]
    assert "catherine" in name_variants("Kate")
    assert name_variants("--") == []
