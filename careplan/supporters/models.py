"""A supporter's place: who they are to the person, which sections they see, until when.

The supporter signs in with an account of their own (`AccountKind.SUPPORTER`: no roles, no
agency); one account may support several people (an advocate), each through its own place.
The description the person gave ("my sister") and the phone number are sealed at rest like
plan content: they say who the person's family are.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Text

# `related`: the model has a column named `relationship` (API.md's word).
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import relationship as related

from careplan.accounts.models import User
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed


class SupporterRelationship(enum.StrEnum):
    """Who the supporter is to the person (API.md: family, carer, advocate, other)."""

    FAMILY = "family"
    CARER = "carer"
    ADVOCATE = "advocate"  # an independent advocate
    OTHER = "other"


class Supporter(db.Model):
    __tablename__ = "supporter"
    __table_args__ = (Index("ix_supporter_person", "person_id", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    relationship: Mapped[SupporterRelationship] = mapped_column(
        enum_column(SupporterRelationship, "supporter_relationship")
    )
    # In the person's words ("my sister"), optional.
    _described_as: Mapped[str | None] = mapped_column("described_as", Text)
    described_as = sealed("described_as", "supporter")
    _phone: Mapped[str | None] = mapped_column("phone", Text)
    phone = sealed("phone", "supporter")
    # Catalogue keys the person chose, in catalogue order.
    sections: Mapped[list[str]] = mapped_column(JSON)
    # The last day they see them (a day in Scotland, inclusive).
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = now_column()
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))

    account: Mapped[User] = related(foreign_keys=[account_id], lazy="joined")
    created_by: Mapped[User] = related(foreign_keys=[created_by_id], lazy="joined")
    ended_by: Mapped[User | None] = related(foreign_keys=[ended_by_id], lazy="joined")

    def status(self, today: date) -> str:
        """ended, expired or active, on the given day (Scotland)."""
        if self.ended_at is not None:
            return "ended"
        if self.expires_on < today:
            return "expired"
        return "active"
