"""Finding the person a complaint names, for an IG search: exactly, never by likeness.

A complaint gives a CHI number, or a name and a date of birth; the audit log holds
record ids. IG officers do not get people search (careplan.access.rules: no
`JOB_PERSON_SEARCH`), so this finds exactly one person or nobody, and the search that
used it is recorded with how the person was found (careplan.ig.services.search).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from careplan.core.errors import BadRequest, NotFound
from careplan.people.chi import chi_problem, normalise_chi
from careplan.people.models import Person

NOBODY = (
    "No one matches exactly. Check the CHI number, or the full name and date of birth "
    "as they were given."
)
SEVERAL = (
    "More than one person has this name and date of birth. Search by their CHI number instead."
)
# Joined records form chains (A into B, B into C); a few steps cover any real history.
MERGE_DEPTH = 10


@dataclass(frozen=True)
class Found:
    """The person found, `how` they were found ("id", "chi" or "name_and_date_of_birth")
    and every record id the log may hold them under (theirs first, then the records
    joined into theirs by careplan.records.merge)."""

    person_id: uuid.UUID
    how: str
    record_ids: tuple[uuid.UUID, ...]


def find(session: Session, args: dict[str, Any]) -> Found | None:
    """The person an IG search names (`person`: a record id or a CHI number;
    `person_name` + `date_of_birth`: exact), or None when it names nobody in particular.

    A record id is taken as it is (it is how the log itself names people). A CHI or a
    name finds the live record (following a joined record to the one it was joined
    into) and adds the ids of records joined into it, so accesses made before the join
    are found too. Raises NotFound (no such person) or BadRequest (a malformed CHI, or a
    name and date of birth that more than one person shares)."""
    given = args.get("person")
    if given is not None:
        try:
            person_id = uuid.UUID(given)
        except ValueError:
            return _by_chi(session, given)
        return Found(person_id, "id", (person_id,))
    if "person_name" in args:
        return _by_name(session, args["person_name"], args["date_of_birth"])
    return None


def _by_chi(session: Session, given: str) -> Found:
    problem = chi_problem(given)
    if problem is not None:
        raise BadRequest(
            "Enter the person's CHI number (10 digits), or their record id from this log.",
            fields={"person": [f"{problem}, or enter the record id from this log"]},
        )
    person = session.scalars(select(Person).where(Person.chi == normalise_chi(given))).first()
    if person is None:
        raise NotFound(NOBODY, fields={"person": [NOBODY]})
    return _found(session, person, "chi")


def _by_name(session: Session, name: str, born: date) -> Found:
    wanted = " ".join(name.split()).lower()
    if not wanted:
        raise BadRequest(NOBODY, fields={"person_name": ["Enter the person's full name."]})
    rows = list(
        session.scalars(
            select(Person)
            .where(
                Person.date_of_birth == born,
                or_(
                    func.lower(Person.given_name + " " + Person.family_name) == wanted,
                    func.lower(Person.preferred_name + " " + Person.family_name) == wanted,
                ),
            )
            .limit(MERGE_DEPTH + 2)
        )
    )
    live = {_survivor(session, p).id: p for p in rows}
    if not live:
        raise NotFound(NOBODY, fields={"person_name": [NOBODY]})
    if len(live) > 1:
        raise BadRequest(SEVERAL, fields={"person_name": [SEVERAL]})
    return _found(session, next(iter(live.values())), "name_and_date_of_birth")


def _survivor(session: Session, person: Person) -> Person:
    """The live record a joined record was joined into (itself when not joined)."""
    for _ in range(MERGE_DEPTH):
        if person.merged_into_id is None:
            break
        person = session.get(Person, person.merged_into_id) or person
    return person


def _found(session: Session, person: Person, how: str) -> Found:
    live = _survivor(session, person)
    ids = [live.id]
    frontier = [live.id]
    for _ in range(MERGE_DEPTH):
        frontier = list(
            session.scalars(select(Person.id).where(Person.merged_into_id.in_(frontier)))
        )
        if not frontier:
            break
        ids.extend(i for i in frontier if i not in ids)
    return Found(live.id, how, tuple(ids))


def names(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Display names of the people with these ids (one query), for IG results: names,
    never plan content."""
    wanted: Sequence[uuid.UUID] = sorted({i for i in ids if i is not None}, key=str)
    if not wanted:
        return {}
    rows = session.execute(
        select(Person.id, Person.given_name, Person.preferred_name, Person.family_name).where(
            Person.id.in_(wanted)
        )
    )
    return {r.id: f"{r.preferred_name or r.given_name} {r.family_name}" for r in rows}
