"""Subject access export: for the person, their key worker, or an IG officer handling a
request. Always recorded; the export holds this person's data and nobody else's."""

from __future__ import annotations

import json
import uuid

from flask import Response, current_app, g, render_template, request
from marshmallow import fields, validate

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.accounts.models import Role
from careplan.api.blueprint import bp
from careplan.api.http import documented
from careplan.core.errors import NotFound
from careplan.core.schemas import BaseSchema
from careplan.extensions import db
from careplan.people.models import Person
from careplan.protection.subject_access import gather
from consent.decision import Action, decide_role
from consent.guard import PERSON_NOT_FOUND, catalogue_keys, person_facts, require


class ExportQuerySchema(BaseSchema):
    format = fields.Str(load_default="json", validate=validate.OneOf(["json", "html"]))


export_query = ExportQuerySchema()


def _person_and_basis(person_id: uuid.UUID) -> tuple[Person, str]:
    if decide_role(g.user.has_role(Role.IG_OFFICER)).permit:
        # IG officers fulfil subject access requests: the one place they handle content,
        # for the person and on the record.
        person = db.session.get(Person, person_id)
        if person is None:
            record(
                AuditAction.EXPORT,
                Outcome.DENY,
                reason="not_found",
                details={"requested_id": person_id},
            )
            raise NotFound(PERSON_NOT_FOUND)
        return person, "ig_officer"
    facts = person_facts(person_id, AuditAction.EXPORT)
    decision = require(facts, None, Action.EXPORT, AuditAction.EXPORT)
    return facts.person, decision.basis or ""


@bp.get("/people/<uuid:person_id>/export")
@documented(
    "Everything held about the person (subject access), as JSON or HTML", query=export_query
)
def subject_access_export(person_id: uuid.UUID) -> Response:
    person, basis = _person_and_basis(person_id)
    fmt = export_query.load(request.args.to_dict())["format"]
    data = gather(db.session, person, current_app.extensions["careplan.catalogue"])
    record(
        AuditAction.EXPORT,
        person_id=person.id,
        sections=catalogue_keys(),
        basis={"export": basis},
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
