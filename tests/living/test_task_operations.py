"""create_task and change_status: what other packages call (meetings, referrals, teams)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from careplan.core.errors import Conflict, Unprocessable
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.models import Notification
from careplan.tasks import operations
from careplan.tasks.models import Task, TaskSource, TaskStatus


@pytest.fixture
def people(world):
    lead = world.agency("Lead")
    other = world.agency("Other")
    key_worker = world.staff(lead)
    owner = world.staff(other)
    person = world.person(key_worker)
    world.plan(person, key_worker)
    return lead, other, key_worker, owner, person


def test_a_task_for_a_staff_member_is_sealed_and_tells_them(world, people):
    _, _, key_worker, owner, person = people
    task = operations.create_task(
        db.session,
        person_id=person.id,
        title="  Book the housing assessment  ",
        owner_staff_id=owner.id,
        due_on=date(2026, 12, 10),
        source=TaskSource.MEETING,
        actor=key_worker,
    )
    db.session.commit()
    assert task.title == "Book the housing assessment"
    assert task.status is TaskStatus.OPEN
    assert task.version == 1
    raw = db.session.scalar(select(Task.__table__.c.title))
    assert "housing" not in raw  # sealed at rest
    sent = db.session.scalars(select(Notification)).all()
    assert [(n.kind, n.recipient_user_id, n.link) for n in sent] == [
        (NotificationKind.TASK_ASSIGNED, owner.id, "/my-tasks")
    ]


def test_an_agency_task_notifies_the_agency(world, people):
    _, other, key_worker, _, person = people
    operations.create_task(
        db.session,
        person_id=person.id,
        title="Check the tenancy",
        owner_agency_id=other.id,
        source=TaskSource.GOAL,
        actor=key_worker,
    )
    db.session.commit()
    (sent,) = db.session.scalars(select(Notification)).all()
    assert sent.kind is NotificationKind.TASK_ASSIGNED_AGENCY
    assert sent.recipient_agency_id == other.id


def test_no_notice_to_yourself(world, people):
    _, _, key_worker, _, person = people
    operations.create_task(
        db.session,
        person_id=person.id,
        title="Phone Sarah",
        owner_staff_id=key_worker.id,
        source=TaskSource.CORRECTION,
        actor=key_worker,
    )
    db.session.commit()
    assert db.session.scalars(select(Notification)).all() == []


@pytest.mark.parametrize(
    ("title", "owner", "field"),
    [
        ("", "staff", "title"),
        ("x" * 501, "staff", "title"),
        # Under the field that named the owner (issue 20's walk: "owner" is no field).
        ("Fine", "none", "owner_staff_id"),
        ("Fine", "both", "owner_staff_id"),
        ("Fine", "ig", "owner_staff_id"),
        ("Fine", "unknown_agency", "owner_agency_id"),
    ],
)
def test_bad_tasks_are_refused_and_nothing_is_added(world, people, title, owner, field):
    lead, other, key_worker, staff, person = people
    ig = world.staff(lead, roles=("ig_officer",))

    owners = {
        "staff": {"owner_staff_id": staff.id},
        "none": {},
        "both": {"owner_staff_id": staff.id, "owner_agency_id": other.id},
        "ig": {"owner_staff_id": ig.id},
        "unknown_agency": {"owner_agency_id": uuid.uuid4()},
    }[owner]
    with pytest.raises(Unprocessable) as caught:
        operations.create_task(
            db.session,
            person_id=person.id,
            title=title,
            source=TaskSource.MEETING,
            actor=key_worker,
            **owners,
        )
    assert field in caught.value.fields
    db.session.rollback()
    assert db.session.scalars(select(Task)).all() == []
    assert db.session.scalars(select(Notification)).all() == []


def test_status_moves_and_versions(world, people):
    _, _, key_worker, owner, person = people
    task = operations.create_task(
        db.session,
        person_id=person.id,
        title="Referral to the food bank",
        owner_staff_id=owner.id,
        source=TaskSource.REFERRAL,
        actor=key_worker,
    )
    operations.change_status(db.session, task, TaskStatus.DONE, "Done on the phone", owner)
    assert (task.status, task.version, task.status_note) == (
        TaskStatus.DONE,
        2,
        "Done on the phone",
    )
    with pytest.raises(Conflict):
        operations.change_status(db.session, task, TaskStatus.DONE, None, owner)
    with pytest.raises(Conflict):
        operations.change_status(db.session, task, TaskStatus.CANCELLED, None, owner)
    operations.change_status(db.session, task, TaskStatus.OPEN, None, owner)
    assert task.version == 3
    assert task.status_note is None


def test_overdue_is_open_and_past_its_day(world, people):
    task = Task(status=TaskStatus.OPEN, due_on=date(2026, 12, 1))
    assert task.overdue(date(2026, 12, 2))
    assert not task.overdue(date(2026, 12, 1))
    task.status = TaskStatus.DONE
    assert not task.overdue(date(2026, 12, 2))
