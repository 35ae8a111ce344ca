"""The chronology in the JSON API."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, request

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.chronology import services
from careplan.chronology.schemas import chronology_out, chronology_query
from careplan.core.api_blueprint import bp
from careplan.core.clock import iso
from careplan.core.http import documented, respond


@bp.get("/people/<uuid:person_id>/chronology")
@documented(
    "One timeline of the person's significant events across agencies, newest first, each "
    "item as the caller may see it (`withheld`: the sections and kinds left out)",
    response=chronology_out,
    query=chronology_query,
)
@requires(Permission.CHRONOLOGY_VIEW, AuditAction.CHRONOLOGY_VIEW)
def chronology(person_id: uuid.UUID) -> Response:
    # The purpose of access rides in the query too (careplan.access.purposes).
    args = chronology_query.load(
        {k: v for k, v in request.args.items() if k in ("include", "about")}
    )
    items, _, withheld = services.timeline(
        person_id, args.get("include") == "entered_in_error", args.get("about")
    )
    body = {
        "items": [
            {
                "on": i.on,
                "at": iso(i.at),
                "kind": i.kind,
                "title": i.title,
                "by": i.by,
                "agency": i.agency,
                "text": i.text,
                "section": i.section,
                "entered_in_error": _error(i),
                "about": i.extra.get("about"),
            }
            for i in items
        ],
        "withheld": withheld,
    }
    return respond(chronology_out.dump(body))


def _error(item: services.Item) -> dict[str, Any] | None:
    error = item.extra.get("entered_in_error")
    if error is None:
        return None
    return {"at": iso(error["at"]), "reason": error["reason"], "by": error["by"]}
