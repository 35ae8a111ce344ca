"""People: search within what the caller can see, register, exact lookup, identity."""

from __future__ import annotations

import uuid

from flask import Response, g, request

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.api.blueprint import bp
from careplan.api.http import documented, json_body, respond
from careplan.core.errors import NotFound
from careplan.extensions import db
from careplan.people import operations
from careplan.people.schemas import (
    lookup_schema,
    people_out,
    person_create,
    person_id_out,
    person_out,
    search_query,
)
from consent.decision import can_see_person, decide_identity
from consent.guard import catalogue_keys, facts_for_many, person_facts, require_practitioner


@bp.get("/people")
@documented(
    "People you can already see something of, matching q", query=search_query, response=people_out
)
def search_people() -> Response:
    require_practitioner(AuditAction.PERSON_SEARCH)
    args = search_query.load(request.args.to_dict())
    candidates = operations.search(db.session, g.user, args["q"])
    keys = catalogue_keys()
    found = [f.person for f in facts_for_many(candidates) if can_see_person(f, keys)]
    record(AuditAction.PERSON_SEARCH, details={"returned": [str(p.id) for p in found]})
    return respond(people_out.dump(found))


@bp.post("/people")
@documented("Register a person", body=person_create, response=person_out, status=201)
def register_person() -> Response:
    require_practitioner(AuditAction.PERSON_CREATE)
    person = operations.register(db.session, json_body(person_create), g.user)
    record(AuditAction.PERSON_CREATE, person_id=person.id)
    return respond(person_out.dump(person), 201)


@bp.post("/people/lookup")
@documented("Find one person by exact identifier", body=lookup_schema, response=person_id_out)
def lookup_person() -> Response:
    require_practitioner(AuditAction.PERSON_LOOKUP)
    criteria = json_body(lookup_schema)
    by = "chi" if "chi" in criteria else "name_and_date_of_birth"
    person = operations.lookup(db.session, criteria)
    if person is None:
        record(
            AuditAction.PERSON_LOOKUP, Outcome.DENY, reason="no_single_match", details={"by": by}
        )
        raise NotFound("No single person matches exactly. Check the details, or use the CHI.")
    record(AuditAction.PERSON_LOOKUP, person_id=person.id, details={"by": by})
    return respond(person_id_out.dump(person))


@bp.get("/people/<uuid:person_id>")
@documented("A person's identity", response=person_out)
def get_person(person_id: uuid.UUID) -> Response:
    facts = person_facts(person_id, AuditAction.PERSON_VIEW)
    decision = decide_identity(facts, catalogue_keys())
    record(AuditAction.PERSON_VIEW, person_id=person_id, basis={"identity": decision.basis})
    return respond(person_out.dump(facts.person))
