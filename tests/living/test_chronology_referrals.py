"""Referrals and their answers, and "ask and act" records, in the chronology (issue 20):
each item decided by the access policy on its own record, like the chronology's others.
A referral is opened by its own rules (careplan.access.rules.REFERRAL: the referrer's
side, the receiving agency, the person); an ask is decided as the housing section is,
so the person's refusal of their housing plan takes it out too."""

from __future__ import annotations

import pytest

from tests.api.test_sharing import give, join_team
from tests.referrals.scene import build
from tests.referrals.test_referral_api import _refer, _status

ASK = {
    "asked_on": "2026-11-20",
    "council_code": "S12000049",
    "answer": "at_risk",
    "actions_offered": ["housing_options", "homelessness_referral"],
    "actions_accepted": ["homelessness_referral"],
    "note": "Rent arrears since the summer.",
}
REASON_TEXT = "We cover the city only; the county service covers her village."


@pytest.fixture
def scene(world):
    return build(world)


def _chronology(api, user, scene):
    found = api.get(user, f"/people/{scene.person.id}/chronology")
    assert found.status_code == 200, found.get_json()
    return found.get_json()


def _referral_story(api, scene):
    """One referral on the platform, rejected with a reason; one by letter, whose answers
    the key worker records: accepted, then completed."""
    made = _refer(api, scene).get_json()
    rejected = _status(
        api,
        scene.coordinator,
        made,
        "rejected",
        reason_code="outside_area",
        reason_text=REASON_TEXT,
        declined_by="provider",
        suggested_service_id=str(scene.service.id),
    )
    assert rejected.status_code == 200, rejected.get_json()
    letter = _refer(api, scene, service_id=str(scene.letter_service.id)).get_json()
    accepted = _status(api, scene.key_worker, letter, "accepted")
    assert accepted.status_code == 200, accepted.get_json()
    done = _status(api, scene.key_worker, accepted.get_json(), "completed")
    assert done.status_code == 200, done.get_json()


def _referral_items(body):
    return [i for i in body["items"] if i["kind"] == "referral"]


@pytest.mark.parametrize("who", ["key_worker", "lead_agency", "self"])
def test_referrals_and_each_answer_are_in_the_chronology(api, world, scene, who):
    _referral_story(api, scene)
    body = _chronology(api, scene.role(who), scene)
    titles = [i["title"] for i in _referral_items(body)]
    assert titles == [  # newest first
        "Referral to Hillside recovery cafe: completed",
        "Referral to Hillside recovery cafe: accepted",
        "Referral to Hillside recovery cafe: made",
        "Referral to Housing options: not taken on",
        "Referral to Housing options: made",
    ]
    (rejected,) = [i for i in _referral_items(body) if i["title"].endswith("not taken on")]
    assert rejected["by"] == "Cora Ordinator"
    assert rejected["agency"] == "Other council team"
    assert rejected["text"] == (
        "They live outside the area the service covers. "
        + REASON_TEXT
        + " Suggested instead: Food bank drop-in."
    )
    made = [i for i in _referral_items(body) if i["title"].startswith("Referral to Housing")][-1]
    assert made["title"] == "Referral to Housing options: made"  # the oldest, listed last
    assert (made["by"], made["agency"]) == ("Kay Worker", "Lead NHS team")
    assert "referral" not in body["withheld"]


def test_the_receiving_agency_sees_its_referral_and_not_the_others(api, world, scene):
    """The coordinator who took the referral on joined the care team (how: referral) and
    opens the chronology; of the referrals they see only theirs (rules.REFERRAL)."""
    made = _refer(api, scene).get_json()
    taken = _status(api, scene.coordinator, made, "accepted")
    assert taken.status_code == 200, taken.get_json()
    _refer(api, scene, service_id=str(scene.letter_service.id))
    give(api, scene, grantee={"agency_id": str(scene.other_agency.id)}, sections=["housing"])
    body = _chronology(api, scene.coordinator, scene)
    titles = {i["title"] for i in _referral_items(body)}
    assert titles == {"Referral to Housing options: made", "Referral to Housing options: accepted"}
    assert "referral" in body["withheld"]


def test_a_care_team_member_on_consent_sees_no_referral_they_did_not_make(api, world, scene):
    _referral_story(api, scene)
    join_team(api, scene)
    give(api, scene)
    body = _chronology(api, scene.outsider, scene)
    assert _referral_items(body) == []
    assert "referral" in body["withheld"]
    outsider = scene.outsider.id
    (record,) = [
        e for e in world.audit() if e.action == "chronology.view" and e.actor_id == outsider
    ]
    assert "referral" in record.withheld


def test_ask_and_act_is_decided_as_the_housing_plan(api, world, scene):
    made = api.post(scene.key_worker, f"/people/{scene.person.id}/housing-asks", ASK)
    assert made.status_code == 201, made.get_json()
    answered = api.post(
        scene.key_worker,
        f"/housing-asks/{made.get_json()['id']}",
        {"outcome": "home_kept", "outcome_on": "2026-11-25"},
        headers={"If-Match": '"1"'},
    )
    assert answered.status_code == 200, answered.get_json()
    join_team(api, scene)
    give(api, scene, sections=["housing", "money"])
    for user in (scene.key_worker, scene.individual, scene.outsider):
        asks = [i for i in _chronology(api, user, scene)["items"] if i["kind"] == "housing_ask"]
        assert [i["title"] for i in asks] == [
            "Housing outcome: They kept their home",
            "Asked about their housing: They may lose their home in the next six months",
        ]
        assert asks[1]["by"] == "Kay Worker"
        assert asks[1]["text"] == (
            "Offered: Housing options advice; A referral to the council's homelessness service."
        )
        # The note stays on the record itself.
        assert all("arrears" not in (i["text"] or "") for i in asks)
    # The person refuses their housing plan to the outsider's agency: gone at once (the
    # money section still opens the chronology to them).
    give(
        api,
        scene,
        by=scene.individual,
        effect="deny",
        sections=["housing"],
        expires_on=None,
        method="self_service",
    )
    body = _chronology(api, scene.outsider, scene)
    assert [i for i in body["items"] if i["kind"] == "housing_ask"] == []
    assert {"housing", "housing_ask"} <= set(body["withheld"])
