"""Teams inside an agency, absence cover.

These are the records three relationships of the access policy are made of (issue 22):
a team member reads the plans their team's key workers hold (`key_worker_team`), a team
leader reads them for supervision (`team_leader`), and a colleague covering an absence
sees what the key worker sees for those dates (`cover:<id>`). The access context loads
them in one statement (consent.facts).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core.model_types import now_column, uuid_pk
from careplan.extensions import db


class Team(db.Model):
    """A team of one agency (an addiction recovery team's north locality, say)."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()

    agency: Mapped[Agency] = relationship(lazy="joined")
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", lazy="selectin"
    )


class TeamMember(db.Model):
    """A staff member's place in a team; `leader`: they lead it (supervision)."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "staff_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    leader: Mapped[bool] = mapped_column(Boolean, default=False)

    team: Mapped[Team] = relationship(back_populates="members")
    staff: Mapped[User] = relationship(lazy="joined")


class Cover(db.Model):
    """A colleague (`cover_id`) covering a key worker's (`staff_id`) people from
    `starts_on` to `ends_on` inclusive (days in Scotland); `ended_at`: stopped early."""

    __tablename__ = "cover"
    __table_args__ = (
        CheckConstraint("starts_on <= ends_on", name="dates_in_order"),
        CheckConstraint("staff_id <> cover_id", name="not_self"),
        Index("ix_cover_cover_dates", "cover_id", "ends_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    cover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = now_column()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    staff: Mapped[User] = relationship(foreign_keys=[staff_id], lazy="joined")
    cover: Mapped[User] = relationship(foreign_keys=[cover_id], lazy="joined")

    def in_force(self, today: date) -> bool:
        return self.ended_at is None and self.starts_on <= today <= self.ends_on
