"""Staff administration, the caller's identity, and linking an individual's sign-in."""

from __future__ import annotations

import uuid

from flask import Response, g

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import person_context, require, requires
from careplan.accounts import operations, services
from careplan.accounts.models import User
from careplan.accounts.schemas import account_link, me_out, staff_list_out, staff_schema
from careplan.core.api_blueprint import bp
from careplan.core.clock import iso
from careplan.core.http import documented, json_body, respond
from careplan.extensions import db


@bp.get("/me")
@documented("Who you are signed in as", response=me_out)
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def me() -> Response:
    user: User = g.user
    agency = user.agency
    record(AuditAction.ME_VIEW)
    return respond(
        me_out.dump(
            {
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "kind": user.kind.value,
                "roles": user.roles or [],
                "person_id": user.person_id,
                "agency": {"id": agency.id, "name": agency.name, "sector": agency.sector.value}
                if agency
                else None,
            }
        )
    )


@bp.get("/staff")
@documented("All staff accounts", response=staff_list_out)
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_LIST)
def list_staff() -> Response:
    return respond(staff_list_out.dump(services.list_staff()))


@bp.post("/staff")
@documented("Add a staff account", body=staff_schema, response=staff_schema, status=201)
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_CREATE)
def create_staff() -> Response:
    user = services.create_staff(lambda: json_body(staff_schema))
    return respond(staff_schema.dump(user), 201)


@bp.post("/staff/<uuid:staff_id>/deactivate")
@documented(
    "Deactivate: sessions and tokens stop working on the next request", response=staff_schema
)
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_DEACTIVATE)
def deactivate_staff(staff_id: uuid.UUID) -> Response:
    return respond(staff_schema.dump(services.deactivate_staff(staff_id)))


@bp.post("/people/<uuid:person_id>/account")
@documented(
    "Invite the person to sign in and see their own plan (key worker)",
    body=account_link,
    status=201,
)
@requires(Permission.PERSON_ACCOUNT_LINK, AuditAction.ACCOUNT_LINK)
def link_account(person_id: uuid.UUID) -> Response:
    facts = person_context(person_id, AuditAction.ACCOUNT_LINK)
    require(facts, None, Permission.PERSON_ACCOUNT_LINK, AuditAction.ACCOUNT_LINK)
    email = json_body(account_link)["email"].strip().lower()
    user, code = operations.invite_individual(db.session, facts.person, email)
    record(AuditAction.ACCOUNT_LINK, person_id=person_id, details={"account_id": user.id})
    return respond(
        {
            "account_id": str(user.id),
            "email": user.email,
            "invitation_code": code,
            "expires_at": iso(user.invite_expires_at),
        },
        201,
    )
