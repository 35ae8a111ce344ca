"""People, plans, key worker hand-over and the care team, as a key worker uses them."""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import select

from careplan import create_app
from careplan.extensions import db
from careplan.plans import operations
from careplan.plans.models import KeyWorkerAssignment, Plan
from tests.api.scene import CHI_P, build_scene


def test_register_then_create_plan_records_agreement(api, world):
    scene = build_scene(world)
    made = api.post(
        scene.colleague,
        "/people",
        {
            "given_name": " Amy ",
            "family_name": "Ross",
            "date_of_birth": "1991-03-05",
            "chi": "050391 2344",
        },
    )
    assert made.status_code == 201
    person = made.get_json()
    assert (person["given_name"], person["chi"]) == ("Amy", "0503912344")
    plan = api.post(
        scene.colleague,
        f"/people/{person['id']}/plan",
        {
            "lead_agency_id": str(scene.lead.id),
            "key_worker_id": str(scene.colleague.id),
            "agreed_on": "2026-11-01",
            "agreed_how": "in_person",
        },
    )
    assert plan.status_code == 201, plan.get_json()
    body = plan.get_json()
    assert body["key_worker"]["name"] == "Colleague"
    assert body["key_worker_agreed"] == {"on": "2026-11-01", "how": "in_person"}
    assert body["version"] == 1
    again = api.post(
        scene.colleague,
        f"/people/{person['id']}/plan",
        {
            "lead_agency_id": str(scene.lead.id),
            "key_worker_id": str(scene.colleague.id),
            "agreed_on": "2026-11-01",
            "agreed_how": "in_person",
        },
    )
    assert again.status_code == 403


def test_plan_key_worker_must_be_practitioner_in_lead_agency(api, world):
    scene = build_scene(world)
    person = api.post(
        scene.colleague,
        "/people",
        {"given_name": "Amy", "family_name": "Ross", "date_of_birth": "1990-05-05"},
    ).get_json()
    refused = api.post(
        scene.colleague,
        f"/people/{person['id']}/plan",
        {
            "lead_agency_id": str(scene.lead.id),
            "key_worker_id": str(scene.outsider.id),
            "agreed_on": "2026-11-01",
            "agreed_how": "in_person",
        },
    )
    assert refused.status_code == 422
    assert "key_worker_id" in refused.get_json()["fields"]


def test_someone_elses_unplanned_person_is_hidden(api, world):
    scene = build_scene(world)
    person = api.post(
        scene.colleague,
        "/people",
        {"given_name": "Amy", "family_name": "Ross", "date_of_birth": "1990-05-05"},
    ).get_json()
    assert api.get(scene.colleague, f"/people/{person['id']}").status_code == 200
    assert api.get(scene.outsider, f"/people/{person['id']}").status_code == 404


def test_duplicate_chi_is_a_conflict(api, world):
    scene = build_scene(world)
    again = api.post(
        scene.outsider,
        "/people",
        {"given_name": "X", "family_name": "Y", "date_of_birth": "1988-04-12", "chi": CHI_P},
    )
    assert again.status_code == 409
    assert "chi" in again.get_json()["fields"]


def test_lookup_is_exact_only(api, world):
    scene = build_scene(world)
    found = api.post(scene.outsider, "/people/lookup", {"chi": CHI_P})
    assert found.get_json() == {"id": str(scene.person.id)}
    by_name = api.post(
        scene.outsider,
        "/people/lookup",
        {
            "given_name": "sarah",
            "family_name": "MACKENZIE",
            "date_of_birth": scene.person.date_of_birth.isoformat(),
        },
    )
    assert by_name.get_json() == {"id": str(scene.person.id)}
    partial = api.post(
        scene.outsider,
        "/people/lookup",
        {
            "given_name": "Sar",
            "family_name": "Mackenzie",
            "date_of_birth": scene.person.date_of_birth.isoformat(),
        },
    )
    assert partial.status_code == 404
    assert (
        api.post(scene.outsider, "/people/lookup", {"family_name": "Mackenzie"}).status_code == 400
    )
    # Finding someone gives no basis to see them.
    assert api.get(scene.outsider, f"/people/{scene.person.id}").status_code == 404


