"""Creating and deactivating accounts, and inviting individuals to sign in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.access.subject import Role
from careplan.accounts import invitations, tokens
from careplan.accounts.models import AccountKind, User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import BadRequest, Conflict
from careplan.people.models import Person


def _email_free(session: Session, email: str) -> None:
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("An account with this email exists.", fields={"email": ["Already used."]})


def create_staff(session: Session, data: dict[str, Any]) -> User:
    _email_free(session, data["email"])
    if data["agency_id"] is None:
        if data["roles"] != [Role.ADMIN.value]:
            raise BadRequest(fields={"agency_id": ["Only an administrator may have no agency."]})
    elif session.get(Agency, data["agency_id"]) is None:
        raise BadRequest(fields={"agency_id": ["No such agency."]})
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
    from careplan.identity import sessions

    sessions.end_all(user.id, "deactivated")
    session.flush()


def invite_individual(session: Session, person: Person, email: str) -> tuple[User, str]:
    """An account for the person themselves and a one-time invitation code (shown once)."""
    if session.scalar(select(User.id).where(User.person_id == person.id)):
        raise Conflict("This person already has an account.")
    _email_free(session, email)
    user = User(
        kind=AccountKind.INDIVIDUAL,
        email=email,
        name=person.display_name,
        person_id=person.id,
        roles=[],
    )
    code = invitations.issue(user)
    session.add(user)
    session.flush()
    return user, code
