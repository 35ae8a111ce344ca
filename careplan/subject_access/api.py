"""Subject access export: for the person, their key worker, or an IG officer handling a
request. Always recorded; the export holds this person's data and nobody else's."""

from __future__ import annotations

import json
import uuid

from flask import Response, current_app, render_template, request
from marshmallow import fields, validate

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import authorise, requires
from careplan.core.api_blueprint import bp
from careplan.core.http import documented
from careplan.core.schemas import BaseSchema
from careplan.extensions import db
from careplan.plans.access import catalogue_keys
from careplan.subject_access.export import gather


class ExportQuerySchema(BaseSchema):
    format = fields.Str(load_default="json", validate=validate.OneOf(["json", "html"]))


export_query = ExportQuerySchema()


@bp.get("/people/<uuid:person_id>/export")
@documented(
    "Everything held about the person (subject access), as JSON or HTML",
    query=export_query,
    media_type="application/json",
    also_media_types=("text/html",),
)
@requires(Permission.PERSON_EXPORT, AuditAction.EXPORT)
def subject_access_export(person_id: uuid.UUID) -> Response:
    # The policy decides, IG officers' subject access included (careplan.access.rules).
    facts, decision = authorise(person_id, Permission.PERSON_EXPORT, AuditAction.EXPORT)
    person = facts.person
    fmt = export_query.load(request.args.to_dict())["format"]
    data = gather(db.session, person, current_app.extensions["careplan.catalogue"])
    record(
        AuditAction.EXPORT,
        person_id=person.id,
        sections=catalogue_keys(),
        basis={"export": decision.basis_text},
        details={"format": fmt, "subject_access": True},
    )
    if fmt == "html":
        response = Response(render_template("subject_access.html", data=data), mimetype="text/html")
    else:
        response = Response(
            json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json"
        )
    response.headers["Content-Disposition"] = (
        f"attachment; filename=subject-access-{person.id}.{fmt}"
    )
    return response
