"""No orphaned plans, bulk hand-over, the person's agreement, the team caseload, absence
cover and teams themselves (issue 22), through the JSON API."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from careplan.accounts.models import User
from careplan.core import clock
from careplan.extensions import db
from careplan.notifications.models import Notification
from careplan.plans.models import KeyWorkerAssignment, Plan
from careplan.tasks.models import Task, TaskSource, TaskStatus
from careplan.teams.models import Cover
from tests.api.team_scene import build_team_scene

AGREED = {"agreed_on": "2026-10-01", "agreed_how": "in_person"}


@pytest.fixture
def app(shared_app):
    return shared_app


def _more_people(world, scene, n, worker=None):
    """`n` more people with plans held by `worker` (Kay by default)."""
    worker = worker or scene.kay
    people = []
    for i in range(n):
        person = world.person(worker, given_name=f"Person{i}", family_name="Northside")
        world.plan(person, worker)
        people.append(person)
    return people


def _plan(person_id):
    db.session.expire_all()
    return db.session.scalar(select(Plan).where(Plan.person_id == person_id))


def _open_tasks(staff_id):
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Task).where(
                Task.owner_staff_id == staff_id,
                Task.status == TaskStatus.OPEN,
                Task.source == TaskSource.HAND_OVER,
            )
        )
    )


def _queue(api, user):
    answer = api.get(user, "/plans/needing-key-worker")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


# --- Deactivation -------------------------------------------------------------------


def test_deactivating_a_key_worker_hands_every_plan_to_the_colleague_named(api, world):
    scene = build_team_scene(world)
    people = [scene.sarah, *_more_people(world, scene, 2)]
    before = len(world.audit())
    answer = api.post(
        scene.admin, f"/staff/{scene.kay.id}/deactivate", {"hand_over_to": str(scene.north_mate.id)}
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["active"] is False
    assert body["plans"] == {
        "handed_over": 3,
        "handed_over_to": str(scene.north_mate.id),
        "needing_key_worker": 0,
    }
    for person in people:
        plan = _plan(person.id)
        assert plan.key_worker_id == scene.north_mate.id
        assert plan.agreed_on is None
        assert plan.agreed_how is None
    # Each move is its own key worker change on the person's own record.
    changes = [e for e in world.audit()[before:] if e.action == "keyworker.change"]
    assert sorted(str(e.person_id) for e in changes) == sorted(str(p.id) for p in people)
    assert all(e.outcome == "permit" for e in changes)
    # The new key worker has a task per person to record their agreement, and is told.
    tasks = _open_tasks(scene.north_mate.id)
    assert sorted(str(t.person_id) for t in tasks) == sorted(str(p.id) for p in people)
    told = db.session.scalars(
        select(Notification).where(Notification.recipient_user_id == scene.north_mate.id)
    ).all()
    assert {n.kind.value for n in told} == {"task.assigned"}
    # Nothing waits: no plan points at the deactivated account.
    assert _queue(api, scene.north_lead) == []
    plan = api.get(scene.north_mate, f"/people/{scene.sarah.id}/plan").get_json()
    assert plan["key_worker"]["id"] == str(scene.north_mate.id)
    assert plan["key_worker_agreed"] is None


def test_deactivating_without_a_colleague_lists_the_plans_and_tells_the_team_leaders(api, world):
    scene = build_team_scene(world)
    _more_people(world, scene, 1)
    answer = api.post(scene.admin, f"/staff/{scene.kay.id}/deactivate")
    assert answer.status_code == 200
    assert answer.get_json()["plans"] == {
        "handed_over": 0,
        "handed_over_to": None,
        "needing_key_worker": 2,
    }
    waiting = _queue(api, scene.north_lead)
    assert len(waiting) == 2
    assert {w["why"] for w in waiting} == {"deactivated"}
    assert {w["former_key_worker"]["id"] for w in waiting} == {str(scene.kay.id)}
    assert [t["name"] for t in waiting[0]["teams"]] == ["North"]
    assert str(scene.sarah.id) in {w["person"]["id"] for w in waiting}
    # Another team of the same agency sees that plans wait, not who they are.
    other = _queue(api, scene.south_mate)
    assert len(other) == 2
    assert all(w["person"] is None for w in other)
    # Another agency's practitioner sees none of this agency's list.
    assert _queue(api, scene.plain_worker) == []
    # North's leader is told (content-free); South's is not.
    db.session.expire_all()
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "key_worker.needed")
    ).all()
    assert [n.recipient_user_id for n in told] == [scene.north_lead.id]
    assert told[0].link == "/needing-key-worker"


def test_an_agency_without_teams_tells_its_practitioners(api, world):
    scene = build_team_scene(world)
    assert api.post(scene.admin, f"/staff/{scene.plain_worker.id}/deactivate").status_code == 200
    db.session.expire_all()
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "key_worker.needed.agency")
    ).all()
    assert [n.recipient_agency_id for n in told] == [scene.plain.id]
    waiting = _queue(api, scene.plain_colleague)
    assert [w["person"]["id"] for w in waiting] == [str(scene.tom.id)]


@pytest.mark.parametrize(
    "who", ["other_agency", "deactivated", "themselves", "unknown", "admin", "individual"]
)
def test_a_colleague_who_cannot_hold_the_plans_changes_nothing(api, world, who):
    scene = build_team_scene(world)
    if who == "deactivated":
        assert api.post(scene.admin, f"/staff/{scene.no_team.id}/deactivate").status_code == 200
    target = {
        "other_agency": scene.plain_worker.id,
        "deactivated": scene.no_team.id,
        "themselves": scene.kay.id,
        "unknown": uuid.uuid4(),
        "admin": scene.admin.id,
        "individual": scene.sarah_account.id,
    }[who]
    answer = api.post(
        scene.admin, f"/staff/{scene.kay.id}/deactivate", {"hand_over_to": str(target)}
    )
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["fields"]["hand_over_to"]
    db.session.expire_all()
    assert db.session.get(User, scene.kay.id).active is True
    assert _plan(scene.sarah.id).key_worker_id == scene.kay.id


@pytest.mark.parametrize("body", ["", "{}", '{"hand_over_to": null}', "[]", '{"hand_over_to": 7}'])
def test_the_deactivation_body_is_optional_but_checked(api, world, body):
    scene = build_team_scene(world)
    answer = api.client.post(
        f"/api/v1/staff/{scene.kay.id}/deactivate",
        data=body,
        headers=api.headers(scene.admin, {"Content-Type": "application/json"} if body else {}),
    )
    if body in ("[]", '{"hand_over_to": 7}'):
        assert answer.status_code == 400
        db.session.expire_all()
        assert db.session.get(User, scene.kay.id).active is True
    else:
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["plans"]["needing_key_worker"] == 1


def _stop_by(way, api, world, scene):
    """Make Kay's account unusable as Sarah's key worker, one way or another."""
    kay = db.session.get(User, scene.kay.id)
    if way == "api":
        assert api.post(scene.admin, f"/staff/{kay.id}/deactivate").status_code == 200
    elif way == "page":
        from tests.identity.pages import signed_in_browser
        from tests.web.support import hidden

        browser = signed_in_browser(api.client.application, scene.admin)
        token = hidden(browser.get("/admin/staff"), "csrf_token")
        page = browser.post(f"/admin/staff/{kay.id}/deactivate", data={"csrf_token": token})
        assert page.status_code in (302, 303), page.status_code
    elif way == "role":
        kay.roles = ["ig_officer"]  # the staff page refuses this; the list still catches it
        world.session.commit()
    elif way == "agency":
        kay.agency_id = scene.plain.id  # likewise refused there: moved to another organisation
        world.session.commit()


WAYS = {"api": "deactivated", "page": "deactivated", "role": "not_practitioner"}
WAYS["agency"] = "left_agency"


@pytest.mark.parametrize("way", sorted(WAYS))
def test_every_way_an_account_stops_being_usable_lists_its_plans(api, world, way):
    """However Kay stops being able to act as key worker, Sarah's plan is on the lead
    agency's list (never silently pointing at an account that cannot act), and can be
    handed on from it."""
    scene = build_team_scene(world)
    assert _queue(api, scene.north_lead) == []
    _stop_by(way, api, world, scene)
    waiting = _queue(api, scene.north_lead)
    assert [(w["person"]["id"], w["why"]) for w in waiting] == [(str(scene.sarah.id), WAYS[way])]
    moved = api.post(
        scene.north_lead,
        f"/teams/{scene.north.id}/hand-over",
        {"moves": [{"person_id": str(scene.sarah.id), "key_worker_id": str(scene.north_mate.id)}]},
    )
    assert moved.status_code == 200, moved.get_json()
    assert _queue(api, scene.north_lead) == []


# --- Bulk hand-over -----------------------------------------------------------------


def test_a_team_leader_shares_out_several_people_in_one_step(api, world):
    scene = build_team_scene(world)
    others = _more_people(world, scene, 3)
    moves = [
        {"person_id": str(scene.sarah.id), "key_worker_id": str(scene.north_mate.id)},
        {"person_id": str(others[0].id), "key_worker_id": str(scene.north_mate.id)},
        {"person_id": str(others[1].id), "key_worker_id": str(scene.north_lead.id)},
    ]
    before = len(world.audit())
    answer = api.post(scene.north_lead, f"/teams/{scene.north.id}/hand-over", {"moves": moves})
    assert answer.status_code == 200, answer.get_json()
    moved = answer.get_json()["moved"]
    assert [m["person_id"] for m in moved] == [m["person_id"] for m in moves]
    assert {m["previous_key_worker"]["id"] for m in moved} == {str(scene.kay.id)}
    records = world.audit()[before:]
    changes = [r for r in records if r.action == "keyworker.change"]
    assert [str(r.person_id) for r in changes] == [m["person_id"] for m in moves]
    assert all(r.basis == {"plan": "team_leader"} for r in changes)
    assert [r.action for r in records].count("team.hand_over") == 1
    assert _plan(others[2].id).key_worker_id == scene.kay.id  # not moved
    assert len(_open_tasks(scene.north_mate.id)) == 2
    assert len(_open_tasks(scene.north_lead.id)) == 1
    history = db.session.scalars(
        select(KeyWorkerAssignment).where(KeyWorkerAssignment.plan_id == scene.plan.id)
    ).all()
    assert len(history) == 2
    assert sum(h.ended_at is None for h in history) == 1


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ("not_on_caseload", 422, "moves.1.person_id"),
        ("no_plan_person", 422, "moves.1.person_id"),
        ("outside_team", 422, "moves.1.key_worker_id"),
        ("other_agency", 422, "moves.1.key_worker_id"),
        ("same_key_worker", 409, "moves.1.key_worker_id"),
    ],
)
def test_a_move_that_cannot_be_made_moves_nobody(api, world, case, status, field):
    scene = build_team_scene(world)
    bad = {
        "not_on_caseload": {
            "person_id": str(scene.tom.id),
            "key_worker_id": str(scene.north_mate.id),
        },
        "no_plan_person": {
            "person_id": str(world.person(scene.kay).id),
            "key_worker_id": str(scene.north_mate.id),
        },
        "outside_team": {"person_id": None, "key_worker_id": str(scene.south_mate.id)},
        "other_agency": {"person_id": None, "key_worker_id": str(scene.plain_worker.id)},
        "same_key_worker": {"person_id": None, "key_worker_id": str(scene.kay.id)},
    }[case]
    second = _more_people(world, scene, 1)[0]
    if bad["person_id"] is None:
        bad["person_id"] = str(second.id)
    moves = [{"person_id": str(scene.sarah.id), "key_worker_id": str(scene.north_mate.id)}, bad]
    answer = api.post(scene.north_lead, f"/teams/{scene.north.id}/hand-over", {"moves": moves})
    assert answer.status_code == status, answer.get_json()
    assert field in answer.get_json()["fields"]
    assert _plan(scene.sarah.id).key_worker_id == scene.kay.id
    assert _open_tasks(scene.north_mate.id) == []


def test_the_same_person_twice_is_refused(api, world):
    scene = build_team_scene(world)
    move = {"person_id": str(scene.sarah.id), "key_worker_id": str(scene.north_mate.id)}
    answer = api.post(
        scene.north_lead, f"/teams/{scene.north.id}/hand-over", {"moves": [move, move]}
    )
    assert answer.status_code == 400
    assert _plan(scene.sarah.id).key_worker_id == scene.kay.id


# --- The person's agreement ---------------------------------------------------------


def _shared_out(api, scene):
    move = {"person_id": str(scene.sarah.id), "key_worker_id": str(scene.north_mate.id)}
    answer = api.post(scene.north_lead, f"/teams/{scene.north.id}/hand-over", {"moves": [move]})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["moved"][0]["version"]


def test_the_new_key_worker_records_the_persons_agreement(api, world):
    scene = build_team_scene(world)
    version = _shared_out(api, scene)
    path = f"/people/{scene.sarah.id}/plan/key-worker/agreement"
    assert api.post(scene.north_mate, path, AGREED).status_code == 428
    stale = api.post(scene.north_mate, path, AGREED, headers={"If-Match": f'"{version - 1}"'})
    assert stale.status_code == 412
    # The leader who moved her, or her former key worker's team, may not record it.
    headers = {"If-Match": f'"{version}"'}
    assert api.post(scene.north_lead, path, AGREED, headers=headers).status_code == 403
    bad = api.post(scene.north_mate, path, {**AGREED, "agreed_how": "telepathy"}, headers=headers)
    assert bad.status_code == 400
    done = api.post(scene.north_mate, path, AGREED, headers=headers)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["key_worker_agreed"] == {"on": "2026-10-01", "how": "in_person"}
    assert _open_tasks(scene.north_mate.id) == []
    again = api.post(
        scene.north_mate, path, AGREED, headers={"If-Match": f'"{done.get_json()["version"]}"'}
    )
    assert again.status_code == 409
    history = api.get(scene.north_mate, f"/people/{scene.sarah.id}/plan/key-workers").get_json()
    assert history[0]["agreed_on"] == "2026-10-01"
    log = api.get(scene.sarah_account, "/me/access-log").get_json()
    assert "recorded that you agreed to your new key worker" in repr(log)
    assert "changed your key worker" in repr(log)


def test_a_hand_over_with_the_persons_agreement_cancels_the_waiting_task(api, world):
    scene = build_team_scene(world)
    version = _shared_out(api, scene)
    assert len(_open_tasks(scene.north_mate.id)) == 1
    answer = api.put(
        scene.north_mate,
        f"/people/{scene.sarah.id}/plan/key-worker",
        {"agency_id": str(scene.lead.id), "staff_id": str(scene.kay.id), **AGREED},
        headers={"If-Match": f'"{version}"'},
    )
    assert answer.status_code == 200, answer.get_json()
    assert _open_tasks(scene.north_mate.id) == []


# --- The team caseload --------------------------------------------------------------


def test_the_caseload_counts_each_members_people_and_what_is_due(api, world):
    scene = build_team_scene(world)
    mate_person = _more_people(world, scene, 2, worker=scene.north_mate)
    today = clock.today()
    goals = {
        "goals": [
            {
                "goal": "Keep my tenancy",
                "status": "in_progress",
                "review_on": (today - timedelta(days=3)).isoformat(),
                "actions": [
                    {
                        "action": "Apply for a crisis grant",
                        "by_when": (today - timedelta(days=1)).isoformat(),
                        "status": "to_do",
                    }
                ],
            },
            {
                "goal": "See my son",
                "status": "in_progress",
                "review_on": (today + timedelta(days=5)).isoformat(),
            },
        ]
    }
    put = api.put(
        scene.kay,
        f"/people/{scene.sarah.id}/plan/sections/goals",
        {"content": goals},
        headers={"If-Match": '"1"'},
    )
    assert put.status_code == 200, put.get_json()
    _shared_out_one = api.post(
        scene.north_lead,
        f"/teams/{scene.north.id}/hand-over",
        {"moves": [{"person_id": str(mate_person[0].id), "key_worker_id": str(scene.kay.id)}]},
    )
    assert _shared_out_one.status_code == 200
    answer = api.get(scene.north_lead, f"/teams/{scene.north.id}/caseload")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["totals"] == {
        "people": 3,
        "agreement_waiting": 1,
        "reviews_due": 1,
        "reviews_overdue": 1,
        "no_review_date": 2,
        "overdue_actions": 1,
        "referrals_waiting": 0,
    }
    by_member = {m["staff"]["id"]: m for m in body["members"]}
    assert by_member[str(scene.kay.id)]["people"] == 2
    assert by_member[str(scene.north_mate.id)]["people"] == 1
    assert by_member[str(scene.north_lead.id)]["people"] == 0
    assert body["members"][0]["leader"] is True  # leaders first
    # The counts name no one supported and hold no plan content.
    counted = repr([body["totals"], body["members"]])
    for word in ("Sarah", "Mackenzie", "tenancy", "Person0", "crisis"):
        assert word not in counted
    sarah = next(p for p in body["people"] if p["person"]["id"] == str(scene.sarah.id))
    assert sarah["reviews_overdue"] == 1
    assert sarah["overdue_actions"] == 1
    assert sarah["next_review_on"] == (today - timedelta(days=3)).isoformat()
    # Filters and sorting.
    only = api.get(scene.north_lead, f"/teams/{scene.north.id}/caseload?show=agreement")
    assert [p["person"]["id"] for p in only.get_json()["people"]] == [str(mate_person[0].id)]
    mine = api.get(
        scene.north_lead, f"/teams/{scene.north.id}/caseload?member={scene.north_mate.id}"
    )
    assert [p["person"]["id"] for p in mine.get_json()["people"]] == [str(mate_person[1].id)]
    overdue = api.get(scene.north_lead, f"/teams/{scene.north.id}/caseload?sort=overdue")
    assert overdue.get_json()["people"][0]["person"]["id"] == str(scene.sarah.id)
    named = api.get(scene.north_lead, f"/teams/{scene.north.id}/caseload?sort=name")
    names = [p["person"]["name"] for p in named.get_json()["people"]]
    assert names == sorted(names, key=str.casefold)
    for bad in ("sort=age", "show=everything", "member=nobody", "colour=red"):
        assert (
            api.get(scene.north_lead, f"/teams/{scene.north.id}/caseload?{bad}").status_code == 400
        )


def test_each_person_on_the_caseload_sees_the_leader_looked(api, world):
    scene = build_team_scene(world)
    before = len(world.audit())
    assert api.get(scene.north_lead, f"/teams/{scene.north.id}/caseload").status_code == 200
    records = [r for r in world.audit()[before:] if r.action == "team.caseload"]
    assert [str(r.person_id) for r in records] == [str(scene.sarah.id)]
    assert records[0].basis == {"plan": "team_leader"}
    log = api.get(scene.sarah_account, "/me/access-log").get_json()
    assert "in their team's caseload" in repr(log)


# --- Absence cover ------------------------------------------------------------------


def test_naming_a_cover_tells_the_colleague_and_lists_it_for_both(api, world):
    scene = build_team_scene(world)
    start = clock.today() + timedelta(days=10)
    body = {
        "staff_id": str(scene.no_team.id),
        "from": start.isoformat(),
        "to": (start + timedelta(days=4)).isoformat(),
    }
    made = api.post(scene.kay, "/me/cover", body)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["in_force"] is False  # from a later day
    mine = api.get(scene.kay, "/me/cover").get_json()
    assert {c["cover"]["id"] for c in mine["given"]} == {str(scene.cover.id), str(scene.no_team.id)}
    held = api.get(scene.no_team, "/me/cover").get_json()
    assert [c["key_worker"]["id"] for c in held["held"]] == [str(scene.kay.id)]
    db.session.expire_all()
    told = db.session.scalars(
        select(Notification).where(Notification.recipient_user_id == scene.no_team.id)
    ).all()
    assert [n.kind.value for n in told] == ["key_worker.cover"]
    # Not yet in force: the colleague does not see Sarah before the dates.
    assert api.get(scene.no_team, f"/people/{scene.sarah.id}/plan").status_code == 404


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("themselves", "staff_id"),
        ("other_agency", "staff_id"),
        ("admin", "staff_id"),
        ("ends_before", "to"),
        ("too_long", "to"),
        ("in_the_past", "from"),
    ],
)
def test_a_cover_that_cannot_be_is_refused(api, world, case, field):
    scene = build_team_scene(world)
    today = clock.today()
    body = {
        "staff_id": str(scene.no_team.id),
        "from": today.isoformat(),
        "to": (today + timedelta(days=3)).isoformat(),
    }
    if case == "themselves":
        body["staff_id"] = str(scene.kay.id)
    elif case == "other_agency":
        body["staff_id"] = str(scene.plain_worker.id)
    elif case == "admin":
        body["staff_id"] = str(scene.admin.id)
    elif case == "ends_before":
        body["to"] = (today - timedelta(days=1)).isoformat()
    elif case == "too_long":
        body["to"] = (today + timedelta(days=92)).isoformat()
    elif case == "in_the_past":
        body["from"] = (today - timedelta(days=1)).isoformat()
    answer = api.post(scene.kay, "/me/cover", body)
    assert answer.status_code in (400, 422), answer.get_json()
    assert field in answer.get_json()["fields"]
    assert len(api.get(scene.kay, "/me/cover").get_json()["given"]) == 1  # the scene's own


def test_a_second_cover_of_the_same_colleague_for_overlapping_days_is_refused(api, world):
    """Cora already covers Kay this week: naming her again for any of those days is
    refused and changes nothing (a duplicate would keep her reading after the first is
    stopped early); other days, or another colleague, are fine."""
    scene = build_team_scene(world)
    last = scene.covering.ends_on  # dates from the scene's own cover, whatever the hour
    again = {
        "staff_id": str(scene.cover.id),
        "from": last.isoformat(),
        "to": (last + timedelta(days=2)).isoformat(),
    }
    answer = api.post(scene.kay, "/me/cover", again)
    assert answer.status_code == 409, answer.get_json()
    assert "from" in answer.get_json()["fields"]
    assert len(api.get(scene.kay, "/me/cover").get_json()["given"]) == 1
    later = {**again, "from": (last + timedelta(days=1)).isoformat()}
    assert api.post(scene.kay, "/me/cover", later).status_code == 201
    other = {**again, "staff_id": str(scene.no_team.id)}
    assert api.post(scene.kay, "/me/cover", other).status_code == 201
    # Once the first is stopped, Cora does not see Sarah today.
    api.post(scene.kay, f"/me/cover/{scene.covering.id}/end")
    assert api.get(scene.cover, f"/people/{scene.sarah.id}/plan").status_code == 404


def test_a_key_worker_in_no_team_cannot_leave_their_people_where_nobody_sees_them(api, world):
    """Cora is in no team of an agency that works in teams: once her account closed, no
    colleague could see her people nor any team leader share them out. Deactivating her
    without a colleague is refused, and changes nothing; naming one works."""
    scene = build_team_scene(world)
    (person,) = _more_people(world, scene, 1, worker=scene.cover)
    answer = api.post(scene.admin, f"/staff/{scene.cover.id}/deactivate")
    assert answer.status_code == 422, answer.get_json()
    assert "hand_over_to" in answer.get_json()["fields"]
    db.session.expire_all()
    assert db.session.get(User, scene.cover.id).active is True
    assert _plan(person.id).key_worker_id == scene.cover.id
    named = {"hand_over_to": str(scene.no_team.id)}
    answer = api.post(scene.admin, f"/staff/{scene.cover.id}/deactivate", named)
    assert answer.status_code == 200, answer.get_json()
    assert _plan(person.id).key_worker_id == scene.no_team.id


@pytest.mark.parametrize("whose", ["key_worker", "colleague"])
def test_deactivating_an_account_stops_the_covers_it_named_or_held(api, world, whose):
    """Kay's cover is for her absence, not her departure: when Kay (or Cora) is
    deactivated, Cora stops reading Kay's people through it."""
    scene = build_team_scene(world)
    assert api.get(scene.cover, f"/people/{scene.sarah.id}/plan").status_code == 200
    gone = scene.kay if whose == "key_worker" else scene.cover
    assert api.post(scene.admin, f"/staff/{gone.id}/deactivate").status_code == 200
    db.session.expire_all()
    assert db.session.get(Cover, scene.covering.id).ended_at is not None
    if whose == "key_worker":
        assert api.get(scene.cover, f"/people/{scene.sarah.id}/plan").status_code == 404
        # The key worker's team still reads the waiting plan.
        assert api.get(scene.north_mate, f"/people/{scene.sarah.id}/plan").status_code == 200
    stop = [e for e in world.audit() if e.action == "staff.deactivate"][-1]
    assert stop.details["covers_ended"] == 1


