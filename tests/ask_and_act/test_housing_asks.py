"""Ask and act (Housing (Scotland) Act 2025, Part 5; issue 19): the housing question
asked and recorded in the housing plan, the actions offered and taken up, the referral it
led to, what came of it, and the duty's counts naming nobody."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from careplan.ask_and_act import rules
from careplan.ask_and_act.models import HousingAsk
from careplan.extensions import db
from consent.models import Consent
from tests.referrals.scene import build, referral_body

GLASGOW, EDINBURGH = "S12000049", "S12000036"
AT_RISK = {
    "asked_on": "2026-11-20",
    "council_code": GLASGOW,
    "answer": "at_risk",
    "actions_offered": ["housing_options", "homelessness_referral"],
    "actions_accepted": ["homelessness_referral"],
    "note": "Rent arrears since the summer; the landlord has written to her.",
}


def _asks(person_id):
    return db.session.scalar(
        select(func.count()).select_from(HousingAsk).where(HousingAsk.person_id == person_id)
    )


def test_a_key_worker_asks_and_acts_and_the_person_reads_it(api, world):
    scene = build(world)
    url = f"/people/{scene.person.id}/housing-asks"
    made = api.post(scene.key_worker, url, AT_RISK)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["answer_label"] == "They may lose their home in the next six months"
    assert body["council"] == "Glasgow City"
    assert body["agency"] == "Lead NHS team"
    # The duty has not commenced in the shipped rules: good practice, said so.
    assert body["under_duty"] is False
    assert body["outcome"] is None
    assert body["referral"] is None
    # The referral to the council's homelessness service goes through the referral life
    # cycle with the person's consent; the ask then names it.
    referral = api.post(
        scene.key_worker, f"/people/{scene.person.id}/referrals", referral_body(scene)
    )
    assert referral.status_code == 201, referral.get_json()
    linked = api.post(
        scene.key_worker,
        f"/housing-asks/{body['id']}",
        {"referral_id": referral.get_json()["id"]},
        headers={"If-Match": '"1"'},
    )
    assert linked.status_code == 200, linked.get_json()
    assert linked.get_json()["referral"]["status"] == "requested"
    done = api.post(
        scene.key_worker,
        f"/housing-asks/{body['id']}",
        {"outcome": "home_kept", "outcome_on": "2026-11-28"},
        headers={"If-Match": '"2"'},
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["outcome_label"] == "They kept their home"
    (seen,) = api.get(scene.individual, url).get_json()
    assert seen["outcome"] == "home_kept"
    assert seen["note"].startswith("Rent arrears")
    # Sealed at rest; each step recorded for the person's access log.
    stored = db.session.execute(HousingAsk.__table__.select()).one()
    assert "arrears" not in str(stored)
    actions = [e.action for e in world.audit() if e.person_id == scene.person.id]
    assert {"housing_ask.create", "housing_ask.update", "housing_ask.list"} <= set(actions)
    log = api.get(scene.individual, "/me/access-log").get_json()
    assert "recorded asking you about your housing" in json.dumps(log)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answer": "fine"}, "answer"),
        ({"council_code": "S12999999"}, "council_code"),
        ({"asked_on": "2099-01-01"}, "asked_on"),
        ({"actions_offered": ["housing_options", "housing_options"]}, "actions_offered"),
        ({"actions_offered": ["a_flat_tomorrow"]}, "actions_offered"),
        ({"actions_accepted": ["money_advice"]}, "actions_accepted"),
        ({"answer": "settled"}, "actions_offered"),  # nothing to act on: offers refused
        ({"note": "x" * 5001}, "note"),
        ({"referral_id": "00000000-0000-0000-0000-000000000001"}, "referral_id"),
    ],
)
def test_bad_asks_say_what_to_do_and_change_nothing(api, world, change, field):
    scene = build(world)
    refused = api.post(
        scene.key_worker, f"/people/{scene.person.id}/housing-asks", AT_RISK | change
    )
    assert refused.status_code in (400, 422), refused.get_json()
    fields = refused.get_json()["fields"]
    assert field in fields, fields
    messages = [m for listed in fields.values() for m in listed]
    assert not any("Must be one of" in m or "Not a valid" in m for m in messages)
    assert _asks(scene.person.id) == 0


def test_an_empty_ask_names_each_question_in_its_own_words(api, world):
    scene = build(world)
    only_a_note = {"note": "Asked at the drop-in."}
    refused = api.post(scene.key_worker, f"/people/{scene.person.id}/housing-asks", only_a_note)
    assert refused.status_code == 400  # the schema's refusal (422 is for rules about records)
    fields = refused.get_json()["fields"]
    # Radio buttons and a list are chosen, not typed (GOV.UK error messages).
    assert fields["answer"] == ["Choose what they told you"]
    assert fields["council_code"] == ["Choose the council area"]
    assert fields["asked_on"][0].startswith("Enter")
    assert _asks(scene.person.id) == 0


def test_another_persons_referral_cannot_be_linked(api, world):
    scene = build(world)
    other = api.post(
        scene.outsider,
        f"/people/{scene.other_person.id}/referrals",
        referral_body(scene, service_id=str(scene.letter_service.id), sections=["housing"]),
    )
    assert other.status_code == 201, other.get_json()
    refused = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/housing-asks",
        AT_RISK | {"referral_id": other.get_json()["id"]},
    )
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["referral_id"] == ["Choose one of this person's referrals."]
    assert _asks(scene.person.id) == 0


def test_what_came_of_it_needs_the_version_and_a_sensible_date(api, world):
    scene = build(world)
    made = api.post(scene.key_worker, f"/people/{scene.person.id}/housing-asks", AT_RISK)
    url = f"/housing-asks/{made.get_json()['id']}"
    outcome = {"outcome": "application_made", "outcome_on": "2026-11-25"}
    assert api.post(scene.key_worker, url, outcome).status_code == 428
    assert api.post(scene.key_worker, url, outcome, headers={"If-Match": '"7"'}).status_code == 412
    early = api.post(
        scene.key_worker, url, outcome | {"outcome_on": "2026-11-01"}, headers={"If-Match": '"1"'}
    )
    assert early.status_code == 422
    assert "outcome_on" in early.get_json()["fields"]
    empty = api.post(scene.key_worker, url, {}, headers={"If-Match": '"1"'})
    assert empty.status_code == 400
    row = db.session.scalar(select(HousingAsk))
    db.session.refresh(row)
    assert (row.outcome, row.version) == (None, 1)
    # Nobody without the housing plan records it; the person only reads.
    assert api.post(scene.outsider, url, outcome, headers={"If-Match": '"1"'}).status_code == 404
    assert api.post(scene.individual, url, outcome, headers={"If-Match": '"1"'}).status_code == 403
    unknown = "/housing-asks/00000000-0000-0000-0000-000000000002"
    assert (
        api.post(scene.key_worker, unknown, outcome, headers={"If-Match": '"1"'}).status_code == 404
    )


def test_it_is_read_as_the_housing_plan_is(api, world):
    """Decided by the tie that reaches the housing section (rules.SECTION_BOUND): the
    care team needs the person's consent to housing, and a refusal of it binds."""
    scene = build(world)
    url = f"/people/{scene.person.id}/housing-asks"
    assert api.post(scene.key_worker, url, AT_RISK).status_code == 201
    assert api.get(scene.colleague, url).status_code == 200  # lead agency
    assert api.get(scene.outsider, url).status_code == 404  # no basis at all
    # The receiving agency's coordinator reads it once a referral carries housing.
    assert api.get(scene.coordinator, url).status_code == 404
    sent = api.post(scene.key_worker, f"/people/{scene.person.id}/referrals", referral_body(scene))
    assert sent.status_code == 201
    assert api.get(scene.coordinator, url).status_code == 200
    assert api.post(scene.coordinator, url, AT_RISK).status_code == 403  # reads only
    # The person refuses housing to the council team: the coordinator loses it at once.
    refusal = Consent(
        person_id=scene.person.id,
        grantee_agency_id=scene.other_agency.id,
        sections=["housing"],
        effect="deny",
        starts_on=date(2026, 1, 1),
        method="verbal",
        recorded_by_id=scene.key_worker.id,
    )
    db.session.add(refusal)
    db.session.commit()
    assert api.get(scene.coordinator, url).status_code == 403
    assert api.get(scene.ig, url).status_code == 404


