"""Which account an identity from a provider belongs to. Staff are matched to accounts
an administrator made (by a linked subject, or by a verified email the first time);
individuals only by a link their key worker's invitation made. Nobody is created here."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select

from careplan.accounts.models import AccountKind, User
from careplan.core import clock
from careplan.extensions import db
from careplan.identity.models import IdentityLink
from careplan.identity.providers import Provider


def subject_tag(provider: Provider, subject: str) -> str:
    """How an unknown identity is named in the audit log: not the subject itself."""
    return hashlib.sha256(f"{provider.name}:{subject}".encode()).hexdigest()[:32]


def linked(provider: Provider, subject: str) -> User | None:
    link = db.session.scalars(
        select(IdentityLink).where(
            IdentityLink.provider == provider.name, IdentityLink.subject == subject
        )
    ).one_or_none()
    if link is None:
        return None
    link.last_used_at = clock.now()
    return db.session.get(User, link.user_id)


def match(provider: Provider, claims: dict[str, Any]) -> User | None:
    """The active account for these verified claims, or None (refused, never created)."""
    subject = str(claims["sub"])
    user = linked(provider, subject)
    wanted = AccountKind.STAFF if provider.accounts == "staff" else AccountKind.INDIVIDUAL
    if user is None and provider.accounts == "staff" and provider.match == "email":
        user = _by_verified_email(provider, claims)
        if user is not None:
            db.session.add(
                IdentityLink(
                    provider=provider.name,
                    subject=subject,
                    user_id=user.id,
                    last_used_at=clock.now(),
                )
            )
    if user is None or user.kind is not wanted or not user.active:
        return None
    return user


def _by_verified_email(provider: Provider, claims: dict[str, Any]) -> User | None:
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        return None
    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).one_or_none()
    if user is None or user.kind is not AccountKind.STAFF:
        return None
    # An account already linked to another identity at this provider is not re-linked by
    # email: that would let a changed email at the provider take over the account.
    other = db.session.scalar(
        select(IdentityLink.id).where(
            IdentityLink.provider == provider.name, IdentityLink.user_id == user.id
        )
    )
    return None if other is not None else user


def link_individual(provider: Provider, subject: str, user: User) -> None:
    db.session.add(
        IdentityLink(
            provider=provider.name, subject=subject, user_id=user.id, last_used_at=clock.now()
        )
    )
