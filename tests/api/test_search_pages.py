"""Searches and caseloads at national size: nobody the caller may see is dropped from a
full page, nobody hidden is shown or counted, and every page can be reached (issue #16,
fault 1).

The world is built with bulk inserts: one lead agency with thousands of plans, a key
worker whose 51 people sort last, and a care-team member of another agency on 60 teams
whose plans they cannot see (no consent) sorting before the one they can.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from careplan.core import clock
from careplan.people.models import Person
from careplan.plans.models import AgreedHow, CareTeamMember, MembershipHow, Plan
from consent.models import Consent, SharingAgreement
from tests.web.support import Browser

AGENCY_PLANS = 3000
MINE = 51
HIDDEN_TEAMS = 60


def _bulk(world: Any, count: int, family: str, key_worker: Any, by: Any) -> list[uuid.UUID]:
    """`count` people with plans led by `key_worker`'s agency, named `family<00001>`."""
    people = [
        {
            "id": uuid.uuid4(),
            "given_name": f"Given{i:05d}",
            "family_name": f"{family}{i:05d}",
            "date_of_birth": date(1980, 1, 1) + timedelta(days=i % 9000),
            "created_by_id": by.id,
        }
        for i in range(count)
    ]
    world.session.execute(insert(Person), people)
    world.session.execute(
        insert(Plan),
        [
            {
                "id": uuid.uuid4(),
                "person_id": p["id"],
                "lead_agency_id": key_worker.agency_id,
                "key_worker_id": key_worker.id,
                "agreed_on": date(2026, 1, 5),
                "agreed_how": AgreedHow.IN_PERSON,
                "version": 1,
            }
            for p in people
        ],
    )
    world.session.commit()
    return [p["id"] for p in people]


@pytest.fixture
def national(world: Any) -> dict[str, Any]:
    lead = world.agency("Big NHS addiction service")
    other = world.agency("Small third-sector service")
    admin = world.staff(None, roles=("admin",))
    for agency in (lead, other):
        world.session.add(
            SharingAgreement(
                agency_id=agency.id,
                max_sensitivity="sensitive",
                sections=None,
                lawful_basis="art6_1_e_art9_2_h",
                valid_until=date(2030, 1, 1),
                created_by_id=admin.id,
            )
        )
    busy = world.staff(lead, name="Busy Worker")
    morag = world.staff(lead, name="Morag Campbell")
    member = world.staff(other, name="Care Team Member")
    colleague = world.staff(lead, name="Lead Agency Colleague")
    # Sorting first ("Aaa"): plans of the lead agency this colleague does not hold.
    agency_people = _bulk(world, AGENCY_PLANS - MINE, "Aaa", busy, busy)
    # Sorting last ("Zzz"): Morag's own people.
    mine = _bulk(world, MINE, "Zzz", morag, morag)
    # The care-team member: 60 teams with no consent ("Aab", before their one person),
    # and one with consent; plus a team whose membership ended yesterday (with consent).
    today = clock.today()
    hidden = _bulk(world, HIDDEN_TEAMS, "Aab", busy, busy)
    seen = _bulk(world, 1, "Zzy", busy, busy)[0]
    gone = _bulk(world, 1, "Aac", busy, busy)[0]
    plans = {p.person_id: p.id for p in world.session.query(Plan).all()}
    for person, valid_to in [(p, None) for p in [*hidden, seen]] + [(gone, today - timedelta(1))]:
        world.session.add(
            CareTeamMember(
                plan_id=plans[person],
                staff_id=member.id,
                role="Housing support",
                valid_from=date(2026, 1, 5),
                valid_to=valid_to,
                how=MembershipHow.ADDED,
                added_by_id=busy.id,
            )
        )
    for person in (seen, gone):
        world.session.add(
            Consent(
                person_id=person,
                grantee_agency_id=other.id,
                sections=["housing"],
                effect="permit",
                starts_on=date(2026, 1, 1),
                expires_on=date(2030, 1, 1),
                method="written",
                recorded_by_id=busy.id,
            )
        )
    world.session.commit()
    return {
        "morag": morag,
        "member": member,
        "colleague": colleague,
        "mine": set(mine),
        "agency": set(agency_people) | set(mine) | set(hidden) | {seen, gone},
        "seen": seen,
        "gone": gone,
    }


