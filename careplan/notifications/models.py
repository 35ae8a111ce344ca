"""The outbox: notifications, their deliveries by channel, and each account's choice.

A notification is addressed to one account or to an agency. An agency's is fanned out by
the sender, at send time, into one notification per active staff member of the agency who
holds the kind's role then (`kinds.KindRule.agency_role`); the agency's row stays as the
record of what was queued. Each account's notification gets a delivery per channel the
account chose at send time (email or text; in-app needs none). No row holds personal
data: a kind, a link inside the service, ids, times, statuses and error codes.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Choice(enum.StrEnum):
    """What a person chose: email or text (each besides the in-app list), or in-app only."""

    EMAIL = "email"
    SMS = "sms"
    IN_APP = "in_app"


class DeliveryStatus(enum.StrEnum):
    """After GOV.UK Notify's own statuses. `queued`: not tried yet; `sending`: claimed by
    a sender, or accepted by Notify and not yet confirmed; `delivered`; `failed`: a
    temporary failure, tried again at `next_attempt_at`; `permanent-failure`: never tried
    again (Notify refused it, or the attempts ran out)."""

    QUEUED = "queued"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    PERMANENT_FAILURE = "permanent-failure"


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(
            "(recipient_user_id IS NULL) <> (recipient_agency_id IS NULL)",
            name="one_recipient",
        ),
        Index("ix_notification_user_created", "recipient_user_id", "created_at"),
        Index("ix_notification_pending", "expanded_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    recipient_agency_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agency.id"), index=True
    )
    # No check constraint on the kinds: a new kind is one enum member and its sentence
    # (careplan.notifications.kinds), with no migration.
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(
            NotificationKind,
            name="notification_kind",
            native_enum=False,
            create_constraint=False,
            length=40,
            values_callable=lambda members: [m.value for m in members],
        )
    )
    created_at: Mapped[datetime] = now_column()
    # A path inside this service (`/ig/reviews`), never a name or any other personal data.
    link: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set by the sender once the deliveries (or, for an agency, its staff's notifications)
    # are made; until then the notification is waiting in the outbox.
    expanded_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The agency's notification this one was fanned out from.
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notification.id"), index=True)
    # Whose action caused it: never notified of their own action (fan-out leaves them out).
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # One notice per event and recipient (the daily "consent ending" run is idempotent).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # How many of its kind this notice tells of: one change that gives one owner 50
    # actions (a meeting) tells them once, "50 actions" (careplan.notifications.outbox).
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    deliveries: Mapped[list[NotificationDelivery]] = relationship(
        back_populates="notification", lazy="raise"
    )


class NotificationDelivery(db.Model):
    __tablename__ = "notification_delivery"
    __table_args__ = (
        Index("ix_notification_delivery_due", "status", "next_attempt_at"),
        Index("ix_notification_delivery_notification", "notification_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    notification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notification.id"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "notification_channel"))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "notification_delivery_status"), default=DeliveryStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = now_column()
    # A sender's claim lasts until then; a claim left by a sender that stopped mid-send
    # (no provider reference) may be taken again once it has passed.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    # GOV.UK Notify's id for the message, to ask for its delivery status.
    provider_reference: Mapped[str | None] = mapped_column(String(64))
    # `http_400:BadRequestError`, `no_phone`...: never the provider's message text.
    last_error_code: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)

    notification: Mapped[Notification] = relationship(
        back_populates="deliveries", lazy="joined", innerjoin=True
    )


class NotificationPreference(db.Model):
    """An account's choice of channel. Without a row: staff get email (and the in-app
    list), the person the in-app list only until they choose (an email or a text on a
    shared phone could itself tell someone they are supported)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    choice: Mapped[Choice] = mapped_column(enum_column(Choice, "notification_choice"))
    updated_at: Mapped[datetime] = now_column()