def test_hand_over_keeps_history_and_moves_access(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/plan/key-worker"
    body = {
        "agency_id": str(scene.lead.id),
        "staff_id": str(scene.spare.id),
        "agreed_on": "2026-11-01",
        "agreed_how": "phone",
    }
    assert api.put(scene.key_worker, url, body).status_code == 428  # no If-Match
    moved = api.put(scene.key_worker, url, body, headers={"If-Match": '"1"'})
    assert moved.status_code == 200, moved.get_json()
    assert moved.headers["ETag"] == '"2"'
    assert moved.get_json()["key_worker"]["name"] == "Spare Practitioner"
    stale = api.put(
        scene.spare, url, {**body, "staff_id": str(scene.colleague.id)}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    history = api.get(scene.spare, f"/people/{scene.person.id}/plan/key-workers").get_json()
    assert [h["staff"]["name"] for h in history] == ["Spare Practitioner", "Kay Worker"]
    assert history[0]["to"] is None
    assert history[1]["to"] is not None
    assert history[0]["agreed_how"] == "phone"
    # The former key worker is still lead agency staff: they can read but not write.
    section = f"/people/{scene.person.id}/plan/sections/housing"
    refused = api.put(scene.key_worker, section, {"content": {}}, headers={"If-Match": '"1"'})
    assert refused.status_code == 403
    assert refused.get_json()["reason"] == "read_only"
    assert (
        api.put(scene.spare, section, {"content": {}}, headers={"If-Match": '"1"'}).status_code
        == 200
    )


def test_care_team_add_and_end(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/care-team"
    added = api.post(
        scene.key_worker,
        url,
        {
            "staff_id": str(scene.outsider.id),
            "role": "Housing officer",
            "from": "2026-11-01",
            "to": "2027-11-01",
        },
    )
    assert added.status_code == 201, added.get_json()
    member = added.get_json()
    assert member["how"] == "added"
    assert member["current"] is True
    assert member["agency"]["name"] == "Other council team"
    ended = api.post(scene.key_worker, f"{url}/{member['id']}/end")
    assert ended.status_code == 200
    assert ended.get_json()["current"] is False
    assert api.post(scene.key_worker, f"{url}/{member['id']}/end").status_code == 409
    team = api.get(scene.key_worker, url).get_json()
    assert {m["name"]: m["current"] for m in team} == {
        "Outsider": False,
        "Spare Practitioner": True,
    }
    assert api.post(scene.key_worker, f"{url}/{uuid.uuid4()}/end").status_code == 404
    backwards = api.post(
        scene.key_worker,
        url,
        {"staff_id": str(scene.outsider.id), "role": "x", "from": "2026-11-01", "to": "2026-10-01"},
    )
    assert backwards.status_code == 400


def test_individual_sees_their_whole_plan(api, world):
    scene = build_scene(world)
    mine = api.get(scene.individual, "/me/plan")
    assert mine.status_code == 200
    assert mine.get_json()["person_id"] == str(scene.person.id)
    assert mine.get_json()["withheld"] == []
    assert api.get(scene.individual, f"/people/{scene.other_person.id}/plan").status_code == 404


def test_two_hand_overs_from_one_version_one_wins(app, api, world, monkeypatch):
    """Two key worker changes sent at once from the same version: the second waits for the
    first and is told the plan changed (412); one open assignment, nothing overwritten."""
    scene = build_scene(world)
    person_id, spare_id = scene.person.id, scene.spare.id
    url = f"/api/v1/people/{person_id}/plan/key-worker"
    to = {"spare": scene.spare, "colleague": scene.colleague}
    requests = {
        name: (
            {
                "agency_id": str(scene.lead.id),
                "staff_id": str(staff.id),
                "agreed_on": "2026-11-01",
                "agreed_how": "phone",
            },
            api.headers(scene.key_worker, {"If-Match": '"1"'}),
        )
        for name, staff in to.items()
    }
    config = {
        k: app.config[k]
        for k in ("SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "AUDIT_KEY_FILE", "DATA_KEYS_FILE")
    }
    first_is_changing = threading.Event()
    real_hand_over = operations.hand_over

    def slow_hand_over(*args, **kwargs):
        # The first request holds its place while the second one arrives.
        first_is_changing.set()
        time.sleep(0.5)
        return real_hand_over(*args, **kwargs)

    monkeypatch.setattr(operations, "hand_over", slow_hand_over)
    statuses: dict[str, int] = {}

    def send(name: str) -> None:
        other = create_app({**config, "TESTING": True})
        with other.app_context():
            body, headers = requests[name]
            statuses[name] = other.test_client().put(url, json=body, headers=headers).status_code
            db.session.remove()
            db.engine.dispose()

    db.session.remove()
    first = threading.Thread(target=send, args=("spare",))
    second = threading.Thread(target=send, args=("colleague",))
    first.start()
    assert first_is_changing.wait(30)
    second.start()
    first.join(60)
    second.join(60)
    assert statuses == {"spare": 200, "colleague": 412}
    plan = db.session.scalars(select(Plan).where(Plan.person_id == person_id)).one()
    assert (plan.version, plan.key_worker_id) == (2, spare_id)
    open_assignments = db.session.scalars(
        select(KeyWorkerAssignment).where(
            KeyWorkerAssignment.plan_id == plan.id, KeyWorkerAssignment.ended_at.is_(None)
        )
    ).all()
    assert [a.staff_id for a in open_assignments] == [spare_id]
