"""Dates without a time are days in Scotland, and every date input has a sane range
(issue 16, fault 10).

At 00:30 in Scotland on 11 July (23:30 UTC on 10 July, BST) a consent that ended on 10 July
no longer grants anything, a care-team place that ended on 10 July is over, and an end date
of 10 July is "yesterday". In winter (GMT) the day is the UTC day. A consent cannot end
beyond CAREPLAN_CONSENT_MAX_DAYS from today (not in 9999); a date of birth is not in the
future nor before 1900; reviews are planned within three years; an information-sharing
agreement ends within five years; nothing is at the ends of the calendar.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from careplan.core import clock
from tests.api.scene import build_scene
from tests.api.test_sharing import agreement, join_team
from tests.support import Api


@pytest.fixture
def app(shared_app):
    return shared_app


def _at(monkeypatch, moment: datetime, client, world) -> Api:
    """The service's clock at `moment` (naive UTC), and callers with tokens made then."""
    monkeypatch.setattr(clock, "now", lambda: moment)
    return Api(client, world)


def _consent(api: Api, scene, expires_on: str, sections: list[str] | None = None) -> Any:
    return api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"agency_id": str(scene.other_agency.id)},
            "sections": sections or ["housing"],
            "effect": "permit",
            "expires_on": expires_on,
            "method": "written",
        },
    )


def _sees(api: Api, scene) -> int:
    return api.get(scene.outsider, f"/people/{scene.person.id}/plan/sections/housing").status_code


@pytest.mark.parametrize(
    ("ends", "last_minute", "next_day"),
    [
        # Summer (BST): the day ends at 23:00 UTC.
        ("2027-07-10", datetime(2027, 7, 10, 22, 59), datetime(2027, 7, 10, 23, 30)),
        ("2027-07-10", datetime(2027, 7, 10, 22, 59, 59), datetime(2027, 7, 10, 23, 0)),
        # Winter (GMT): the day ends at midnight UTC.
        ("2027-01-20", datetime(2027, 1, 20, 23, 59), datetime(2027, 1, 21, 0, 0)),
    ],
)
def test_a_consent_ends_at_midnight_in_scotland(
    api, world, client, monkeypatch, ends, last_minute, next_day
):
    scene = build_scene(world)
    agreement(world, scene.other_agency)
    join_team(api, scene)
    assert _consent(api, scene, ends).status_code == 201
    assert _sees(_at(monkeypatch, last_minute, client, world), scene) == 200
    assert _sees(_at(monkeypatch, next_day, client, world), scene) == 404


def test_a_care_team_place_ends_at_midnight_in_scotland(api, world, client, monkeypatch):
    scene = build_scene(world)
    agreement(world, scene.other_agency)
    added = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/care-team",
        {"staff_id": str(scene.outsider.id), "role": "Housing officer", "to": "2027-07-10"},
    )
    assert added.status_code == 201
    assert _consent(api, scene, "2028-01-01").status_code == 201
    assert _sees(_at(monkeypatch, datetime(2027, 7, 10, 22, 59), client, world), scene) == 200
    assert _sees(_at(monkeypatch, datetime(2027, 7, 10, 23, 30), client, world), scene) == 404


def test_at_half_past_midnight_in_scotland_yesterday_is_yesterday(world, client, monkeypatch):
    scene = build_scene(world)
    api = _at(monkeypatch, datetime(2027, 7, 10, 23, 30), client, world)  # 00:30 BST, 11 July
    yesterday = _consent(api, scene, "2027-07-10")
    assert yesterday.status_code == 400
    assert "expires_on" in yesterday.get_json()["fields"]
    assert _consent(api, scene, "2027-07-11").status_code == 201
    # Today in Scotland is not the future: an update today, a date of birth today.
    entry = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/housing/entries",
        {"text": "Seen at the hostel.", "occurred_on": "2027-07-11"},
    )
    assert entry.status_code == 201, entry.get_json()
    born = {"given_name": "New", "family_name": "Born", "date_of_birth": "2027-07-11"}
    assert api.post(scene.key_worker, "/people", born).status_code == 201
    tomorrow = {**born, "date_of_birth": "2027-07-12"}
    assert api.post(scene.key_worker, "/people", tomorrow).status_code == 400


