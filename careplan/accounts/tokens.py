"""Personal access tokens: random, shown once, stored only as a SHA-256, scoped, expiring,
revocable. Scope "read" allows GET only; "write" allows everything the account may do."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from careplan.accounts.models import AccessToken, User
from careplan.agencies.models import Agency
from careplan.core import attached, clock, database
from careplan.core.prepared import Prepared

PREFIX = "cpat_"
SCOPES = ("read", "write")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(
    session: Session,
    user: User,
    lifetime: timedelta,
    label: str = "",
    scopes: Sequence[str] = SCOPES,
) -> str:
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError("scopes are read and write")
    raw = PREFIX + secrets.token_urlsafe(32)
    session.add(
        AccessToken(
            user_id=user.id,
            token_hash=_digest(raw),
            label=label,
            scopes=sorted(set(scopes)),
            expires_at=clock.now() + lifetime,
        )
    )
    session.flush()
    return raw


@dataclass(frozen=True)
class Presented:
    """A usable token as an API request needs it: its id and scopes, and its account."""

    id: uuid.UUID
    scopes: list[str]
    user: User


def authenticate(session: Session, raw: str) -> Presented | None:
    """The usable token (known, unexpired, unrevoked, its account active), or None; in
    one prepared statement (every API request runs it):
    the token, its account and the account's agency, the account put in `session` as if
    the session had loaded it. On SQLite the statement runs before the request's
    transaction starts; on PostgreSQL, which locks only what a request writes, in it."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    params = {"token_hash": _digest(raw)}
    if database.holds_write_lock_from_begin():
        # SQLite: read before the request's transaction, which holds the write lock.
        with database.reading() as connection:
            row = _presented().first(connection, params)
    else:
        row = _presented().first(session, params)
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        return None
    if not row.user_active:
        return None
    agency = None
    if row.user_agency_id is not None:
        agency = attached.attach(session, Agency, attached.columns_of(row, Agency, "agency_"))
    user = attached.attach(
        session, User, attached.columns_of(row, User, "user_"), {"agency": agency}
    )
    return Presented(row.id, list(row.scopes or []), user)


@functools.cache
def _presented() -> Prepared:
    token, user, agency = AccessToken.__table__, User.__table__, Agency.__table__
    return Prepared(
        select(
            token.c.id,
            token.c.scopes,
            token.c.expires_at,
            token.c.revoked_at,
            *(column.label(f"user_{column.name}") for column in user.c),
            *(column.label(f"agency_{column.name}") for column in agency.c),
        )
        .select_from(token.join(user, user.c.id == token.c.user_id))
        .outerjoin(agency, agency.c.id == user.c.agency_id)
        .where(token.c.token_hash == bindparam("token_hash"))
    )


def resolve(session: Session, raw: str) -> User | None:
    """The active user a token belongs to, or None (unknown, expired, revoked, deactivated)."""
    token = authenticate(session, raw)
    return token.user if token is not None else None


def allows(token: AccessToken | Presented, method: str) -> bool:
    return method in ("GET", "HEAD") or "write" in (token.scopes or [])


def active_for(session: Session, user: User) -> list[AccessToken]:
    return list(
        session.scalars(
            select(AccessToken)
            .where(
                AccessToken.user_id == user.id,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > clock.now(),
            )
            .order_by(AccessToken.created_at.desc())
        )
    )


def revoke(session: Session, user: User, token_id: uuid.UUID) -> AccessToken | None:
    """Revoke one of the user's own tokens; None when it is not theirs or already gone."""
    token = session.get(AccessToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return None
    token.revoked_at = clock.now()
    return token


def revoke_all(session: Session, user: User) -> int:
    """Revoke every token of the account not yet revoked (deactivation, signing out
    everywhere); returns how many were revoked."""
    now = clock.now()
    count = 0
    for token in session.scalars(
        select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    ):
        token.revoked_at = now
        count += 1
    return count


def parse_lifetime(text: str) -> timedelta:
    """'30m', '1h', '7d' -> timedelta; bad input raises ValueError with a plain message."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError("use a number and a unit: 30m, 1h or 7d")
    amount = int(text[:-1])
    if amount <= 0 or timedelta(**{units[text[-1]]: amount}) > timedelta(days=365):
        raise ValueError("a token lasts between one minute and a year")
    return timedelta(**{units[text[-1]]: amount})
