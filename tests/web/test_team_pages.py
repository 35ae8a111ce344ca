"""The pages of teams and continuity (issue 22) in the demo world, where Ewan leads the
NHS team's Leith team of Morag and Ali: who can open which page, what the numbers show
and hide, and the journeys a team leader, an administrator and a key worker take."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Plan
from careplan.teams.models import Team
from tests.web.support import Browser, hidden, staff, text

ROLES = {
    "leader": "ewan.fraser@nhs.demo",
    "key_worker": "morag.campbell@nhs.demo",
    "team_mate": "ali.hassan@nhs.demo",
    "housing": "fiona.reid@housing.demo",
    "ig": "priya.shah@nhs.demo",
    "admin": "alex.murray@careplan.demo",
    "person": "sarah.mackenzie@example.demo",
}
MATRIX = {
    "/teams/{team}": (200, 404, 404, 404, 403, 403, 403),
    "/needing-key-worker": (200, 200, 200, 200, 403, 403, 403),
    "/cover": (200, 200, 200, 200, 403, 403, 403),
    "/admin/teams": (403, 403, 403, 403, 403, 200, 403),
    "/admin/teams/{team}": (403, 403, 403, 403, 403, 200, 403),
    "/admin/staff/{morag}/deactivate": (403, 403, 403, 403, 403, 200, 403),
    "/people/{sarah}/key-worker/agreement": (403, 200, 403, 403, 404, 404, 403),
}
CASES = [(p, r, s[i]) for p, s in MATRIX.items() for i, r in enumerate(ROLES)]
CONTENT = ("heroin", "Seeing my son", "methadone", "Leith Walk", "Ex-partner")


@pytest.fixture(scope="module")
def browsers(demo_app):
    return {role: Browser(demo_app, staff(demo_app, email)) for role, email in ROLES.items()}


@pytest.fixture(scope="module")
def ids(demo_app):
    morag = staff(demo_app, ROLES["key_worker"]).id
    with demo_app.app_context():
        return {
            "team": db.session.scalars(select(Team.id)).one(),
            "sarah": db.session.scalars(
                select(Person.id).where(Person.given_name == "Sarah")
            ).one(),
            "morag": morag,
        }


@pytest.mark.parametrize(("page", "role", "status"), CASES)
def test_team_page_access(browsers, ids, page, role, status):
    response = browsers[role].get(page.format(**ids))
    assert response.status_code == status, text(response)[:300]
    body = text(response)
    assert 'class="ds_page-header__title"' in body
    if role in ("ig", "admin"):
        assert not any(word in body for word in CONTENT)


def test_the_team_leader_sees_numbers_and_the_team_reads_by_its_basis(browsers, ids):
    page = text(browsers["leader"].get(f"/teams/{ids['team']}"))
    assert "Morag Campbell" in page
    assert "Ali Hassan" in page
    assert "Sarah Mackenzie" in page  # on the people table, for the leader
    # A colleague in the key worker's team reads Sarah's plan by their team.
    plan = text(browsers["team_mate"].get(f"/people/{ids['sarah']}"))
    assert "You are in their key worker&#39;s team." in plan or "key worker's team" in plan
    leader_plan = text(browsers["leader"].get(f"/people/{ids['sarah']}"))
    assert "You lead their key worker" in leader_plan


def test_the_deactivation_page_gives_a_number_and_no_names(browsers, ids):
    page = text(browsers["admin"].get(f"/admin/staff/{ids['morag']}/deactivate"))
    assert "is key worker for <strong>1 person</strong>" in page
    assert "Sarah" not in page
    assert "Ewan Fraser" in page  # a colleague who could take her on
    assert "Fiona Reid" not in page  # another organisation's


def test_the_caseload_filter_with_nonsense_shows_everyone_and_says_so(browsers, ids):
    page = browsers["leader"].get(f"/teams/{ids['team']}?sort=zz&show=zz")
    assert page.status_code == 400
    assert "Sarah Mackenzie" in text(page)


def test_sharing_out_with_no_one_ticked_or_no_key_worker_chosen_says_what_to_do(
    browsers, ids, demo_app
):
    leader = browsers["leader"]
    path = f"/teams/{ids['team']}/hand-over"
    none = leader.post(path, {})
    assert none.status_code == 400
    assert "Choose at least one person to share out." in text(none)
    unchosen = leader.post(path, {"person": str(ids["sarah"])})
    assert unchosen.status_code == 400
    assert "Choose their new key worker." in text(unchosen)
    with demo_app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.person_id == ids["sarah"])).one()
        assert plan.key_worker_id == ids["morag"]


def test_naming_a_cover_on_the_page(browsers, demo_app):
    morag = browsers["key_worker"]
    page = text(morag.get("/cover"))
    assert "Ali Hassan" in page  # the demo's cover next month
    ali = staff(demo_app, ROLES["team_mate"])
    bad = morag.post(
        "/cover",
        {
            "staff_id": str(ali.id),
            "from-day": "1",
            "from-month": "1",
            "from-year": "2020",
            "to-day": "2",
            "to-month": "1",
            "to-year": "2020",
        },
    )
    assert bad.status_code == 400
    assert "Enter a start date that is today or later." in text(bad)
    assert re.search(r"ds_error-summary", text(bad))


def test_an_administrator_changes_a_team_on_its_page(browsers, ids):
    admin = browsers["admin"]
    page = admin.get(f"/admin/teams/{ids['team']}")
    version = hidden(page, "version")
    stale = admin.post(
        f"/admin/teams/{ids['team']}",
        {"version": str(int(version) - 1), "name": "Leith recovery team", "leaders": "x"},
    )
    assert stale.status_code == 400  # a leader who is not a practitioner id
    listed = text(admin.get("/admin/teams"))
    assert "Leith recovery team" in listed
    assert "Ewan Fraser" in listed
