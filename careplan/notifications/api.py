"""The caller's notifications and choice of channel over the API (API.md, "Coming
resources": `/me/notifications`)."""

from __future__ import annotations

import uuid

from flask import Response, request, url_for

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, json_body, query_args, respond
from careplan.notifications import services
from careplan.notifications.schemas import (
    notification_out,
    notification_query,
    notifications_out,
    preference_in,
    preference_out,
)


@bp.get("/me/notifications")
@documented(
    "Your notifications, newest first, a page at a time (X-Total-Count: how many in all; "
    "X-Unread-Count: how many not read yet; Link rel=next: the next page). Content-free: "
    "a kind, its sentence and a link inside the service",
    query=notification_query,
    response=notifications_out,
)
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_LIST)
def my_notifications() -> Response:
    query: dict = {}

    def load() -> dict:
        query.update(notification_query.load(query_args()))
        return query

    page = services.my_notifications(load)
    response = respond(notifications_out.dump(page.notifications))
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["X-Unread-Count"] = str(page.unread)
    following = query["offset"] + query["limit"]
    if following < page.total:
        args = {k: v for k, v in request.args.to_dict().items() if k != "offset"}
        link = url_for("api.my_notifications", **args, offset=following)
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response


@bp.post("/me/notifications/<uuid:notification_id>/read")
@documented("Mark one of your notifications read", response=notification_out, errors=(404,))
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_READ)
def read_notification(notification_id: uuid.UUID) -> Response:
    return respond(notification_out.dump(services.read(notification_id)))


@bp.post("/me/notifications/read")
@documented("Mark all your notifications read; answers how many were marked")
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_READ)
def read_all_notifications() -> Response:
    return respond({"marked": services.read_all()})


@bp.get("/me/notification-preferences")
@documented("How you are told of new notifications", response=preference_out)
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_PREFERENCES)
def my_notification_preferences() -> Response:
    return respond(preference_out.dump(services.preference()))


@bp.put("/me/notification-preferences")
@documented(
    "Choose how you are told: by email, by text (give a mobile number) or in this "
    "service only. The in-app list is always kept",
    body=preference_in,
    response=preference_out,
)
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_PREFERENCES)
def set_notification_preferences() -> Response:
    return respond(preference_out.dump(services.choose(lambda: json_body(preference_in))))
