"""Supporters in the JSON API (API.md, "The living plan": `POST /people/{id}/supporters`)."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, json_body, respond
from careplan.supporters import services
from careplan.supporters.schemas import supporter_create, supporter_out, supporters_out


@bp.post("/people/<uuid:person_id>/supporters")
@documented(
    "Invite a family member, carer or advocate to see chosen sections until a date; the "
    "answer holds the invitation code, once (basis supporter:<id>)",
    body=supporter_create,
    response=supporter_out,
    status=201,
    errors=(409,),
)
@requires(Permission.SUPPORTER_INVITE, AuditAction.SUPPORTER_INVITE)
def invite_supporter(person_id: uuid.UUID) -> Response:
    invited = services.invite(person_id, lambda: json_body(supporter_create))
    return respond(supporter_out.dump(services.present(invited.supporter, invited.code)), 201)


@bp.get("/people/<uuid:person_id>/supporters")
@documented(
    "The person's supporters, current and past, and what each can see until when",
    response=supporters_out,
)
@requires(Permission.SUPPORTER_VIEW, AuditAction.SUPPORTER_LIST)
def list_supporters(person_id: uuid.UUID) -> Response:
    rows = services.listed(person_id)
    return respond(supporters_out.dump([services.present(r) for r in rows]))


@bp.post("/people/<uuid:person_id>/supporters/<uuid:supporter_id>/end")
@documented(
    "Stop sharing with a supporter now (no If-Match: a person's withdrawal is never blocked)",
    response=supporter_out,
)
@requires(Permission.SUPPORTER_END, AuditAction.SUPPORTER_END)
def end_supporter(person_id: uuid.UUID, supporter_id: uuid.UUID) -> Response:
    row = services.end(person_id, supporter_id)
    return respond(supporter_out.dump(services.present(row)))
