"""Creating and deactivating staff accounts (administration)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.access.subject import Role
from careplan.accounts import tokens
from careplan.accounts.models import AccountKind, User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import BadRequest, Conflict
from careplan.identity import sessions


def _email_free(session: Session, email: str) -> None:
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(
            "An account with this email exists.",
            fields={
                "email": [
                    "An account with this email address already exists: find it in the staff "
                    "list, or enter a different email address"
                ]
            },
        )


def create_staff(session: Session, data: dict[str, Any]) -> User:
    _email_free(session, data["email"])
    if data["agency_id"] is None:
        if data["roles"] != [Role.ADMIN.value]:
            raise BadRequest(
                fields={
                    "agency_id": ["Choose their organisation: only an administrator may have none"]
                }
            )
    elif session.get(Agency, data["agency_id"]) is None:
        raise BadRequest(fields={"agency_id": ["Choose their organisation from the list"]})
    user = User(kind=AccountKind.STAFF, **data)
    session.add(user)
    session.flush()
    return user


def deactivate(session: Session, user: User) -> None:
    """From the next request on, the account's tokens and sessions are refused."""
    if not user.active:
        raise Conflict("This account is already deactivated.")
    user.active = False
    user.deactivated_at = clock.now()
    tokens.revoke_all(session, user)

    sessions.end_all(user.id, "deactivated")
    session.flush()
