"""The person's corrections in the JSON API."""

from __future__ import annotations

import uuid

from flask import Response, g

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_REQUIRED, documented, json_body, respond
from careplan.corrections import services
from careplan.corrections.schemas import (
    correction_answer,
    correction_create,
    correction_out,
    corrections_out,
)


@bp.post("/me/corrections")
@documented(
    "Ask for a correction to a section of your plan: a task for your key worker",
    body=correction_create,
    response=correction_out,
    status=201,
    versioned=True,
)
@requires(Permission.CORRECTION_REQUEST, AuditAction.CORRECTION_CREATE, person=OWN_PERSON)
def ask_correction() -> Response:
    row = services.ask(g.user.person_id, lambda: json_body(correction_create))
    return respond(correction_out.dump(services.present(row)), 201, version=row.version)


@bp.get("/me/corrections")
@documented("Your requests for corrections and their answers", response=corrections_out)
@requires(Permission.CORRECTION_VIEW, AuditAction.CORRECTION_LIST, person=OWN_PERSON)
def my_corrections() -> Response:
    rows = services.listed(g.user.person_id)
    return respond(corrections_out.dump([services.present(r) for r in rows]))


@bp.get("/people/<uuid:person_id>/corrections")
@documented("The person's requests for corrections", response=corrections_out)
@requires(Permission.CORRECTION_VIEW, AuditAction.CORRECTION_LIST)
def list_corrections(person_id: uuid.UUID) -> Response:
    rows = services.listed(person_id)
    return respond(corrections_out.dump([services.present(r) for r in rows]))


@bp.post("/people/<uuid:person_id>/corrections/<uuid:correction_id>/answer")
@documented(
    "Answer the person's request (If-Match: its version); they are told",
    body=correction_answer,
    response=correction_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(409,),
)
@requires(Permission.CORRECTION_ANSWER, AuditAction.CORRECTION_ANSWER)
def answer_correction(person_id: uuid.UUID, correction_id: uuid.UUID) -> Response:
    row = services.answer(person_id, correction_id, lambda: json_body(correction_answer))
    return respond(correction_out.dump(services.present(row)), version=row.version)
