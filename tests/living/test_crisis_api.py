"""Crisis events: recorded with a follow-up owner and deadline, on the caseload until done."""

from __future__ import annotations

from careplan.crisis.models import CrisisEvent
from careplan.extensions import db
from careplan.tasks.models import Task
from tests.api.scene import build_scene


def test_an_overdose_gets_an_outreach_task_within_three_days(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/crisis-events"
    made = api.post(
        scene.colleague,
        url,
        {
            "kind": "near_fatal_overdose",
            "occurred_on": "2026-11-20",
            "note": "Found by hostel staff; naloxone given; taken to the Royal Infirmary.",
            "follow_up": {"owner_agency_id": str(scene.other_agency.id)},
        },
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["follow_up_due_on"] == "2026-11-23"
    assert body["follow_up_owner"] == "Other council team"
    assert body["followed_up"] is False
    # The outreach is the other agency's task; the key worker is told of the event.
    owned = api.get(scene.outsider, "/me/tasks").get_json()
    assert "Reach out after a near-fatal overdose" in [t["title"] for t in owned]
    notes = api.get(scene.key_worker, "/me/notifications").get_json()
    assert "crisis.key_worker" in [n["kind"] for n in notes]
    assert "naloxone" not in str(notes)
    # Followed up once its task is done.
    done = api.post(
        scene.outsider,
        f"/tasks/{body['follow_up_task_id']}/status",
        {"status": "done", "note": "Visited at the hostel."},
        headers={"If-Match": '"1"'},
    )
    assert done.status_code == 200
    (seen,) = api.get(scene.key_worker, url).get_json()
    assert seen["followed_up"] is True
    assert seen["note"].startswith("Found by hostel staff")
    # Sealed at rest.
    stored = db.session.execute(CrisisEvent.__table__.select()).one()
    assert "naloxone" not in str(stored)


def test_bad_events_change_nothing(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/crisis-events"
    owner = {"owner_staff_id": str(scene.colleague.id)}
    for body in (
        {"kind": "flood", "occurred_on": "2026-11-01", "follow_up": owner},
        {"kind": "eviction", "occurred_on": "2099-11-01", "follow_up": owner},
        {"kind": "eviction", "occurred_on": "2026-11-01"},
        {"kind": "eviction", "occurred_on": "2026-11-01", "follow_up": {}},
        {
            "kind": "eviction",
            "occurred_on": "2026-11-01",
            "follow_up": {**owner, "due_on": "2026-10-01"},
        },
        {
            "kind": "eviction",
            "occurred_on": "2026-11-01",
            "follow_up": {"owner_staff_id": str(scene.ig.id)},
        },
    ):
        response = api.post(scene.key_worker, url, body)
        assert response.status_code in (400, 422), body
        assert response.get_json()["fields"], body
    db.session.expire_all()
    assert db.session.query(CrisisEvent).count() == 0
    assert db.session.query(Task).count() == 1


def test_an_open_follow_up_keeps_the_person_on_the_caseload(api, world):
    from careplan.core import clock
    from careplan.me.home import CaseloadItem, _living_plan_due

    scene = build_scene(world)
    api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/crisis-events",
        {
            "kind": "prison_release",
            "occurred_on": clock.today().isoformat(),
            "follow_up": {"owner_staff_id": str(scene.colleague.id)},
        },
    )
    with api.client.application.test_request_context("/"):
        from flask import g

        g.user = scene.key_worker
        item = CaseloadItem(scene.person)
        _living_plan_due([item], clock.today())
    assert [c["action"] for c in item.crises] == ["Follow up the release from prison (Colleague)"]
    assert item.crises[0]["late"] is False
