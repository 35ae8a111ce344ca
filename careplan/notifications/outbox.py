"""Queue a notification in the unit of work of the change that causes it.

The row is added to the request's (or job's) session and commits with the change and its
audit records, or not at all: a withdrawn consent is never committed without its notice,
nor a notice sent for a change that was rolled back. Nothing is sent here: the sender job
(`careplan.notifications.sender`) delivers, outside the request.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from careplan.notifications.kinds import RULES, NotificationKind
from careplan.notifications.models import Notification

# A path inside the service made of ids and words: no query string, no text anyone typed.
LINK = re.compile(r"/(?:[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+)*)?")


def queue(
    session: Session,
    kind: NotificationKind,
    *,
    to_user_id: uuid.UUID | None = None,
    to_agency_id: uuid.UUID | None = None,
    link: str,
    actor_id: uuid.UUID | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Add a notification of `kind` to `session` (flushed, not committed) and return it.

    Exactly one recipient: `to_user_id` (an account), or `to_agency_id` (fanned out at
    send time to the agency's active staff holding the kind's `agency_role`). `link`: a
    path inside this service (`/people/<id>/access-log`), letters, digits, `-`, `_` and
    `/` only. `actor_id`: whose action caused it; they are never notified of it (None is
    returned when they are the recipient). `dedupe_key`: a notice already queued with it
    is not queued again (None returned).

    One notice per recipient per unit of work: a notice of the same kind, to the same
    recipient, with the same link and actor, already queued in this transaction is
    counted up instead (its `count`; 50 actions from one meeting for one owner are one
    notice saying "50 actions"), and returned.

    Raises ValueError for no or two recipients, an agency recipient for a kind that has
    no agency role, or a link that is not such a path (programming errors, not input).
    """
    if (to_user_id is None) == (to_agency_id is None):
        raise ValueError("a notification has exactly one recipient: an account or an agency")
    if to_agency_id is not None and RULES[kind].agency_role is None:
        raise ValueError(f"{kind} is addressed to one account, not an agency")
    if len(link) > 200 or not LINK.fullmatch(link) or link.startswith("//"):
        raise ValueError("a notification's link is a path inside the service")
    if to_user_id is not None and to_user_id == actor_id:
        return None
    if dedupe_key is not None and session.scalar(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key).limit(1)
    ):
        return None
    same = (kind, to_user_id, to_agency_id, link, actor_id)
    if dedupe_key is None:
        row = _queued_in_this_transaction(session).get(same)
        if row is not None:
            row.count += 1
            session.flush()
            return row
    row = Notification(
        kind=kind,
        recipient_user_id=to_user_id,
        recipient_agency_id=to_agency_id,
        link=link,
        actor_id=actor_id,
        dedupe_key=dedupe_key,
        count=1,
    )
    session.add(row)
    session.flush()
    if dedupe_key is None:
        # Kept against the transaction the flush began or joined: before it, a job's
        # session may have none, and a notice must never be counted into one an earlier
        # unit of work already committed (and perhaps sent).
        _queued_in_this_transaction(session)[same] = row
    return row


_QUEUED = "careplan.notifications.queued"


def _queued_in_this_transaction(session: Session) -> dict[tuple[Any, ...], Notification]:
    """The notices queued in the session's current transaction, by what makes two the
    same; a new transaction (the next request or job step) starts with none."""
    if isinstance(session, scoped_session):
        session = session()  # the request's own session, behind the registry
    transaction = session.get_transaction()
    if transaction is None:
        return {}  # no transaction yet: nothing queued in it
    kept = session.info.get(_QUEUED)
    if kept is None or kept[0] is not transaction:
        kept = (transaction, {})
        session.info[_QUEUED] = kept
    return kept[1]