# --- Teams (administrators) ---------------------------------------------------------


def test_an_administrator_sets_up_and_changes_a_team(api, world):
    scene = build_team_scene(world)
    body = {
        "name": "East",
        "agency_id": str(scene.lead.id),
        "members": [str(scene.no_team.id)],
        "leaders": [str(scene.cover.id)],
    }
    made = api.post(scene.admin, "/teams", body)
    assert made.status_code == 201, made.get_json()
    team = made.get_json()
    assert team["leaders"] == [str(scene.cover.id)]
    assert {m["staff_id"] for m in team["members"]} == {str(scene.cover.id), str(scene.no_team.id)}
    assert api.post(scene.admin, "/teams", body).status_code == 409  # the name is taken
    listed = api.get(scene.admin, "/teams").get_json()
    assert [t["name"] for t in listed] == ["East", "North", "South"]
    path = f"/teams/{team['id']}"
    change = {"name": "East", "members": [], "leaders": [str(scene.no_team.id)]}
    assert api.put(scene.admin, path, change).status_code == 428
    assert api.put(scene.admin, path, change, headers={"If-Match": '"9"'}).status_code == 412
    changed = api.put(scene.admin, path, change, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["version"] == 2
    assert [m["staff_id"] for m in changed.get_json()["members"]] == [str(scene.no_team.id)]
    moved = api.put(
        scene.admin, path, {**change, "agency_id": str(scene.plain.id)}, headers={"If-Match": '"2"'}
    )
    assert moved.status_code == 422
    # Members and leaders alone (API.md's row): the name stays.
    kept = api.put(
        scene.admin,
        path,
        {"members": [str(scene.cover.id)], "leaders": [str(scene.no_team.id)]},
        headers={"If-Match": '"2"'},
    )
    assert kept.status_code == 200, kept.get_json()
    assert kept.get_json()["name"] == "East"
    assert len(kept.get_json()["members"]) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"agency_id": "unknown"}, "agency_id"),
        ({"members": ["plain"]}, "members"),
        ({"leaders": ["plain"]}, "leaders"),
        ({"leaders": []}, "leaders"),
        ({"leaders": ["admin"]}, "leaders"),
        ({"name": " "}, "name"),
    ],
)
def test_a_team_that_cannot_be_is_refused(api, world, change, field):
    scene = build_team_scene(world)
    ids = {
        "unknown": str(uuid.uuid4()),
        "plain": str(scene.plain_worker.id),
        "admin": str(scene.admin.id),
    }
    body = {"name": "West", "agency_id": str(scene.lead.id), "leaders": [str(scene.cover.id)]}
    for key, value in change.items():
        body[key] = [ids[v] for v in value] if isinstance(value, list) else ids.get(value, value)
    answer = api.post(scene.admin, "/teams", body)
    assert answer.status_code in (400, 422), answer.get_json()
    assert field in answer.get_json()["fields"]
    assert "West" not in [t["name"] for t in api.get(scene.admin, "/teams").get_json()]


