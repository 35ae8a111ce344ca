"""Crisis events: a near-fatal overdose, an eviction or loss of accommodation, a release
from prison, a discharge from hospital. Each has a follow-up owner and deadline, kept as a
task (`careplan.tasks`, source "crisis"): the MAT standards ask for outreach after a
non-fatal overdose, and the person stays on the key worker's caseload until it is done.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.accounts.models import User
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed
from careplan.tasks.models import Task


class CrisisKind(enum.StrEnum):
    NEAR_FATAL_OVERDOSE = "near_fatal_overdose"
    EVICTION = "eviction"  # eviction or loss of accommodation
    PRISON_RELEASE = "prison_release"
    HOSPITAL_DISCHARGE = "hospital_discharge"


# The section of the plan each kind of crisis is about: an event, its note and its
# follow-up are decided as that section is (`careplan.access.policy.decide`), so an agency
# the person shares only their housing plan with does not learn of an overdose (issue 20's
# walk). Keys of config/sections.toml; a test holds every kind to a catalogue section.
ABOUT: dict[CrisisKind, str] = {
    CrisisKind.NEAR_FATAL_OVERDOSE: "substance_use",
    CrisisKind.EVICTION: "housing",
    CrisisKind.PRISON_RELEASE: "justice",
    CrisisKind.HOSPITAL_DISCHARGE: "physical_health",
}


class CrisisEvent(db.Model):
    __tablename__ = "crisis_event"
    __table_args__ = (Index("ix_crisis_event_person", "person_id", "occurred_on"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[CrisisKind] = mapped_column(enum_column(CrisisKind, "crisis_kind"))
    occurred_on: Mapped[date] = mapped_column(Date)
    _note: Mapped[str | None] = mapped_column("note", Text)
    note = sealed("note", "crisis")
    follow_up_task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("task.id"))
    created_at: Mapped[datetime] = now_column()
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))

    follow_up: Mapped[Task] = relationship(lazy="joined")
    recorded_by: Mapped[User] = relationship(lazy="joined")
