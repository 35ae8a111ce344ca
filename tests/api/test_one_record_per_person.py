"""One record per person (issue #16, fault 14): registration checks everyone for exact and
near matches, a CHI number can be added later, and an IG officer or administrator merges
two records with nothing lost."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from audit.verify import verify_chain
from careplan.core import clock
from careplan.extensions import db
from careplan.people.models import DuplicateCandidate, Person
from tests.api.scene import build_scene

SARAH = {"given_name": "Sarah", "family_name": "Mackenzie", "date_of_birth": "1988-04-12"}
CHI = "1204881005"  # 12/04/88, valid check digit (the scene's own Sarah holds ...1235)
REASON = "Different person: lives in Wick, GP is Pulteney surgery, different next of kin."


def _register(api, user, body):
    return api.post(user, "/people", body)


def _plan(api, user, person_id, agency):
    made = api.post(
        user,
        f"/people/{person_id}/plan",
        {
            "lead_agency_id": str(agency.id),
            "key_worker_id": str(user.id),
            "agreed_on": "2026-11-01",
            "agreed_how": "in_person",
        },
    )
    assert made.status_code == 201, made.get_json()
    return made.get_json()


@pytest.fixture
def sarah(api, world):
    """Sarah registered by a practitioner of another agency: the caller cannot see her."""
    scene = build_scene(world)
    made = _register(api, scene.outsider, SARAH)
    assert made.status_code == 201, made.get_json()
    return scene, made.get_json()["id"]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"given_name": "sarah", "family_name": "MACKENZIE"},
        {"family_name": "McKenzie"},
        {"family_name": "Mac Kenzie"},
        {"family_name": " Mackenzie "},
        {"given_name": "Sally"},
        {"given_name": "Sara"},
        {"given_name": "Sadie", "preferred_name": "Sarah"},
        {"date_of_birth": "1988-12-04"},  # day and month swapped
        {"chi": CHI},  # she has none yet: same name and birth date is still her
    ],
)
def test_a_second_registration_is_stopped_and_sent_to_the_exact_lookup(api, world, sarah, changes):
    scene, sarah_id = sarah
    before = db.session.query(Person).count()
    again = _register(api, scene.key_worker, {**SARAH, **changes})
    assert again.status_code == 409, again.get_json()
    body = again.get_json()
    assert body["error"] == "possible_duplicate"
    assert body["lookup"] == "/api/v1/people/lookup"
    assert "duplicate_reason" in body["fields"]
    # Nothing about the record it matched: not its id, not its details.
    assert sarah_id not in again.get_data(as_text=True)
    refused = world.audit()[-1]
    assert (refused.action, refused.outcome, refused.reason) == (
        "person.create",
        "conflict",
        "possible_duplicate",
    )
    assert refused.details["possible_duplicate_of"] == [sarah_id]
    assert db.session.query(Person).count() == before


@pytest.mark.parametrize(
    "changes",
    [
        {"date_of_birth": "1988-04-13"},
        {"given_name": "John"},
        {"family_name": "Mackay"},
        {"chi": "1204884005"},  # a different CHI number: a different person
    ],
)
def test_different_people_register_without_a_question(api, world, sarah, changes):
    scene, sarah_id = sarah
    if "chi" in changes:
        # Two different CHI numbers are two people, however alike the rest.
        added = api.put(scene.outsider, f"/people/{sarah_id}/chi", {"chi": CHI})
        assert added.status_code == 200, added.get_json()
    made = _register(api, scene.key_worker, {**SARAH, **changes})
    assert made.status_code == 201, made.get_json()


def test_going_ahead_needs_a_reason_which_is_recorded_for_ig(api, world, sarah):
    scene, sarah_id = sarah
    short = _register(api, scene.key_worker, {**SARAH, "duplicate_reason": "not her"})
    assert short.status_code == 400
    made = _register(api, scene.key_worker, {**SARAH, "duplicate_reason": REASON})
    assert made.status_code == 201, made.get_json()
    new_id = made.get_json()["id"]
    event = world.audit()[-1]
    assert event.action == "person.create"
    assert event.outcome == "permit"
    assert event.details["possible_duplicate_of"] == [sarah_id]
    assert event.justification is not None
    assert REASON not in str(event.justification)  # sealed at rest
    rows = db.session.query(DuplicateCandidate).all()
    assert [(str(r.person_id), str(r.candidate_id)) for r in rows] == [(new_id, sarah_id)]


def test_a_chi_number_must_be_the_date_of_birth(api, world):
    scene = build_scene(world)
    made = _register(api, scene.key_worker, {**SARAH, "date_of_birth": "1988-04-13", "chi": CHI})
    assert made.status_code == 400
    assert "date of birth" in made.get_json()["fields"]["chi"][0]


def test_a_chi_number_added_later(api, world):
    scene = build_scene(world)
    made = _register(api, scene.key_worker, SARAH)
    person_id = made.get_json()["id"]
    url = f"/people/{person_id}/chi"
    wrong = api.put(scene.key_worker, url, {"chi": "0503912344"})  # another birth date
    assert wrong.status_code == 422
    invalid = api.put(scene.key_worker, url, {"chi": "1204881007"})
    assert invalid.status_code == 400
    added = api.put(scene.key_worker, url, {"chi": "120488 1005"})
    assert added.status_code == 200, added.get_json()
    assert added.get_json()["chi"] == CHI
    event = world.audit()[-1]
    assert (event.action, event.outcome, str(event.person_id)) == (
        "person.chi",
        "permit",
        person_id,
    )
    assert api.put(scene.key_worker, url, {"chi": CHI}).status_code == 200  # the same again
    # Nobody else may, and another record cannot take the same number.
    assert api.put(scene.outsider, url, {"chi": CHI}).status_code == 404
    other = _register(
        api, scene.key_worker, {**SARAH, "given_name": "Iona", "duplicate_reason": REASON}
    )
    taken = api.put(scene.key_worker, f"/people/{other.get_json()['id']}/chi", {"chi": CHI})
    assert taken.status_code == 409
    assert "merge" in taken.get_json()["message"]


# --- merging ---------------------------------------------------------------------------


@pytest.fixture
def twice(api, world):
    """Sarah registered twice, each with a plan in a different agency."""
    scene = build_scene(world)
    first = _register(api, scene.outsider, {**SARAH, "chi": CHI}).get_json()["id"]
    second = _register(
        api, scene.key_worker, {**SARAH, "given_name": "Sally", "duplicate_reason": REASON}
    ).get_json()["id"]
    return scene, first, second


def _merge(api, user, survivor, duplicate, reason=REASON):
    return api.post(
        user,
        "/people/merge",
        {"survivor_id": survivor, "duplicate_id": duplicate, "reason": reason},
    )


def test_ig_sees_the_pair_as_identities_only(api, world, twice):
    scene, first, second = twice
    _plan(api, scene.outsider, first, scene.other_agency)
    listed = api.get(scene.ig, "/people/duplicates")
    assert listed.status_code == 200
    [pair] = listed.get_json()
    assert pair["registered"]["id"] == second
    assert pair["existing"]["id"] == first
    assert pair["existing"]["chi"] == CHI
    assert pair["existing"]["has_plan"] is True
    assert "sections" not in listed.get_data(as_text=True)
    viewed = [e for e in world.audit() if e.action == "person.view"]
    assert {str(e.person_id) for e in viewed[-2:]} == {first, second}
    assert api.get(scene.admin, "/people/duplicates").status_code == 200
    assert api.get(scene.key_worker, "/people/duplicates").status_code == 403


def test_merge_moves_the_plan_and_identity_with_nothing_lost(api, world, twice):
    scene, first, second = twice
    plan = _plan(api, scene.key_worker, second, scene.lead)
    refusal = api.post(
        scene.key_worker,
        f"/people/{second}/consents",
        {
            "grantee": {"sector": "third_sector"},
            "sections": ["housing"],
            "effect": "deny",
            "method": "verbal",
        },
    )
    assert refusal.status_code == 201
    # A subject access request recorded against the second record (issue 18).
    request = {
        "person_id": second,
        "received_on": "2026-11-02",
        "channel": "letter",
        "identity_checked": False,
        "requested_by": "person",
    }
    made = api.post(scene.ig, "/audit/subject-access-requests", request)
    assert made.status_code == 201, made.get_json()
    assert _merge(api, scene.key_worker, first, second).status_code == 403
    merged = _merge(api, scene.ig, first, second)
    assert merged.status_code == 200, merged.get_json()
    body = merged.get_json()
    assert body["moved_plan"] == plan["id"]
    assert body["moved_consents"] == [refusal.get_json()["id"]]
    assert body["moved_subject_access_requests"] == [made.get_json()["id"]]
    request_url = f"/audit/subject-access-requests/{made.get_json()['id']}"
    assert api.get(scene.ig, request_url).get_json()["person"]["id"] == first
    # The key worker reaches the plan through the record that stays.
    moved = api.get(scene.key_worker, f"/people/{first}/plan")
    assert moved.status_code == 200
    assert moved.get_json()["id"] == plan["id"]
    # The merged record is not listed or found any more; the exact lookup finds the one.
    found = {p["id"] for p in api.get(scene.key_worker, "/people?q=mackenzie").get_json()}
    assert first in found
    assert second not in found
    looked = api.post(scene.key_worker, "/people/lookup", SARAH)
    assert looked.get_json()["id"] == first
    assert api.get(scene.ig, "/people/duplicates").get_json() == []
    again = _merge(api, scene.ig, first, second)
    assert again.status_code == 409
    events = [e for e in world.audit() if e.action == "person.merge" and e.outcome == "permit"]
    assert {str(e.person_id) for e in events} == {first, second}
    assert api.get(scene.ig, "/audit/verify").get_json()["ok"] is True


def test_two_open_plans_are_not_merged(api, world, twice):
    scene, first, second = twice
    _plan(api, scene.outsider, first, scene.other_agency)
    _plan(api, scene.key_worker, second, scene.lead)
    refused = _merge(api, scene.ig, first, second)
    assert refused.status_code == 409
    assert "close" in refused.get_json()["message"]
    assert api.get(scene.key_worker, f"/people/{second}/plan").status_code == 200
    closed = api.post(
        scene.key_worker,
        f"/people/{second}/plan/close",
        {"reason": "other"},
        headers={"If-Match": '"1"'},
    )
    assert closed.status_code == 200
    merged = _merge(api, scene.ig, first, second)
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["closed_plan_kept_with_merged_record"] is not None
    # The closed plan stays readable, read only, through the merged record.
    assert api.get(scene.key_worker, f"/people/{second}/plan").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"survivor_id": "same", "duplicate_id": "same", "reason": REASON},
        {"survivor_id": str(uuid.uuid4()), "duplicate_id": "second", "reason": REASON},
        {"survivor_id": "first", "duplicate_id": "second", "reason": "short"},
        {"survivor_id": "first", "duplicate_id": "second"},
    ],
)
def test_bad_merges_change_nothing(api, world, twice, body):
    scene, first, second = twice
    ids = {"same": first, "first": first, "second": second}
    sent = {k: ids.get(v, v) for k, v in body.items()}
    refused = api.post(scene.ig, "/people/merge", sent)
    assert 400 <= refused.status_code < 500
    db.session.expire_all()
    assert db.session.get(Person, uuid.UUID(second)).merged_at is None


def test_two_people_marked_as_different(api, world, twice):
    scene, _, _ = twice
    [pair] = api.get(scene.ig, "/people/duplicates").get_json()
    url = f"/people/duplicates/{pair['id']}/distinct"
    assert api.post(scene.key_worker, url, {"reason": REASON}).status_code == 403
    done = api.post(scene.ig, url, {"reason": REASON})
    assert done.status_code == 200
    assert api.get(scene.ig, "/people/duplicates").get_json() == []
    assert api.post(scene.ig, url, {"reason": REASON}).status_code == 404


def test_retention_erases_the_merged_record_with_the_one_it_joined(app, api, world, twice):
    scene, first, second = twice
    _plan(api, scene.key_worker, second, scene.lead)
    assert _merge(api, scene.ig, first, second).status_code == 200
    old = (clock.today() - timedelta(days=app.config["RETENTION_DAYS"] + 1)).isoformat()
    closed = api.post(
        scene.key_worker,
        f"/people/{first}/plan/close",
        {"reason": "support_complete", "closed_on": old},
        headers={"If-Match": '"1"'},
    )
    assert closed.status_code == 200, closed.get_json()
    out = app.test_cli_runner().invoke(args=["retention", "run"])
    assert out.exit_code == 0, out.output
    db.session.expire_all()
    remaining = {str(p) for p in db.session.scalars(select(Person.id))}
    assert first not in remaining
    assert second not in remaining
    assert db.session.query(DuplicateCandidate).count() == 0
    signer = app.extensions["careplan.checkpoints"].signer
    assert verify_chain(db.session, signer.public).ok
