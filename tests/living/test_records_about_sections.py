"""Records about one section are decided as that section (issue 20's walk).

A crisis event, a shared action and a request for a correction each concern one part of
the plan: an overdose the substance use section, an eviction the housing plan, a goal's
action "My goals and actions", a correction the section to correct. An agency the person
shares only their justice plan with, and refused their substance use to, must not read of
an overdose or of an action naming methadone. A meeting's actions follow what was said at
the meeting. An owner outside the care team keeps seeing their action only while the
person's word and the agreement let them; status changes are the owner's, the key
worker's and a cover's.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from careplan.agencies.models import AgencyKind, Sector
from careplan.core import clock
from careplan.crisis.models import ABOUT, CrisisKind
from careplan.extensions import db
from careplan.tasks.models import Task, TaskSource
from consent.models import SharingAgreement
from tests.api.scene import agreement, build_scene, care_team_agency, consent
from tests.web.support import Browser, text


def _justice(world, scene):
    """Gordon, Justice social work, in the care team: the person agreed to share their
    justice plan with his agency and refused their substance use to it."""
    gordon, agency = care_team_agency(
        world,
        scene,
        "Justice social work",
        "Gordon Bell",
        "Justice social worker",
        sector=Sector.STATUTORY,
        kind=AgencyKind.JUSTICE_SOCIAL_WORK,
        ceiling="restricted",
    )
    permit = consent(world, scene, agency, ["justice"], "permit")
    consent(world, scene, agency, ["substance_use"], "deny")
    world.session.commit()
    return gordon, agency, permit


def _crises(api, scene):
    url = f"/people/{scene.person.id}/crisis-events"
    owner = {"owner_staff_id": str(scene.key_worker.id)}
    for kind, note in (
        ("near_fatal_overdose", "Found by hostel staff; naloxone given."),
        ("eviction", "Lost the tenancy at Easter Road."),
        ("prison_release", "Released from HMP Edinburgh."),
    ):
        made = api.post(
            scene.key_worker,
            url,
            {"kind": kind, "occurred_on": "2026-11-20", "note": note, "follow_up": owner},
        )
        assert made.status_code == 201, made.get_json()
    return url


def test_a_crisis_is_seen_as_the_section_it_is_about(api, world):
    scene = build_scene(world)
    gordon, _, _ = _justice(world, scene)
    url = _crises(api, scene)
    kinds = {e["kind"] for e in api.get(scene.key_worker, url).get_json()}
    assert kinds == {"near_fatal_overdose", "eviction", "prison_release"}
    seen = api.get(gordon, url).get_json()
    assert [e["kind"] for e in seen] == ["prison_release"]
    assert "naloxone" not in str(seen)
    # The log says which events were shown, and the section they are about.
    (listed,) = [e for e in world.audit() if e.action == "crisis.list" and e.actor_id == gordon.id]
    assert listed.sections == ["justice"]
    assert listed.details["count"] == 1
    # The chronology: the same events, and it says crisis events were withheld.
    body = api.get(gordon, f"/people/{scene.person.id}/chronology").get_json()
    crises = [i for i in body["items"] if i["kind"] == "crisis"]
    assert len(crises) == 1
    assert "crisis" in body["withheld"]
    assert "overdose" not in str(body).lower()
    # The follow-ups are actions about the same sections.
    follow_ups = api.get(gordon, f"/people/{scene.person.id}/tasks").get_json()
    assert "overdose" not in str(follow_ups).lower()


def test_a_refusal_of_a_section_withholds_its_crises_from_the_lead_agency(api, world):
    """A refusal binds the lead agency's staff (not the key worker): their colleague no
    longer reads of an overdose once the person refuses substance use to the agency."""
    scene = build_scene(world)
    url = _crises(api, scene)
    before = {e["kind"] for e in api.get(scene.colleague, url).get_json()}
    assert "near_fatal_overdose" in before
    consent(world, scene, scene.lead, ["substance_use"], "deny")
    world.session.commit()
    after = {e["kind"] for e in api.get(scene.colleague, url).get_json()}
    assert after == before - {"near_fatal_overdose"}
    kinds = {e["kind"] for e in api.get(scene.key_worker, url).get_json()}
    assert "near_fatal_overdose" in kinds


def _task(world, scene, title, section, owner_staff=None, owner_agency=None, source=None):
    task = Task(
        person_id=scene.person.id,
        owner_staff_id=owner_staff.id if owner_staff else None,
        owner_agency_id=owner_agency.id if owner_agency else None,
        due_on=date(2026, 12, 20),
        source=source or TaskSource.GOAL,
        section_key=section,
        created_by_id=scene.key_worker.id,
    )
    task.title = title
    world.session.add(task)
    world.session.commit()
    return task


def test_actions_are_seen_as_the_section_they_are_about(api, world):
    scene = build_scene(world)
    gordon, _, _ = _justice(world, scene)
    _task(
        world, scene, "Collect methadone from the Leith pharmacy", "substance_use", scene.key_worker
    )
    _task(world, scene, "Go with her to the court date", "justice", scene.key_worker)
    url = f"/people/{scene.person.id}/tasks"
    titles = [t["title"] for t in api.get(gordon, url).get_json()]
    assert titles == ["Go with her to the court date"]
    all_titles = [t["title"] for t in api.get(scene.key_worker, url).get_json()]
    assert "Collect methadone from the Leith pharmacy" in all_titles
    (listed,) = [e for e in world.audit() if e.action == "task.list" and e.actor_id == gordon.id]
    assert listed.details["count"] == 1


def test_a_meetings_actions_follow_what_was_said(api, world):
    """The care team outside the key worker and lead agency does not read what was said
    at a meeting, so not the actions agreed there either, unless they own one."""
    scene = build_scene(world)
    gordon, _, _ = _justice(world, scene)
    url = f"/people/{scene.person.id}/meetings"
    made = api.post(
        scene.key_worker,
        url,
        {
            "held_on": "2026-11-20",
            "kind": "review",
            "attendees": [{"staff_id": str(gordon.id)}],
            "person_attended": True,
            "summary": "The methadone script and the court date.",
            "actions": [
                {
                    "title": "Collect methadone on Fridays",
                    "owner_staff_id": str(scene.key_worker.id),
                },
                {"title": "Write to the court", "owner_staff_id": str(gordon.id)},
            ],
        },
    )
    assert made.status_code == 201, made.get_json()
    (seen,) = api.get(gordon, url).get_json()
    assert [a["title"] for a in seen["actions"]] == ["Write to the court"]
    assert "actions" in seen["withheld"]
    (kept,) = api.get(scene.key_worker, url).get_json()
    assert len(kept["actions"]) == 2
    assert "actions" not in kept["withheld"]
    tasks = [t["title"] for t in api.get(gordon, f"/people/{scene.person.id}/tasks").get_json()]
    assert tasks == ["Write to the court"]


@pytest.mark.parametrize("ending", ["withdrawn", "expired", "refused", "no_agreement"])
def test_an_owner_loses_their_action_when_the_person_or_the_agreement_ends_it(api, world, ending):
    """An owner outside the care team (the task-owner basis) sees their action about the
    housing plan while the person's word lets their agency; a withdrawal, an end, a
    refusal of that section or the end of the agreement takes it away, from their list,
    from "My tasks" and from changing it. A consent not started yet brings nothing back."""
    scene = build_scene(world)
    # Statutory: the scene's third sector holds a consent of its own for the housing plan.
    housing = world.agency("Council housing", sector=Sector.STATUTORY, kind=AgencyKind.HOUSING)
    worker = world.staff(housing, name="Fiona Reid")
    deal = agreement(world, scene, housing, "standard", "consent")
    given = consent(world, scene, housing, ["housing"], "permit")
    task = _task(world, scene, "Hold the flat on Easter Road", "housing", worker)
    assert [t["title"] for t in api.get(worker, "/me/tasks").get_json()] == [
        "Hold the flat on Easter Road"
    ]
    today = clock.today()
    if ending == "withdrawn":
        given.withdrawn_at = clock.now()
    elif ending == "expired":
        given.starts_on = date(2025, 1, 1)
        given.expires_on = date(2025, 12, 31)
    elif ending == "refused":
        consent(world, scene, housing, ["housing"], "deny")
    else:
        deal.valid_until = date(2025, 12, 31)
    # One to start next year does not bring it back.
    later = consent(world, scene, housing, ["housing"], "permit")
    later.starts_on = date(today.year + 1, 1, 1)
    world.session.commit()
    assert api.get(worker, "/me/tasks").get_json() == []
    assert api.get(worker, f"/people/{scene.person.id}/tasks").status_code in (403, 404)
    changed = api.post(
        worker, f"/tasks/{task.id}/status", {"status": "done"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(Task, task.id).status.value == "open"


def test_an_action_about_the_whole_plan_ends_when_every_section_is_refused(api, world):
    scene = build_scene(world)
    # The scene's action is a meeting's, owned by the other agency's practitioner.
    assert scene.task is not None
    mine = api.get(scene.outsider, "/me/tasks").get_json()
    assert [t["id"] for t in mine] == [str(scene.task.id)]
    consent(world, scene, scene.other_agency, ["housing", "money"], "deny")
    world.session.commit()
    assert len(api.get(scene.outsider, "/me/tasks").get_json()) == 1  # not every section
    consent(world, scene, scene.other_agency, world.catalogue_keys(), "deny")
    world.session.commit()
    assert api.get(scene.outsider, "/me/tasks").get_json() == []


def test_status_changes_are_the_owners_the_key_workers_not_the_lead_agencys(api, world):
    scene = build_scene(world)
    task = scene.task
    path = f"/tasks/{task.id}/status"
    refused = api.post(scene.colleague, path, {"status": "done"}, headers={"If-Match": '"1"'})
    assert refused.status_code == 403
    done = api.post(scene.outsider, path, {"status": "done"}, headers={"If-Match": '"1"'})
    assert done.status_code == 200, done.get_json()
    reopened = api.post(scene.key_worker, path, {"status": "open"}, headers={"If-Match": '"2"'})
    assert reopened.status_code == 200
    # The lead agency still sees it.
    ids = [t["id"] for t in api.get(scene.colleague, f"/people/{scene.person.id}/tasks").get_json()]
    assert str(task.id) in ids


def test_a_correction_is_answered_not_closed_and_by_the_key_worker(api, world):
    scene = build_scene(world)
    asked = api.post(
        scene.individual,
        "/me/corrections",
        {"section": "contacts", "text": "My sister's name is Eilidh."},
    )
    assert asked.status_code == 201, asked.get_json()
    body = asked.get_json()
    task_path = f"/tasks/{body['task_id']}/status"
    closed = api.post(scene.key_worker, task_path, {"status": "done"}, headers={"If-Match": '"1"'})
    assert closed.status_code == 409
    assert closed.get_json()["reason"] == "answer_first"
    answer = f"/people/{scene.person.id}/corrections/{body['id']}/answer"
    by_colleague = api.post(
        scene.colleague, answer, {"answer": "Corrected."}, headers={"If-Match": '"1"'}
    )
    assert by_colleague.status_code == 403
    # The lead agency reads the request; only the key worker answers it.
    listed = api.get(scene.colleague, f"/people/{scene.person.id}/corrections").get_json()
    assert [c["id"] for c in listed] == [body["id"]]
    by_key_worker = api.post(
        scene.key_worker, answer, {"answer": "Corrected."}, headers={"If-Match": '"1"'}
    )
    assert by_key_worker.status_code == 200, by_key_worker.get_json()
    db.session.expire_all()
    assert db.session.get(Task, uuid.UUID(body["task_id"])).status.value == "done"


def test_a_correction_is_withheld_from_an_agency_the_section_is_refused_to(api, world):
    scene = build_scene(world)
    asked = api.post(
        scene.individual,
        "/me/corrections",
        {"section": "substance_use", "text": "I stopped using in March."},
    )
    assert asked.status_code == 201
    url = f"/people/{scene.person.id}/corrections"
    assert len(api.get(scene.colleague, url).get_json()) == 1
    consent(world, scene, scene.lead, ["substance_use"], "deny")
    world.session.commit()
    assert api.get(scene.colleague, url).get_json() == []
    assert len(api.get(scene.key_worker, url).get_json()) == 1


def test_every_crisis_kind_is_about_a_section_of_the_catalogue(world):
    assert set(ABOUT) == set(CrisisKind)
    assert set(ABOUT.values()) <= set(world.catalogue_keys())


def test_a_meeting_action_about_one_section_follows_the_persons_refusal(api, world):
    """The key worker says which part of the plan an action is about: a refusal of that
    part to the owner's agency then takes it from the owner too (issue 20's walk: a
    refusal of substance use never removed "Collect methadone" from its owner)."""
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    made = api.post(
        scene.key_worker,
        url,
        {
            "held_on": "2026-11-20",
            "kind": "review",
            "actions": [
                {
                    "title": "Collect methadone on Fridays",
                    "owner_staff_id": str(scene.outsider.id),
                    "section": "substance_use",
                },
                {"title": "Phone about the hostel", "owner_staff_id": str(scene.outsider.id)},
            ],
        },
    )
    assert made.status_code == 201, made.get_json()
    sections = {a["title"]: a["section"] for a in made.get_json()["actions"]}
    assert sections == {
        "Collect methadone on Fridays": "substance_use",
        "Phone about the hostel": None,
    }
    mine = {t["title"] for t in api.get(scene.outsider, "/me/tasks").get_json()}
    assert "Collect methadone on Fridays" in mine
    consent(world, scene, scene.other_agency, ["substance_use"], "deny")
    world.session.commit()
    mine = {t["title"] for t in api.get(scene.outsider, "/me/tasks").get_json()}
    assert "Collect methadone on Fridays" not in mine
    assert "Phone about the hostel" in mine


@pytest.mark.parametrize("section", ["pets", "", "x" * 51])
def test_an_action_about_no_known_section_is_refused_and_changes_nothing(api, world, section):
    scene = build_scene(world)
    before = db.session.query(Task).count()
    meeting = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/meetings",
        {
            "held_on": "2026-11-20",
            "kind": "review",
            "actions": [
                {"title": "Phone", "owner_staff_id": str(scene.outsider.id), "section": section}
            ],
        },
    )
    assert meeting.status_code == 400
    assert "actions.0.section" in meeting.get_json()["fields"]
    task = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/tasks",
        {"title": "Phone", "owner_staff_id": str(scene.outsider.id), "section": section},
    )
    assert task.status_code == 400
    assert list(task.get_json()["fields"]) == ["section"]
    db.session.expire_all()
    assert db.session.query(Task).count() == before


def test_an_action_given_directly_is_about_the_goals_unless_said(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/tasks"
    owner = {"owner_staff_id": str(scene.outsider.id)}
    plain = api.post(scene.key_worker, url, {"title": "Book the GP", **owner})
    assert plain.get_json()["section"] == "goals"
    housing = api.post(
        scene.key_worker, url, {"title": "Chase the flat", **owner, "section": "housing"}
    )
    assert housing.get_json()["section"] == "housing"


def test_a_care_team_member_on_a_consent_gives_actions_within_the_plans_ties_only(api, world):
    """Issue 20's second walk: Gordon (a consent for justice) gave an action, with the
    person's name, to an agency the person never heard of. He may give one to himself, his
    agency, the key worker or the lead agency; the key worker to any agency that could open it."""
    scene = build_scene(world)
    gordon, _, _ = _justice(world, scene)
    charity = world.agency("Random charity", sector=Sector.THIRD_SECTOR, kind=AgencyKind.CHARITY)
    stranger = world.staff(charity, name="Stranger")
    url = f"/people/{scene.person.id}/tasks"
    before = db.session.query(Task).count()
    refused = api.post(
        gordon,
        url,
        {"title": "Check on her", "owner_agency_id": str(charity.id), "section": "justice"},
    )
    assert refused.status_code == 422
    assert list(refused.get_json()["fields"]) == ["owner_agency_id"]
    crisis = api.post(
        gordon,
        f"/people/{scene.person.id}/crisis-events",
        {
            "kind": "prison_release",
            "occurred_on": "2026-11-20",
            "follow_up": {"owner_staff_id": str(stranger.id)},
        },
    )
    assert crisis.status_code == 422
    assert list(crisis.get_json()["fields"]) == ["follow_up.owner_staff_id"]
    db.session.expire_all()
    assert db.session.query(Task).count() == before
    assert api.get(stranger, "/me/tasks").get_json() == []
    for owner in (
        {"owner_staff_id": str(gordon.id)},
        {"owner_staff_id": str(scene.key_worker.id)},
        {"owner_agency_id": str(scene.lead.id)},
    ):
        made = api.post(gordon, url, {"title": "Court date", "section": "justice", **owner})
        assert made.status_code == 201, made.get_json()
    # The key worker may give one to any owner who could open it; the charity has no
    # agreement, so not to it (tests/living/test_actions_reach_their_owner.py).
    given = api.post(
        scene.key_worker,
        url,
        {"title": "Food parcel", "owner_agency_id": str(scene.other_agency.id)},
    )
    assert given.status_code == 201
    unseeing = api.post(
        scene.key_worker, url, {"title": "Food parcel", "owner_agency_id": str(charity.id)}
    )
    assert unseeing.status_code == 422


def test_an_owner_loses_every_action_when_their_agency_stops_being_shared_with(api, world):
    """Gordon owns an action about mental health, which the person never named for his
    agency; when the person withdraws the only consent his agency held, it goes too."""
    scene = build_scene(world)
    gordon, _, permit = _justice(world, scene)
    _task(world, scene, "See the psychiatrist with her", "mental_health", gordon)
    assert [t["title"] for t in api.get(gordon, "/me/tasks").get_json()] == [
        "See the psychiatrist with her"
    ]
    permit.withdrawn_at = clock.now()
    world.session.commit()
    assert api.get(gordon, "/me/tasks").get_json() == []


def test_whole_plan_actions_end_with_the_owners_agreement(api, world):
    scene = build_scene(world)
    assert len(api.get(scene.outsider, "/me/tasks").get_json()) == 1
    deal = world.session.scalars(
        select(SharingAgreement).where(SharingAgreement.agency_id == scene.other_agency.id)
    ).one()
    deal.valid_until = date(2026, 1, 1)
    world.session.commit()
    assert api.get(scene.outsider, "/me/tasks").get_json() == []
    changed = api.post(
        scene.outsider,
        f"/tasks/{scene.task.id}/status",
        {"status": "done"},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code in (403, 404)


def test_a_refusal_withholds_what_was_said_at_a_meeting_from_the_lead_agency(api, world, app):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/meetings"
    made = api.post(
        scene.key_worker,
        url,
        {
            "held_on": "2026-11-20",
            "kind": "review",
            "summary": "The methadone script was reviewed.",
            "actions": [{"title": "Collect methadone", "owner_staff_id": str(scene.key_worker.id)}],
        },
    )
    assert made.status_code == 201
    (seen,) = api.get(scene.colleague, url).get_json()
    assert seen["summary"] == "The methadone script was reviewed."
    consent(world, scene, scene.lead, ["substance_use"], "deny")
    world.session.commit()
    (seen,) = api.get(scene.colleague, url).get_json()
    assert seen["summary"] is None
    assert seen["actions"] == []
    assert {"summary", "actions"} <= set(seen["withheld"])
    (kept,) = api.get(scene.key_worker, url).get_json()
    assert kept["summary"] == "The methadone script was reviewed."
    # The page says why, in the person's terms, and shows nothing of what was said.
    colleague = scene.colleague
    world.session.refresh(colleague)
    world.session.expunge(colleague)
    world.session.commit()
    page = text(Browser(app, colleague).get(f"/people/{scene.person.id}/meetings"))
    assert "has chosen not to share some parts with your organisation" in page
    assert "methadone" not in page
