"""One "ask and act" record: the housing question asked of a person, their answer, the
actions offered and taken up, a referral to the council's homelessness service if one
was made, and the outcome recorded later (Housing (Scotland) Act 2025, Part 5).

Answers, actions and outcomes are codes from configuration (config/ask_and_act.toml), so
they are plain strings here, checked against the file when written. The asking agency's
kind, the council area and whether the duty applied are kept as they were on the day, so
the duty's reports count what happened then.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core.model_types import now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed


class HousingAsk(db.Model):
    __tablename__ = "housing_ask"
    __table_args__ = (
        Index("ix_housing_ask_person", "person_id", "asked_on"),
        # The duty's reports: a period, by agency or council.
        Index("ix_housing_ask_report", "asked_on", "agency_id", "council_code"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"))
    asked_on: Mapped[date] = mapped_column(Date)
    asked_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    agency_kind: Mapped[str] = mapped_column(String(32))
    council_code: Mapped[str] = mapped_column(String(9))  # GSS code, "S12000049"
    under_duty: Mapped[bool] = mapped_column(Boolean)
    answer: Mapped[str] = mapped_column(String(32))
    actions_offered: Mapped[list[str]] = mapped_column(JSON)
    actions_accepted: Mapped[list[str]] = mapped_column(JSON)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referral.id"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    _note: Mapped[str | None] = mapped_column("note", Text)
    note = sealed("note", "housing_ask")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = now_column()

    asked_by: Mapped[User] = relationship(lazy="joined")
    agency: Mapped[Agency] = relationship(lazy="joined")
