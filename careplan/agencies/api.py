"""Administration of agencies and their information-sharing agreements."""

from __future__ import annotations

import uuid

from flask import Response, g
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.accounts.models import Role
from careplan.agencies.models import Agency
from careplan.agencies.schemas import agencies_out, agency_schema, agreement_schema
from careplan.api.blueprint import bp
from careplan.api.http import documented, json_body, respond
from careplan.core import clock
from careplan.core.errors import BadRequest, Conflict, NotFound
from careplan.extensions import db
from careplan.plans.access import catalogue
from consent.guard import require_role
from consent.models import SharingAgreement


@bp.get("/agencies")
@documented("All agencies", response=agencies_out)
def list_agencies() -> Response:
    require_role(Role.ADMIN, AuditAction.AGENCY_LIST)
    record(AuditAction.AGENCY_LIST)
    rows = db.session.scalars(select(Agency).order_by(Agency.name))
    return respond(agencies_out.dump(rows))


@bp.post("/agencies")
@documented("Add an agency", body=agency_schema, response=agency_schema, status=201)
def create_agency() -> Response:
    require_role(Role.ADMIN, AuditAction.AGENCY_CREATE)
    data = json_body(agency_schema)
    if db.session.scalar(select(Agency.id).where(Agency.name == data["name"])):
        raise Conflict("An agency with this name exists.", fields={"name": ["Already used."]})
    agency = Agency(**data)
    db.session.add(agency)
    db.session.flush()
    record(AuditAction.AGENCY_CREATE, details={"agency_id": agency.id})
    return respond(agency_schema.dump(agency), 201)


@bp.put("/agencies/<uuid:agency_id>/sharing-agreement")
@documented(
    "Set the agency's information-sharing agreement",
    body=agreement_schema,
    response=agreement_schema,
)
def set_sharing_agreement(agency_id: uuid.UUID) -> Response:
    require_role(Role.ADMIN, AuditAction.AGREEMENT_SET)
    if db.session.get(Agency, agency_id) is None:
        raise NotFound("No such agency.")
    data = json_body(agreement_schema)
    unknown = sorted(set(data["sections"] or []) - set(catalogue().keys()))
    if unknown:
        raise BadRequest(fields={"sections": [f"Unknown section: {k}" for k in unknown]})
    if data["valid_until"] < clock.today():
        raise BadRequest(fields={"valid_until": ["An agreement cannot end in the past."]})
    # A new row each time: the agreement history stays, the newest is in force.
    agreement = SharingAgreement(agency_id=agency_id, created_by_id=g.user.id, **data)
    db.session.add(agreement)
    db.session.flush()
    record(
        AuditAction.AGREEMENT_SET,
        details={"agency_id": agency_id, "max_sensitivity": data["max_sensitivity"]},
    )
    return respond(agreement_schema.dump(agreement))