def test_the_duty_applies_from_its_commencement_to_its_bodies(app, api, world):
    scene = build(world)
    shipped = app.extensions["careplan.ask_and_act"]
    app.extensions["careplan.ask_and_act"] = replace(shipped, commences_on=date(2026, 11, 10))
    try:
        url = f"/people/{scene.person.id}/housing-asks"
        before = api.post(scene.key_worker, url, AT_RISK | {"asked_on": "2026-11-09"})
        after = api.post(scene.key_worker, url, AT_RISK | {"asked_on": "2026-11-10"})
        assert (before.get_json()["under_duty"], after.get_json()["under_duty"]) == (False, True)
        app.extensions["careplan.ask_and_act"] = replace(
            shipped, commences_on=date(2026, 11, 10), duty_bodies=frozenset({"police"})
        )
        neither = api.post(scene.key_worker, url, AT_RISK)
        assert neither.get_json()["under_duty"] is False  # an NHS team is not named now
    finally:
        app.extensions["careplan.ask_and_act"] = shipped


def test_the_counts_name_nobody_and_withhold_small_numbers(app, api, world):
    scene = build(world)
    url = f"/people/{scene.person.id}/housing-asks"
    for n in range(6):
        council = GLASGOW if n < 5 else EDINBURGH
        answer = {"answer": "settled", "actions_offered": [], "actions_accepted": []}
        made = api.post(
            scene.key_worker,
            url,
            (AT_RISK if n < 3 else AT_RISK | answer) | {"council_code": council},
        )
        assert made.status_code == 201, made.get_json()
    query = "/reports/housing-duty?from=2026-11-01&to=2026-11-30"
    by_council = api.get(scene.ig, query + "&by=council")
    assert by_council.status_code == 200, by_council.get_json()
    report = by_council.get_json()
    rows = {r["group"]: r["counts"] for r in report["rows"]}
    assert rows["Glasgow City"]["asked"] == 5
    assert rows["Glasgow City"]["answer:at_risk"] is None  # 3: fewer than 5
    assert rows["Glasgow City"]["answer:declined"] == 0
    assert rows["City of Edinburgh"]["asked"] is None  # 1
    assert report["total"]["counts"]["asked"] == 6
    assert report["suppressed_below"] == 5
    assert report["commenced_on"] is None
    text = json.dumps(report)
    for personal in ("Sarah", "Mackenzie", scene.person.chi, str(scene.person.id), "arrears"):
        assert personal not in text
    by_agency = api.get(scene.admin, query).get_json()
    assert [r["group"] for r in by_agency["rows"]] == ["Lead NHS team"]
    assert api.get(scene.key_worker, query).status_code == 403
    assert api.get(scene.individual, query).status_code == 403
    backwards = api.get(scene.ig, "/reports/housing-duty?from=2026-11-30&to=2026-11-01")
    assert backwards.status_code == 400
    assert "to" in backwards.get_json()["fields"]
    assert api.get(scene.ig, "/reports/housing-duty?from=2026-11-01").status_code == 400
    assert [e.action for e in world.audit()].count("housing_duty.report") >= 2


def test_the_rules_file_is_checked_at_start(tmp_path: Path):
    good = rules.load(rules.DEFAULT_PATH)
    assert good.threatened_within_days == 183
    assert "police" in good.duty_bodies
    assert good.codes("answers") == ["settled", "at_risk", "homeless", "declined"]
    text = rules.DEFAULT_PATH.read_text()
    for broken, words in (
        (text.replace('commences_on = ""', 'commences_on = "soon"'), "commences_on"),
        (text.replace("threatened_within_days = 183", "threatened_within_days = 0"), "at least"),
        (text.replace('code = "at_risk"', 'code = "settled"'), "unique"),
        ("threatened_within_days = 10\n", "needs at least one entry"),
        ("this is not toml = = =", "cannot read"),
    ):
        path = tmp_path / "rules.toml"
        path.write_text(broken)
        with pytest.raises(rules.RulesError, match=words):
            rules.load(path)
