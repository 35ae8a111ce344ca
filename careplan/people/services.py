"""Finding and registering people, shared by the JSON API and the web pages."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import contexts_for, person_context, require_job
from careplan.access.policy import can_see_person, decide_on
from careplan.extensions import db
from careplan.people import operations
from careplan.people.models import Person


def search(load: Any) -> list[Person]:
    """People the caller can already see something of, matching the query."""
    require_job(Permission.JOB_PERSON_SEARCH, AuditAction.PERSON_SEARCH)
    args = load()
    candidates = operations.search(db.session, g.user, args["q"])
    found = [f.person for f in contexts_for(candidates) if can_see_person(f)]
    record(AuditAction.PERSON_SEARCH, details={"returned": [str(p.id) for p in found]})
    return found


def register(load: Any) -> Person:
    require_job(Permission.JOB_PERSON_REGISTER, AuditAction.PERSON_CREATE)
    person = operations.register(db.session, load(), g.user)
    record(AuditAction.PERSON_CREATE, person_id=person.id)
    return person


def lookup(load: Any) -> Person | None:
    """Exactly one exact match (recorded), or None (recorded as refused)."""
    require_job(Permission.JOB_PERSON_LOOKUP, AuditAction.PERSON_LOOKUP)
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
    facts = person_context(person_id, AuditAction.PERSON_VIEW)
    decision = decide_on(facts, Permission.PERSON_VIEW)
    record(AuditAction.PERSON_VIEW, person_id=person_id, basis={"identity": decision.basis_text})
    return facts.person
