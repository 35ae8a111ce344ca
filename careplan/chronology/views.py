"""The chronology page."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, request

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.chronology import services
from careplan.identity.web import signed_in_required
from careplan.web.pages import render

bp = Blueprint("chronology", __name__)


@bp.get("/people/<uuid:person_id>/chronology")
@signed_in_required
@requires(Permission.CHRONOLOGY_VIEW, AuditAction.CHRONOLOGY_VIEW)
def chronology(person_id: uuid.UUID) -> Any:
    with_errors = request.args.get("include") == "entered_in_error"
    items, context, withheld = services.timeline(person_id, with_errors)
    return render(
        "chronology/timeline.html",
        page_title="Chronology",
        person=context.person,
        items=items,
        withheld=bool(withheld),
        with_errors=with_errors,
    )
