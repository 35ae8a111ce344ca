"""Mutations and searches on people. They flush; the request commits once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from careplan.access import sources
from careplan.accounts import invitations
from careplan.accounts.models import AccountKind, User
from careplan.core.errors import Conflict
from careplan.people.chi import chi_problem, normalise_chi
from careplan.people.models import Person

SEARCH_LIMIT = 50


def register(session: Session, data: dict[str, Any], by: User) -> Person:
    if data.get("chi") and session.scalar(select(Person.id).where(Person.chi == data["chi"])):
        raise Conflict(
            "A person with this CHI number is already registered. "
            "Use Find a person to look them up.",
            fields={"chi": ["Already registered."]},
        )
    person = Person(**data, created_by_id=by.id)
    session.add(person)
    session.flush()
    return person


def search(session: Session, user: User, q: str) -> list[Person]:
    """Candidates matching `q` by name, date of birth (YYYY-MM-DD) or CHI."""
    # Only people the caller may see something of: the candidates come from the access
    # context's sources (consent.visibility), and the policy then decides each.
    query = select(Person).where(sources.loader().candidates(user))
    q = q.strip()
    if q:
        query = query.where(_matches(q))
    query = query.order_by(Person.family_name, Person.given_name, Person.id).limit(SEARCH_LIMIT)
    return list(session.scalars(query))


def _matches(q: str) -> Any:
    digits = q.replace(" ", "")
    if digits.isdigit() and len(digits) == 10:
        return Person.chi == digits
    try:
        born = datetime.strptime(q, "%Y-%m-%d").date()
    except ValueError:
        born = None
    if born is not None:
        return Person.date_of_birth == born
    terms = [t for t in q.lower().split() if t]
    clauses = [
        or_(
            func.lower(Person.given_name).contains(t, autoescape=True),
            func.lower(Person.family_name).contains(t, autoescape=True),
            func.lower(Person.preferred_name).contains(t, autoescape=True),
        )
        for t in terms
    ]
    return and_(*clauses)


def lookup(session: Session, data: dict[str, Any]) -> Person | None:
    """Exactly one exact match, or None (none, or more than one: ask for the CHI)."""
    if "chi" in data:
        if chi_problem(data["chi"]):
            return None
        query = select(Person).where(Person.chi == normalise_chi(data["chi"]))
    else:
        query = select(Person).where(
            func.lower(Person.given_name) == data["given_name"].strip().lower(),
            func.lower(Person.family_name) == data["family_name"].strip().lower(),
            Person.date_of_birth == data["date_of_birth"],
        )
    found = list(session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def invite_individual(session: Session, person: Person, email: str) -> tuple[User, str]:
    """An account for the person themselves and a one-time invitation code (shown once)."""
    if session.scalar(select(User.id).where(User.person_id == person.id)):
        raise Conflict("This person already has an account.")
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("An account with this email exists.", fields={"email": ["Already used."]})
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
