"""Changes to an account's own notifications and choice (flush only; the unit of work
commits)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from careplan.core import clock
from careplan.core.errors import NotFound
from careplan.notifications.models import Choice, Notification, NotificationPreference

NOT_YOURS = "No notification with that id for you."


def mark_read(session: Session, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    """Mark one of the account's notifications read (the first reading's time is kept).
    Raises NotFound (404) for an id that is not one of theirs, as for none at all."""
    row = session.get(Notification, notification_id)
    if row is None or row.recipient_user_id != user_id:
        raise NotFound(NOT_YOURS)
    if row.read_at is None:
        row.read_at = clock.now()
        session.flush()
    return row


def mark_all_read(session: Session, user_id: uuid.UUID) -> int:
    """Mark every unread notification of the account read; returns how many were."""
    done = session.execute(
        update(Notification)
        .where(Notification.recipient_user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)


def choose(session: Session, user: Any, choice: Choice, phone: str | None) -> None:
    """Record the account's choice of channel and their mobile number (None: none kept).
    The schema has checked that a text needs a number."""
    row = session.get(NotificationPreference, user.id)
    if row is None:
        row = NotificationPreference(user_id=user.id, choice=choice)
        session.add(row)
    row.choice = choice
    row.updated_at = clock.now()
    user.phone = phone
    session.flush()
