"""The signed-in account's notifications and choice of channel, shared by the API and the
pages; each request leaves one audit record (no person is named: these are the caller's
own account's records, `Permission.ACCOUNT_OWN`). Each notes its attempt first, so a
request that then fails (bad input, an id that is not theirs) is recorded as refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g

from audit.actions import AuditAction
from audit.log import attempt, record
from careplan.core.clock import iso
from careplan.extensions import db
from careplan.notifications import kinds, operations, queries
from careplan.notifications.models import Choice, Notification


@dataclass(frozen=True)
class Page:
    notifications: list[dict[str, Any]]
    total: int
    unread: int


def present(row: Notification) -> dict[str, Any]:
    """{id, kind, title, message, count, created_at, read_at, link}: no personal
    content."""
    return {
        "id": row.id,
        "kind": row.kind,
        "title": kinds.title(row.kind),
        "message": kinds.sentence(row.kind, row.count),
        "count": row.count,
        "created_at": iso(row.created_at),
        "read_at": iso(row.read_at),
        "link": row.link,
    }


def my_notifications(load: Callable[[], dict[str, Any]]) -> Page:
    """The caller's notifications, newest first (`load()` -> {unread, limit, offset};
    it may raise ValidationError, 400)."""
    attempt(AuditAction.NOTIFICATION_LIST)
    query = load()
    user = g.user
    rows, total = queries.page(
        db.session,
        user.id,
        limit=query["limit"],
        offset=query["offset"],
        unread_only=query["unread"],
    )
    unread = queries.unread_count(db.session, user.id)
    record(
        AuditAction.NOTIFICATION_LIST,
        details={"shown": len(rows), "total": total, "unread": unread},
    )
    return Page([present(r) for r in rows], total, unread)


def read(notification_id: uuid.UUID) -> dict[str, Any]:
    """Mark one read; NotFound (404, recorded as refused) if it is not the caller's."""
    attempt(AuditAction.NOTIFICATION_READ)
    row = operations.mark_read(db.session, g.user.id, notification_id)
    record(AuditAction.NOTIFICATION_READ, details={"notification_id": row.id})
    return present(row)


def read_all() -> int:
    attempt(AuditAction.NOTIFICATION_READ)
    done = operations.mark_all_read(db.session, g.user.id)
    record(AuditAction.NOTIFICATION_READ, details={"all": True, "marked": done})
    return done


def preference(*, recorded: bool = True) -> dict[str, Any]:
    """{choice, phone, email, default} of the caller."""
    user = g.user
    choice, default = queries.choice_of(db.session, user)
    if recorded:
        record(AuditAction.NOTIFICATION_PREFERENCES, details={"view": True})
    return {"choice": choice, "phone": user.phone, "email": user.email, "default": default}


def choose(load: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Record the caller's choice (`load()` -> {choice, phone}; it may raise
    ValidationError, 400, and then nothing changes). The person's choice is theirs alone:
    only they can make it."""
    attempt(AuditAction.NOTIFICATION_PREFERENCES)
    data = load()
    user = g.user
    choice: Choice = data["choice"]
    operations.choose(db.session, user, choice, data.get("phone"))
    # The number is personal data: the record says only that one is kept.
    record(
        AuditAction.NOTIFICATION_PREFERENCES,
        details={"choice": choice.value, "phone_kept": user.phone is not None},
    )
    return preference(recorded=False)
