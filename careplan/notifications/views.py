"""Your notifications and how you are told of them: pages for everyone signed in.

`/me/notifications`: the list (the design system's search results and pagination
patterns, a tag for what is new); opening one marks it read and goes to what it is about.
`/me/notification-preferences`: email, text or in-app only (radio buttons, with the
mobile number a text needs; the error summary pattern for a problem).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core import transaction
from careplan.core.database import reading
from careplan.core.errors import ApiError
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.notifications import queries, services
from careplan.notifications.models import Choice
from careplan.notifications.schemas import preference_in
from careplan.web.pages import loader, refused, render

bp = Blueprint("notifications", __name__, url_prefix="/me")
PAGE_SIZE = 20
CHOICES = {
    Choice.EMAIL: "By email",
    Choice.SMS: "By text message",
    Choice.IN_APP: "Only here, when I sign in",
}


@bp.app_context_processor
def _unread_count() -> dict[str, int | None]:
    """For every page: how many notifications the signed-in account has not read (the
    count beside Notifications in the header; None when nobody is signed in). A page
    that only shows reads it in its request's transaction, before the commit it is made
    after (careplan.web.pages.render): one statement. Any other page (an error page, a
    form sent back) reads it on a read-only connection of its own, whatever state the
    request's transaction is in (careplan.core.database.reading)."""
    user = g.get("user")
    if user is None or getattr(user, "id", None) is None:
        return {"unread_notifications": None}
    if transaction.layout_in_transaction():
        return {"unread_notifications": queries.unread_count(db.session, user.id)}
    with reading() as connection:
        return {"unread_notifications": queries.unread_count(connection, user.id)}


@bp.get("/notifications")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_LIST)
def notifications() -> Any:
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and 1 <= int(raw) <= 50_000 else 1
    shown = services.my_notifications(
        lambda: {"unread": False, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    )
    pages = max(1, -(-shown.total // PAGE_SIZE))
    return render(
        "notifications/list.html",
        page_title="Notifications",
        shown=shown,
        page=min(page, pages),
        pages=pages,
    )


@bp.get("/notifications/<uuid:notification_id>")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_READ)
def open_notification(notification_id: uuid.UUID) -> Any:
    """Mark it read and go to what it is about (404 if it is not the caller's)."""
    shown = services.read(notification_id)
    return redirect(shown["link"])


@bp.post("/notifications/read")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_READ)
def read_all() -> Any:
    services.read_all()
    return redirect(url_for("notifications.notifications", done="notifications_read"))


@bp.route("/notification-preferences", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.NOTIFICATION_PREFERENCES)
def preferences() -> Any:
    if request.method == "GET":
        current = services.preference()
        form = {"choice": current["choice"].value, "phone": current["phone"] or ""}
        return _preferences_page(form, {}, current["default"])
    form = {
        "choice": request.form.get("choice", ""),
        "phone": request.form.get("phone", "").strip(),
    }
    data = {"choice": form["choice"] or None, "phone": form["phone"] or None}
    if data["choice"] is None:
        data.pop("choice")
    try:
        services.choose(loader(preference_in, data))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        return _preferences_page(form, errors, False, status)
    return redirect(url_for("notifications.preferences", done="preferences_saved"))


def _preferences_page(
    form: dict[str, str], errors: dict[str, list[str]], default: bool, status: int = 200
) -> Any:
    return render(
        "notifications/preferences.html",
        status,
        page_title="How we tell you about notifications",
        form=form,
        errors=errors,
        default=default,
        options=[(c.value, label) for c, label in CHOICES.items()],
        individual=g.user.is_individual,
    )
