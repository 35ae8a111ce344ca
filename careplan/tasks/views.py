"""Task pages: "My tasks" across people, a person's actions, and marking one done."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.access.policy import decide, decide_on
from careplan.core.errors import ApiError
from careplan.identity.web import signed_in_required
from careplan.tasks import services
from careplan.tasks.schemas import task_status
from careplan.web.pages import form_values, loader, refused, render
from careplan.web.schemas import version_only

bp = Blueprint("tasks", __name__)

DONE_WORDS = {
    "done": "The action is marked as done.",
    "cancelled": "The action is cancelled.",
    "open": "The action is open again.",
}


@bp.get("/my-tasks")
@signed_in_required
@requires(Permission.JOB_MY_TASKS, AuditAction.TASK_MINE)
def mine() -> Any:
    # Each button only where the policy would allow it, decided on the context the task
    # was shown by (no query); the routes decide again when one is pressed.
    rows = [
        {
            **services.present(task, with_person=True),
            "can_change": decide(context, services.resource(task), Permission.TASK_STATUS).permit
            and services.status_changes_here(task),
            "can_answer": decide_on(context, Permission.CORRECTION_ANSWER).permit,
        }
        for task, context in services.my_tasks_decided()
    ]
    return render(
        "tasks/mine.html",
        page_title="My tasks",
        tasks=rows,
        done=DONE_WORDS.get(request.args.get("done", "")),
        problem=request.args.get("problem") == "status",
    )


@bp.get("/people/<uuid:person_id>/tasks")
@signed_in_required
@requires(Permission.TASK_VIEW, AuditAction.TASK_LIST)
def person_tasks(person_id: uuid.UUID) -> Any:
    rows, context, own_only = services.person_tasks(person_id)
    shown = []
    answers = decide_on(context, Permission.CORRECTION_ANSWER).permit
    for task in rows:
        # Each button only where the policy would allow it (decided on the context at
        # hand: no query); the route decides again when it is pressed.
        resource = services.resource(task)
        allowed = decide(context, resource, Permission.TASK_STATUS).permit
        changed = allowed and services.status_changes_here(task)
        shown.append({**services.present(task), "can_change": changed, "can_answer": answers})
    # The updates about each action are in the chronology (careplan.chronology, a layer
    # above), for whoever may open it (a task owner outside the care team may not).
    updates = decide_on(context, Permission.CHRONOLOGY_VIEW).permit
    return render(
        "tasks/person.html",
        page_title="Actions",
        person=context.person,
        tasks=shown,
        own_only=own_only,
        updates_link=updates,
        done=DONE_WORDS.get(request.args.get("done", "")),
    )


@bp.post("/tasks/<uuid:task_id>/status")
@signed_in_required
@requires(Permission.TASK_STATUS, AuditAction.TASK_STATUS, locate=services.locate)
def change_status(task_id: uuid.UUID) -> Any:
    form = form_values(("status", "note", "version", "back"))
    back = form.get("back") if form.get("back") in ("mine", "person") else "mine"
    try:
        expected = version_only.load({"version": form.get("version", "")})["version"]
        body = {k: form[k] for k in ("status", "note") if k in form}
        task = services.change_status(task_id, loader(task_status, body), expected)
    except (ApiError, ValidationError) as exc:
        refused(exc)
        return redirect(url_for("tasks.mine", problem="status"))
    if back == "person":
        return redirect(
            url_for("tasks.person_tasks", person_id=task.person_id, done=task.status.value)
        )
    return redirect(url_for("tasks.mine", done=task.status.value))
