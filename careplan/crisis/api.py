"""Crisis events in the JSON API."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, json_body, respond
from careplan.crisis import services
from careplan.crisis.schemas import crises_out, crisis_create, crisis_out

CRISES = "/people/<uuid:person_id>/crisis-events"


@bp.get(CRISES)
@documented(
    "The person's crisis events the caller may see, and whether each was followed up (each "
    "event is seen as the section its kind is about: an overdose as substance use)",
    response=crises_out,
)
@requires(Permission.CRISIS_VIEW, AuditAction.CRISIS_LIST)
def list_crisis_events(person_id: uuid.UUID) -> Response:
    return respond(crises_out.dump([services.present(r) for r in services.events(person_id)]))


@bp.post(CRISES)
@documented(
    "Record a crisis event (near-fatal overdose, eviction or loss of accommodation, release "
    "from prison, hospital discharge) with a follow-up owner and deadline",
    body=crisis_create,
    response=crisis_out,
    status=201,
    errors=(422,),
)
@requires(Permission.CRISIS_RECORD, AuditAction.CRISIS_CREATE)
def record_crisis_event(person_id: uuid.UUID) -> Response:
    row = services.record_event(person_id, lambda: json_body(crisis_create))
    return respond(crisis_out.dump(services.present(row)), 201)
