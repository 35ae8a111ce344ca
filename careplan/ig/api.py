"""IG officer tools (search, export, verify, reviews, reports) and the person's access log.

IG officers see who did what to whom and why; never plan content. Every use of these
tools is itself recorded.
"""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from audit.queries import REPORTS
from audit.schemas import (
    access_log_out,
    event_page_out,
    event_query,
    head_out,
    page_query,
    report_out,
    report_query,
    review_item_out,
    review_items_out,
    review_query,
    review_schema,
    verify_out,
)
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, json_body, query_args, respond
from careplan.ig import services


@bp.get("/audit/events")
@documented(
    "Search the audit log, newest first, with a cursor", query=event_query, response=event_page_out
)
@requires(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
def search_events() -> Response:
    events, cursor = services.search(lambda: event_query.load(query_args()))
    return respond(event_page_out.dump({"events": events, "next_cursor": cursor}))


@bp.get("/audit/events.csv")
@documented(
    "Every event matching a search, as CSV (the export is recorded)",
    query=event_query,
    media_type="text/csv",
)
@requires(Permission.JOB_AUDIT_EXPORT, AuditAction.EXPORT)
def export_events() -> Response:
    args = services.start_export(lambda: event_query.load(query_args()))
    return services.csv_response(args)


@bp.get("/audit/verify")
@documented("Check the chain and the signed checkpoints", response=verify_out)
@requires(Permission.JOB_AUDIT_VERIFY, AuditAction.AUDIT_VERIFY)
def verify() -> Response:
    result = services.verify()
    return respond(verify_out.dump(result.__dict__))


@bp.get("/audit/head")
@documented(
    "The latest head of the chain, signed now, and how far behind each witness is",
    response=head_out,
)
@requires(Permission.JOB_AUDIT_VERIFY, AuditAction.AUDIT_HEAD_VIEW)
def audit_head() -> Response:
    return respond(head_out.dump(services.head()))


@bp.get("/audit/<any('break-glass','claims'):kind>")
@documented(
    "Break-glass uses or claimed relationships to review (status: pending, follow_up, "
    "open for either, reviewed, all)",
    query=review_query,
    response=review_items_out,
)
@requires(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
def list_reviews(kind: str) -> Response:
    items = services.list_reviews(kind, lambda: review_query.load(query_args()))
    return respond(review_items_out.dump(items))


@bp.post("/audit/<any('break-glass','claims'):kind>/<uuid:item_id>/review")
@documented(
    "Record the outcome of a review; when it needs follow-up (status follow_up), the same "
    "call later records what the follow-up found (appropriate or inappropriate) and "
    "finishes it; a finished review answers 409",
    body=review_schema,
    response=review_item_out,
    errors=(409,),
)
@requires(Permission.JOB_AUDIT_REVIEW, services.review_action)
def review_item(kind: str, item_id: uuid.UUID) -> Response:
    item = services.review(kind, item_id, lambda: json_body(review_schema))
    return respond(review_item_out.dump(item))


@bp.get("/audit/reports/<kind>")
@documented(
    "Unusual access: denied (refused by the access policy: never invalid input, conflicts "
    "or failures), many_people, out_of_hours (before 08:00 or from 18:00 UK time), "
    "break_glass (emergency access used), "
    "break_glass_refused (emergency access refused), purposes (accesses and people by "
    "purpose of access; `purpose` filters any report)",
    query=report_query,
    response=report_out,
    path_values={"kind": REPORTS},
)
@requires(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
def unusual_access(kind: str) -> Response:
    rows = services.report(kind, lambda: report_query.load(query_args()))
    return respond(report_out.dump({"report": kind, "rows": rows}))


def _access_log(person_id: uuid.UUID) -> Response:
    entries, cursor = services.access_log(person_id, lambda: page_query.load(query_args()))
    return respond(access_log_out.dump({"entries": entries, "next_cursor": cursor}))


@bp.get("/people/<uuid:person_id>/access-log")
@documented(
    "Who has looked at this plan, when, what and why", query=page_query, response=access_log_out
)
@requires(Permission.PERSON_ACCESS_LOG_VIEW, AuditAction.ACCESSLOG_VIEW)
def person_access_log(person_id: uuid.UUID) -> Response:
    return _access_log(person_id)


@bp.get("/me/access-log")
@documented("Who has looked at your plan (individuals)", query=page_query, response=access_log_out)
@requires(Permission.PERSON_ACCESS_LOG_VIEW, AuditAction.ACCESSLOG_VIEW, person=OWN_PERSON)
def my_access_log() -> Response:
    return _access_log(services.my_person_for_log())
