"""The service directory (issue 19): import from ALISS v4 pages and HSDS 3.0 files,
search by words, category, council area and referrals, and local fields kept here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.models import AuditEvent

FILES = Path(__file__).parent / "files"
GLASGOW, EDINBURGH, SCOTLAND = "S12000049", "S12000036", "S92000003"


def _import(app, name, *extra):
    return app.test_cli_runner().invoke(
        args=["directory", "import", str(FILES / name), *extra], catch_exceptions=False
    )


@pytest.fixture
def loaded(app):
    out = _import(app, "aliss_page.json")
    assert out.exit_code == 0, out.output
    out = _import(app, "hsds_services.json", "--source", "edinburgh-hsds", "--licence", "OGL v3")
    assert out.exit_code == 0, out.output
    return app


@pytest.fixture
def people(world):
    agency = world.agency()
    person = world.person()
    return {
        "practitioner": world.staff(agency),
        "ig officer": world.staff(agency, roles=("ig_officer",)),
        "administrator": world.staff(agency, roles=("admin",)),
        "directory manager": world.staff(agency, roles=("directory_manager",)),
        "the person": world.individual(person),
        "agency": agency,
    }


def _names(response):
    return [s["name"] for s in response.get_json()]


def test_an_aliss_page_imports_with_its_attribution_and_says_what_it_did(app, api, people):
    out = _import(app, "aliss_page.json")
    assert out.exit_code == 0
    assert "3 services read: 3 added, 0 updated, 0 unchanged; 3 organisations" in out.output
    found = api.get(people["practitioner"], "/services?q=housing").get_json()
    (housing,) = found
    assert housing["organization"]["name"] == "Glasgow City Council"
    assert housing["source"]["name"] == "aliss"
    assert housing["source"]["licence"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "ALISS" in housing["source"]["attribution"]
    assert "Contains contributions from ALISS users" in housing["source"]["attribution"]
    assert housing["source"]["url"].startswith("https://www.aliss.org/services/")
    assert {c["code"] for c in housing["categories"]} == {"housing", "money"}
    assert housing["service_areas"] == [{"code": GLASGOW, "name": "Glasgow City"}]
    assert housing["locations"][0]["postal_code"] == "G2 1DU"
    assert housing["contact"] == {
        "phone": "0141 000 0001",
        "email": "housing@example.org",
        "url": "https://example.org/housing-options",
    }


def test_importing_again_changes_nothing_and_keeps_the_local_fields(app, api, people):
    _import(app, "aliss_page.json")
    manager = people["directory manager"]
    (service,) = api.get(manager, "/services?q=recovery+cafe").get_json()
    local = {
        "thresholds": "Sober on arrival is not required.",
        "referral_method": "Refer through this service, or walk in.",
        "accepts_referrals": True,
        "agency_id": str(people["agency"].id),
        "opening_hours": "Monday to Friday, 10am to 4pm",
    }
    changed = api.put(manager, f"/services/{service['id']}", local, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["version"] == 2
    again = _import(app, "aliss_page.json")
    assert "0 added, 0 updated, 3 unchanged" in again.output
    kept = api.get(manager, f"/services/{service['id']}").get_json()
    for key, value in local.items():
        assert kept[key] == value
    assert kept["version"] == 2


def test_a_changed_source_record_is_updated_in_place(app, api, people, tmp_path):
    _import(app, "aliss_page.json")
    page = json.loads((FILES / "aliss_page.json").read_text())
    page["data"][0]["name"] = "Housing Options Glasgow (city centre)"
    page["data"][0]["categories"] = [{"name": "Housing", "slug": "housing"}]
    changed = tmp_path / "page.json"
    changed.write_text(json.dumps(page))
    out = app.test_cli_runner().invoke(args=["directory", "import", str(changed)])
    assert "0 added, 1 updated, 2 unchanged" in out.output
    (service,) = api.get(people["practitioner"], "/services?q=centre").get_json()
    assert [c["code"] for c in service["categories"]] == ["housing"]
    assert service["version"] == 2
    assert len(api.get(people["practitioner"], "/services").get_json()) == 3


def test_an_hsds_file_imports_its_own_eligibility_and_hides_defunct_services(loaded, api, people):
    user = people["practitioner"]
    (crisis,) = api.get(user, f"/services?area={EDINBURGH}&q=crisis").get_json()
    assert crisis["eligibility_description"].startswith("Adults aged 16")
    assert crisis["minimum_age"] == 16
    assert crisis["source"]["name"] == "edinburgh-hsds"
    assert crisis["source"]["licence"] == "OGL v3"
    assert crisis["categories"] == [
        {"code": "housing-crisis", "name": "Housing crisis", "taxonomy": "local-open-referral"}
    ]
    assert crisis["locations"][0]["address"] == "1 Leith Walk, Edinburgh, EH6 8AA"
    assert "Old Edinburgh Night Shelter" not in _names(api.get(user, "/services?q=edinburgh"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "is not usable JSON"),
        ('{"hello": "world"}', "neither an ALISS v4 service page nor HSDS 3.0"),
        ('[{"id": "x", "organization": {"id": "o", "name": "Org"}}]', "Service 1: it has no name"),
        (
            '[{"id": "x", "name": "A", "organization": {"id": "o", "name": "O"}, '
            '"status": "open"}]',
            "Service 1: status must be one of",
        ),
        (
            '{"meta": {}, "data": [{"id": "a", "name": "A", "organisation": {"id": "o", '
            '"name": "O"}, "locations": [{"id": "l", "latitude": 91, "longitude": 0}]}]}',
            "coordinates are out of range",
        ),
        (
            '[{"id": "x", "name": "A", "organization": {"id": "o", "name": "O"}}, '
            '{"id": "x", "name": "B", "organization": {"id": "o", "name": "O"}}]',
            'lists service "x" more than once',
        ),
    ],
)
def test_a_bad_file_changes_nothing_and_says_why(app, api, people, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    out = app.test_cli_runner().invoke(args=["directory", "import", str(path)])
    assert out.exit_code != 0
    assert message in out.output
    assert "Nothing was imported" in out.output
    assert api.get(people["practitioner"], "/services").get_json() == []


def test_search_by_words_category_area_and_referrals(loaded, api, people):
    user = people["the person"]
    assert _names(api.get(user, "/services?q=RECOVERY+cafe")) == ["Recovery Cafe Drop-in"]
    assert _names(api.get(user, "/services?q=100%25")) == []  # a % is a letter, not a wildcard
    assert _names(api.get(user, "/services?category=mental-health")) == ["Scotland-wide Helpline"]
    glasgow = _names(api.get(user, f"/services?area={GLASGOW}"))
    # A service for all of Scotland is offered in every council area.
    assert glasgow == ["Housing Options Glasgow", "Recovery Cafe Drop-in", "Scotland-wide Helpline"]
    assert _names(api.get(user, f"/services?area={EDINBURGH}")) == [
        "Edinburgh Crisis Housing",
        "Scotland-wide Helpline",
    ]
    assert _names(api.get(user, "/services?accepts_referrals=true")) == []


def test_search_pages_with_a_total_and_a_next_link(loaded, api, people):
    first = api.get(people["practitioner"], "/services?limit=2")
    assert first.headers["X-Total-Count"] == "4"
    assert len(first.get_json()) == 2
    link = first.headers["Link"]
    assert "offset=2" in link
    assert 'rel="next"' in link
    following = link[link.index("<") + 1 : link.index(">")].removeprefix("/api/v1")
    second = api.get(people["practitioner"], following)
    assert len(second.get_json()) == 2
    assert "Link" not in second.headers
    assert not set(_names(first)) & set(_names(second))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("area=S12999999", "area", "Choose a Scottish council area"),
        ("limit=0", "limit", "between 1 and 200"),
        ("accepts_referrals=perhaps", "accepts_referrals", "true or false"),
        ("q=" + "x" * 101, "q", "100 characters or fewer"),
    ],
)
def test_a_bad_search_says_which_field_and_what_to_do(loaded, api, people, query, field, message):
    answer = api.get(people["practitioner"], f"/services?{query}")
    assert answer.status_code == 400
    assert message in answer.get_json()["fields"][field][0]


def test_the_map_download_is_geojson_with_longitude_first(loaded, api, people):
    answer = api.get(people["practitioner"], f"/services.geojson?area={GLASGOW}")
    assert answer.status_code == 200
    assert answer.mimetype == "application/geo+json"
    body = answer.get_json()
    assert body["type"] == "FeatureCollection"
    (feature,) = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-4.2499, 55.8609]}
    assert feature["properties"]["name"] == "Housing Options Glasgow"
    assert "ALISS" in feature["properties"]["attribution"]


READERS = ["practitioner", "ig officer", "administrator", "directory manager", "the person"]
MANAGERS = {"administrator", "directory manager"}


@pytest.mark.parametrize("who", READERS)
def test_access_matrix_for_the_directory(loaded, api, people, world, who):
    user = people[who]
    listed = api.get(user, "/services")
    assert listed.status_code == 200
    service_id = listed.get_json()[0]["id"]
    assert api.get(user, f"/services/{service_id}").status_code == 200
    assert api.get(user, "/services.geojson").status_code == 200
    created = api.post(user, "/services", {"name": "Food bank", "organization_name": "Church"})
    changed = api.put(
        user, f"/services/{service_id}", {"thresholds": "None"}, headers={"If-Match": '"1"'}
    )
    if who in MANAGERS:
        assert created.status_code == 201
        assert changed.status_code == 200
    else:
        assert created.status_code == 403
        assert changed.status_code == 403
        assert created.get_json()["reason"] == "role"
    assert api.get(None, "/services").status_code == 401


def test_every_request_is_recorded_without_the_words_searched(loaded, api, people, world):
    manager = people["directory manager"]
    api.get(manager, f"/services?q=housing+debt&area={GLASGOW}")
    search = world.audit()[-1]
    assert (search.action, search.outcome, search.person_id) == ("service.search", "permit", None)
    assert search.details["words"] == 2
    assert search.details["area"] == GLASGOW
    assert "housing" not in json.dumps(search.details)
    created = api.post(
        manager,
        "/services",
        {
            "name": "Community Food Bank",
            "organization_name": "St Mungo's Church",
            "service_areas": [GLASGOW],
            "minimum_age": 0,
        },
    ).get_json()
    events = [e for e in world.audit() if e.action.startswith("service.")]
    assert [(e.action, e.outcome, e.person_id) for e in events][-1] == (
        "service.create",
        "permit",
        None,
    )
    assert events[-1].details["service_id"] == created["id"]
    refused = api.post(people["practitioner"], "/services", {"name": "X", "organization_name": "Y"})
    assert refused.status_code == 403
    last = world.session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
    assert (last.action, last.outcome, last.reason) == ("service.create", "deny", "role")


def test_an_imported_service_keeps_its_source_fields(loaded, api, people):
    manager = people["administrator"]
    (service,) = api.get(manager, "/services?q=helpline").get_json()
    url = f"/services/{service['id']}"
    theirs = api.put(manager, url, {"name": "Renamed"}, headers={"If-Match": '"1"'})
    assert theirs.status_code == 422
    assert "name" in theirs.get_json()["fields"]
    assert "ALISS keeps this service's name" in theirs.get_json()["message"]
    assert api.put(manager, url, {"thresholds": "x"}).status_code == 428
    assert (
        api.put(manager, url, {"thresholds": "x"}, headers={"If-Match": '"9"'}).status_code == 412
    )
    assert api.get(manager, url).get_json()["thresholds"] is None


def test_a_local_service_is_validated_in_plain_words(loaded, api, people, world):
    manager = people["directory manager"]
    missing = api.post(manager, "/services", {})
    assert missing.status_code == 400
    assert missing.get_json()["fields"]["name"] == ["Enter the service's name."]
    ages = api.post(
        manager,
        "/services",
        {"name": "A", "organization_name": "B", "minimum_age": 30, "maximum_age": 18},
    )
    assert ages.get_json()["fields"]["maximum_age"] == [
        "The youngest age must not be above the oldest."
    ]
    no_agency = api.post(
        manager, "/services", {"name": "A", "organization_name": "B", "accepts_referrals": True}
    )
    assert no_agency.status_code == 422
    assert "agency_id" in no_agency.get_json()["fields"]
    assert "A" not in _names(api.get(manager, "/services?limit=200"))  # nothing was added
    made = api.post(
        manager,
        "/services",
        {
            "name": "Peer Support Walk-in",
            "organization_name": "Broomhill Recovery",
            "accepts_referrals": True,
            "agency_id": str(people["agency"].id),
            "service_areas": [SCOTLAND],
        },
    )
    assert made.status_code == 201
    service = made.get_json()
    assert service["source"]["name"] == "local"
    assert service["source"]["attribution"] is None
    renamed = api.put(
        manager,
        f"/services/{service['id']}",
        {"name": "Peer Support Drop-in"},
        headers={"If-Match": '"1"'},
    )
    assert renamed.get_json()["name"] == "Peer Support Drop-in"
    assert _names(api.get(manager, "/services?accepts_referrals=true")) == ["Peer Support Drop-in"]
