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


def _organisation_fits(session: Session, data: dict[str, Any]) -> None:
    """Only an administrator may belong to no organisation; a named one must exist."""
    if data["agency_id"] is None:
        if data["roles"] != [Role.ADMIN.value]:
            raise BadRequest(
                fields={
                    "agency_id": ["Choose their organisation: only an administrator may have none"]
                }
            )
    elif session.get(Agency, data["agency_id"]) is None:
        raise BadRequest(fields={"agency_id": ["Choose their organisation from the list"]})


def create_staff(session: Session, data: dict[str, Any]) -> User:
    _email_free(session, data["email"])
    _organisation_fits(session, data)
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


def change_staff(session: Session, user: User, data: dict[str, Any], open_plans: int) -> None:
    """New roles and organisation (`data`: agency_id, roles). BadRequest for an
    organisation that does not fit the roles; Conflict (409) while the account is key
    worker for `open_plans` plans, for a move to another organisation or for taking away
    the practitioner role (a key worker is a practitioner of the lead agency: their people
    are handed over first, so no plan is left with a key worker who cannot act, issue 22)."""
    _organisation_fits(session, data)
    held = f"{user.name} is key worker for {open_plans} {'person' if open_plans == 1 else 'people'}"
    if data["agency_id"] != user.agency_id and open_plans:
        raise Conflict(
            "This account is key worker for people in its organisation.",
            fields={
                "agency_id": [
                    f"{held}: hand them over to a colleague before moving them to another "
                    "organisation"
                ]
            },
        )
    if "practitioner" not in data["roles"] and "practitioner" in user.roles and open_plans:
        raise Conflict(
            "This account is key worker for people and needs the practitioner role.",
            fields={
                "roles": [
                    f"{held}: hand them over to a colleague before taking away the "
                    "practitioner role"
                ]
            },
        )
    user.agency_id = data["agency_id"]
    user.roles = sorted(set(data["roles"]))
    session.flush()


def reactivate(session: Session, user: User) -> None:
    """A deactivated account may sign in again (with its own password and authenticator
    app; its tokens stay revoked). Conflict (409) for one already active."""
    if user.active:
        raise Conflict("This account is already active.")
    user.active = True
    user.deactivated_at = None
    session.flush()