@pytest.mark.parametrize("extra_days", [1, 2, 365, 3000])
def test_a_consent_cannot_end_beyond_the_configured_maximum(api, world, app, extra_days):
    scene = build_scene(world)
    longest = app.config["CONSENT_MAX_DAYS"]
    assert longest == 1096
    latest = clock.today() + timedelta(days=longest)
    assert _consent(api, scene, latest.isoformat()).status_code == 201
    beyond = _consent(api, scene, (latest + timedelta(days=extra_days)).isoformat())
    assert beyond.status_code == 400
    assert "expires_on" in beyond.get_json()["fields"]


@pytest.mark.parametrize("ends", ["9999-12-31", "2099-12-31", "3000-01-01", "0001-01-01"])
def test_a_consent_ending_at_the_ends_of_the_calendar_is_refused(api, world, ends):
    scene = build_scene(world)
    refused = _consent(api, scene, ends)
    assert refused.status_code == 400
    assert "expires_on" in refused.get_json()["fields"]
    far_start = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"sector": "statutory"},
            "sections": "all",
            "effect": "deny",
            "starts_on": "2090-01-01",
            "method": "verbal",
        },
    )
    assert far_start.status_code == 400
    assert "starts_on" in far_start.get_json()["fields"]


def test_the_maximum_is_configured(api, world, app, monkeypatch):
    scene = build_scene(world)
    monkeypatch.setitem(app.config, "CONSENT_MAX_DAYS", 30)
    in_a_month = clock.today() + timedelta(days=30)
    assert _consent(api, scene, in_a_month.isoformat()).status_code == 201
    refused = _consent(api, scene, (in_a_month + timedelta(days=1)).isoformat())
    assert "within 30 days" in refused.get_json()["fields"]["expires_on"][0]


def _days(**offsets: int) -> str:
    return (clock.today() + timedelta(**offsets)).isoformat()


# (what, method, path, body builder, the field named). Each body is otherwise valid.
def _bounded_inputs() -> list[tuple[str, str, str, Any, str]]:
    person = {"given_name": "Ann", "family_name": "Bell"}
    plan = {"lead_agency_id": "{lead}", "key_worker_id": "{spare}", "agreed_how": "phone"}
    return [
        (
            "born_tomorrow",
            "POST",
            "/people",
            lambda: {**person, "date_of_birth": _days(days=1)},
            "date_of_birth",
        ),
        (
            "born_1899",
            "POST",
            "/people",
            lambda: {**person, "date_of_birth": "1899-12-31"},
            "date_of_birth",
        ),
        (
            "born_year_1",
            "POST",
            "/people",
            lambda: {**person, "date_of_birth": "0001-01-01"},
            "date_of_birth",
        ),
        (
            "lookup_9999",
            "POST",
            "/people/lookup",
            lambda: {**person, "date_of_birth": "9999-12-31"},
            "date_of_birth",
        ),
        (
            "agreed_tomorrow",
            "POST",
            "/people/{new}/plan",
            lambda: {**plan, "agreed_on": _days(days=1)},
            "agreed_on",
        ),
        (
            "agreed_year_1",
            "POST",
            "/people/{new}/plan",
            lambda: {**plan, "agreed_on": "0001-01-01"},
            "agreed_on",
        ),
        (
            "hand_over_9999",
            "PUT",
            "/people/{p}/plan/key-worker",
            lambda: {
                "agency_id": "{lead}",
                "staff_id": "{spare}",
                "agreed_how": "phone",
                "agreed_on": "9999-12-31",
            },
            "agreed_on",
        ),
        (
            "closed_tomorrow",
            "POST",
            "/people/{p}/plan/close",
            lambda: {"reason": "moved_away", "closed_on": _days(days=1)},
            "closed_on",
        ),
        (
            "update_tomorrow",
            "POST",
            "/people/{p}/plan/sections/housing/entries",
            lambda: {"text": "x", "occurred_on": _days(days=1)},
            "occurred_on",
        ),
        (
            "update_1800",
            "POST",
            "/people/{p}/plan/sections/housing/entries",
            lambda: {"text": "x", "occurred_on": "1800-01-01"},
            "occurred_on",
        ),
        (
            "team_until_9999",
            "POST",
            "/people/{p}/care-team",
            lambda: {"staff_id": "{outsider}", "role": "Nurse", "to": "9999-12-31"},
            "to",
        ),
        (
            "team_from_year_1",
            "POST",
            "/people/{p}/care-team",
            lambda: {"staff_id": "{outsider}", "role": "Nurse", "from": "0001-01-01"},
            "from",
        ),
        (
            "agreement_ended",
            "PUT",
            "/agencies/{lead}/sharing-agreement",
            lambda: {
                "max_sensitivity": "standard",
                "sections": None,
                "valid_until": _days(days=-1),
            },
            "valid_until",
        ),
        (
            "agreement_six_years",
            "PUT",
            "/agencies/{lead}/sharing-agreement",
            lambda: {
                "max_sensitivity": "standard",
                "sections": None,
                "valid_until": _days(days=6 * 366),
            },
            "valid_until",
        ),
        (
            "goal_review_4_years",
            "PUT",
            "/people/{p}/plan/sections/goals",
            lambda: {"content": {"goals": [{"goal": "A flat", "review_on": _days(days=4 * 366)}]}},
            "content.goals.0.review_on",
        ),
        (
            "action_due_9999",
            "PUT",
            "/people/{p}/plan/sections/goals",
            lambda: {
                "content": {
                    "goals": [
                        {"goal": "A flat", "actions": [{"action": "Bid", "by_when": "9999-12-31"}]}
                    ]
                }
            },
            "content.goals.0.actions.0.by_when",
        ),
        (
            "safety_review_9999",
            "PUT",
            "/people/{p}/plan/sections/safety",
            lambda: {"content": {"review_on": "9999-12-31"}},
            "content.review_on",
        ),
        (
            "order_review_4_years",
            "PUT",
            "/people/{p}/plan/sections/justice",
            lambda: {"content": {"orders": [{"type": "cpo", "review_on": _days(days=4 * 366)}]}},
            "content.orders.0.review_on",
        ),
        (
            "housing_since_year_1",
            "PUT",
            "/people/{p}/plan/sections/housing",
            lambda: {"content": {"current_accommodation": {"since": "0001-01-01"}}},
            "content.current_accommodation.since",
        ),
        (
            "appointment_before_year_1",
            "PUT",
            "/people/{p}/plan/sections/contacts",
            lambda: {"content": {"appointments": [{"when": "0001-01-01T00:00:00+14:00"}]}},
            "content.appointments.0.when",
        ),
        (
            "appointment_after_9999",
            "PUT",
            "/people/{p}/plan/sections/contacts",
            lambda: {"content": {"appointments": [{"when": "9999-12-31T23:59:59-14:00"}]}},
            "content.appointments.0.when",
        ),
    ]