def _all_pages(api: Any, user: Any, query: str) -> tuple[list[str], set[int]]:
    """Follow the Link headers to the end; the ids in order, and every total reported."""
    ids, totals = [], set()
    path = f"/people?{query}"
    while path:
        response = api.get(user, path)
        assert response.status_code == 200, response.get_json()
        ids += [p["id"] for p in response.get_json()]
        totals.add(int(response.headers["X-Total-Count"]))
        link = response.headers.get("Link")
        path = link[link.index("<") + 1 : link.index(">")].removeprefix("/api/v1") if link else ""
    return ids, totals


def test_a_lead_agency_colleague_reaches_every_plan_of_the_agency_page_by_page(api, national):
    ids, totals = _all_pages(api, national["colleague"], "q=&limit=100")
    assert totals == {len(national["agency"])}
    assert len(ids) == len(set(ids)) == len(national["agency"])
    assert {uuid.UUID(i) for i in ids} == national["agency"]


def test_the_key_worker_finds_their_own_people_though_the_agency_leads_thousands(api, national):
    first = api.get(national["morag"], "/people?q=Zzz")
    assert int(first.headers["X-Total-Count"]) == MINE
    ids, totals = _all_pages(api, national["morag"], "q=Zzz")
    assert totals == {MINE}
    assert {uuid.UUID(i) for i in ids} == national["mine"]
    mine, _ = _all_pages(api, national["morag"], "scope=key_worker&limit=10")
    assert {uuid.UUID(i) for i in mine} == national["mine"]


def test_hidden_people_neither_fill_the_page_nor_count(api, national):
    response = api.get(national["member"], "/people?q=&limit=5")
    assert response.status_code == 200
    assert [p["id"] for p in response.get_json()] == [str(national["seen"])]
    assert response.headers["X-Total-Count"] == "1"
    assert "Link" not in response.headers


def test_a_care_team_place_that_has_ended_is_no_longer_a_candidate(api, national, world):
    response = api.get(national["member"], "/people?q=Aac")
    assert response.get_json() == []
    assert response.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", "eyJ1IjoiIn0", "", "a" * 400, "eyJhIjoiMDAwIiwibiI6MSwidSI6IngifQ.AAAA"],
)
def test_a_cursor_the_caller_was_not_given_is_refused_plainly(api, national, cursor):
    response = api.get(national["colleague"], f"/people?q=&cursor={cursor}")
    if cursor == "":
        assert response.status_code == 200  # no cursor: the first page
        return
    assert response.status_code == 400
    body = response.get_json()
    assert body["fields"]["cursor"] == [
        "This list has changed since it was shown. Search again from the start."
    ]


def test_another_accounts_cursor_is_refused(api, national):
    first = api.get(national["colleague"], "/people?q=&limit=2")
    link = first.headers["Link"]
    path = link[link.index("<") + 1 : link.index(">")].removeprefix("/api/v1")
    assert api.get(national["colleague"], path).status_code == 200
    assert api.get(national["morag"], path).status_code == 400


def _browser(app: Any, world: Any, user: Any) -> Browser:
    """A signed-in browser; the user is loaded and detached first, so the test's own
    session holds no transaction (SQLite's write lock) while the pages run."""
    world.session.refresh(user)
    world.session.expunge(user)
    world.session.commit()
    return Browser(app, user)


def test_the_caseload_lists_every_one_of_the_key_workers_people(app, world, national):
    page = _browser(app, world, national["morag"]).get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"<strong>{MINE}</strong> people you are key worker for" in text
    assert text.count('class="ds_card careplan-card"') == MINE
    # The others: the first few, and how many there are, linking to all of them.
    assert f"See all {len(national['agency']) - MINE} people you work with" in text


def test_find_a_person_pages_with_a_count(app, world, national):
    browser = _browser(app, world, national["member"])
    page = browser.get("/people?q=")
    text = page.get_data(as_text=True)
    assert "1 person found" in text
    colleague = _browser(app, world, national["colleague"])
    text = colleague.get("/people?q=Zzz").get_data(as_text=True)
    assert f"{MINE} people found" in text
    assert f"Showing 1 to 50 of {MINE}" in text
    assert 'rel="next"' in text
