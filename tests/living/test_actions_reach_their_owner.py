"""An action goes only to an owner who could open it (the review after issue 20).

The key worker could give an action to an agency with no information-sharing agreement:
the action was made, its owner was told one was waiting, and the owner could never open it
(the person's agreement and refusals bind an owner: `careplan.access.ties.owner_stop`).
Now every way an action is given (directly, at a meeting, as a crisis follow-up) asks the
policy, as the owner, before anything is made, and says why in words; nothing is made and
no one is told.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from careplan.agencies.models import AgencyKind, Sector
from careplan.extensions import db
from careplan.notifications.models import Notification
from careplan.tasks.models import Task
from tests.api.scene import agreement, build_scene, consent

NO_AGREEMENT = (
    "They could not see this action: their organisation has no information-sharing "
    "agreement. Give it to someone who can."
)
CEILING = (
    "They could not see this action: their organisation's information-sharing agreement "
    "does not cover what it is about. Give it to someone who can."
)
REFUSED = (
    "They could not see this action: the person has said no to sharing what it is about "
    "with their organisation. Give it to someone who can."
)
WITHDRAWN = (
    "They could not see this action: the person has withdrawn their consent to share with "
    "their organisation. Give it to someone who can."
)


def _counts() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Task)),
        db.session.scalar(select(func.count()).select_from(Notification)),
    )


def _charity(world, scene):
    """An agency the person has never heard of, with no agreement, and one of its staff."""
    charity = world.agency("Random charity", sector=Sector.THIRD_SECTOR, kind=AgencyKind.CHARITY)
    return charity, world.staff(charity, name="Stranger")


def _agreement(world, scene, agency) -> None:
    agreement(world, scene, agency)
    world.session.commit()


def _three_ways(scene, owner: dict[str, str], section: str | None):
    """(path, body, owner field prefix) of giving one action each way."""
    person = scene.person.id
    about = {} if section is None else {"section": section}
    return [
        (f"/people/{person}/tasks", {"title": "Phone her", **owner, **about}, ""),
        (
            f"/people/{person}/meetings",
            {
                "held_on": "2026-11-20",
                "kind": "review",
                "actions": [{"title": "Phone her", **owner, **about}],
            },
            "actions.0.",
        ),
    ]


@pytest.mark.parametrize("by", ["staff", "agency"])
def test_no_action_for_an_agency_without_an_agreement(api, world, by):
    scene = build_scene(world)
    charity, stranger = _charity(world, scene)
    field = "owner_staff_id" if by == "staff" else "owner_agency_id"
    owner = {field: str(stranger.id if by == "staff" else charity.id)}
    before = _counts()
    for path, body, prefix in _three_ways(scene, owner, None):
        refused = api.post(scene.key_worker, path, body)
        assert refused.status_code == 422, refused.get_json()
        assert refused.get_json()["fields"] == {f"{prefix}{field}": [NO_AGREEMENT]}
    crisis = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/crisis-events",
        {"kind": "eviction", "occurred_on": "2026-11-20", "follow_up": owner},
    )
    assert crisis.status_code == 422
    assert crisis.get_json()["fields"] == {f"follow_up.{field}": [NO_AGREEMENT]}
    # Nothing made, no one told, and the stranger has nothing to open.
    assert _counts() == before
    assert api.get(stranger, "/me/tasks").get_json() == []
    # Once the agency has an agreement, the same action goes, and its owner sees it.
    _agreement(world, scene, charity)
    given = api.post(
        scene.key_worker, _three_ways(scene, owner, None)[0][0], {"title": "Phone her", **owner}
    )
    assert given.status_code == 201, given.get_json()
    assert [t["title"] for t in api.get(stranger, "/me/tasks").get_json()] == ["Phone her"]


def test_no_action_about_a_part_the_agreement_does_not_reach(api, world):
    """The other council team's agreement reaches sensitive parts; justice is restricted."""
    scene = build_scene(world)
    owner = {"owner_staff_id": str(scene.outsider.id)}
    before = _counts()
    for path, body, prefix in _three_ways(scene, owner, "justice"):
        refused = api.post(scene.key_worker, path, body)
        assert refused.status_code == 422
        assert refused.get_json()["fields"] == {f"{prefix}owner_staff_id": [CEILING]}
    crisis = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/crisis-events",
        {"kind": "prison_release", "occurred_on": "2026-11-20", "follow_up": owner},
    )
    assert crisis.get_json()["fields"] == {"follow_up.owner_staff_id": [CEILING]}
    assert _counts() == before
    for path, body, _ in _three_ways(scene, owner, "housing"):
        assert api.post(scene.key_worker, path, body).status_code == 201


