"""The access log as pages: who has looked at a person's plan, in plain words (the
person's own page in careplan.me uses the same page function)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, request

from audit.actions import AuditAction
from audit.schemas import page_query
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.identity.web import signed_in_required
from careplan.ig import services
from careplan.web.pages import loader, render

bp = Blueprint("access_log", __name__)


def access_log_page(person_id: uuid.UUID, mine: bool) -> Any:
    args = {k: v for k, v in request.args.items() if k in ("cursor",)}
    entries, cursor = services.access_log(person_id, loader(page_query, args))
    return render(
        "ig/access_log.html",
        page_title="Who has looked at my plan" if mine else "Who has looked at this plan",
        person_id=person_id,
        mine=mine,
        entries=entries,
        cursor=cursor,
    )


@bp.get("/people/<uuid:person_id>/access-log")
@signed_in_required
@requires(Permission.PERSON_ACCESS_LOG_VIEW, AuditAction.ACCESSLOG_VIEW)
def person(person_id: uuid.UUID) -> Any:
    return access_log_page(person_id, False)
