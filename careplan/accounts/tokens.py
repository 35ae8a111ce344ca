"""Personal access tokens: random, shown once, stored only as a SHA-256, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.accounts.models import AccessToken, User
from careplan.core import clock

PREFIX = "cpat_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(session: Session, user: User, lifetime: timedelta, label: str = "") -> str:
    raw = PREFIX + secrets.token_urlsafe(32)
    session.add(
        AccessToken(
            user_id=user.id, token_hash=_digest(raw), label=label, expires_at=clock.now() + lifetime
        )
    )
    session.flush()
    return raw


def resolve(session: Session, raw: str) -> User | None:
    """The active user a token belongs to, or None (unknown, expired, revoked, deactivated)."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = session.scalars(
        select(AccessToken).where(AccessToken.token_hash == _digest(raw))
    ).one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= clock.now():
        return None
    user = token.user
    return user if user.active else None


def revoke_all(session: Session, user: User) -> None:
    now = clock.now()
    for token in session.scalars(
        select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    ):
        token.revoked_at = now


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
