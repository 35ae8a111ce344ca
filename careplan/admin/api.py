"""Administration of agencies and their information-sharing agreements."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.accounts.schemas import staff_list_out, staff_schema
from careplan.admin import services
from careplan.admin.schemas import agencies_out, agency_schema, agreement_schema
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, json_body, respond


@bp.get("/agencies")
@documented("All agencies", response=agencies_out)
@requires(Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_LIST)
def list_agencies() -> Response:
    return respond(agencies_out.dump(services.list_agencies()))


@bp.post("/agencies")
@documented("Add an agency", body=agency_schema, response=agency_schema, status=201, errors=(409,))
@requires(Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_CREATE)
def create_agency() -> Response:
    agency = services.create_agency(lambda: json_body(agency_schema))
    return respond(agency_schema.dump(agency), 201)


@bp.put("/agencies/<uuid:agency_id>/sharing-agreement")
@documented(
    "Set the agency's information-sharing agreement",
    body=agreement_schema,
    response=agreement_schema,
)
@requires(Permission.JOB_AGENCY_MANAGE, AuditAction.AGREEMENT_SET)
def set_sharing_agreement(agency_id: uuid.UUID) -> Response:
    agreement = services.set_agreement(agency_id, lambda: json_body(agreement_schema))
    return respond(agreement_schema.dump(agreement))


@bp.get("/staff")
@documented("All staff accounts", response=staff_list_out)
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_LIST)
def list_staff() -> Response:
    return respond(staff_list_out.dump(services.list_staff()))


@bp.post("/staff")
@documented(
    "Add a staff account", body=staff_schema, response=staff_schema, status=201, errors=(409,)
)
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_CREATE)
def create_staff() -> Response:
    user = services.create_staff(lambda: json_body(staff_schema))
    return respond(staff_schema.dump(user), 201)


@bp.post("/staff/<uuid:staff_id>/deactivate")
@documented(
    "Deactivate: sessions and tokens stop working on the next request",
    response=staff_schema,
    errors=(409,),
)
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_DEACTIVATE)
def deactivate_staff(staff_id: uuid.UUID) -> Response:
    return respond(staff_schema.dump(services.deactivate_staff(staff_id)))
