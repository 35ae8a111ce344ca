"""What an account sees of its notifications, and its choice of channel; the outbox's depth
for operators."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from careplan.accounts.models import AccountKind
from careplan.core.prepared import Prepared
from careplan.notifications.models import (
    Choice,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationPreference,
)


def page(
    session: Session, user_id: uuid.UUID, *, limit: int, offset: int, unread_only: bool = False
) -> tuple[list[Notification], int]:
    """(the account's notifications, newest first, `limit` from `offset`; how many in all)."""
    where = [Notification.recipient_user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    rows = session.scalars(
        select(Notification)
        .where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(select(func.count()).select_from(Notification).where(*where))
    return list(rows), int(total or 0)


@functools.cache
def _unread() -> Prepared:
    """Built once per process: every page a signed-in person opens runs it (the header)."""
    return Prepared(
        select(func.count().label("n"))
        .select_from(Notification)
        .where(
            Notification.recipient_user_id == bindparam("user_id"),
            Notification.read_at.is_(None),
        )
    )


def unread_count(session: Session | Connection, user_id: uuid.UUID) -> int:
    """How many of the account's notifications are not read yet (the header's count);
    `session`: a session or a (read-only) connection."""
    row = _unread().first(session, {"user_id": user_id})
    return int(row.n or 0) if row is not None else 0


def default_for(kind: AccountKind) -> Choice:
    """Staff: email (and in-app); the person: in-app only until they choose (an email or
    a text on a shared phone could itself tell someone they are supported)."""
    return Choice.IN_APP if kind is AccountKind.INDIVIDUAL else Choice.EMAIL


def choice_of(session: Session, user: Any) -> tuple[Choice, bool]:
    """(the account's choice, whether it is the default because they have not chosen)."""
    row = session.get(NotificationPreference, user.id)
    if row is None:
        return default_for(user.kind), True
    return row.choice, False


def outbox_depth(session: Session | Connection, now: datetime) -> dict[str, Any]:
    """For operators (careplan.ops.metrics): notifications queued but not yet made into
    deliveries (`not_expanded`), deliveries by status (`{"queued": 3, ...}`, every status
    present, 0 when none), and the age in seconds of the oldest thing still waiting to be
    sent (a notification not yet expanded, or a delivery queued or failed and due again;
    0 when none). Counts and ages only: no ids, no people."""
    counts = dict.fromkeys((s.value for s in DeliveryStatus), 0)
    for status, count in session.execute(
        select(NotificationDelivery.status, func.count()).group_by(NotificationDelivery.status)
    ):
        counts[DeliveryStatus(status).value] = count
    not_expanded, oldest_notice = session.execute(
        select(func.count(), func.min(Notification.created_at)).where(
            Notification.expanded_at.is_(None)
        )
    ).one()
    oldest_delivery = session.scalar(
        select(func.min(NotificationDelivery.created_at)).where(
            NotificationDelivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.FAILED))
        )
    )
    waiting = [t for t in (oldest_notice, oldest_delivery) if t is not None]
    age = max(0.0, (now - min(waiting)).total_seconds()) if waiting else 0.0
    return {
        "not_expanded": not_expanded,
        "by_status": counts,
        "oldest_waiting_seconds": round(age, 1),
    }
