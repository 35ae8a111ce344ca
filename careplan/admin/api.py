"""Administration of agencies and their information-sharing agreements."""

from __future__ import annotations

import uuid

from flask import Response, request

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.accounts.schemas import contact_details, staff_list_out, staff_schema
from careplan.admin import services
from careplan.admin.schemas import (
    agencies_out,
    agency_schema,
    agreement_schema,
    deactivate_schema,
    deactivated_out,
)
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


@bp.put("/staff/<uuid:staff_id>/contact")
@documented(
    "How colleagues reach a member of staff: work phone, work email (when not the sign-in "
    "address), working pattern. Replaces all three; a missing or empty one is cleared",
    body=contact_details,
    response=staff_schema,
)
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_CONTACT)
def set_staff_contact(staff_id: uuid.UUID) -> Response:
    user = services.set_staff_contact(staff_id, lambda: json_body(contact_details))
    return respond(staff_schema.dump(user))


@bp.post("/staff/<uuid:staff_id>/deactivate")
@documented(
    "Deactivate: sessions and tokens stop working on the next request; the open plans "
    "the account was key worker for go to `hand_over_to`, or to the lead agency's "
    '"needs a new key worker" list; the answer says how many went where',
    body=deactivate_schema,
    body_required=False,
    response=deactivated_out,
    errors=(409, 422),
)
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_DEACTIVATE)
def deactivate_staff(staff_id: uuid.UUID) -> Response:
    def load() -> dict:
        # The body is optional: none (or an empty one) leaves the plans in the list.
        if not request.get_data(cache=True):
            return {"hand_over_to": None}
        return json_body(deactivate_schema)

    done = services.deactivate_staff(staff_id, load)
    user = done.user
    return respond(
        deactivated_out.dump(
            {
                **staff_schema.dump(user),
                "plans": {
                    "handed_over": done.handed_over,
                    "handed_over_to": done.handed_over_to if done.handed_over else None,
                    "needing_key_worker": done.needing_key_worker,
                },
            }
        )
    )
