"""The chronology page, and an action's own page with the updates about it (the
chronology's updates about that action: this layer reads both tasks and updates)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, request
from marshmallow import ValidationError

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.access.policy import decide, decide_on
from careplan.chronology import services
from careplan.chronology.schemas import chronology_query
from careplan.core.errors import BadRequest, NotFound
from careplan.identity.web import signed_in_required
from careplan.tasks import services as tasks
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


@bp.get("/people/<uuid:person_id>/actions/<uuid:task_id>")
@signed_in_required
@requires(Permission.TASK_VIEW, AuditAction.TASK_LIST, locate=tasks.locate)
def action(person_id: uuid.UUID, task_id: uuid.UUID) -> Any:
    """One action: what, who, by when, its status, and the updates about it that the
    caller may see (newest first; the chronology's, so each is decided as there). A task
    owner outside the care team sees the action only. One audit record: the chronology's
    view of the updates about it, or the action's view (`task.list`) without them."""
    task, context = tasks.one_task(task_id)
    if task.person_id != person_id:
        raise NotFound(tasks.TASK_NOT_FOUND)
    items = None
    if decide_on(context, Permission.CHRONOLOGY_VIEW).permit:
        items, context, _ = services.timeline(person_id, about=f"action:{task_id}")
    else:
        record(
            AuditAction.TASK_LIST,
            person_id=person_id,
            details={"task_id": task_id, "view": "action"},
        )
    shown = tasks.present(task)
    resource = tasks.resource(task)
    allowed = decide(context, resource, Permission.TASK_STATUS).permit
    shown["can_change"] = allowed and tasks.status_changes_here(task)
    return render(
        "chronology/action.html",
        page_title=task.title,
        page_label="Action",
        person=context.person,
        task=shown,
        items=items,
        plan_link=decide_on(context, Permission.PLAN_VIEW).permit,
    )
