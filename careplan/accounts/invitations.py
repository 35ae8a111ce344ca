"""Invitation codes: how an account is first used. A key worker invites the person they
support, an administrator invites staff; the code is shown once, kept only as a SHA-256,
expires, and is spent when a password is chosen or an identity linked with it.

A code is read out over the phone, so (issue 17) it is 16 characters of Crockford's base32
(https://www.crockford.com/base32.html: digits and capitals without I, L, O and U) shown
in four groups, `K7M2-9QXR-3HDA-PW4T`, and typed in any case, with or without the spaces
and hyphens; the look-alikes I and L are read as 1 and O as 0. 16 characters of 32 are
80 bits from the operating system's random source (`secrets`): with a guess allowed only
every few seconds after 3 wrong ones and 10 per 30 minutes from one address
(careplan.identity.throttle: SIGNIN_SLOW_AFTER, SIGNIN_LOCK_AFTER, SIGNIN_LOCK_MINUTES,
and 100 an hour from any one address), even ten thousand outstanding codes leave a guess
a chance below 1 in 10^20. Our own few lines rather than a package: the alphabet is the
whole of it, and the one package on PyPI for it has not been released since 2016.
"""

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
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
LENGTH = 16  # characters: 80 bits
GROUP = 4
# What people type for what they were told: Crockford's decoding of look-alikes.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def normal(code: str) -> str:
    """The code as issued, from what was typed: capitals, look-alikes read as the digits
    they look like, spaces and hyphens dropped (" k7m2 9qxr-3hda-pw4t " -> "K7M29QXR3HDAPW4T")."""
    return "".join(code.split()).replace("-", "").upper().translate(_READ_AS)


def grouped(code: str) -> str:
    """The code as shown and read out: groups of four joined by hyphens."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def digest_of(code: str) -> str:
    """How a code is stored, from the code as typed or shown (the demo's fixed code)."""
    return _digest(normal(code))


def _digests(typed: str) -> list[str]:
    """The hashes a typed code may be stored under: this scheme's, and a code issued before
    it (32 case-sensitive characters) while those are still outstanding."""
    return list({_digest(normal(typed)), _digest("".join(typed.split()))})


def issue(user: User) -> str:
    """A new code for `user`, replacing any earlier one (which stops working), valid for
    LIFETIME; returned grouped, to be shown once."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    user.invite_hash = _digest(code)
    user.invite_expires_at = clock.now() + LIFETIME
    return grouped(code)


def find(session: Session, code: str) -> User | None:
    """The active account this unexpired code was issued to, or None."""
    if not code or len(code) > 100:
        return None
    user = session.scalars(select(User).where(User.invite_hash.in_(_digests(code)))).one_or_none()
    if user is None or not user.active:
        return None
    if user.invite_expires_at is None or user.invite_expires_at <= clock.now():
        return None
    return user


def waiting(user: User) -> bool:
    """Invited and not yet signed in: a code was issued and no password or identity has
    spent it (expired or not)."""
    return user.invite_hash is not None


def spend(user: User) -> None:
    user.invite_hash = None
    user.invite_expires_at = None


def accept(user: User, password: str) -> None:
    """The person chose their password (already checked against the rules)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = clock.now()
    spend(user)
