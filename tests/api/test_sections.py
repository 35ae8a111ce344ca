"""Sections: structured content, versions kept, stale writes refused, history readable."""

from __future__ import annotations

import pytest

from tests.api.scene import build_scene

GOOD = {
    "about_me": {
        "my_story": "Told once.",
        "what_matters": ["My son"],
        "communication": {"preferred_contact": "text"},
    },
    "goals": {
        "goals": [
            {
                "goal": "Own tenancy",
                "status": "in_progress",
                "actions": [{"action": "Bid weekly", "by_when": "2026-12-01", "status": "to_do"}],
            }
        ]
    },
    "housing": {
        "current_accommodation": {"type": "hostel", "tenure": "licence"},
        "offers": [
            {"offered_on": "2026-10-02", "outcome": "refused", "refusal_reason": "Area to avoid"}
        ],
        "safety_needs": {"no_mixed_gender_shared": True},
    },
    "money": {
        "income": [{"source": "universal_credit", "amount_per_month": "393.45"}],
        "everyday_needs": {"white_goods": "unmet"},
    },
    "substance_use": {
        "treatment": {"ost": "methadone"},
        "harm_reduction": {"naloxone_supplied": True},
    },
    "mental_health": {"conditions": [{"condition": "Depression", "diagnosed": True}]},
    "physical_health": {
        "gp_practice": "Dalry Practice",
        "conditions": [{"condition": "Hepatitis C"}],
    },
    "family": {"children": [{"age": 7, "lives_with": False}]},
    "safety": {"risk_assessment": {"level": "high", "risks": [{"type": "overdose"}]}},
    "justice": {"orders": [{"type": "cpo", "start": "2026-05-01", "end": "2027-05-01"}]},
    "contacts": {
        "crisis_contacts": [{"name": "Sister", "phone": "07700 900123"}],
        "appointments": [{"when": "2026-12-01T10:00:00", "with_whom": "GP"}],
    },
}
# One bad value per section, with the field the error must name.
BAD = {
    "about_me": (
        {"communication": {"preferred_contact": "pigeon"}},
        "content.communication.preferred_contact",
    ),
    "goals": ({"goals": [{"status": "in_progress"}]}, "content.goals.0.goal"),
    "housing": (
        {"offers": [{"offered_on": "2026-10-02", "outcome": "refused"}]},
        "content.offers.0.refusal_reason",
    ),
    "money": ({"income": [{"source": "lottery"}]}, "content.income.0.source"),
    "substance_use": ({"treatment": {"ost": "heroin"}}, "content.treatment.ost"),
    "mental_health": ({"conditions": "sad"}, "content.conditions"),
    "physical_health": ({"medication": [{"notes": "no name"}]}, "content.medication.0.name"),
    "family": ({"children": [{"age": -1}]}, "content.children.0.age"),
    "safety": ({"risk_assessment": {"level": "extreme"}}, "content.risk_assessment.level"),
    "justice": (
        {"orders": [{"type": "cpo", "start": "2027-01-01", "end": "2026-01-01"}]},
        "content.orders.0.end",
    ),
    "contacts": ({"appointments": [{"when": "not a time"}]}, "content.appointments.0.when"),
}


def _url(scene, key):
    return f"/people/{scene.person.id}/plan/sections/{key}"


