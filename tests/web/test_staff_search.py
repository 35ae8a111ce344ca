"""Choosing staff among many (issue 17): the staff search is one SQL query (name words in
any case, "Mc" and "Mac" alike, short forms of given names, apostrophes ignored, or part
of an email; at most 20 shown; only the agencies and roles the page allows), and every
page that chooses staff uses it: the IG officer's audit filter, the team leader's share
out (one choice for everyone ticked, no select on every row) and the team pages. Runs on
SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from careplan.accounts import staff_search
from careplan.accounts.models import AccountKind, User
from careplan.agencies.models import Agency
from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Plan
from careplan.teams.models import Team, TeamMember
from tests.web.support import Browser, staff, text

# More NHS practitioners than a list shows (STAFF_PICKER_SHORT, 20), so every page searches.
MANY = 30
NAMED = {
    # name: (email, roles, active, agency key)
    "Iain McDonald": ("iain.mcdonald@nhs.demo", ["practitioner"], True, "nhs"),
    "Catherine MacLeod": ("c.macleod@nhs.demo", ["practitioner"], True, "nhs"),
    "Sean O'Neill": ("sean.oneill@nhs.demo", ["practitioner"], True, "nhs"),
    "Kirsten Ross": ("k_ross@nhs.demo", ["practitioner"], True, "nhs"),
    "Kenny Ross": ("kxross@nhs.demo", ["practitioner"], True, "nhs"),
    "Isla MacDonald": ("isla.macdonald@housing.demo", ["practitioner"], True, "housing"),
    "Innes McDonald": ("innes.mcdonald@nhs.demo", ["ig_officer"], True, "nhs"),
    "Ishbel McDonald": ("ishbel.mcdonald@nhs.demo", ["practitioner"], False, "nhs"),
}


@pytest.fixture(scope="module")
def world(demo_app):
    """The demo world with MANY more NHS practitioners ("Staff Member 01" ...) and the
    NAMED accounts; Iain and Catherine join the Leith team."""
    with demo_app.app_context():
        agencies = {
            "nhs": db.session.scalars(select(Agency).where(Agency.name.like("NHS%"))).one(),
            "housing": db.session.scalars(
                select(Agency).where(Agency.name.like("%Housing%"))
            ).one(),
        }
        for n in range(1, MANY + 1):
            db.session.add(
                User(
                    kind=AccountKind.STAFF,
                    email=f"staff.member{n:02}@nhs.demo",
                    name=f"Staff Member {n:02}",
                    agency_id=agencies["nhs"].id,
                    roles=["practitioner"],
                    active=True,
                )
            )
        added = {}
        for name, (email, roles, active, agency) in NAMED.items():
            user = User(
                kind=AccountKind.STAFF,
                email=email,
                name=name,
                agency_id=agencies[agency].id,
                roles=roles,
                active=active,
            )
            db.session.add(user)
            added[name] = user
        db.session.flush()
        team = db.session.scalars(select(Team)).one()
        for name in ("Iain McDonald", "Catherine MacLeod"):
            db.session.add(TeamMember(team_id=team.id, staff_id=added[name].id, leader=False))
        db.session.commit()
        return {
            "nhs": agencies["nhs"].id,
            "housing": agencies["housing"].id,
            "team": team.id,
            **{name: user.id for name, user in added.items()},
        }


def _names(users):
    return [u.name for u in users]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mcdonald", ["Iain McDonald"]),
        ("MacDonald", ["Iain McDonald"]),  # "Mac" finds "Mc"
        ("mac donald", ["Iain McDonald"]),  # each word must be there: "mac" and "donald"
        ("mcleod", ["Catherine MacLeod"]),  # "Mc" finds "Mac"
        ("KATE mac", ["Catherine MacLeod"]),  # a short form of her given name, any case
        ("oneill", ["Sean O'Neill"]),  # the apostrophe ignored
        ("O'Neill", ["Sean O'Neill"]),
        ("c.macleod@nhs", ["Catherine MacLeod"]),  # part of an email
        ("k_ross", ["Kirsten Ross"]),  # LIKE's wildcard typed is matched as itself
        ("%%", []),
        ("zzzz", []),
    ],
)
def test_the_staff_search_reads_names_as_people_type_them(demo_app, world, typed, expected):
    with demo_app.app_context():
        nhs = staff_search.pool(agencies=[world["nhs"]])
        assert _names(staff_search.find(nhs, typed, 20)) == expected


def test_the_search_stays_in_the_agencies_roles_and_accounts_the_page_allows(demo_app, world):
    with demo_app.app_context():
        nhs = staff_search.find(staff_search.pool(agencies=[world["nhs"]]), "donald", 20)
        # Not the housing practitioner, the IG officer, or the closed account.
        assert _names(nhs) == ["Iain McDonald"]
        anywhere = staff_search.find(staff_search.pool(), "donald", 20)
        assert _names(anywhere) == ["Iain McDonald", "Isla MacDonald"]
        everyone = staff_search.pool(role=None, active_only=False)
        assert _names(staff_search.find(everyone, "donald", 20)) == [
            "Iain McDonald",
            "Innes McDonald",
            "Ishbel McDonald",
            "Isla MacDonald",
        ]
        left_out = staff_search.pool(leave_out=[world["Iain McDonald"]])
        assert _names(staff_search.find(left_out, "donald", 20)) == ["Isla MacDonald"]
        assert staff_search.find(staff_search.pool(agencies=[]), "donald", 20) == []


def test_the_search_is_one_limited_query_with_the_words_as_parameters(demo_app, world):
    """Tens of thousands of staff are never loaded: one statement, LIMIT 21, the typed
    words bound as parameters (never pasted into the SQL)."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with demo_app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            found = staff_search.find(staff_search.pool(), "staff member", 20)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert len(found) == 21  # one more than shown: "more match"
    assert len(seen) == 1
    statement, parameters = seen[0]
    assert "LIMIT" in statement.upper()
    assert "member" not in statement.lower().replace("team_member", "")
    assert any("member" in str(v) for v in _values(parameters))


