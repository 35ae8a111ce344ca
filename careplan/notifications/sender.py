"""The sender job: delivers queued notifications by GOV.UK Notify, outside any request.

`flask --app careplan notifications send [--once]` runs `run` (careplan.cli). Each round:

1. **Fan out** (one short transaction): each notification not yet handled gets its
   deliveries, one per channel its account chose *now* (`queries.choice_of`); an agency's
   becomes one notification per active staff member of the agency who holds the kind's
   role now (`kinds.KindRule.agency_role`), never the person whose action caused it.
2. **Claim** (one short transaction): up to `CAREPLAN_NOTIFY_BATCH` due deliveries are
   marked `sending` with a claim that lasts five minutes. On PostgreSQL the rows are
   locked with `SELECT ... FOR UPDATE SKIP LOCKED`, so several senders never claim the
   same row; on SQLite, transactions take the single write lock, one after another.
3. **Send** (no transaction, no lock held): the emails and texts go to Notify through its
   Python client, `CAREPLAN_NOTIFY_THREADS` at a time. The message is the kind's fixed
   sentence and a link to the service's notifications page: no name, no CHI number, no
   plan content, no id of a person.
4. **Record** (one short transaction): accepted (`sending`, Notify's id kept), a
   temporary failure (`failed`, tried again after 30 s, 60 s, 120 s... at most an hour,
   `CAREPLAN_NOTIFY_RETRY_SECONDS`), or a permanent one (Notify answered 400, or the
   tries ran out: `permanent-failure`), with an error code and never the provider's text;
   one `notification.send` audit record for the round.
5. **Check** (short transactions around GETs): accepted ones are asked of Notify once a
   minute for a week, until `delivered` or a failure (a temporary one is sent again).

A request only ever adds rows (`outbox.queue`): it never waits for any of this.
"""

from __future__ import annotations

import logging
import signal
import threading
import tomllib
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy import and_, insert, or_, select, update

from audit.actions import AuditAction
from audit.log import record
from careplan.accounts.models import AccountKind, User
from careplan.core import clock, unit_of_work
from careplan.extensions import db
from careplan.notifications import kinds, queries
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.models import (
    Channel,
    Choice,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationPreference,
)

log = logging.getLogger(__name__)
# The client's own warnings quote the provider's error text, which we do not control:
# only our error codes are logged (careplan.core.logs keeps personal data out of logs).
logging.getLogger("notifications_python_client").setLevel(logging.ERROR)

CLAIM = timedelta(minutes=5)
CHECK_EVERY = timedelta(minutes=1)
CHECK_FOR = timedelta(days=7)  # Notify keeps a message's status for seven days
MAX_BACKOFF_S = 3600
NOTIFICATIONS_PAGE = "/me/notifications"
# Notify's statuses (its API's "Get message status") as ours.
NOTIFY_STATUSES = {
    "delivered": DeliveryStatus.DELIVERED,
    "sent": DeliveryStatus.DELIVERED,  # an international text: no receipt comes
    "permanent-failure": DeliveryStatus.PERMANENT_FAILURE,
    "temporary-failure": DeliveryStatus.FAILED,
    "technical-failure": DeliveryStatus.FAILED,
}


class NotConfigured(RuntimeError):
    """The sender cannot start: a setting is missing or wrong (the message says which)."""


@dataclass(frozen=True)
class Outgoing:
    """One email or text to send: where to, with which template and personalisation."""

    delivery_id: uuid.UUID
    channel: Channel
    address: str | None
    template_id: str | None
    personalisation: dict[str, str]
    attempts: int  # this one included


@dataclass(frozen=True)
class Result:
    delivery_id: uuid.UUID
    attempts: int
    reference: str | None = None  # Notify's id: accepted
    error: str | None = None
    permanent: bool = False


@dataclass
class Counts:
    fanned_out: int = 0
    accepted: int = 0
    retrying: int = 0
    failed: int = 0
    delivered: int = 0
    checked: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.fanned_out or self.accepted or self.retrying or self.failed)


# --- Configuration ------------------------------------------------------------------------


