"""Subject access requests (UK GDPR Article 15) as information governance work.

One row per request: when and how it arrived, who asked (the person, or a representative
whose authority was checked), how and by whom their identity was confirmed, when the
answer is due (careplan.subject_access.deadlines), and how it ended: released (to the
person's own account, or to their key worker to hand over) or refused with a reason.
The row holds no plan content; the copy itself is made from the records when the person
(or the key worker) opens it. Free text (the note, a representative's name, the reasons)
is sealed at rest like the plan's.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed


class RequestStatus(enum.StrEnum):
    RECEIVED = "received"  # identity still to be confirmed: the clock waits
    IDENTITY_CHECKED = "identity_checked"  # the month is running
    IN_PROGRESS = "in_progress"  # an IG officer is preparing the answer
    RELEASED = "released"  # the copy is available to the person or their key worker
    REFUSED = "refused"  # answered with a refusal and its reason

    @property
    def open(self) -> bool:
        return self not in (RequestStatus.RELEASED, RequestStatus.REFUSED)


class Channel(enum.StrEnum):
    """How the request arrived: a request need not use any form or words (ICO)."""

    LETTER = "letter"
    EMAIL = "email"
    PHONE = "phone"
    IN_PERSON = "in_person"
    SOCIAL_MEDIA = "social_media"
    THROUGH_STAFF = "through_staff"  # told to a key worker or another member of staff
    OTHER = "other"


class RequestedBy(enum.StrEnum):
    PERSON = "person"
    REPRESENTATIVE = "representative"


class Authority(enum.StrEnum):
    """What shows a representative may act for the person (ICO: "Can a request be made
    on behalf of someone?"; Adults with Incapacity (Scotland) Act 2000 for attorneys and
    guardians)."""

    SIGNED_AUTHORITY = "signed_authority"  # the person's signed, dated authority
    POWER_OF_ATTORNEY = "power_of_attorney"  # a continuing or welfare power of attorney
    GUARDIANSHIP = "guardianship"  # a guardianship or intervention order
    OTHER = "other"


class IdentityMethod(enum.StrEnum):
    """How the requester's identity was confirmed: only what is reasonable (ICO)."""

    KNOWN_TO_STAFF = "known_to_staff"  # staff who know them confirmed it in person
    PHOTO_ID = "photo_id"
    DOCUMENTS = "documents"  # e.g. a letter from a benefits agency, a tenancy agreement
    SIGNED_IN = "signed_in"  # asked from their own verified account (ScotAccount)
    OTHER = "other"


class ReleasedTo(enum.StrEnum):
    PERSON = "person"  # their own account: /my-plan/copy
    KEY_WORKER = "key_worker"  # their key worker hands it over (no account, or asked)


class RefusalReason(enum.StrEnum):
    """Why a request was answered without a copy (UK GDPR Art 12(5); ICO guidance)."""

    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    MANIFESTLY_EXCESSIVE = "manifestly_excessive"
    IDENTITY_NOT_CONFIRMED = "identity_not_confirmed"
    AUTHORITY_NOT_SHOWN = "authority_not_shown"  # a representative's authority not shown
    WITHDRAWN = "withdrawn"  # the person withdrew the request


class SubjectAccessRequest(db.Model):
    __tablename__ = "subject_access_request"
    __table_args__ = (
        # The queue: open requests by due day; a person's requests.
        Index("ix_subject_access_request_queue", "status", "due_on"),
        Index("ix_subject_access_request_person", "person_id", "received_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "sar_channel"))
    requested_by: Mapped[RequestedBy] = mapped_column(enum_column(RequestedBy, "sar_requested_by"))
    _representative: Mapped[str | None] = mapped_column("representative", Text)
    representative = sealed("representative", "subject_access")
    authority: Mapped[Authority | None] = mapped_column(enum_column(Authority, "sar_authority"))
    authority_checked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    identity_method: Mapped[IdentityMethod | None] = mapped_column(
        enum_column(IdentityMethod, "sar_identity_method")
    )
    identity_checked_on: Mapped[date | None] = mapped_column(Date)
    identity_checked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # The month runs from here (the day of receipt, or the day proof of identity came).
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    extended_on: Mapped[date | None] = mapped_column(Date)
    _extension_reason: Mapped[str | None] = mapped_column("extension_reason", Text)
    extension_reason = sealed("extension_reason", "subject_access")
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "sar_status"), default=RequestStatus.RECEIVED
    )
    _note: Mapped[str | None] = mapped_column("note", Text)
    note = sealed("note", "subject_access")
    released_to: Mapped[ReleasedTo | None] = mapped_column(
        enum_column(ReleasedTo, "sar_released_to")
    )
    refusal_reason: Mapped[RefusalReason | None] = mapped_column(
        enum_column(RefusalReason, "sar_refusal_reason")
    )
    _refusal_text: Mapped[str | None] = mapped_column("refusal_text", Text)
    refusal_text = sealed("refusal_text", "subject_access")
    completed_on: Mapped[date | None] = mapped_column(Date)
    completed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = now_column()
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
