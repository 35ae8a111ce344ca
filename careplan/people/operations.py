"""Mutations and searches on people. They flush; the request commits once."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from careplan.access import sources
from careplan.access.sources import Scope
from careplan.accounts import invitations
from careplan.accounts.models import AccountKind, User
from careplan.core import clock, days
from careplan.core.days import typed_day
from careplan.core.errors import Conflict, Unprocessable
from careplan.core.names import name_variants, plain
from careplan.people import matching
from careplan.people.chi import CHI_NOT_BIRTH, chi_born_on, chi_problem, normalise_chi
from careplan.people.models import DuplicateCandidate, Person


class PossibleDuplicate(Conflict):
    """A registration whose details may be someone already registered (409)."""

    code = "possible_duplicate"
    message = (
        "Someone with very similar details is already registered. If this is the same "
        "person, find them by their exact details and ask to join their care team. If you "
        "are sure this is someone else, say why, and register them."
    )

    def __init__(self, matches: list[uuid.UUID]) -> None:
        super().__init__(
            fields={
                "duplicate_reason": [
                    "Find the person already registered, or say why this is someone else."
                ]
            }
        )
        self.matches = matches

    def body(self) -> dict[str, Any]:
        # Where to go instead; never who matched (the caller may not know them).
        return {**super().body(), "lookup": "/api/v1/people/lookup"}


def register(
    session: Session, data: dict[str, Any], by: User, duplicate_reason: str | None = None
) -> tuple[Person, list[uuid.UUID]]:
    """A new person, once nobody already registered may be them (careplan.people.matching):
    Conflict if the CHI number is registered; PossibleDuplicate (409) if the details may be
    someone's, unless `duplicate_reason` says why they are someone else. Returns the
    person and the ids of the records they were nevertheless close to."""
    if data.get("chi") and session.scalar(select(Person.id).where(Person.chi == data["chi"])):
        raise Conflict(
            "A person with this CHI number is already registered. Find them by their exact "
            "details and ask to join their care team.",
            fields={"chi": ["Already registered. Find the person by this CHI number."]},
        )
    born = matching.birth_dates(data["date_of_birth"])
    same_day = session.scalars(
        select(Person).where(Person.date_of_birth.in_(born), Person.merged_at.is_(None))
    )
    matches = [p.id for p in matching.possible_duplicates(data, same_day)]
    if matches and not duplicate_reason:
        raise PossibleDuplicate(matches)
    person = Person(**data, created_by_id=by.id)
    session.add(person)
    session.flush()
    # Registered although close to someone: work for IG (merge, or mark as different).
    for match in matches:
        session.add(DuplicateCandidate(person_id=person.id, candidate_id=match, noted_by_id=by.id))
    session.flush()
    return person, matches


ORDER = (Person.family_name, Person.given_name, Person.id)


def record_chi(session: Session, person: Person, chi: str) -> Person:
    """Add a CHI number to a person registered without one. Unprocessable if it is not
    their date of birth's (a CHI number begins DDMMYY); Conflict if they have one already
    (a different one is a correction for the IG officer) or another record holds it (the
    two records may be one person: an IG officer or administrator merges them)."""
    if not chi_born_on(chi, person.date_of_birth):
        raise Unprocessable(fields={"chi": [CHI_NOT_BIRTH]})
    if person.chi == chi:
        return person
    if person.chi is not None:
        raise Conflict(
            "This person already has a CHI number. Ask an information governance officer "
            "to correct it.",
            fields={"chi": ["They already have a CHI number."]},
        )
    if session.scalar(select(Person.id).where(Person.chi == chi)) is not None:
        raise Conflict(
            "Another record has this CHI number: the two may be the same person. Ask an "
            "information governance officer or an administrator to merge them.",
            fields={"chi": ["Another record has this CHI number."]},
        )
    person.chi = chi
    session.flush()
    return person


def conditional_matches(session: Session, user: User, q: str, scope: Scope) -> list[Person]:
    """People in `scope` matching `q` whom `user` reaches only through a section (care
    team, emergency access): each must be decided by the policy before it is shown or
    counted."""
    clause = sources.loader().conditional(user, scope)
    if clause is None:
        return []
    query = select(Person).where(clause)
    if q.strip():
        query = query.where(_matches(q.strip()))
    return list(session.scalars(query.order_by(*ORDER)))


def search_page(
    session: Session,
    user: User,
    q: str,
    *,
    scope: Scope,
    also: list[uuid.UUID],
    after: uuid.UUID | None,
    limit: int,
) -> tuple[list[Person], int]:
    """One page of the people in `scope` that `user` may see matching `q`, in name order,
    and how many match in all. The set is the caller's standing people in that scope
    (careplan.access.sources) and `also` (people reached through a section whom the
    policy let them see). `after`: the id of the last person of the previous page. Returns
    up to `limit + 1` people, so the caller knows whether another page follows. Raises
    LookupError if `after` names nobody (the list changed: start again)."""
    visible = sources.loader().standing(user, scope)
    if also:
        visible = or_(visible, Person.id.in_(also))
    query = select(Person).where(visible)
    if q.strip():
        query = query.where(_matches(q.strip()))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if after is not None:
        last = session.execute(select(*ORDER).where(Person.id == after)).first()
        if last is None:
            raise LookupError("the list's last person is gone")
        query = query.where(tuple_(*ORDER) > tuple_(*last))
    rows = list(session.scalars(query.order_by(*ORDER).limit(limit + 1)))
    return rows, total


def _matches(q: str) -> Any:
    """The SQL condition for search text `q`: a CHI number; or a date of birth as people
    type it (careplan.core.days.typed_day: 12/04/1988, 12 April 1988, 12-4-1988) with any
    names beside it; and each other word a name, read generously: "Mac" and "Mc" alike,
    apostrophes, hyphens and spaces inside names ignored, and a given name's common short
    forms (careplan.core.names.VARIANTS: Kate finds Catherine). Every condition
    applies within the people the caller may see (`search_page` adds that in SQL)."""
    digits = q.replace(" ", "")
    if digits.isdigit() and len(digits) == 10:
        return Person.chi == digits
    today = clock.today()
    born = typed_day(q, today)
    words = q
    if born is None:
        in_words = days.IN_WORDS.search(q)
        if in_words and typed_day(in_words.group(0), today):
            born = typed_day(in_words.group(0), today)
            words = q[: in_words.start()] + " " + q[in_words.end() :]
        else:
            words = ""
            for term in q.split():
                day = typed_day(term, today) if born is None else None
                if day is not None:
                    born = day
                else:
                    words += " " + term
    else:
        words = ""
    clauses = [Person.date_of_birth == born] if born is not None else []
    for term in words.split():
        options = name_variants(term)
        if options:
            clauses.append(or_(*(_name_contains(v) for v in options)))
    return and_(*clauses) if clauses else Person.id.is_not(None)


def _name_contains(variant: str) -> Any:
    return or_(
        plain(Person.given_name).contains(variant, autoescape=True),
        plain(Person.family_name).contains(variant, autoescape=True),
        plain(Person.preferred_name).contains(variant, autoescape=True),
    )


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
    # A record joined into another is found as the one it was joined into.
    query = query.where(Person.merged_at.is_(None))
    found = list(session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def individual_account(session: Session, person: Person) -> User | None:
    """The person's own account, if they have been invited (active or not)."""
    return session.scalars(select(User).where(User.person_id == person.id)).one_or_none()


def reissue_invitation(session: Session, person: Person) -> tuple[User, str]:
    """A new invitation code for a person invited who has not signed in yet (the old code
    stops working). Conflict (409) with no account yet, or once they have signed in (a
    person who lost their password is helped to reset it, not sent an invitation)."""
    user = individual_account(session, person)
    if user is None:
        raise Conflict("This person has not been invited yet.")
    if has_signed_in(user):
        raise Conflict("This person has already signed in: they do not need a new code.")
    code = invitations.issue(user)
    session.flush()
    return user, code


def has_signed_in(user: User) -> bool:
    """Whether the account has been taken up: its invitation spent on a password or a
    linked identity (careplan.accounts.invitations.spend)."""
    return user.invite_hash is None


def invite_individual(session: Session, person: Person, email: str) -> tuple[User, str]:
    """An account for the person themselves and a one-time invitation code (shown once)."""
    if session.scalar(select(User.id).where(User.person_id == person.id)):
        raise Conflict("This person already has an account.")
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(
            "An account with this email exists.",
            fields={
                "email": [
                    "An account with this email address already exists: enter a different "
                    "email address"
                ]
            },
        )
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
