"""Invitation codes: how an account is first used. A key worker invites the person they
support, an administrator invites staff; the code is shown once, kept only as a SHA-256,
expires, and is spent when a password is chosen or an identity linked with it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.accounts.passwords import hash_password
from careplan.core import clock

LIFETIME = timedelta(days=14)


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.split()).encode()).hexdigest()


def issue(user: User) -> str:
    code = secrets.token_urlsafe(24)
    user.invite_hash = _digest(code)
    user.invite_expires_at = clock.now() + LIFETIME
    return code


def find(session: Session, code: str) -> User | None:
    """The active account this unexpired code was issued to, or None."""
    if not code or len(code) > 100:
        return None
    user = session.scalars(select(User).where(User.invite_hash == _digest(code))).one_or_none()
    if user is None or not user.active:
        return None
    if user.invite_expires_at is None or user.invite_expires_at <= clock.now():
        return None
    return user


def spend(user: User) -> None:
    user.invite_hash = None
    user.invite_expires_at = None


def accept(user: User, password: str) -> None:
    """The person chose their password (already checked against the rules)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = clock.now()
    spend(user)
