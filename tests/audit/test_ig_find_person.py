"""An IG officer starts from what the person says: a CHI number, or a full name and date
of birth, exactly (issue 18); never a people search, and the finding is recorded."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest

from careplan.core import clock
from careplan.ig.finding import NOBODY, SEVERAL
from tests.api.scene import CHI_P, build_scene


def _activity(api, scene):
    api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    api.get(scene.outsider, f"/people/{scene.person.id}/plan")  # refused
    api.get(scene.key_worker, f"/people/{scene.other_person.id}/plan")  # someone else


def _search(api, scene, **query):
    return api.get(scene.ig, "/audit/events?" + urlencode(query))


def _people(page) -> set[str]:
    return {e["person_id"] for e in page.get_json()["events"]}


@pytest.mark.parametrize(
    "query",
    [
        {"person": CHI_P},
        {"person": "120488 1235"},  # as read aloud, with a space
        {"person_name": "Sarah Mackenzie", "date_of_birth": "1988-04-12"},
        {"person_name": "  sarah   MACKENZIE ", "date_of_birth": "1988-04-12"},
    ],
)
def test_a_chi_or_a_name_and_birth_date_finds_the_persons_events(api, world, query):
    scene = build_scene(world)
    scene.person.date_of_birth = date(1988, 4, 12)
    world.session.commit()
    _activity(api, scene)
    page = _search(api, scene, **query)
    assert page.status_code == 200, page.get_json()
    events = page.get_json()["events"]
    assert _people(page) == {str(scene.person.id)}
    assert {e["outcome"] for e in events} >= {"permit", "deny"}
    # The IG officer sees whose record it is (the name, never plan content).
    assert {e["person_name"] for e in events} == {"Sarah Mackenzie"}
    # The finding is recorded: on the person's record, with how they were found, and
    # without copying the CHI or the name and birth date into the log.
    search = [e for e in world.audit() if e.action == "audit.search"][-1]
    assert (search.outcome, search.person_id) == ("permit", scene.person.id)
    by = "chi" if "person" in query else "name_and_date_of_birth"
    assert search.details["found_by"] == by
    assert search.details["returned"] == len(events)
    written = str(search.details)
    for personal in (CHI_P, "ackenzie", "1988"):
        assert personal not in written


def test_the_preferred_name_finds_them_too(api, world):
    scene = build_scene(world)
    scene.person.preferred_name = "Sal"
    scene.person.date_of_birth = date(1988, 4, 12)
    world.session.commit()
    _activity(api, scene)
    page = _search(api, scene, person_name="Sal Mackenzie", date_of_birth="1988-04-12")
    assert _people(page) == {str(scene.person.id)}
    assert page.get_json()["events"][0]["person_name"] == "Sal Mackenzie"


@pytest.mark.parametrize(
    "query",
    [
        {"person": "1204881236"},  # a real-looking CHI with a wrong check digit
        {"person": "Sarah Mackenzie"},  # a name in the CHI box
        {"person_name": "Sarah Mackenzie"},  # no date of birth
        {"date_of_birth": "1988-04-12"},  # no name
        {"person": CHI_P, "person_name": "Sarah Mackenzie", "date_of_birth": "1988-04-12"},
        {"person_name": "Sarah Mackenzie", "date_of_birth": "12/04/1988"},
        {"person_name": " ", "date_of_birth": "1988-04-12"},
    ],
)
def test_a_malformed_way_to_the_person_is_a_clear_400_recorded_as_invalid(api, world, query):
    scene = build_scene(world)
    before = len(world.audit())
    answer = _search(api, scene, **query)
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["fields"], body
    made = world.audit()[before:]
    assert [(e.action, e.outcome) for e in made] == [("audit.search", "invalid")]
    assert made[0].person_id is None


@pytest.mark.parametrize(
    "query",
    [
        {"person": "0101010007"},  # a valid CHI nobody here has
        {"person_name": "Sarah Mackenzie", "date_of_birth": "1990-01-01"},
        {"person_name": "Sarah Mackenzi", "date_of_birth": "1988-04-12"},  # never near matches
        {"person_name": "Sarah", "date_of_birth": "1988-04-12"},
    ],
)
def test_nobody_matching_exactly_is_a_404_saying_so_not_an_empty_log(api, world, query):
    scene = build_scene(world)
    scene.person.date_of_birth = date(1988, 4, 12)
    world.session.commit()
    _activity(api, scene)
    answer = _search(api, scene, **query)
    assert answer.status_code == 404
    assert NOBODY in str(answer.get_json()["fields"])
    last = world.audit()[-1]
    assert (last.action, last.outcome, last.person_id) == ("audit.search", "invalid", None)


def test_a_name_and_birth_date_shared_by_two_people_asks_for_the_chi(api, world):
    scene = build_scene(world)
    born = date(1970, 6, 1)
    world.person(scene.key_worker, given_name="Ann", family_name="Smith", date_of_birth=born)
    world.person(scene.outsider, given_name="Ann", family_name="Smith", date_of_birth=born)
    answer = _search(api, scene, person_name="Ann Smith", date_of_birth="1970-06-01")
    assert answer.status_code == 400
    assert answer.get_json()["fields"] == {"person_name": [SEVERAL]}


def test_records_joined_into_the_person_are_searched_with_theirs(api, world):
    """Accesses made under a second record of the same person, before it was joined into
    theirs (careplan.records.merge), are found from the CHI of the record that stays; the
    CHI of the joined record leads to the same place."""
    scene = build_scene(world)
    second = world.person(scene.outsider, given_name="Sally", family_name="Mackenzie")
    second.chi = "0101010007"
    world.session.commit()
    api.get(scene.key_worker, f"/people/{second.id}/plan")  # recorded on the second record
    _activity(api, scene)
    second.merged_into_id, second.merged_at = scene.person.id, clock.now()
    world.session.commit()
    for query in ({"person": CHI_P}, {"person": "0101010007"}):
        page = _search(api, scene, **query)
        assert _people(page) == {str(scene.person.id), str(second.id)}
        search = [e for e in world.audit() if e.action == "audit.search"][-1]
        assert search.person_id == scene.person.id
        assert search.details["joined_records"] == 1
    # A record id is taken as it is: the log's own name for one record.
    assert _people(_search(api, scene, person=str(second.id))) == {str(second.id)}


def test_the_csv_export_takes_a_chi_too_and_no_one_else_can_search(api, world):
    scene = build_scene(world)
    _activity(api, scene)
    exported = api.get(scene.ig, f"/audit/events.csv?person={CHI_P}")
    assert exported.status_code == 200
    lines = exported.get_data(as_text=True).splitlines()
    assert len(lines) > 2
    assert str(scene.other_person.id) not in exported.get_data(as_text=True)
    export = [e for e in world.audit() if e.action == "export"][-1]
    assert (export.person_id, export.details["found_by"]) == (scene.person.id, "chi")
    for user in (scene.key_worker, scene.colleague, scene.admin, scene.individual):
        assert api.get(user, f"/audit/events?person={CHI_P}").status_code == 403
