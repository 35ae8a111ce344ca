"""The person's requests to correct their plan, and the answers on the record.

The person writes what is wrong in which section; their key worker gets a task (source
"correction") and answers; the person sees the answer. Both texts are sealed at rest.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.accounts.models import User
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed
from careplan.tasks.models import Task


class CorrectionStatus(enum.StrEnum):
    WAITING = "waiting"
    ANSWERED = "answered"


class Correction(db.Model):
    __tablename__ = "correction"
    __table_args__ = (Index("ix_correction_person", "person_id", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    section_key: Mapped[str] = mapped_column(String(50))
    _text: Mapped[str] = mapped_column("text", Text)
    text = sealed("text", "correction")
    status: Mapped[CorrectionStatus] = mapped_column(
        enum_column(CorrectionStatus, "correction_status"), default=CorrectionStatus.WAITING
    )
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("task.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = now_column()
    requested_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    _answer: Mapped[str | None] = mapped_column("answer", Text)
    answer = sealed("answer", "correction")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))

    task: Mapped[Task] = relationship(lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id], lazy="joined")
