"""Sign-in state kept on the server: sessions, sign-in flows, linked identities,
recovery codes and failure counters. Cookies carry only random keys; rows keep hashes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.accounts.models import User
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db


class Stage(enum.StrEnum):
    """How far a browser has got. Only SIGNED_IN reaches personal data."""

    SECOND_FACTOR = "second_factor"  # password accepted, code still to give
    ENROL = "enrol"  # password accepted, must set up a second factor first
    LINK = "link"  # citizen identity accepted, invitation code still to give
    SIGNED_IN = "signed_in"


class WebSession(db.Model):
    __tablename__ = "web_session"

    id: Mapped[uuid.UUID] = uuid_pk()
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "session_stage"))
    method: Mapped[str] = mapped_column(String(60))  # "password" or "oidc:<provider>"
    csrf_secret: Mapped[str] = mapped_column(String(64))
    # A citizen identity waiting for its invitation code (stage LINK only).
    pending_provider: Mapped[str | None] = mapped_column(String(60))
    pending_subject: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = now_column()
    last_seen_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the absolute limit
    reauth_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(30))

    user: Mapped[User | None] = relationship(lazy="joined")


class SignInFlow(db.Model):
    """One OpenID Connect authorisation request: used once, within minutes, by the
    browser that started it (its cookie carries the same random state)."""

    __tablename__ = "sign_in_flow"

    id: Mapped[uuid.UUID] = uuid_pk()
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(60))
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_path: Mapped[str] = mapped_column(String(500), default="/")
    purpose: Mapped[str] = mapped_column(String(20), default="sign_in")  # or "confirm"
    created_at: Mapped[datetime] = now_column()
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class IdentityLink(db.Model):
    """An account's identity at a provider (issuer's subject). Staff links are made by
    matching a pre-provisioned account; individuals' by their key worker's invitation."""

    __tablename__ = "identity_link"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_identity_link_subject"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    provider: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = now_column()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class RecoveryCode(db.Model):
    __tablename__ = "recovery_code"

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = now_column()
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class SignInThrottle(db.Model):
    """Failed sign-ins for one key: an account identifier (hashed, whether or not an
    account has it, so the answers never differ) or a client address."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = now_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
