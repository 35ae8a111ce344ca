"""Shared actions (tasks) in the JSON API: a person's, one's status, and the caller's own."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_REQUIRED, documented, json_body, respond
from careplan.tasks import services
from careplan.tasks.schemas import task_create, task_out, task_status, tasks_out

TASKS = "/people/<uuid:person_id>/tasks"


@bp.get(TASKS)
@documented(
    "The person's shared actions the caller may see, open ones soonest first: each as the "
    "section it is about, a meeting's as what was said there; a task owner outside the "
    "care team sees only their own",
    response=tasks_out,
)
@requires(Permission.TASK_VIEW, AuditAction.TASK_LIST)
def list_tasks(person_id: uuid.UUID) -> Response:
    rows, _, _ = services.person_tasks(person_id)
    return respond(tasks_out.dump([services.present(t) for t in rows]))


@bp.post(TASKS)
@documented(
    "Give someone an action for the person (they are notified); 422 for an owner who "
    "could not open it (their agreement, the person's refusal or withdrawal)",
    body=task_create,
    response=task_out,
    status=201,
    errors=(422,),
    versioned=True,
)
@requires(Permission.TASK_CREATE, AuditAction.TASK_CREATE)
def add_task(person_id: uuid.UUID) -> Response:
    task = services.add_task(person_id, lambda: json_body(task_create))
    return respond(task_out.dump(services.present(task)), 201, version=task.version)


@bp.post("/tasks/<uuid:task_id>/status")
@documented(
    "Mark an action done or cancelled, or reopen it (If-Match: the task's version): its "
    "owner, the key worker or a cover; a correction's action closes when it is answered "
    "(409 otherwise)",
    body=task_status,
    response=task_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(409, 422),
)
@requires(Permission.TASK_STATUS, AuditAction.TASK_STATUS, locate=services.locate)
def task_status_change(task_id: uuid.UUID) -> Response:
    task = services.change_status(task_id, lambda: json_body(task_status))
    return respond(task_out.dump(services.present(task)), version=task.version)


@bp.get("/me/tasks")
@documented(
    "Open actions owned by you or your organisation, across people, soonest first",
    response=tasks_out,
)
@requires(Permission.JOB_MY_TASKS, AuditAction.TASK_MINE)
def my_tasks() -> Response:
    rows = services.my_tasks()
    return respond(tasks_out.dump([services.present(t, with_person=True) for t in rows]))
