"""Information governance: the audit log, reviews, unusual access, checking the log.

Nothing here reads a plan: the audit log holds who did what to whom and why, never content.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from audit import plain, queries
from audit.actions import AuditAction, Outcome, Purpose
from audit.schemas import event_query, report_query, review_query, review_schema
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.accounts import staff_search
from careplan.agencies.models import Agency
from careplan.core import days
from careplan.core.errors import ApiError
from careplan.extensions import db
from careplan.identity.web import recent_auth_required, signed_in_required
from careplan.ig import services as ig_services
from careplan.plans.access import catalogue
from careplan.web import staff_picker
from careplan.web.pages import form_values, load, loader, refused, render

bp = Blueprint("ig", __name__, url_prefix="/ig")

FILTERS = (
    "person",
    "person_name",
    "date_of_birth",
    "actor",
    "agency",
    "action",
    "outcome",
    "for_purpose",
    "from",
    "to",
)
# What each outcome means, in the words the page shows (audit.actions.Outcome).
OUTCOME_WORDS = {
    Outcome.PERMIT.value: "Allowed",
    Outcome.DENY.value: "Refused",
    Outcome.INVALID.value: "Not valid, nothing done",
    Outcome.CONFLICT.value: "Conflict, nothing done",
    Outcome.FAILED.value: "Failed, nothing done",
}
REVIEW_OUTCOMES = [
    ("appropriate", "Appropriate"),
    ("inappropriate", "Not appropriate"),
    ("needs_follow_up", "Needs follow-up"),
]
# What a follow-up can find: it finishes the review (careplan.ig.reviews).
FOLLOW_UP_OUTCOMES = REVIEW_OUTCOMES[:2]
# The page's filters: what is still to do (waiting for review or for follow-up) first.
REVIEW_FILTERS = [
    ("open", "to do"),
    ("pending", "waiting for review"),
    ("follow_up", "waiting for follow-up"),
    ("reviewed", "finished"),
    ("all", "all"),
]


def _filters() -> dict[str, str]:
    """The search's filters as typed; a date of birth typed in the date input pattern's
    boxes (`date_of_birth-day` etc.) comes back as one value (careplan.core.days)."""
    found = {k: v.strip() for k, v in request.args.items() if k in FILTERS and v.strip()}
    boxes = [(request.args.get(f"date_of_birth-{part}") or "").strip() for part in days.PARTS]
    if any(boxes):
        found["date_of_birth"] = days.from_parts(*(box[:10] for box in boxes))
    return found


@bp.get("/audit")
@signed_in_required
@requires(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
def events() -> Any:
    filters = _filters()
    span, errors = days.typed_range(filters.get("from"), filters.get("to"))
    if errors:
        return _events_page(filters, [], None, errors, 400)
    query = {
        **filters,
        **span,
        **({"cursor": request.args["cursor"]} if request.args.get("cursor") else {}),
    }
    data, errors = load(event_query, query)
    if errors:
        return _events_page(filters, [], None, errors, 400)
    own = request.args.get("own_searches") == "1"
    try:
        rows, cursor = ig_services.search(lambda: data, own_searches=own)
    except ApiError as exc:  # the person named matches nobody, or more than one
        errors, status = refused(exc)
        return _events_page(filters, [], None, errors, status, own)
    return _events_page(filters, rows, cursor, {}, 200, own)


def _events_page(
    filters: dict, rows: list, cursor: Any, errors: dict, status: int = 200, own: bool = False
) -> Any:
    """The audit log page: each event in plain words (audit.plain.staff_what, staff_why),
    times in Scotland's local time; `own`: the officer's own searches are shown."""
    # "Member of staff" is search then choose (careplan.web.staff_picker): every staff
    # account of every agency, deactivated ones too (the log outlives them), never listed
    # in full when there are many.
    everyone = staff_search.pool(role=None, active_only=False)
    picker = staff_picker.pick(everyone, filters.get("actor"))
    return render(
        "ig/events.html",
        status,
        page_title="Audit log",
        filters=filters,
        rows=rows,
        cursor=cursor,
        errors=errors,
        picker=picker,
        agencies=list(db.session.scalars(select(Agency).order_by(Agency.name))),
        actions=sorted(
            ((a.value, plain.staff_what(a.value)) for a in AuditAction), key=lambda p: p[1]
        ),
        what=plain.staff_what,
        titles={k.key: k.title for k in catalogue()},
        why=plain.staff_why,
        own_searches=own,
        outcomes=list(OUTCOME_WORDS.items()),
        outcome_words=OUTCOME_WORDS,
        purposes=list(Purpose),
    )


@bp.get("/audit.csv")
@recent_auth_required
@requires(Permission.JOB_AUDIT_EXPORT, AuditAction.EXPORT)
def export() -> Any:
    filters = _filters()
    span, errors = days.typed_range(filters.get("from"), filters.get("to"))
    if errors:  # the search page says what to correct
        return redirect(url_for("ig.events", **filters))
    try:
        args = ig_services.start_export(loader(event_query, {**filters, **span}))
    except ValidationError:
        return redirect(url_for("ig.events", **filters))
    return ig_services.csv_response(args)


@bp.get("/reviews")
@signed_in_required
@requires(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
def reviews() -> Any:
    return _reviews_page({}, {}, None)


def _reviews_page(form: dict, errors: dict, failed: str | None, status: int = 200) -> Any:
    status_filter = request.args.get("status", "open")
    args = {"status": status_filter}
    data, problems = load(review_query, args)
    if problems:
        data = {"status": "open"}
    return render(
        "ig/reviews.html",
        status,
        page_title="Reviews of emergency access and claimed relationships",
        status_filter=data["status"],
        break_glass=ig_services.list_reviews("break-glass", lambda: data),
        claims=ig_services.list_reviews("claims", lambda: data),
        outcomes=REVIEW_OUTCOMES,
        follow_up_outcomes=FOLLOW_UP_OUTCOMES,
        filters=REVIEW_FILTERS,
        titles={k.key: k.title for k in catalogue()},
        form=form,
        errors=errors,
        failed=failed,
    )


@bp.post("/reviews/<any('break-glass','claims'):kind>/<uuid:item_id>")
@signed_in_required
@requires(Permission.JOB_AUDIT_REVIEW, ig_services.review_action)
def review(kind: str, item_id: uuid.UUID) -> Any:
    form = form_values(("outcome", "note"))
    try:
        item = ig_services.review(kind, item_id, loader(review_schema, form))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        return _reviews_page(form, errors, str(item_id), status)
    done = "followed_up" if item["follow_up_outcome"] else "reviewed"
    return redirect(url_for("ig.reviews", done=done))


@bp.get("/reports")
@signed_in_required
@requires(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
def reports() -> Any:
    kind = request.args.get("kind", "denied")
    if kind not in queries.REPORTS:
        kind = "denied"
    args = {
        k: v
        for k, v in request.args.items()
        if k in ("from", "to", "threshold", "for_purpose") and v
    }
    span, errors = days.typed_range(args.get("from"), args.get("to"))
    if not errors:
        data, errors = load(report_query, {**args, **span})
    if errors:
        rows: list = []
    else:
        rows = ig_services.report(kind, lambda: data)
    return render(
        "ig/reports.html",
        400 if errors else 200,
        page_title="Unusual access",
        kind=kind,
        kinds=queries.REPORTS,
        purposes=list(Purpose),
        args=args,
        rows=rows,
        errors=errors,
    )


@bp.get("/verify")
@signed_in_required
@requires(Permission.JOB_AUDIT_VERIFY, AuditAction.AUDIT_VERIFY)
def verify() -> Any:
    result = ig_services.verify() if request.args.get("run") == "1" else None
    return render(
        "ig/verify.html",
        page_title="Check the log is intact",
        result=result,
        state=ig_services.verification_state(),
        witnesses=ig_services.witness_lag(),
        archived=ig_services.archived(),
    )
