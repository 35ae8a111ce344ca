"""A referral and its history of statuses.

The referral's text (why, how to contact, each reason given) is sealed at rest like plan
content. The consent that travels with a referral is an ordinary consent row naming it
(`consent.referral_id`); a service not on the platform gets a letter instead, and what
the person agreed to send with it is kept here (`letter_*`), since nothing on the
platform is opened by it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed


class ReferralStatus(enum.StrEnum):
    """HL7 FHIR Gravity SDOH Clinical Care, Task.status for referrals."""

    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class Urgency(enum.StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


class DeclinedBy(enum.StrEnum):
    """Who said no to a rejected referral: the service, or the person themselves."""

    PROVIDER = "provider"
    PERSON = "person"


class Referral(db.Model):
    __tablename__ = "referral"
    __table_args__ = (
        # The inbox: an agency's incoming referrals by status, newest first.
        Index("ix_referral_inbox", "receiving_agency_id", "status", "created_at"),
        Index("ix_referral_outbox", "referring_agency_id", "status", "created_at"),
        Index("ix_referral_person", "person_id", "created_at"),
        Index("ix_referral_due", "status", "respond_by"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan.id"))
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("directory_service.id"))
    # None: the service is not on the platform; the referral goes by letter.
    receiving_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    referrer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    referring_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "referral_urgency"))
    _reason: Mapped[str] = mapped_column("reason", Text)
    reason = sealed("reason", "referral")
    sections: Mapped[list[str]] = mapped_column(JSON)
    # "Do not contact": the receiving service reaches the person only through the referrer.
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    _contact_note: Mapped[str | None] = mapped_column("contact_note", Text)
    contact_note = sealed("contact_note", "referral")
    status: Mapped[ReferralStatus] = mapped_column(enum_column(ReferralStatus, "referral_status"))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    _reason_text: Mapped[str | None] = mapped_column("reason_text", Text)
    reason_text = sealed("reason_text", "referral")
    declined_by: Mapped[DeclinedBy | None] = mapped_column(
        enum_column(DeclinedBy, "referral_declined_by")
    )
    suggested_service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("directory_service.id")
    )
    # Forwarding keeps the chain: the referral this one was passed on from.
    part_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referral.id"))
    # Who at the receiving agency took it on (joined the care team, `how: referral`).
    taken_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # An unanswered referral fails ("no answer") after this moment (UTC).
    respond_by: Mapped[datetime] = mapped_column(DateTime)
    # By letter only: how and when the person agreed to what the letter carries.
    letter_consent_method: Mapped[str | None] = mapped_column(String(20))
    letter_agreed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ReferralEvent(db.Model):
    """One status the referral took: who set it, when, and the reason given."""

    __tablename__ = "referral_event"
    __table_args__ = (Index("ix_referral_event_referral", "referral_id", "at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"))
    status: Mapped[ReferralStatus] = mapped_column(enum_column(ReferralStatus, "referral_status"))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    _reason_text: Mapped[str | None] = mapped_column("reason_text", Text)
    reason_text = sealed("reason_text", "referral")
    declined_by: Mapped[DeclinedBy | None] = mapped_column(
        enum_column(DeclinedBy, "referral_declined_by")
    )
    suggested_service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("directory_service.id")
    )
    # None: the service itself (an unanswered referral's expiry).
    by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = now_column()
