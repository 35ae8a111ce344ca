"""The second factor: TOTP (RFC 6238, 30-second steps, six digits) and recovery codes.

A code is accepted for the current step or one step either side (clock drift), and never
for a step at or before the last one accepted (no replay). Recovery codes are random,
shown once, stored as SHA-256 and each used once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select

from careplan.access import sources
from careplan.access.subject import Role
from careplan.accounts.models import User
from careplan.core import clock
from careplan.extensions import db
from careplan.identity import throttle
from careplan.identity.models import RecoveryCode

ISSUER = "Shared care plan"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)


def required_for(user: User) -> bool:
    """IG officers, administrators and anyone who is a key worker must use one."""
    if user.has_role(Role.IG_OFFICER) or user.has_role(Role.ADMIN):
        return True
    if not user.is_staff:
        return False
    return sources.loader().is_key_worker(user)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _step(at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).timestamp()) // 30


def _matching_step(secret: str, code: str) -> int | None:
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now()
    for offset in (0, -1, 1):
        step = _step(now) + offset
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def matches(secret: str, code: str) -> bool:
    """Whether `code` is the current code for `secret` (a new app, before it is kept)."""
    return _matching_step(secret, code) is not None


def confirm_enrolment(user: User, secret: str, code: str) -> bool:
    """The first code from the person's app proves it holds the secret."""
    step = _matching_step(secret, code)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_confirmed_at = clock.now()
    user.totp_last_step = step
    return True


def verify(user: User, code: str) -> bool:
    if not user.has_second_factor:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def looks_like_recovery_code(code: str) -> bool:
    """Recovery codes are ten letters and digits (shown as two groups of five)."""
    return "-" in code or len(code.replace(" ", "")) == 10


def check_code(user: User, code: str) -> str | None:
    """A code from the account's authenticator app, or one of its unused recovery codes:
    "totp" or "recovery_code" for the one accepted (used up: never accepted again), or
    None. The caller counts a None against the account (careplan.identity.throttle)."""
    code = code.strip()
    if looks_like_recovery_code(code):
        return "recovery_code" if use_recovery_code(user, code) else None
    return "totp" if verify(user, code) else None


def _digest(code: str) -> str:
    normal = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(normal.encode()).hexdigest()


def issue_recovery_codes(user: User) -> list[str]:
    """Fresh codes (the old ones stop working); shown to the person once."""
    now = clock.now()
    for old in db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ):
        old.used_at = now
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_digest(codes[-1])))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    if len(code) > 40:
        return False
    row = db.session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _digest(code),
            RecoveryCode.used_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        return False
    row.used_at = clock.now()
    return True


def recovery_codes_left(user: User) -> int:
    rows = db.session.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    return len(rows)


def reset(user: User) -> None:
    """An administrator resets a lost second factor: the person enrols again at sign-in."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    throttle.clear_second_factor(user.id)  # a new app starts with no wrong codes
    now = clock.now()
    for old in db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ):
        old.used_at = now