def templates(config: dict[str, Any]) -> dict[Channel, dict[str, str]]:
    """Template ids from `CAREPLAN_NOTIFY_TEMPLATES_FILE` (TOML):

        [email]
        default = "<template id>"            # for every kind without its own
        "consent.withdrawn" = "<template id>"
        [sms]
        default = "<template id>"

    Each template shows `((message))` and `((link))`. Raises NotConfigured for a file that
    cannot be read, an unknown channel or kind, or an id that is not a UUID."""
    path = config.get("NOTIFY_TEMPLATES_FILE") or ""
    if not path:
        raise NotConfigured("Set CAREPLAN_NOTIFY_TEMPLATES_FILE to the Notify template ids.")
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NotConfigured(f"CAREPLAN_NOTIFY_TEMPLATES_FILE cannot be read: {exc}") from None
    known = {k.value for k in NotificationKind} | {"default"}
    found: dict[Channel, dict[str, str]] = {c: {} for c in Channel}
    for channel_name, table in data.items():
        if channel_name not in {c.value for c in Channel} or not isinstance(table, dict):
            raise NotConfigured(f"Templates: '{channel_name}' is not email or sms.")
        for kind, template_id in table.items():
            if kind not in known:
                raise NotConfigured(f"Templates: '{kind}' is not a kind of notification.")
            try:
                uuid.UUID(str(template_id))
            except ValueError:
                raise NotConfigured(
                    f"Templates: {channel_name}.{kind} is not a template id."
                ) from None
            found[Channel(channel_name)][kind] = str(template_id)
    return found


def template_for(table: dict[Channel, dict[str, str]], channel: Channel, kind: str) -> str | None:
    by_kind = table.get(channel, {})
    return by_kind.get(kind) or by_kind.get("default")


def client_factory(config: dict[str, Any]) -> Callable[[], NotificationsAPIClient]:
    """Makes a Notify client (one per thread: the client is not thread-safe)."""
    key = config.get("NOTIFY_API_KEY") or ""
    if len(key) < 74:
        raise NotConfigured(
            "Set CAREPLAN_NOTIFY_API_KEY to a GOV.UK Notify API key "
            "(name-serviceid-secret, as Notify gives it)."
        )
    base_url = config["NOTIFY_BASE_URL"]
    return lambda: NotificationsAPIClient(key, base_url=base_url, timeout=10)


# --- 1. Fan out ---------------------------------------------------------------------------


def fan_out(session: Any, now: datetime, limit: int) -> int:
    """Give up to `limit` waiting notifications their deliveries (see the module's step
    1); returns how many were handled. Flush only; rows are read and written in bulk
    (a sender makes thousands a minute)."""
    waiting = session.execute(
        select(Notification.id, Notification.recipient_user_id, Notification.recipient_agency_id)
        .where(Notification.expanded_at.is_(None))
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not waiting:
        return 0
    for_accounts = [(r.id, r.recipient_user_id) for r in waiting if r.recipient_user_id]
    for found in [r for r in waiting if r.recipient_agency_id is not None]:
        agency_row = session.get(Notification, found.id)
        for child in _for_agency_staff(session, agency_row, now):
            child.expanded_at = now
            for_accounts.append((child.id, child.recipient_user_id))
    user_ids = list({user_id for _, user_id in for_accounts})
    accounts = {
        row.id: row
        for row in session.execute(
            select(User.id, User.active, User.kind).where(User.id.in_(user_ids))
        )
    }
    choices = dict(
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.choice).where(
                NotificationPreference.user_id.in_(user_ids)
            )
        ).all()
    )
    made = []
    for notification_id, user_id in for_accounts:
        account = accounts.get(user_id)
        if account is None or not account.active:
            continue
        choice = choices.get(user_id) or queries.default_for(account.kind)
        if choice is Choice.IN_APP:
            continue
        made.append(
            {
                "id": uuid.uuid4(),
                "notification_id": notification_id,
                "channel": Channel.EMAIL if choice is Choice.EMAIL else Channel.SMS,
                "status": DeliveryStatus.QUEUED,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    if made:
        session.execute(insert(NotificationDelivery), made)
    session.execute(
        update(Notification)
        .where(Notification.id.in_([r.id for r in waiting]))
        .values(expanded_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return len(waiting)


def _accounts(session: Any, ids: set[Any]) -> dict[Any, User]:
    ids.discard(None)
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(ids))))}


