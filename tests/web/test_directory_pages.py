"""The service directory's pages (issue 19): staff and the person search it, read a
service with its source and licence, and download the located services for a map."""

from __future__ import annotations

import html
import json

import pytest

from tests.web.support import Browser, hidden, staff, text

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


@pytest.fixture(scope="module")
def alex(demo_app):
    return Browser(demo_app, staff(demo_app, "alex.murray@careplan.demo"))


def _service_link(browser, words):
    page = text(browser.get(f"/directory?q={words}"))
    return page.split('class="ds_search-result__link" href="')[1].split('"')[0]


def test_only_those_who_keep_the_directory_may_change_it(fiona, alex):
    assert "Add a service" not in text(fiona.get("/directory"))
    assert "Add a service" in text(alex.get("/directory"))
    link = _service_link(fiona, "listening")
    assert "Change the details recorded here" not in text(fiona.get(link))
    assert fiona.get(link + "/edit").status_code == 403
    assert fiona.post(link + "/edit", {"thresholds": "x", "version": "1"}).status_code == 403
    assert fiona.get("/directory/new").status_code == 403
    assert fiona.post("/directory/new", {"name": "X", "organization_name": "Y"}).status_code == 403


def test_an_administrator_records_local_details_of_an_imported_service(fiona, alex):
    link = _service_link(alex, "money")
    form = text(alex.get(link + "/edit"))
    assert "arrive with the next import" in form
    assert 'name="name"' not in form  # the source keeps the name
    version = hidden(alex.get(link + "/edit"), "version")
    saved = alex.post(
        link + "/edit",
        {
            "version": version,
            "thresholds": "Must live in the city.",
            "opening_hours": "Tuesdays 10am to 2pm",
            "minimum_age": "16",
            "accepts_referrals": "no",
        },
    )
    assert saved.status_code == 302
    shown = text(fiona.get(saved.headers["Location"]))
    assert "Your changes have been saved." in shown
    assert "Must live in the city." in shown
    assert "16 and over" in shown
    stale = alex.post(link + "/edit", {"version": version, "thresholds": "Older words"})
    assert stale.status_code == 412
    assert "Someone else changed this service while you were editing it" in text(stale)
    assert "Older words" in text(stale)  # what they typed is kept
    assert "Must live in the city." in text(fiona.get(link))


def test_adding_a_local_service_says_what_is_missing(alex):
    empty = alex.post("/directory/new", {"accepts_referrals": "no", "status": "active"})
    assert empty.status_code == 400
    assert "Enter the service's name." in html.unescape(text(empty))
    no_agency = alex.post(
        "/directory/new",
        {"name": "Food bank", "organization_name": "St Mary's", "accepts_referrals": "yes"},
    )
    assert no_agency.status_code == 422
    assert "Choose the agency that receives its referrals." in text(no_agency)
    made = alex.post(
        "/directory/new",
        {
            "name": "Community Food Bank",
            "organization_name": "St Mary's Church",
            "status": "active",
            "accepts_referrals": "no",
            "service_areas": "S12000036",
        },
    )
    assert made.status_code == 302
    shown = text(alex.get(made.headers["Location"]))
    assert "The service has been added." in shown
    assert "Added on this service." in shown
    assert "City of Edinburgh" in shown
