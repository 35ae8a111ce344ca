"""Deactivated staff are no one's current care team member or key worker (issue 16,
fault 12): not on the API's care team or key worker lists, not on the care team page,
not in the person's own export, and not for access, however the context is loaded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from careplan.access import sources
from careplan.access.context import AccessContext, MembershipFact
from careplan.access.permissions import Permission
from careplan.access.policy import decide_on
from careplan.access.subject import Subject
from careplan.accounts.models import User
from careplan.core import clock
from careplan.extensions import db
from careplan.plans.models import CareTeamMember
from tests.api.scene import build_scene
from tests.identity.pages import signed_in_browser

CLAIM = {"reason": "Allocated as her housing officer by the homelessness team today."}


def _deactivate(api: Any, scene: Any, user: User) -> None:
    assert api.post(scene.admin, f"/staff/{user.id}/deactivate").status_code == 200
    db.session.expire_all()


def _member(api: Any, scene: Any, how: str, until: str | None) -> tuple[User, str]:
    """A care team place held by someone (added by the key worker, or claimed), open or
    with an end date; returns its holder and its id."""
    if how == "claimed":
        from tests.api.test_sharing import agreement

        agreement(api.world, scene.other_agency)
        api.look_up(scene.outsider, scene.person)  # a claim follows the caller's own lookup
        made = api.post(scene.outsider, f"/people/{scene.person.id}/care-team/claim", CLAIM)
        assert made.status_code == 201, made.get_json()
        return scene.outsider, made.get_json()["id"]
    body = {"staff_id": str(scene.colleague.id), "role": "Peer support worker"}
    if until:
        body["to"] = until
    made = api.post(scene.key_worker, f"/people/{scene.person.id}/care-team", body)
    assert made.status_code == 201, made.get_json()
    return scene.colleague, made.get_json()["id"]


PLACES = [("added", None), ("added", "2031-01-01"), ("claimed", None)]


@pytest.mark.parametrize(("how", "until"), PLACES)
def test_a_deactivated_member_is_not_current_on_the_api(api, world, how, until):
    scene = build_scene(world)
    holder, member_id = _member(api, scene, how, until)
    before = {
        m["id"]: m
        for m in api.get(scene.key_worker, f"/people/{scene.person.id}/care-team").get_json()
    }
    assert before[member_id]["current"] is True
    assert before[member_id]["status"] == "current"
    _deactivate(api, scene, holder)
    team = api.get(scene.key_worker, f"/people/{scene.person.id}/care-team").get_json()
    mine = next(m for m in team if m["id"] == member_id)
    assert mine["current"] is False
    assert mine["staff_active"] is False
    assert mine["status"] == "account_closed"
    # The spare nurse of the scene is still current: only the deactivated account changed.
    spare = next(m for m in team if m["staff_id"] == str(scene.spare.id))
    assert spare["current"] is True
    # Their place can still be ended, to tidy the list; then it reads as ended.
    ended = api.post(scene.key_worker, f"/people/{scene.person.id}/care-team/{member_id}/end")
    assert ended.status_code == 200
    assert ended.get_json()["status"] == "ended"


def test_the_care_team_page_says_the_account_is_closed(app, api, world):
    scene = build_scene(world)
    _deactivate(api, scene, scene.spare)
    page = signed_in_browser(app, scene.key_worker).get(f"/people/{scene.person.id}/care-team")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    row = text[text.index("Spare Practitioner") :].split("</tr>")[0]
    assert "Account closed" in row
    assert ">Current<" not in row


def test_the_persons_export_does_not_show_them_as_current(api, world):
    scene = build_scene(world)
    _deactivate(api, scene, scene.spare)
    export = api.get(scene.key_worker, f"/people/{scene.person.id}/export").get_json()
    [spare] = [m for m in export["plan"]["care_team"] if m["name"] == "Spare Practitioner"]
    assert spare["current"] is False
    assert spare["account_active"] is False
    html = api.get(scene.key_worker, f"/people/{scene.person.id}/export?format=html")
    assert "no longer in your care team" in html.get_data(as_text=True)


def test_a_deactivated_key_worker_is_marked_in_the_key_worker_list(api, world):
    scene = build_scene(world)
    _deactivate(api, scene, scene.key_worker)
    history = api.get(scene.colleague, f"/people/{scene.person.id}/plan/key-workers").get_json()
    assert [k["staff_active"] for k in history] == [False]


@pytest.mark.parametrize(("how", "until"), PLACES)
def test_the_access_context_loader_does_not_count_them(app, api, world, how, until):
    """Loaded as every request loads it (ORM rows, plain rows, several people): their
    place is there but not current, and it opens nothing."""
    scene = build_scene(world)
    holder, _member_id = _member(api, scene, how, until)
    with app.test_request_context():
        context = sources.loader().person(holder, scene.person.id, rows=False)
        assert context.in_care_team
    _deactivate(api, scene, holder)
    with app.test_request_context():
        user = db.session.get(User, holder.id)
        for rows in (False, True):
            context = sources.loader().person(user, scene.person.id, rows=rows)
            assert context.memberships, rows
            assert not any(m.active for m in context.memberships)
            assert not context.in_care_team
            assert not decide_on(context, Permission.SECTION_VIEW, "housing").permit
        [many] = sources.loader().people(user, [scene.person])
        assert not many.in_care_team


def test_a_deactivated_account_is_refused_by_the_policy_whatever_it_holds(api, world):
    scene = build_scene(world)
    now = clock.now()
    plan = scene.plan
    for user in (scene.key_worker, scene.colleague, scene.ig, scene.individual):
        active = Subject.of(user)
        gone = Subject(**{**{f: getattr(active, f) for f in active.__slots__}, "active": False})
        for subject, permit in ((active, True), (gone, False)):
            context = AccessContext(
                subject=subject,
                person=scene.person,
                plan=plan,
                now=now,
                today=now.date(),
                sensitivity={"housing": 1},
            )
            if user is scene.ig:
                decision = decide_on(context, Permission.JOB_AUDIT_SEARCH)
            else:
                decision = decide_on(context, Permission.PLAN_VIEW)
            assert decision.permit is permit, (user.name, subject.active)
        assert not decide_on(context, Permission.ACCOUNT_OWN).permit


def test_a_membership_fact_of_a_closed_account_is_never_current():
    today = clock.now().date()
    fact = MembershipFact(None, today - timedelta(days=1), None, None, active=False)
    assert not fact.current(today, clock.now())
    assert MembershipFact(None, today, None, None).current(today, clock.now())


def test_a_deactivated_account_cannot_be_added_or_handed_the_plan(api, world):
    scene = build_scene(world)
    _deactivate(api, scene, scene.colleague)
    added = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/care-team",
        {"staff_id": str(scene.colleague.id), "role": "Nurse"},
    )
    assert added.status_code == 422
    handed = api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/key-worker",
        {
            "agency_id": str(scene.lead.id),
            "staff_id": str(scene.colleague.id),
            "agreed_on": "2026-02-01",
            "agreed_how": "in_person",
        },
        headers={"If-Match": '"1"'},
    )
    assert handed.status_code == 422
    rows = db.session.scalars(
        select(CareTeamMember).where(CareTeamMember.staff_id == scene.colleague.id)
    ).all()
    assert rows == []
