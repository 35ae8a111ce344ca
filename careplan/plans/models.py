"""The coordinated care plan: one per person, with its key worker, care team and sections."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.people.models import Person
from careplan.protection.sealed import sealed


class AgreedHow(enum.StrEnum):
    """How the person agreed to their lead agency and key worker."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    WRITTEN = "written"
    VIDEO = "video"


class MembershipHow(enum.StrEnum):
    ADDED = "added"
    CLAIMED = "claimed"
    REFERRAL = "referral"  # took on a referral at the receiving agency (issue 19)


class Plan(db.Model):
    __tablename__ = "plan"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), unique=True)
    lead_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    key_worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The person's agreement to the lead agency and key worker. None while a key worker
    # change made without them (a bulk hand-over, issue 22) waits for it: the new key
    # worker has a task to record it (careplan.plans.continuity).
    agreed_on: Mapped[date | None] = mapped_column(Date)
    agreed_how: Mapped[AgreedHow | None] = mapped_column(enum_column(AgreedHow, "agreed_how"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()
    # A closed plan is read-only; its content is erased once the retention period passes.
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(50))
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # When the closing was recorded (None for plans closed before it was kept).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The next review of the plan, set by the last review meeting (careplan.meetings): it
    # drives the caseload's "reviews due" and reminders.
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)

    person: Mapped[Person] = relationship()
    lead_agency: Mapped[Agency] = relationship(lazy="joined")
    key_worker: Mapped[User] = relationship(foreign_keys=[key_worker_id], lazy="joined")


class PlanClosure(db.Model):
    """One time the plan was closed and then reopened (step-down and return): the plan
    row holds the current state, these the closures it came back from, oldest first."""

    __tablename__ = "plan_closure"

    id: Mapped[uuid.UUID] = uuid_pk()
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"), index=True)
    closed_on: Mapped[date] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(String(50))
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reopened_at: Mapped[datetime] = now_column()
    reopened_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))


class KeyWorkerAssignment(db.Model):
    """Key worker history: one row per key worker, closed by the hand-over to the next."""

    __tablename__ = "key_worker_assignment"

    id: Mapped[uuid.UUID] = uuid_pk()
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    # None until the person's agreement to this key worker is recorded (issue 22).
    agreed_on: Mapped[date | None] = mapped_column(Date)
    agreed_how: Mapped[AgreedHow | None] = mapped_column(enum_column(AgreedHow, "agreed_how"))
    started_at: Mapped[datetime] = now_column()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))

    agency: Mapped[Agency] = relationship(lazy="joined")
    staff: Mapped[User] = relationship(foreign_keys=[staff_id], lazy="joined")


class CareTeamMember(db.Model):
    """A staff member's place in a person's care team, for a period.

    `valid_to` is the planned end; `ended_at` records an early end. Either closes it.
    """

    __tablename__ = "care_team_member"
    __table_args__ = (Index("ix_care_team_plan_staff", "plan_id", "staff_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    how: Mapped[MembershipHow] = mapped_column(enum_column(MembershipHow, "membership_how"))
    _reason: Mapped[str | None] = mapped_column("reason", Text)
    reason = sealed("reason", "care_team")  # why a relationship was claimed
    added_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = now_column()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # A claimed relationship alerts IG: "pending" until an IG officer reviews it, then
    # "reviewed", or "follow_up" until its follow-up is recorded (careplan.ig.reviews).
    # A warm hand-over (issue 20): the previous key worker, after handing the plan to
    # another lead agency, reads it (and nothing more) until `valid_to`.
    warm_hand_over: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    review_status: Mapped[str | None] = mapped_column(String(20), index=True)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_outcome: Mapped[str | None] = mapped_column(String(30))
    review_note: Mapped[str | None] = mapped_column(Text)
    # A review that found it "needs_follow_up" stays open ("follow_up") until the follow-up
    # is recorded: what it found (appropriate or inappropriate), by whom and when.
    follow_up_outcome: Mapped[str | None] = mapped_column(String(30))
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    followed_up_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime)

    staff: Mapped[User] = relationship(foreign_keys=[staff_id], lazy="joined")

    def in_period(self, today: date, now: datetime) -> bool:
        """Within its dates and not ended early (whoever holds it)."""
        if self.ended_at is not None and self.ended_at <= now:
            return False
        if self.valid_from > today:
            return False
        return self.valid_to is None or self.valid_to >= today

    def is_current(self, today: date, now: datetime) -> bool:
        """A current member: in period, and their account is active. A deactivated
        account is no one's care team member, on any list and for access alike (the
        access context's MembershipFact holds the same rule)."""
        return self.staff.active and self.in_period(today, now)


class Section(db.Model):
    """The current content of one section of one plan; earlier versions are kept."""

    __tablename__ = "plan_section"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"))
    key: Mapped[str] = mapped_column(String(50))
    _content: Mapped[str] = mapped_column("content", Text)
    content = sealed("content", "section", as_json=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = now_column()
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))

    updated_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def by_person(self) -> bool:
        """Last written by the person themselves (their own voice), not by staff."""
        return self.updated_by is not None and self.updated_by.is_individual


class SectionVersion(db.Model):
    """Every version of a section, the current one included: who, when, what changed."""

    __tablename__ = "plan_section_version"
    __table_args__ = (UniqueConstraint("section_id", "version"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_section.id"))
    version: Mapped[int] = mapped_column(Integer)
    _content: Mapped[str] = mapped_column("content", Text)
    content = sealed("content", "section", as_json=True)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    changed_at: Mapped[datetime] = now_column()
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class Entry(db.Model):
    """A dated update appended to a section by someone in the care team, or by the person
    themselves in a section they write (then `author_agency_id` is None). Never edited."""

    __tablename__ = "plan_entry"
    __table_args__ = (Index("ix_plan_entry_section", "plan_id", "section_key", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"))
    section_key: Mapped[str] = mapped_column(String(50))
    occurred_on: Mapped[date] = mapped_column(Date)
    _text: Mapped[str] = mapped_column("text", Text)
    text = sealed("text", "entry")
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    author_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    created_at: Mapped[datetime] = now_column()
    # "Entered in error" (issue 20): the update stays, for the record and the audit, marked
    # with when, by whom and why; hidden from the chronology unless asked for.
    error_at: Mapped[datetime | None] = mapped_column(DateTime)
    error_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    _error_reason: Mapped[str | None] = mapped_column("error_reason", Text)
    error_reason = sealed("error_reason", "entry")

    # What the update is about (issue 20), at most one: a goal of the "My goals and
    # actions" section (its row's `id`), or one of the person's shared actions (a task).
    goal_id: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("task.id"), index=True)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    error_by: Mapped[User | None] = relationship(foreign_keys=[error_by_id], lazy="joined")