def test_the_caseload_counts_referrals_waiting_for_an_answer(api, world):
    """Issue 22: "referrals waiting", counted for the team without naming anyone."""
    from careplan.directory.models import LOCAL, Organization, Service

    scene = build_team_scene(world)
    service = Service(
        organization=Organization(name="Hillside Trust", source=LOCAL, source_ref="org-w"),
        name="Hillside recovery cafe",
        source=LOCAL,
        source_ref="svc-w",
        version=1,
    )
    world.session.add(service)
    world.session.commit()
    made = api.post(
        scene.kay,
        f"/people/{scene.sarah.id}/referrals",
        {
            "service_id": str(service.id),
            "reason": "She wants a peer group near home after her detox.",
            "sections": ["goals"],
            "consent": {"method": "verbal", "agreed_on": "2026-11-01"},
        },
    )
    assert made.status_code == 201, made.get_json()
    body = api.get(scene.north_lead, f"/teams/{scene.north.id}/caseload").get_json()
    assert body["totals"]["referrals_waiting"] == 1
    kay = next(m for m in body["members"] if m["staff"]["id"] == str(scene.kay.id))
    assert kay["referrals_waiting"] == 1
    assert [p["referrals_waiting"] for p in body["people"]] == [1]


def test_a_deactivation_hand_over_gives_the_open_corrections_to_the_new_key_worker(api, world):
    """Issue 20's walk, every way a key worker changes: a person's open request for a
    correction follows their plan to the colleague who takes it on (a hand-over made
    without the person, here on deactivation), and nothing else of Kay's moves."""
    scene = build_team_scene(world)
    correction = Task(
        person_id=scene.sarah.id,
        owner_staff_id=scene.kay.id,
        status=TaskStatus.OPEN,
        source=TaskSource.CORRECTION,
        version=1,
        created_by_id=scene.kay.id,
    )
    correction.title = "Answer a request to correct \u201cAbout me\u201d"
    own = Task(
        person_id=scene.sarah.id,
        owner_staff_id=scene.kay.id,
        status=TaskStatus.OPEN,
        source=TaskSource.GOAL,
        version=1,
        created_by_id=scene.kay.id,
    )
    own.title = "Kay's own action"
    world.session.add_all([correction, own])
    world.session.commit()
    ids = (correction.id, own.id)
    answer = api.post(
        scene.admin, f"/staff/{scene.kay.id}/deactivate", {"hand_over_to": str(scene.north_mate.id)}
    )
    assert answer.status_code == 200, answer.get_json()
    db.session.expire_all()
    moved, kept = (db.session.get(Task, i) for i in ids)
    assert (moved.owner_staff_id, moved.version) == (scene.north_mate.id, 2)
    assert kept.owner_staff_id == scene.kay.id
