"""Consent records, refusals, information-sharing agreements and break-glass access.

None of these rows is ever deleted or edited in place: a change is a new row, a
withdrawal fills in the withdrawal columns once, and history is kept for the person and IG.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from careplan.agencies.models import Sector
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed


class LawfulBasis(enum.StrEnum):
    """What an agency shares under (recorded; the decision does not depend on it)."""

    PUBLIC_TASK_HEALTH_CARE = "art6_1_e_art9_2_h"
    CONSENT = "consent"
    LEGITIMATE_INTERESTS = "art6_1_f"
    OTHER = "other"


class SharingAgreement(db.Model):
    """An agency's information-sharing agreement. The newest row for an agency is in force."""

    __tablename__ = "sharing_agreement"
    __table_args__ = (Index("ix_sharing_agreement_agency", "agency_id", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    max_sensitivity: Mapped[str] = mapped_column(String(20))
    # None: every section up to the ceiling; a list narrows it to those keys.
    sections: Mapped[list[str] | None] = mapped_column(JSON)
    lawful_basis: Mapped[LawfulBasis] = mapped_column(enum_column(LawfulBasis, "lawful_basis"))
    valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = now_column()
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))


class ConsentEffect(enum.StrEnum):
    PERMIT = "permit"
    DENY = "deny"


class ConsentMethod(enum.StrEnum):
    WRITTEN = "written"
    VERBAL = "verbal"
    SELF_SERVICE = "self_service"


class Consent(db.Model):
    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_person", "person_id", "recorded_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    grantee_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    grantee_sector: Mapped[Sector | None] = mapped_column(enum_column(Sector, "sector"))
    # None means every section in the catalogue, including ones added later.
    sections: Mapped[list[str] | None] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(50), default="direct_care")
    effect: Mapped[ConsentEffect] = mapped_column(enum_column(ConsentEffect, "consent_effect"))
    starts_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[ConsentMethod] = mapped_column(enum_column(ConsentMethod, "consent_method"))
    _evidence_note: Mapped[str | None] = mapped_column("evidence_note", Text)
    evidence_note = sealed("evidence_note", "consent")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = now_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # The referral this consent travels with (issue 19): it ends a set time after the
    # referral closes. The table is the referrals package's; only its id is held here.
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referral.id"), index=True)


class BreakGlassReason(enum.StrEnum):
    RISK_TO_LIFE = "risk_to_life"
    SERIOUS_HARM = "serious_harm"
    OTHER = "other"


class BreakGlass(db.Model):
    """One emergency access. Each invocation is its own row: never silently renewed."""

    __tablename__ = "break_glass"
    __table_args__ = (Index("ix_break_glass_user_person", "user_id", "person_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    reason: Mapped[BreakGlassReason] = mapped_column(
        enum_column(BreakGlassReason, "break_glass_reason")
    )
    _justification: Mapped[str] = mapped_column("justification", Text)
    justification = sealed("justification", "break_glass")
    invoked_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    review_status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
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
