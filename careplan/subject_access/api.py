"""Subject access in the JSON API (API.md "Audit and information governance").

IG officers record and manage requests under /audit/subject-access-requests: no route
there returns any of the copy. The copy itself is the person's (`GET /me/export`, at any
time) and their key worker's, to hand over (`GET /people/{id}/export`): JSON, an
accessible HTML document, or a tagged PDF.
"""

from __future__ import annotations

import uuid

from flask import Response, g, request
from marshmallow import fields, validate

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_OPTIONAL, documented, json_body, query_args, respond
from careplan.core.schemas import BaseSchema
from careplan.subject_access import documents, services
from careplan.subject_access.schemas import (
    extend_schema,
    identity_schema,
    list_query,
    refuse_schema,
    release_schema,
    request_create,
    request_out,
    requests_out,
)

JOB = Permission.JOB_SUBJECT_ACCESS
BASE = "/audit/subject-access-requests"


class ExportQuerySchema(BaseSchema):
    format = fields.Str(load_default="json", validate=validate.OneOf(documents.FORMATS))


export_query = ExportQuerySchema()
ALSO = ("text/html", "application/pdf")


@bp.post(BASE)
@documented(
    "Record a subject access request (UK GDPR Art 15): due one calendar month after "
    "receipt (Art 12(3)), or after identity is confirmed; no content",
    body=request_create,
    response=request_out,
    status=201,
    errors=(404,),
)
@requires(JOB, AuditAction.SUBJECT_ACCESS_CREATE)
def create_request() -> Response:
    body = services.create(lambda: json_body(request_create))
    return respond(request_out.dump(body), 201)


@bp.get(BASE)
@documented(
    "Subject access requests with their due days (status: open, completed, all, or one "
    "status); open ones overdue and soonest first; no content",
    query=list_query,
    response=requests_out,
)
@requires(JOB, AuditAction.SUBJECT_ACCESS_LIST)
def list_requests() -> Response:
    rows = services.listed(lambda: list_query.load(query_args()))
    return respond(requests_out.dump(rows))


@bp.get(BASE + "/<uuid:request_id>")
@documented("One subject access request: its steps and due day; no content", response=request_out)
@requires(JOB, AuditAction.SUBJECT_ACCESS_VIEW)
def get_request(request_id: uuid.UUID) -> Response:
    return respond(request_out.dump(services.view(request_id)))


STEP = {"response": request_out, "if_match": IF_MATCH_OPTIONAL, "errors": (404, 409, 422)}


@bp.post(BASE + "/<uuid:request_id>/identity")
@documented(
    "Proof of identity received: the month starts on `checked_on`", body=identity_schema, **STEP
)
@requires(JOB, AuditAction.SUBJECT_ACCESS_IDENTITY)
def confirm_identity(request_id: uuid.UUID) -> Response:
    body = services.confirm_identity(request_id, lambda: json_body(identity_schema))
    return respond(request_out.dump(body))


@bp.post(BASE + "/<uuid:request_id>/start")
@documented("Start work on the request (in progress)", body_required=False, **STEP)
@requires(JOB, AuditAction.SUBJECT_ACCESS_START)
def start_request(request_id: uuid.UUID) -> Response:
    return respond(request_out.dump(services.start(request_id)))


@bp.post(BASE + "/<uuid:request_id>/extend")
@documented(
    "Extend by two further months for a complex request, once, within the first month, "
    "with the reason the person is told (Art 12(3))",
    body=extend_schema,
    **STEP,
)
@requires(JOB, AuditAction.SUBJECT_ACCESS_EXTEND)
def extend_request(request_id: uuid.UUID) -> Response:
    return respond(request_out.dump(services.extend(request_id, lambda: json_body(extend_schema))))


@bp.post(BASE + "/<uuid:request_id>/release")
@documented(
    "Make the copy available to the person's own account (`to: person`, the default when "
    "they have one) or to their key worker to hand over (`to: key_worker`); they are told. "
    "The IG officer never receives the copy",
    body=release_schema,
    body_required=False,
    **STEP,
)
@requires(JOB, AuditAction.SUBJECT_ACCESS_RELEASE)
def release_request(request_id: uuid.UUID) -> Response:
    body = services.release(
        request_id, lambda: json_body(release_schema) if request.content_length else {}
    )
    return respond(request_out.dump(body))


@bp.post(BASE + "/<uuid:request_id>/refuse")
@documented(
    "Refuse the request with a reason the person is told (Art 12(4), 12(5))",
    body=refuse_schema,
    **STEP,
)
@requires(JOB, AuditAction.SUBJECT_ACCESS_REFUSE)
def refuse_request(request_id: uuid.UUID) -> Response:
    return respond(request_out.dump(services.refuse(request_id, lambda: json_body(refuse_schema))))


@bp.get("/me/export")
@documented(
    "Your own copy of everything held about you (individuals), with what UK GDPR Art "
    "15(1)(a)-(h) and 15(2) say you must be told: JSON, an accessible HTML document or a "
    "tagged PDF",
    query=export_query,
    media_type="application/json",
    also_media_types=ALSO,
)
@requires(Permission.PERSON_EXPORT, AuditAction.SUBJECT_ACCESS_EXPORT, person=OWN_PERSON)
def my_export() -> Response:
    fmt = export_query.load(query_args())["format"]
    person, data = services.copy_for(services.own_person_id(), fmt, own=True)
    return documents.response(person, data, fmt, own=True)


@bp.get("/people/<uuid:person_id>/export")
@documented(
    "Everything held about the person, for their key worker to hand over (subject access): "
    "JSON, an accessible HTML document or a tagged PDF",
    query=export_query,
    media_type="application/json",
    also_media_types=ALSO,
)
@requires(Permission.PERSON_EXPORT, AuditAction.SUBJECT_ACCESS_EXPORT)
def subject_access_export(person_id: uuid.UUID) -> Response:
    fmt = export_query.load(query_args())["format"]
    own = g.user.is_individual  # the person may use this route too (their own record)
    person, data = services.copy_for(person_id, fmt, own=own)
    return documents.response(person, data, fmt, own=own)
