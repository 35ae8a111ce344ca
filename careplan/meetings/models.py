"""Reviews and multi-agency meetings: who met, what the person said, what was decided.

What was said (summary, decisions, the person's views in their words) is sealed at rest
like section content. Attendees are staff accounts, or people named with their role
(supporters, others); attending gives no basis on the plan (careplan.access.rules.MEETING).
Actions agreed become tasks (`careplan.tasks`, source "meeting", `source_id` the meeting).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.accounts.models import User
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed


class MeetingKind(enum.StrEnum):
    REVIEW = "review"  # a review of the plan
    CASE_CONFERENCE = "case_conference"  # a multi-agency case conference
    OTHER = "other"


class Meeting(db.Model):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_person_held", "person_id", "held_on"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, "meeting_kind"))
    person_attended: Mapped[bool] = mapped_column(Boolean, default=False)
    _person_views: Mapped[str | None] = mapped_column("person_views", Text)
    person_views = sealed("person_views", "meeting")
    _summary: Mapped[str | None] = mapped_column("summary", Text)
    summary = sealed("summary", "meeting")
    _decisions: Mapped[str | None] = mapped_column("decisions", Text)
    decisions = sealed("decisions", "meeting")
    next_review_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = now_column()
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))

    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id], lazy="joined")
    attendees: Mapped[list[MeetingAttendee]] = relationship(
        order_by="MeetingAttendee.position", lazy="selectin"
    )


class MeetingAttendee(db.Model):
    """One attendee: a staff account (`staff_id`), or a person named with their role (a
    family member, an advocate, a worker without an account). The name is sealed."""

    __tablename__ = "meeting_attendee"

    id: Mapped[uuid.UUID] = uuid_pk()
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    _name: Mapped[str | None] = mapped_column("name", Text)
    name = sealed("name", "meeting")
    agency_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))

    staff: Mapped[User | None] = relationship(lazy="joined")
