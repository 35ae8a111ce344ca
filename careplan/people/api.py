"""People: search within what the caller can see, register, exact lookup, identity, and
inviting the person to sign in to see their own plan."""

from __future__ import annotations

import uuid

from flask import Response, url_for

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import authorise, requires
from careplan.accounts.schemas import account_link
from careplan.core.api_blueprint import bp
from careplan.core.clock import iso
from careplan.core.errors import NotFound
from careplan.core.http import documented, json_body, query_args, respond
from careplan.extensions import db
from careplan.people import operations, services
from careplan.people.schemas import (
    chi_schema,
    invitation_out,
    lookup_schema,
    people_out,
    person_create,
    person_id_out,
    person_out,
    search_query,
)


@bp.get("/people")
@documented(
    "People you can already see something of, matching q, in name order, a page at a "
    "time: X-Total-Count says how many in all, and Link (rel=next, RFC 8288) gives the "
    "next page",
    query=search_query,
    response=people_out,
)
@requires(Permission.JOB_PERSON_SEARCH, AuditAction.PERSON_SEARCH)
def search_people() -> Response:
    page = services.search(lambda: search_query.load(query_args()))
    response = respond(people_out.dump(page.people))
    response.headers["X-Total-Count"] = str(page.total)
    if page.cursor is not None:
        following = url_for(
            "api.search_people",
            **{k: page.query[k] for k in ("q", "scope", "limit")},
            cursor=page.cursor,
        )
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@bp.post("/people")
@documented("Register a person", body=person_create, response=person_out, status=201, errors=(409,))
@requires(Permission.JOB_PERSON_REGISTER, AuditAction.PERSON_CREATE)
def register_person() -> Response:
    person = services.register(lambda: json_body(person_create))
    return respond(person_out.dump(person), 201)


@bp.post("/people/lookup")
@documented("Find one person by exact identifier", body=lookup_schema, response=person_id_out)
@requires(Permission.JOB_PERSON_LOOKUP, AuditAction.PERSON_LOOKUP)
def lookup_person() -> Response:
    person = services.lookup(lambda: json_body(lookup_schema))
    if person is None:
        raise NotFound("No single person matches exactly. Check the details, or use the CHI.")
    return respond(person_id_out.dump(person))


@bp.get("/people/<uuid:person_id>")
@documented(
    "A person's identity: name, preferred name, date of birth, CHI (date of birth and CHI "
    "are null for a supporter, who sees the name only)",
    response=person_out,
)
@requires(Permission.PERSON_VIEW, AuditAction.PERSON_VIEW)
def get_person(person_id: uuid.UUID) -> Response:
    # A supporter knows who the person is: the name, not their date of birth or the NHS
    # identifier (Caldicott principle 3: the minimum needed; PERSON_IDENTITY_VIEW).
    return respond(
        services.identity_out(person_id, person_out.dump(services.view_person(person_id)))
    )


@bp.put("/people/<uuid:person_id>/chi")
@documented(
    "Add the CHI number of a person registered without one (it must be their date of "
    "birth's; a CHI number another record holds is a duplicate for IG to merge)",
    body=chi_schema,
    response=person_out,
    errors=(409, 422),
)
@requires(Permission.PERSON_CHI_RECORD, AuditAction.PERSON_CHI)
def record_chi(person_id: uuid.UUID) -> Response:
    return respond(person_out.dump(services.record_chi(person_id, lambda: json_body(chi_schema))))


@bp.post("/people/<uuid:person_id>/account")
@documented(
    "Invite the person to sign in and see their own plan (key worker)",
    body=account_link,
    response=invitation_out,
    status=201,
    errors=(409,),
)
@requires(Permission.PERSON_ACCOUNT_LINK, AuditAction.ACCOUNT_LINK)
def link_account(person_id: uuid.UUID) -> Response:
    facts, _ = authorise(person_id, Permission.PERSON_ACCOUNT_LINK, AuditAction.ACCOUNT_LINK)
    email = json_body(account_link)["email"].strip().lower()
    user, code = operations.invite_individual(db.session, facts.person, email)
    record(AuditAction.ACCOUNT_LINK, person_id=person_id, details={"account_id": user.id})
    return respond(
        invitation_out.dump(
            {
                "account_id": user.id,
                "email": user.email,
                "invitation_code": code,
                "expires_at": iso(user.invite_expires_at),
            }
        ),
        201,
    )