def _for_agency_staff(session: Any, row: Notification, now: datetime) -> list[Notification]:
    """The agency's active staff holding the kind's role now, less the actor: one
    notification each, made now (so in their in-app list from this moment)."""
    role = kinds.RULES[row.kind].agency_role
    staff = session.scalars(
        select(User).where(
            User.agency_id == row.recipient_agency_id,
            User.kind == AccountKind.STAFF,
            User.active.is_(True),
        )
    )
    made = []
    for user in staff:
        if role is None or not user.has_role(role) or user.id == row.actor_id:
            continue
        child = Notification(
            kind=row.kind,
            recipient_user_id=user.id,
            link=row.link,
            parent_id=row.id,
            actor_id=row.actor_id,
            created_at=row.created_at,
            count=row.count,
        )
        session.add(child)
        made.append(child)
    session.flush()
    return made


# --- 2. Claim -----------------------------------------------------------------------------


def claim(
    session: Any, now: datetime, limit: int, table: dict[Channel, dict[str, str]], public_url: str
) -> list[Outgoing]:
    """Claim up to `limit` due deliveries (see the module's step 2) and say what to send
    for each. Flush only."""
    due = or_(
        and_(
            NotificationDelivery.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.FAILED]),
            NotificationDelivery.next_attempt_at <= now,
        ),
        and_(
            NotificationDelivery.status == DeliveryStatus.SENDING,
            NotificationDelivery.provider_reference.is_(None),
            NotificationDelivery.claimed_until < now,
        ),
    )
    rows = session.execute(
        select(
            NotificationDelivery.id,
            NotificationDelivery.channel,
            NotificationDelivery.attempts,
            Notification.kind,
            Notification.count,
            Notification.recipient_user_id,
        )
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .where(due)
        .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=NotificationDelivery)
    ).all()
    if not rows:
        return []
    session.execute(
        update(NotificationDelivery)
        .where(NotificationDelivery.id.in_([r.id for r in rows]))
        .values(
            status=DeliveryStatus.SENDING,
            claimed_until=now + CLAIM,
            attempts=NotificationDelivery.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    users = {
        u.id: u
        for u in session.execute(
            select(User.id, User.active, User.email, User.phone).where(
                User.id.in_(list({r.recipient_user_id for r in rows}))
            )
        )
    }
    link = public_url.rstrip("/") + NOTIFICATIONS_PAGE
    outgoing = []
    for row in rows:
        user = users.get(row.recipient_user_id)
        address = None
        if user is not None and user.active:
            address = user.email if row.channel is Channel.EMAIL else user.phone
        outgoing.append(
            Outgoing(
                delivery_id=row.id,
                channel=row.channel,
                address=address,
                template_id=template_for(table, row.channel, row.kind.value),
                personalisation={"message": kinds.sentence(row.kind, row.count), "link": link},
                attempts=row.attempts + 1,
            )
        )
    session.flush()
    return outgoing


# --- 3. Send ------------------------------------------------------------------------------


def send_one(client: NotificationsAPIClient, item: Outgoing) -> Result:
    """POST one email or text to Notify; never raises."""
    if item.address is None:
        code = "no_phone" if item.channel is Channel.SMS else "no_recipient"
        return Result(item.delivery_id, item.attempts, error=code, permanent=True)
    if item.template_id is None:
        return Result(item.delivery_id, item.attempts, error="no_template")
    try:
        if item.channel is Channel.EMAIL:
            answer = client.send_email_notification(
                item.address, item.template_id, item.personalisation, str(item.delivery_id)
            )
        else:
            answer = client.send_sms_notification(
                item.address, item.template_id, item.personalisation, str(item.delivery_id)
            )
    except APIError as exc:
        refused = exc.status_code == 400
        return Result(item.delivery_id, item.attempts, error=error_code(exc), permanent=refused)
    except Exception as exc:  # a fault of ours or the network's: tried again
        return Result(item.delivery_id, item.attempts, error=f"error:{type(exc).__name__}"[:80])
    reference = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(reference, str) or not reference:
        return Result(item.delivery_id, item.attempts, error="invalid_response")
    return Result(item.delivery_id, item.attempts, reference=reference[:64])


def error_code(exc: APIError) -> str:
    """`http_<status>` and Notify's error class (`BadRequestError`): never its message."""
    name = ""
    try:
        body = exc.response.json()  # type: ignore[union-attr]
        first = (body.get("errors") or [{}])[0]
        candidate = str(first.get("error", ""))
        name = candidate if candidate.isalpha() and len(candidate) <= 40 else ""
    except (AttributeError, TypeError, ValueError, IndexError, KeyError):
        name = ""
    return f"http_{exc.status_code}" + (f":{name}" if name else "")


class Pool:
    """Threads that each hold a Notify client (connections kept open between sends)."""

    def __init__(self, make_client: Callable[[], NotificationsAPIClient], threads: int) -> None:
        self._make = make_client
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="notify")

    def _client(self) -> NotificationsAPIClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._make()
        return client

    def send(self, items: list[Outgoing]) -> list[Result]:
        return list(self._executor.map(lambda item: send_one(self._client(), item), items))

    def status(self, references: list[tuple[uuid.UUID, str]]) -> list[tuple[uuid.UUID, str | None]]:
        def ask(pair: tuple[uuid.UUID, str]) -> tuple[uuid.UUID, str | None]:
            try:
                answer = self._client().get_notification_by_id(pair[1])
            except Exception:  # asked again next time
                return pair[0], None
            status = answer.get("status") if isinstance(answer, dict) else None
            return pair[0], status if isinstance(status, str) else None

        return list(self._executor.map(ask, references))

    def close(self) -> None:
        self._executor.shutdown(wait=True)


# --- 4. Record ----------------------------------------------------------------------------


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """The wait before try `attempts + 1`: base, then twice as long each time, at most an
    hour."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_S))


def settle(
    session: Any, results: list[Result], now: datetime, max_attempts: int, base_seconds: int
) -> Counts:
    """Record each result (see the module's step 4), in one bulk update. Flush only."""
    counts = Counts()
    changes = []
    for result in results:
        change = {
            "id": result.delivery_id,
            "status": DeliveryStatus.SENDING,
            "provider_reference": result.reference,
            "sent_at": None,
            "last_error_code": None,
            "next_attempt_at": now,
            "claimed_until": None,
            "updated_at": now,
        }
        if result.reference is not None:
            change["sent_at"] = now
            counts.accepted += 1
        else:
            change["last_error_code"] = (result.error or "error")[:80]
            if result.permanent or result.attempts >= max_attempts:
                change["status"] = DeliveryStatus.PERMANENT_FAILURE
                counts.failed += 1
            else:
                change["status"] = DeliveryStatus.FAILED
                change["next_attempt_at"] = now + backoff(result.attempts, base_seconds)
                counts.retrying += 1
        changes.append(change)
    if changes:
        session.execute(update(NotificationDelivery), changes)
    session.flush()
    return counts


def _failed(
    row: NotificationDelivery,
    code: str,
    permanent: bool,
    now: datetime,
    max_attempts: int,
    base_seconds: int,
) -> None:
    row.last_error_code = code[:80]
    if permanent or row.attempts >= max_attempts:
        row.status = DeliveryStatus.PERMANENT_FAILURE
        return
    row.status = DeliveryStatus.FAILED
    row.provider_reference = None
    row.next_attempt_at = now + backoff(row.attempts, base_seconds)


# --- 5. Check -----------------------------------------------------------------------------


def to_check(session: Any, now: datetime, limit: int) -> list[tuple[uuid.UUID, str]]:
    rows = session.execute(
        select(NotificationDelivery.id, NotificationDelivery.provider_reference)
        .where(
            NotificationDelivery.status == DeliveryStatus.SENDING,
            NotificationDelivery.provider_reference.is_not(None),
            NotificationDelivery.updated_at <= now - CHECK_EVERY,
            NotificationDelivery.sent_at >= now - CHECK_FOR,
        )
        .order_by(NotificationDelivery.updated_at)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]


def record_statuses(
    session: Any,
    answers: list[tuple[uuid.UUID, str | None]],
    now: datetime,
    max_attempts: int,
    base_seconds: int,
) -> Counts:
    counts = Counts()
    for delivery_id, status in answers:
        row = session.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.id == delivery_id)
            .with_for_update(skip_locked=True, of=NotificationDelivery)
        ).one_or_none()
        if row is None or row.status is not DeliveryStatus.SENDING:
            continue
        counts.checked += 1
        row.updated_at = now
        ours = NOTIFY_STATUSES.get(status or "")
        if ours is DeliveryStatus.DELIVERED:
            row.status = DeliveryStatus.DELIVERED
            row.delivered_at = now
            counts.delivered += 1
        elif ours is DeliveryStatus.PERMANENT_FAILURE:
            row.status = DeliveryStatus.PERMANENT_FAILURE
            row.last_error_code = "notify:permanent-failure"
            counts.failed += 1
        elif ours is DeliveryStatus.FAILED:
            _failed(row, f"notify:{status}", False, now, max_attempts, base_seconds)
            counts.retrying += 1
    session.flush()
    return counts


