"""The chronology page."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, request
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.chronology import services
from careplan.chronology.schemas import chronology_query
from careplan.core.errors import BadRequest
from careplan.identity.web import signed_in_required
from careplan.web.pages import render

bp = Blueprint("chronology", __name__)


@bp.get("/people/<uuid:person_id>/chronology")
@signed_in_required
@requires(Permission.CHRONOLOGY_VIEW, AuditAction.CHRONOLOGY_VIEW)
def chronology(person_id: uuid.UUID) -> Any:
    with_errors = request.args.get("include") == "entered_in_error"
    try:
        about = chronology_query.load({"about": request.args["about"]})["about"]
    except KeyError:
        about = None
    except ValidationError as exc:
        raise BadRequest("That is not a goal or an action of this plan.") from exc
    items, context, withheld = services.timeline(person_id, with_errors, about)
    subject = next((i.extra["about"] for i in items if i.extra.get("about")), None)
    return render(
        "chronology/timeline.html",
        page_title="Updates about this" if about else "Chronology",
        person=context.person,
        items=items,
        withheld=bool(withheld),
        with_errors=with_errors,
        about=about,
        subject=subject,
    )