def _values(parameters):
    return parameters.values() if isinstance(parameters, dict) else parameters


def test_the_audit_filter_searches_every_agency_then_offers_radios(demo_app, world):
    priya = Browser(demo_app, staff(demo_app, "priya.shah@nhs.demo"))
    page = text(priya.get("/ig/audit"))
    assert 'id="staff_q"' in page
    assert "Staff Member 01" not in page  # never everyone listed
    assert '<select class="ds_select" id="actor"' not in page
    found = text(priya.get("/ig/audit?staff_q=macdonald"))
    # Every agency, every role, closed accounts too: the log outlives them.
    for name in ("Iain McDonald", "Innes McDonald", "Ishbel McDonald", "Isla MacDonald"):
        assert name in found
    assert re.search(r'type="radio"[^>]*name="actor"', found)
    assert '<details class="ds_details" open>' in found
    morag = staff(demo_app, "morag.campbell@nhs.demo")
    chosen = text(priya.get(f"/ig/audit?actor={morag.id}"))
    # The one chosen stays offered, and chosen, without a search.
    assert re.search(rf'value="{morag.id}"\s*checked', chosen)
    assert "Type at least 2 letters" in text(priya.get("/ig/audit?staff_q=m"))
    too_many = text(priya.get("/ig/audit?staff_q=staff+member"))
    assert "More than 20 match" in too_many
    assert too_many.count('name="actor"') == 21  # "Anyone" and the first 20


def test_sharing_out_gives_everyone_ticked_to_one_colleague(demo_app, world):
    ewan = Browser(demo_app, staff(demo_app, "ewan.fraser@nhs.demo"))
    path = f"/teams/{world['team']}"
    page = text(ewan.get(path))
    assert 'name="to-' not in page  # no select on every row
    assert re.search(r'type="radio"[^>]*name="key_worker_id"', page)
    assert "Iain McDonald" in page
    assert "Catherine MacLeod" in page
    assert "Staff Member 01" not in page  # not in the team
    with demo_app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
        kerry = db.session.scalars(select(Person.id).where(Person.given_name == "Kerry")).one()
    unchosen = ewan.post(f"{path}/hand-over", {"person": [str(sarah), str(kerry)]})
    assert unchosen.status_code == 400
    assert "Choose their new key worker." in text(unchosen)
    assert re.search(rf'value="{sarah}"\s*checked', text(unchosen))  # the ticks kept
    outsider = ewan.post(
        f"{path}/hand-over",
        {"person": [str(sarah)], "key_worker_id": str(world["Isla MacDonald"])},
    )
    assert outsider.status_code == 422
    assert "Choose an active practitioner in your team." in text(outsider)
    iain = world["Iain McDonald"]
    shared = ewan.post(
        f"{path}/hand-over", {"person": [str(sarah), str(kerry)], "key_worker_id": str(iain)}
    )
    assert shared.status_code == 302, text(shared)[:500]
    with demo_app.app_context():
        workers = db.session.scalars(
            select(Plan.key_worker_id).where(Plan.person_id.in_([sarah, kerry]))
        ).all()
    assert workers == [iain, iain]
    again = ewan.post(f"{path}/hand-over", {"person": [str(sarah)], "key_worker_id": str(iain)})
    assert again.status_code == 409
    body = text(again)
    # Said on Sarah's row, linked from the summary to her tick box.
    assert f'href="#person-{sarah}"' in body
    assert f'id="person-{sarah}-error"' in body


def test_the_team_pages_search_staff_and_keep_the_members(demo_app, world):
    alex = Browser(demo_app, staff(demo_app, "alex.murray@careplan.demo"))
    teams = text(alex.get("/admin/teams"))
    assert 'id="staff_q"' in teams
    assert "Staff Member 01" not in teams
    found = text(alex.get("/admin/teams?staff_q=mcdonald"))
    assert "Iain McDonald" in found
    assert "Isla MacDonald" in found
    team = text(alex.get(f"/admin/teams/{world['team']}"))
    assert "Staff Member 01" not in team
    for member in ("Ali Hassan", "Iain McDonald", "Catherine MacLeod", "Ewan Fraser"):
        assert member in team  # the members stay listed, ticked
    searched = text(alex.get(f"/admin/teams/{world['team']}?staff_q=member+07"))
    assert "Staff Member 07" in searched
    assert "Iain McDonald" in searched
    assert "Isla MacDonald" not in text(alex.get(f"/admin/teams/{world['team']}?staff_q=isla"))