# --- The job ------------------------------------------------------------------------------


class Sender:
    """One sender process: `round()` does steps 1 to 5 once; `run()` repeats them."""

    def __init__(
        self, app: Flask, make_client: Callable[[], NotificationsAPIClient] | None = None
    ) -> None:
        config = app.config
        self.app = app
        self.table = templates(config)
        self.pool = Pool(make_client or client_factory(config), config["NOTIFY_THREADS"])
        self.batch = config["NOTIFY_BATCH"]
        self.max_attempts = config["NOTIFY_MAX_ATTEMPTS"]
        self.retry_seconds = config["NOTIFY_RETRY_SECONDS"]
        self.public_url = config["PUBLIC_URL"]
        self.stopping = threading.Event()

    def round(self) -> Counts:
        """One round of the five steps; each step's changes commit on their own."""
        counts = Counts()
        with unit_of_work.job("notifications-fan-out"):
            counts.fanned_out = fan_out(db.session, clock.now(), self.batch)
        with unit_of_work.job("notifications-claim"):
            outgoing = claim(db.session, clock.now(), self.batch, self.table, self.public_url)
        if outgoing:
            results = self.pool.send(outgoing)
            with unit_of_work.job("notifications-send"):
                sent = settle(
                    db.session, results, clock.now(), self.max_attempts, self.retry_seconds
                )
                record(
                    AuditAction.NOTIFICATION_SEND,
                    user=None,
                    details={
                        "accepted": sent.accepted,
                        "retrying": sent.retrying,
                        "permanent_failure": sent.failed,
                    },
                )
            counts.accepted, counts.retrying, counts.failed = (
                sent.accepted,
                sent.retrying,
                sent.failed,
            )
        with unit_of_work.job("notifications-check"):
            references = to_check(db.session, clock.now(), self.batch)
        if references:
            answers = self.pool.status(references)
            with unit_of_work.job("notifications-check"):
                checked = record_statuses(
                    db.session, answers, clock.now(), self.max_attempts, self.retry_seconds
                )
            counts.delivered, counts.checked = checked.delivered, checked.checked
            counts.failed += checked.failed
            counts.retrying += checked.retrying
        return counts

    def run(self, *, once: bool = False, daily: Callable[[], Any] | None = None) -> Counts:
        """Rounds until stopped (SIGTERM or SIGINT: after the round under way), or one
        round if `once`. `daily`: run at start and at each new day in Scotland (the
        consent-ending notices, idempotent). Returns the last round's counts."""
        last_day = None
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: self.stopping.set())
        try:
            while True:
                try:
                    today = clock.today()
                    if daily is not None and today != last_day:
                        daily()
                        last_day = today
                    counts = self.round()
                except Exception as exc:  # the database or Notify away: the next round retries
                    if once:
                        raise
                    log.error("notifications: round failed: %s", type(exc).__name__)
                    db.session.rollback()
                    self.stopping.wait(current_app.config["NOTIFY_POLL_SECONDS"] or 1)
                    if self.stopping.is_set():
                        return Counts()
                    continue
                if counts.busy:
                    log.info(
                        "notifications: %d fanned out, %d accepted, %d retrying, %d failed, "
                        "%d delivered",
                        counts.fanned_out,
                        counts.accepted,
                        counts.retrying,
                        counts.failed,
                        counts.delivered,
                    )
                if once or self.stopping.is_set():
                    return counts
                if not counts.busy:
                    self.stopping.wait(current_app.config["NOTIFY_POLL_SECONDS"])
                    if self.stopping.is_set():
                        return counts
        finally:
            self.pool.close()