BOUNDED = _bounded_inputs()


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "field"), BOUNDED, ids=[b[0] for b in BOUNDED]
)
def test_dates_out_of_their_range_are_refused_with_the_field_named(
    api, world, what, method, path, body, field
):
    scene = build_scene(world)
    ids = {
        "p": scene.person.id,
        "new": world.person(scene.key_worker).id,
        "lead": scene.lead.id,
        "spare": scene.spare.id,
        "outsider": scene.outsider.id,
    }

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**ids)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    user = scene.admin if path.startswith("/agencies") else scene.key_worker
    refused = api.call(method, user, fill(path), json=fill(body()), headers={"If-Match": '"1"'})
    assert refused.status_code == 400, refused.get_json()
    messages = refused.get_json()["fields"]
    assert field in messages, messages
    assert messages[field][0].startswith(("Enter", "Give", "The"))


def test_sane_dates_are_accepted(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/plan/sections/goals"
    goals = {
        "goals": [
            {"goal": "A flat", "review_on": _days(days=2 * 365), "set_on": "2020-03-01"},
            {"goal": "Work", "review_on": "2024-01-01"},  # an overdue review stays valid
        ]
    }
    saved = api.put(scene.key_worker, url, {"content": goals}, headers={"If-Match": '"1"'})
    assert saved.status_code == 200, saved.get_json()
    agreement_ok = api.put(
        scene.admin,
        f"/agencies/{scene.lead.id}/sharing-agreement",
        {"max_sensitivity": "standard", "sections": None, "valid_until": _days(days=4 * 365)},
    )
    assert agreement_ok.status_code == 200, agreement_ok.get_json()
    born = {"given_name": "Old", "family_name": "Timer", "date_of_birth": "1900-01-01"}
    assert api.post(scene.key_worker, "/people", born).status_code == 201
    assert date.fromisoformat(_days(days=0)) == clock.today()
