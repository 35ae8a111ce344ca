"""The service directory's pages (issue 19): staff and the person search it, read a
service with its source and licence, and download the located services for a map."""

from __future__ import annotations

import json

import pytest

from tests.web.support import Browser, staff, text

MIDLOTHIAN = "S12000019"


@pytest.fixture(scope="module")
def fiona(demo_app):
    return Browser(demo_app, staff(demo_app, "fiona.reid@housing.demo"))


def _results(page: str) -> list[str]:
    return [
        line.split(">")[-1]
        for line in page.split("</a></h3>")[:-1]
        if "ds_search-result__link" in line
    ]


def test_staff_search_by_words_area_and_referrals(fiona):
    start = fiona.get("/directory")
    assert start.status_code == 200
    assert 'href="/directory"' in text(start)  # in the navigation
    assert "5 services found" in text(start)  # every service, before any filter
    found = text(fiona.get("/directory?q=recovery+cafe"))
    assert "1 service found" in found
    assert _results(found) == ["Recovery Cafe Drop-in"]
    assert "Demo services: not real. Licence: Fictional demo data." in found
    # A service for the whole of Scotland is offered in Midlothian too.
    assert _results(text(fiona.get(f"/directory?area={MIDLOTHIAN}"))) == [
        "Addiction Recovery Team",
        "Listening Line",
    ]
    assert _results(text(fiona.get("/directory?accepts_referrals=yes"))) == [
        "Housing Support and Homelessness Prevention",
        "Recovery Cafe Drop-in",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("area=S99", "Choose a Scottish council area"),
        ("page=0", "Choose a page of the results from the links."),
        ("q=" + "x" * 101, "Search for 100 characters or fewer."),
    ],
)
def test_a_bad_search_says_what_to_do(fiona, query, message):
    answer = fiona.get(f"/directory?{query}")
    assert answer.status_code == 400
    page = text(answer)
    assert "There is a problem" in page
    assert message in page


def test_a_service_page_says_who_it_is_for_and_how_to_refer(fiona):
    page = text(fiona.get("/directory?q=housing+support"))
    link = page.split('class="ds_search-result__link" href="')[1].split('"')[0]
    service = fiona.get(link)
    assert service.status_code == 200
    shown = text(service)
    assert "City of Edinburgh Council Housing Support" in shown
    assert "we answer within 5 working days" in shown
    assert 'href="tel:01310001001"' in shown
    assert "Waverley Court: 4 East Market Street, Edinburgh, EH8 8BG" in shown
    assert "Demo services: not real" in shown
    missing = fiona.get("/directory/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_the_person_finds_support_too(demo_app):
    sarah = Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))
    start = text(sarah.get("/directory?q=listening"))
    assert "Find support" in start
    assert _results(start) == ["Listening Line"]


def test_the_map_download_is_geojson(fiona):
    answer = fiona.get("/directory/services.geojson?q=recovery")
    assert answer.status_code == 200
    assert answer.mimetype == "application/geo+json"
    assert "attachment" in answer.headers["Content-Disposition"]
    (feature,) = json.loads(answer.data)["features"]
    assert feature["properties"]["name"] == "Recovery Cafe Drop-in"
    assert feature["geometry"]["coordinates"] == [-3.2521, 55.9288]
