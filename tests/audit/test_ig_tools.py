"""IG officers: search, export, verify, reviews and reports; the person's access log."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from careplan.core import clock
from tests.api.scene import build_scene

GLASS = {
    "reason": "risk_to_life",
    "justification": "Found unresponsive at the hostel; need the crisis plan now.",
}


def _activity(api, scene):
    api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    api.get(scene.outsider, f"/people/{scene.person.id}/plan")  # denied: 404
    api.look_up(scene.outsider, scene.person)
    api.post(scene.outsider, f"/people/{scene.person.id}/break-glass", GLASS)
    api.get(scene.outsider, f"/people/{scene.person.id}/plan")  # now allowed


def test_search_filters_and_pages_newest_first(api, world):
    scene = build_scene(world)
    _activity(api, scene)
    page = api.get(scene.ig, f"/audit/events?person={scene.person.id}&limit=2").get_json()
    assert len(page["events"]) == 2
    seqs = [e["seq"] for e in page["events"]]
    assert seqs == sorted(seqs, reverse=True)
    rest = api.get(
        scene.ig, f"/audit/events?person={scene.person.id}&limit=50&cursor={page['next_cursor']}"
    ).get_json()
    assert all(e["seq"] < seqs[-1] for e in rest["events"])
    denied = api.get(scene.ig, f"/audit/events?actor={scene.outsider.id}&outcome=deny")
    assert {e["outcome"] for e in denied.get_json()["events"]} == {"deny"}
    assert all(e["actor_id"] == str(scene.outsider.id) for e in denied.get_json()["events"])
    future = (clock.now() + timedelta(days=1)).isoformat()
    assert api.get(scene.ig, f"/audit/events?from={future}").get_json()["events"] == []
    assert api.get(scene.ig, "/audit/events?outcome=maybe").status_code == 400
    assert api.get(scene.key_worker, "/audit/events").status_code == 403
    searches = [(e.actor_id, e.outcome) for e in world.audit() if e.action == "audit.search"]
    assert (scene.ig.id, "permit") in searches
    assert searches[-1] == (scene.key_worker.id, "deny")


def test_ig_sees_no_plan_content(api, world):
    scene = build_scene(world)
    api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/housing",
        {"content": {"preferred_areas": ["Gorgie"]}},
        headers={"If-Match": '"1"'},
    )
    body = api.get(scene.ig, "/audit/events?limit=200").get_data(as_text=True)
    assert "Gorgie" not in body
    # Whose record it is, yes (issue 18: results name the person to the IG officer).
    assert "Sarah Mackenzie" in body


def test_csv_export_is_recorded_and_safe(api, world):
    scene = build_scene(world)
    _activity(api, scene)
    response = api.get(scene.ig, f"/audit/events.csv?person={scene.person.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "seq"
    assert len(rows) > 3
    exports = [e for e in world.audit() if e.action == "export"]
    assert len(exports) == 1
    assert exports[0].details["format"] == "csv"


def test_verify_endpoint(api, world):
    scene = build_scene(world)
    _activity(api, scene)
    result = api.get(scene.ig, "/audit/verify").get_json()
    assert result["ok"] is True
    assert result["first_bad_seq"] is None
    assert result["checkpoint"]["seq"] >= 1
    assert api.get(scene.admin, "/audit/verify").status_code == 403


def test_break_glass_review(api, world):
    scene = build_scene(world)
    _activity(api, scene)
    pending = api.get(scene.ig, "/audit/break-glass?status=pending").get_json()
    assert len(pending) == 1
    item = pending[0]
    assert item["actor"] == "Outsider"
    assert item["justification"].startswith("Found unresponsive")
    url = f"/audit/break-glass/{item['id']}/review"
    assert api.post(scene.ig, url, {"outcome": "great"}).status_code == 400
    done = api.post(
        scene.ig, url, {"outcome": "appropriate", "note": "Ambulance called; access was justified."}
    )
    assert done.status_code == 200
    assert done.get_json()["review_status"] == "reviewed"
    assert api.post(scene.ig, url, {"outcome": "appropriate", "note": "x"}).status_code == 409
    assert api.get(scene.ig, "/audit/break-glass?status=pending").get_json() == []
    reviewed = [
        e for e in world.audit() if e.action == "breakglass.review" and e.outcome == "permit"
    ]
    assert reviewed[-1].person_id == scene.person.id


def test_claims_review(api, world):
    scene = build_scene(world)
    api.look_up(scene.outsider, scene.person)
    api.post(
        scene.outsider,
        f"/people/{scene.person.id}/care-team/claim",
        {"reason": "Allocated as her housing officer by the homelessness team today."},
    )
    pending = api.get(scene.ig, "/audit/claims").get_json()
    assert [p["kind"] for p in pending] == ["claim"]
    done = api.post(
        scene.ig,
        f"/audit/claims/{pending[0]['id']}/review",
        {"outcome": "needs_follow_up", "note": "Check with the housing team."},
    )
    assert done.status_code == 200


def test_unusual_access_reports(api, world):
    scene = build_scene(world)
    _activity(api, scene)
    for _ in range(5):
        api.get(scene.outsider, f"/people/{scene.other_person.id}/plan/sections/safety")
    api.get(scene.colleague, f"/people/{scene.person.id}/plan")
    denied = api.get(scene.ig, "/audit/reports/denied?threshold=1").get_json()["rows"]
    assert denied[0]["actor_name"] == "Outsider"
    glass = api.get(scene.ig, "/audit/reports/break_glass").get_json()["rows"]
    assert glass == [
        {
            "actor_id": str(scene.outsider.id),
            "actor_name": "Outsider",
            "agency": "Other council team",
            "count": 1,
        }
    ]
    many = api.get(scene.ig, "/audit/reports/many_people?threshold=2").get_json()["rows"]
    assert {r["actor_name"] for r in many} == {"Outsider"}
    hours = api.get(scene.ig, "/audit/reports/out_of_hours").status_code
    assert hours == 200
    assert api.get(scene.ig, "/audit/reports/horoscope").status_code == 404


def test_out_of_hours_report_uses_the_clock(api, world, monkeypatch):
    scene = build_scene(world)
    night = clock.now().replace(hour=2)
    monkeypatch.setattr(clock, "now", lambda: night)
    api.get(scene.colleague, f"/people/{scene.person.id}/plan")
    monkeypatch.undo()
    rows = api.get(scene.ig, "/audit/reports/out_of_hours").get_json()["rows"]
    assert [r["actor_name"] for r in rows] == ["Colleague"]


def test_out_of_hours_is_judged_on_scottish_time_in_summer_and_winter(api, world, monkeypatch):
    """08:30 BST is 07:30 UTC: within working hours, not "07:30"; 18:30 BST (17:30 UTC) is
    after them. In winter (GMT) the wall clock is UTC: 07:30 is before 08:00."""
    scene = build_scene(world)
    cases = {
        datetime(2026, 7, 15, 7, 30): False,  # 08:30 BST
        datetime(2026, 7, 15, 16, 59): False,  # 17:59 BST
        datetime(2026, 7, 15, 17, 30): True,  # 18:30 BST
        datetime(2026, 7, 15, 6, 59): True,  # 07:59 BST
        datetime(2026, 1, 15, 7, 30): True,  # 07:30 GMT
        datetime(2026, 1, 15, 17, 30): False,  # 17:30 GMT
        datetime(2026, 1, 15, 18, 0): True,  # 18:00 GMT
        datetime(2026, 3, 29, 0, 30): True,  # 00:30 GMT, the night the clocks go forward
        datetime(2026, 10, 25, 16, 30): False,  # 16:30 GMT, the day they go back
    }
    for moment in cases:
        monkeypatch.setattr(clock, "now", lambda moment=moment: moment)
        api.get(scene.colleague, f"/people/{scene.person.id}/plan")
    monkeypatch.undo()
    for moment, outside in cases.items():
        window = f"from={moment.isoformat()}Z&to={(moment + timedelta(seconds=1)).isoformat()}Z"
        rows = api.get(scene.ig, f"/audit/reports/out_of_hours?{window}").get_json()["rows"]
        assert [r["actor_name"] for r in rows] == (["Colleague"] if outside else []), moment
    # Over the whole year at once, each is judged by its own season.
    rows = api.get(
        scene.ig, "/audit/reports/out_of_hours?from=2026-01-01T00:00Z&to=2026-12-31T00:00Z"
    ).get_json()["rows"]
    assert rows == [
        {
            "actor_id": str(scene.colleague.id),
            "actor_name": "Colleague",
            "agency": rows[0]["agency"],
            "count": sum(cases.values()),
        }
    ]


def test_summer_time_spans_come_from_the_time_zone_database():
    assert clock.summer_time(2026, 2026) == (
        (datetime(2026, 3, 29, 1, 0), datetime(2026, 10, 25, 1, 0)),
    )
    assert len(clock.summer_time(2020, 2026)) == 7


def test_person_sees_who_looked_including_break_glass(api, world):
    scene = build_scene(world)
    _activity(api, scene)
    log = api.get(scene.individual, "/me/access-log").get_json()["entries"]
    emergency = [e for e in log if e["emergency"]]
    assert emergency
    assert emergency[-1]["who"] == "Outsider"
    assert emergency[-1]["agency"] == "Other council team"
    assert any(e["justification"] and "unresponsive" in e["justification"] for e in emergency)
    looked = [e for e in log if e["what"] == "looked at your plan" and e["who"] == "Kay Worker"]
    assert looked[0]["why"] == "they are your key worker"
    assert any(not e["allowed"] for e in log)
    same = api.get(scene.key_worker, f"/people/{scene.person.id}/access-log").get_json()
    assert len(same["entries"]) >= len(log)
    other = api.get(scene.other_individual, "/me/access-log").get_json()["entries"]
    assert all(e["who"] != "Kay Worker" for e in other)
    assert api.get(scene.colleague, f"/people/{scene.person.id}/access-log").status_code == 403


def test_csv_export_is_on_record_before_its_first_row(api, world, monkeypatch):
    """No handler commits by itself: the request's unit of work commits the export's record
    as the handler returns, before the streamed body's first row; if the record cannot be
    written, no row is sent."""
    from sqlalchemy import select

    from audit import writer
    from audit.models import AuditEvent
    from careplan.extensions import db
    from careplan.ig import services as ig_services

    scene = build_scene(world)
    _activity(api, scene)
    newest_when_streaming = []
    original = ig_services.csv_rows

    def watching(session, args):
        newest = select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)
        newest_when_streaming.append(db.session.scalar(newest))
        yield from original(session, args)

    monkeypatch.setattr(ig_services, "csv_rows", watching)
    sent = api.get(scene.ig, f"/audit/events.csv?person={scene.person.id}")
    assert sent.status_code == 200
    assert sent.get_data(as_text=True).startswith('"seq"')
    assert newest_when_streaming == ["export"]

    def broken(session, records, checkpoints=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "append", broken)
    refused = api.get(scene.ig, f"/audit/events.csv?person={scene.person.id}")
    assert refused.status_code == 503
    assert "seq" not in refused.get_data(as_text=True)
