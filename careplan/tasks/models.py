"""Shared actions (tasks): who does what for a person, by when, and where it came from.

A task belongs to the person (not to one plan: it outlives a hand-over and a reopened
plan). Its owner is a staff member or a whole agency, never both. Its title is written by
practitioners about the person, so it is sealed at rest like section content; its status
note likewise. Status changes are versioned (`version`, If-Match) and audited.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.people.models import Person
from careplan.protection.sealed import sealed


class TaskStatus(enum.StrEnum):
    """After HL7 FHIR Task's statuses, reduced to what a care team tracks."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskSource(enum.StrEnum):
    """Where a task came from; `Task.source_id` names the record (a meeting, a referral,
    a correction, a crisis event) where there is one."""

    GOAL = "goal"
    MEETING = "meeting"
    REFERRAL = "referral"
    CORRECTION = "correction"
    HAND_OVER = "hand_over"
    CRISIS = "crisis"


class Task(db.Model):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint("(owner_staff_id IS NULL) <> (owner_agency_id IS NULL)", name="one_owner"),
        # "My tasks": open tasks of an account or an agency, soonest first.
        Index("ix_task_owner_staff", "owner_staff_id", "status", "due_on"),
        Index("ix_task_owner_agency", "owner_agency_id", "status", "due_on"),
        Index("ix_task_person", "person_id", "status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    _title: Mapped[str] = mapped_column("title", Text)
    title = sealed("title", "task")
    owner_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    owner_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(
        enum_column(TaskStatus, "task_status"), default=TaskStatus.OPEN
    )
    source: Mapped[TaskSource] = mapped_column(enum_column(TaskSource, "task_source"))
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    # The catalogue key of the section the task is about (a goal's action: "goals"; a
    # correction's: the section to correct; a crisis follow-up: the crisis's section), or
    # None for the plan as a whole (a meeting's, a hand-over's). The access policy decides
    # the task as that section (`careplan.access.context.TaskFact`).
    section_key: Mapped[str | None] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = now_column()
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    # The last status change: who, when, and the note they gave (sealed).
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    status_changed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    _status_note: Mapped[str | None] = mapped_column("status_note", Text)
    status_note = sealed("status_note", "task")

    person: Mapped[Person] = relationship()
    owner_staff: Mapped[User | None] = relationship(foreign_keys=[owner_staff_id])
    owner_agency: Mapped[Agency | None] = relationship(foreign_keys=[owner_agency_id])

    def overdue(self, today: date) -> bool:
        """Open and past its due day (days in Scotland: `today` is clock.day_of(now))."""
        return self.status is TaskStatus.OPEN and self.due_on is not None and self.due_on < today