def test_someone_invited_but_not_signed_in_is_said_so_where_staff_are_chosen(demo_app, world):
    """Kirsty Doyle is invited and has not signed in: she is offered, saying so, so a key
    worker does not hand a plan to someone who cannot act on it yet without knowing."""
    ali = Browser(demo_app, staff(demo_app, "ali.hassan@nhs.demo"))
    with demo_app.app_context():
        kerry = db.session.scalars(select(Person.id).where(Person.given_name == "Kerry")).one()
    page = text(ali.get(f"/people/{kerry}/key-worker?staff_q=doyle"))
    assert "Kirsty Doyle (NHS Lothian Addiction Recovery Team), invited, not yet signed in" in page
    found = text(ali.get(f"/people/{kerry}/key-worker?staff_q=fraser"))
    assert "Ewan Fraser (NHS Lothian Addiction Recovery Team)<" in found


def _person(demo_app, given):
    with demo_app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == given)).one()


def _new_person(demo_app):
    """Someone registered with no plan yet (start a plan for them)."""
    from datetime import date

    with demo_app.app_context():
        morag = db.session.scalars(
            select(User).where(User.email == "morag.campbell@nhs.demo")
        ).one()
        person = Person(
            given_name="Morven",
            family_name="Searchwell",
            date_of_birth=date(1990, 3, 3),
            chi="0303901234",
            created_by_id=morag.id,
        )
        db.session.add(person)
        db.session.commit()
        return person.id


# page -> (who, path, what they typed, words that must come back) where the search box
# is inside the page's form: a search posts it, shows it again as typed, saves nothing.
def _searches(demo_app, world):
    sarah, kerry, craig = (_person(demo_app, n) for n in ("Sarah", "Kerry", "Craig"))
    return {
        "add a team": (
            "alex.murray@careplan.demo",
            "/admin/teams",
            {"name": "Leith outreach night team", "agency_id": str(world["nhs"])},
            ["Leith outreach night team"],
        ),
        "change a team": (
            "alex.murray@careplan.demo",
            f"/admin/teams/{world['team']}",
            {"name": "Renamed while searching", "version": "1"},
            ["Renamed while searching"],
        ),
        "cover": (
            "morag.campbell@nhs.demo",
            "/cover",
            {"from-day": "14", "from-month": "12", "from-year": "2026"},
            ['value="14"', 'value="12"'],
        ),
        "record a meeting": (
            "morag.campbell@nhs.demo",
            f"/people/{sarah}/meetings/new",
            {
                "held_on-day": "2",
                "held_on-month": "11",
                "held_on-year": "2026",
                "kind": "review",
                "summary": "We talked through the flat in Gorgie at length",
            },
            ["We talked through the flat in Gorgie at length"],
        ),
        "hand over": (
            "ali.hassan@nhs.demo",
            f"/people/{kerry}/key-worker",
            {"agreed_on-day": "28", "agreed_on-month": "11", "agreed_on-year": "2026"},
            ['value="28"'],
        ),
        "reopen": (
            "morag.campbell@nhs.demo",
            f"/people/{craig}/plan/reopen",
            {"agreed_on-day": "27", "agreed_on-month": "11", "agreed_on-year": "2026"},
            ['value="27"'],
        ),
        "start a plan": (
            "morag.campbell@nhs.demo",
            f"/people/{_new_person(demo_app)}/plan/new",
            {"agreed_on-day": "26", "agreed_on-month": "11", "agreed_on-year": "2026"},
            ['value="26"'],
        ),
    }


def _saved(demo_app):
    from sqlalchemy import func

    from careplan.meetings.models import Meeting
    from careplan.teams.models import Cover

    with demo_app.app_context():
        return [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Team, Cover, Meeting, Plan)
        ] + [sorted(str(k) for k in db.session.scalars(select(Plan.key_worker_id)))]


def test_a_search_for_staff_keeps_what_was_typed_and_saves_nothing(demo_app, world):
    """Review after issue 17: the search was its own form, so searching for a colleague
    after typing a meeting's notes, a team's name or a date lost them. Now its button
    posts the page's form: the page comes back as typed, with who was found."""
    before = _saved(demo_app)
    for page, (email, path, typed, kept) in _searches(demo_app, world).items():
        browser = Browser(demo_app, staff(demo_app, email))
        shown = text(browser.get(path))
        form = shown[shown.index(f'method="post" action="{path}"') :]
        assert 'name="find_staff"' in form.split("</form>")[0], page  # inside the form
        answer = browser.post(path, {**typed, "staff_q": "mcdonald", "find_staff": "1"})
        assert answer.status_code == 200, (page, text(answer)[:300])
        body = text(answer)
        for words in kept:
            assert words in body, (page, words)
        assert "Iain McDonald" in body, page  # the search was made
        assert "ds_error-summary" not in body, page  # not an attempt to save
    after = _saved(demo_app)
    assert after == before