def test_no_action_about_a_part_the_person_refused_to_the_owner(api, world):
    scene = build_scene(world)
    consent(world, scene, scene.other_agency, ["housing"], "deny")
    world.session.commit()
    owner = {"owner_agency_id": str(scene.other_agency.id)}
    before = _counts()
    for path, body, prefix in _three_ways(scene, owner, "housing"):
        refused = api.post(scene.key_worker, path, body)
        assert refused.get_json()["fields"] == {f"{prefix}owner_agency_id": [REFUSED]}
    assert _counts() == before
    # Another part is still theirs to be given.
    made = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/tasks",
        {"title": "Phone her", **owner, "section": "contacts"},
    )
    assert made.status_code == 201


def test_no_action_once_the_person_withdrew_every_consent_to_the_owner(api, world):
    scene = build_scene(world)
    consent(
        world,
        scene,
        scene.other_agency,
        None,
        withdrawn_at=datetime(2026, 2, 1, 12, 0),
        withdrawn_by_id=scene.key_worker.id,
    )
    world.session.commit()
    owner = {"owner_staff_id": str(scene.outsider.id)}
    before = _counts()
    for path, body, prefix in _three_ways(scene, owner, None):
        refused = api.post(scene.key_worker, path, body)
        assert refused.get_json()["fields"] == {f"{prefix}owner_staff_id": [WITHDRAWN]}
    assert _counts() == before


def test_the_key_worker_and_the_lead_agency_are_always_owners(api, world):
    """The plan's own ties decide first: the key worker and lead agency see every action."""
    scene = build_scene(world)
    for owner in (
        {"owner_staff_id": str(scene.key_worker.id)},
        {"owner_staff_id": str(scene.colleague.id)},
        {"owner_agency_id": str(scene.lead.id)},
    ):
        for path, body, _ in _three_ways(scene, owner, "justice"):
            made = api.post(scene.key_worker, path, body)
            assert made.status_code == 201, made.get_json()


def test_my_tasks_offers_only_what_the_policy_allows(app, world):
    """A request for a correction's action owned by a lead-agency colleague (the key worker
    gave it on): they see it in "My tasks", but only the key worker or a cover answers a
    correction, so no "Answer the request" link, and no "Mark as done" (it closes when
    answered); the key worker's own such action offers the answer."""
    from careplan.tasks.models import TaskSource
    from tests.web.support import Browser, text

    scene = build_scene(world)
    for owner, title in ((scene.colleague, "Their action"), (scene.key_worker, "Mine")):
        task = Task(
            person_id=scene.person.id,
            owner_staff_id=owner.id,
            due_on=date(2026, 12, 20),
            source=TaskSource.CORRECTION,
            section_key="contacts",
            created_by_id=scene.key_worker.id,
        )
        task.title = f"Answer a request to correct contacts ({title})"
        world.session.add(task)
    world.session.commit()
    people = (scene.colleague, scene.key_worker)
    for who in people:
        world.session.refresh(who)
        world.session.expunge(who)
    world.session.commit()
    pages = {who.name: text(Browser(app, who).get("/my-tasks")) for who in people}
    colleague, key_worker = pages[scene.colleague.name], pages[scene.key_worker.name]
    assert "Answer a request to correct contacts (Their action)" in colleague
    assert "Answer the request" not in colleague
    assert "Mark as done" not in colleague
    assert "Answer the request" in key_worker
