"""Finding and registering people, shared by the JSON API and the web pages."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.extensions import db
from careplan.people import operations
from careplan.people.models import Person
from consent.decision import can_see_person, decide_identity
from consent.guard import catalogue_keys, facts_for_many, person_facts, require_practitioner


def search(load: Any) -> list[Person]:
    """People the caller can already see something of, matching the query."""
    require_practitioner(AuditAction.PERSON_SEARCH)
    args = load()
    candidates = operations.search(db.session, g.user, args["q"])
    keys = catalogue_keys()
    found = [f.person for f in facts_for_many(candidates) if can_see_person(f, keys)]
    record(AuditAction.PERSON_SEARCH, details={"returned": [str(p.id) for p in found]})
    return found


def register(load: Any) -> Person:
    require_practitioner(AuditAction.PERSON_CREATE)
    person = operations.register(db.session, load(), g.user)
    record(AuditAction.PERSON_CREATE, person_id=person.id)
    return person


def lookup(load: Any) -> Person | None:
    """Exactly one exact match (recorded), or None (recorded as refused)."""
    require_practitioner(AuditAction.PERSON_LOOKUP)
    criteria = load()
    by = "chi" if "chi" in criteria else "name_and_date_of_birth"
    person = operations.lookup(db.session, criteria)
    if person is None:
        record(
            AuditAction.PERSON_LOOKUP, Outcome.DENY, reason="no_single_match", details={"by": by}
        )
        return None
    record(AuditAction.PERSON_LOOKUP, person_id=person.id, details={"by": by})
    return person


def view_person(person_id: uuid.UUID) -> Person:
    facts = person_facts(person_id, AuditAction.PERSON_VIEW)
    decision = decide_identity(facts, catalogue_keys())
    record(AuditAction.PERSON_VIEW, person_id=person_id, basis={"identity": decision.basis})
    return facts.person