@pytest.mark.parametrize("key", sorted(GOOD))
def test_each_section_accepts_structured_content(api, world, key):
    scene = build_scene(world)
    saved = api.put(
        scene.key_worker, _url(scene, key), {"content": GOOD[key]}, headers={"If-Match": '"1"'}
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.headers["ETag"] == '"2"'
    shown = api.get(scene.colleague, _url(scene, key)).get_json()
    assert shown["version"] == 2
    assert shown["updated_by"]["name"] == "Kay Worker"


@pytest.mark.parametrize("key", sorted(BAD))
def test_each_section_rejects_bad_content_and_changes_nothing(api, world, key):
    scene = build_scene(world)
    content, field = BAD[key]
    refused = api.put(
        scene.key_worker, _url(scene, key), {"content": content}, headers={"If-Match": '"1"'}
    )
    assert refused.status_code == 400
    assert field in refused.get_json()["fields"]
    assert api.get(scene.key_worker, _url(scene, key)).get_json()["version"] == 1


@pytest.mark.parametrize("key", sorted(GOOD))
def test_unknown_fields_are_rejected(api, world, key):
    scene = build_scene(world)
    refused = api.put(
        scene.key_worker,
        _url(scene, key),
        {"content": {"nonsense": 1}},
        headers={"If-Match": '"1"'},
    )
    assert refused.status_code == 400
    assert "content.nonsense" in refused.get_json()["fields"]


def test_stale_write_answers_412_and_keeps_the_first_save(api, world):
    scene = build_scene(world)
    url = _url(scene, "housing")
    first = {"content": {"preferred_areas": ["Gorgie"]}}
    second = {"content": {"preferred_areas": ["Leith"]}}
    assert api.put(scene.key_worker, url, first, headers={"If-Match": '"1"'}).status_code == 200
    stale = api.put(scene.key_worker, url, second, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    shown = api.get(scene.key_worker, url).get_json()
    assert shown["content"] == {"preferred_areas": ["Gorgie"]}
    assert shown["version"] == 2


def test_missing_if_match_is_precondition_required(api, world):
    scene = build_scene(world)
    refused = api.put(scene.key_worker, _url(scene, "housing"), {"content": {}})
    assert refused.status_code == 428
    assert refused.get_json()["error"] == "precondition_required"
    assert "If-Match" in refused.get_json()["fields"]


def test_every_version_is_kept_with_who_and_what_changed(api, world):
    scene = build_scene(world)
    url = _url(scene, "housing")
    api.put(
        scene.key_worker,
        url,
        {"content": {"preferred_areas": ["Gorgie"]}},
        headers={"If-Match": '"1"'},
    )
    api.put(
        scene.key_worker,
        url,
        {"content": {"preferred_areas": ["Gorgie"], "safety_needs": {"pets": True}}},
        headers={"If-Match": '"2"'},
    )
    history = api.get(scene.colleague, url + "/versions").get_json()
    assert [v["version"] for v in history] == [3, 2, 1]
    assert history[0]["changed_fields"] == ["safety_needs"]
    assert history[1]["changed_fields"] == ["preferred_areas"]
    assert history[1]["content"] == {"preferred_areas": ["Gorgie"]}
    assert history[0]["changed_by"]["name"] == "Kay Worker"


def test_unknown_section_key_is_404(api, world):
    scene = build_scene(world)
    assert api.get(scene.key_worker, _url(scene, "horoscope")).status_code == 404


def test_entries_are_appended_and_listed_newest_first(api, world):
    scene = build_scene(world)
    url = _url(scene, "goals") + "/entries"
    for text in ("First update", "Second update"):
        made = api.post(scene.colleague, url, {"text": text, "occurred_on": "2026-11-01"})
        assert made.status_code == 201
    listed = api.get(scene.key_worker, url).get_json()
    assert [e["text"] for e in listed] == ["Second update", "First update"]
    assert listed[0]["author"]["name"] == "Colleague"
    assert listed[0]["agency"]["name"] == "Lead NHS team"


def test_entry_must_have_text_and_a_real_past_date(api, world):
    scene = build_scene(world)
    url = _url(scene, "goals") + "/entries"
    assert api.post(scene.key_worker, url, {"text": ""}).status_code == 400
    future = api.post(scene.key_worker, url, {"text": "x", "occurred_on": "2999-01-01"})
    assert future.status_code == 400
    assert "occurred_on" in future.get_json()["fields"]
    assert api.get(scene.key_worker, url).get_json() == []
