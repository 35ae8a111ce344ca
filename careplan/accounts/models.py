"""Accounts: staff (in one agency, with roles) and individuals (linked to their person)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.access.subject import Role
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db
from careplan.protection.sealed import sealed

if TYPE_CHECKING:
    from careplan.agencies.models import Agency


class AccountKind(enum.StrEnum):
    STAFF = "staff"
    INDIVIDUAL = "individual"
    # A family member, carer or advocate the person chose to show parts of their plan
    # (issue 20): never staff, no roles, no agency; reaches a person only through their
    # `careplan.supporters.models.Supporter` record.
    SUPPORTER = "supporter"


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, "account_kind"))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # A mobile number for notifications by text (E.164, +447700900123), if they gave one.
    phone: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # How colleagues reach a member of staff at work (issue 17: "no way to reach anyone"):
    # a work phone, a work email when it is not the sign-in one (a team inbox), and when
    # they work ("Monday to Thursday, 9am to 5pm"). Shown on plan and care-team pages.
    work_phone: Mapped[str | None] = mapped_column(String(30))
    work_email: Mapped[str | None] = mapped_column(String(254))
    working_pattern: Mapped[str | None] = mapped_column(String(200))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The second factor: a TOTP secret (RFC 6238), sealed at rest like plan content.
    _totp_secret: Mapped[str | None] = mapped_column("totp_secret", Text)
    totp_secret = sealed("totp_secret", "credential")
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The last time step accepted: a code is never accepted twice (RFC 6238 section 5.2).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # An individual's invitation to sign in: only its hash is kept, and it expires.
    invite_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = now_column()

    agency: Mapped[Agency | None] = relationship(lazy="joined")

    def has_role(self, role: Role) -> bool:
        return self.kind is AccountKind.STAFF and role.value in (self.roles or [])

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None and self._totp_secret is not None

    @property
    def contact_email(self) -> str:
        """Where colleagues write to them: the work email, else the sign-in address."""
        return self.work_email or self.email

    @property
    def is_staff(self) -> bool:
        return self.kind is AccountKind.STAFF

    @property
    def is_individual(self) -> bool:
        return self.kind is AccountKind.INDIVIDUAL

    @property
    def is_supporter(self) -> bool:
        return self.kind is AccountKind.SUPPORTER

    @property
    def primary_role(self) -> str:
        """The role written into audit records: the most privileged one held."""
        if self.is_individual:
            return "individual"
        if self.is_supporter:
            return "supporter"
        for role in (Role.ADMIN, Role.IG_OFFICER, Role.PRACTITIONER):
            if self.has_role(role):
                return role.value
        return "none"


class AccessToken(db.Model):
    """A personal access token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "access_token"

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")
