"""IG officer tools (search, export, verify, reviews, reports) and the person's access log.

IG officers see who did what to whom and why; never plan content. Every use of these
tools is itself recorded.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator

from flask import Response, current_app, g, request, stream_with_context

from audit import plain, queries, reviews
from audit.actions import AuditAction, Outcome
from audit.chain import CHAINED_FIELDS
from audit.log import open_justification, record
from audit.schemas import (
    access_log_out,
    event_page_out,
    event_query,
    page_query,
    report_query,
    review_item_out,
    review_items_out,
    review_query,
    review_schema,
    verify_out,
)
from audit.verify import verify_chain
from careplan.accounts.models import Role
from careplan.api.blueprint import bp
from careplan.api.http import documented, json_body, respond
from careplan.core.clock import iso
from careplan.core.errors import NotFound
from careplan.extensions import db
from consent.decision import Action
from consent.guard import person_facts, require, require_role

REVIEW_ACTIONS = {"break-glass": AuditAction.BREAKGLASS_REVIEW, "claims": AuditAction.CLAIM_REVIEW}


def _filters_for_audit(args: dict) -> dict:
    return {
        k: (iso(v) if hasattr(v, "isoformat") and k in ("from_", "to") else v)
        for k, v in args.items()
        if k not in ("cursor", "limit")
    }


def _event(row: dict) -> dict:
    return {
        **{k: row[k] for k in CHAINED_FIELDS},
        "occurred_at": iso(row["occurred_at"]),
        "justification": open_justification(row),
    }


@bp.get("/audit/events")
@documented(
    "Search the audit log, newest first, with a cursor", query=event_query, response=event_page_out
)
def search_events() -> Response:
    require_role(Role.IG_OFFICER, AuditAction.AUDIT_SEARCH)
    args = event_query.load(request.args.to_dict())
    rows, cursor = queries.search(db.session, args, args["limit"], args.get("cursor"))
    record(
        AuditAction.AUDIT_SEARCH,
        person_id=args.get("person"),
        details={"filters": _filters_for_audit(args), "returned": len(rows)},
    )
    return respond(
        event_page_out.dump({"events": [_event(r) for r in rows], "next_cursor": cursor})
    )


@bp.get("/audit/events.csv")
@documented("Every event matching a search, as CSV (the export is recorded)", query=event_query)
def export_events() -> Response:
    require_role(Role.IG_OFFICER, AuditAction.EXPORT)
    args = event_query.load(request.args.to_dict())
    args.pop("cursor", None)
    record(
        AuditAction.EXPORT,
        person_id=args.get("person"),
        details={"format": "csv", "filters": _filters_for_audit(args)},
    )
    # The export's own record is committed before the first row is sent.
    from careplan.core.transaction import commit_now

    commit_now()
    session = db.session

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CHAINED_FIELDS)
        for row in queries.stream(session, args):
            writer.writerow([_csv_value(_event(row)[k]) for k in CHAINED_FIELDS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=audit-events.csv"
    return response


def _csv_value(value: object) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start with these as formulas: neutralise them.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@bp.get("/audit/verify")
@documented("Check the chain and the signed checkpoints", response=verify_out)
def verify() -> Response:
    require_role(Role.IG_OFFICER, AuditAction.AUDIT_VERIFY)
    result = verify_chain(db.session, current_app.extensions["careplan.checkpoints"].signer.public)
    record(
        AuditAction.AUDIT_VERIFY,
        outcome=Outcome.PERMIT,
        details={"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq},
    )
    return respond(verify_out.dump(result.__dict__))


@bp.get("/audit/<any('break-glass','claims'):kind>")
@documented(
    "Break-glass uses or claimed relationships to review",
    query=review_query,
    response=review_items_out,
)
def list_reviews(kind: str) -> Response:
    require_role(Role.IG_OFFICER, AuditAction.AUDIT_SEARCH)
    status = review_query.load(request.args.to_dict())["status"]
    items = reviews.pending(db.session, kind, status)
    record(
        AuditAction.AUDIT_SEARCH,
        details={"reviews": kind, "status": status, "returned": len(items)},
    )
    return respond(review_items_out.dump(items))


@bp.post("/audit/<any('break-glass','claims'):kind>/<uuid:item_id>/review")
@documented("Record the outcome of a review", body=review_schema, response=review_item_out)
def review_item(kind: str, item_id: uuid.UUID) -> Response:
    action = REVIEW_ACTIONS[kind]
    require_role(Role.IG_OFFICER, action)
    data = json_body(review_schema)
    row = reviews.review(db.session, kind, item_id, data, g.user)
    item = reviews.present(db.session, kind, row)
    record(
        action,
        person_id=item["person_id"],
        details={"kind": item["kind"], "id": item_id, "outcome": data["outcome"]},
    )
    return respond(review_item_out.dump(item))


@bp.get("/audit/reports/<kind>")
@documented("Unusual access: denied, many_people, out_of_hours, break_glass", query=report_query)
def unusual_access(kind: str) -> Response:
    require_role(Role.IG_OFFICER, AuditAction.AUDIT_SEARCH)
    if kind not in queries.REPORTS:
        raise NotFound("Reports: " + ", ".join(queries.REPORTS) + ".")
    args = report_query.load(request.args.to_dict())
    rows = queries.report(db.session, kind, args, args.get("threshold"))
    record(AuditAction.AUDIT_SEARCH, details={"report": kind, "returned": len(rows)})
    return respond({"report": kind, "rows": [{**r, "actor_id": str(r["actor_id"])} for r in rows]})


def _access_log(person_id: uuid.UUID) -> Response:
    facts = person_facts(person_id, AuditAction.ACCESSLOG_VIEW)
    decision = require(facts, None, Action.VIEW_ACCESS_LOG, AuditAction.ACCESSLOG_VIEW)
    args = page_query.load(request.args.to_dict())
    rows, cursor = queries.person_log(db.session, person_id, args["limit"], args.get("cursor"))
    titles = {k.key: k.title for k in current_app.extensions["careplan.catalogue"]}
    record(AuditAction.ACCESSLOG_VIEW, person_id=person_id, basis={"plan": decision.basis})
    return respond(
        access_log_out.dump(
            {"entries": [plain.entry(r, titles) for r in rows], "next_cursor": cursor}
        )
    )


@bp.get("/people/<uuid:person_id>/access-log")
@documented(
    "Who has looked at this plan, when, what and why", query=page_query, response=access_log_out
)
def person_access_log(person_id: uuid.UUID) -> Response:
    return _access_log(person_id)


@bp.get("/me/access-log")
@documented("Who has looked at your plan (individuals)", query=page_query, response=access_log_out)
def my_access_log() -> Response:
    if not g.user.is_individual or g.user.person_id is None:
        record(AuditAction.ACCESSLOG_VIEW, Outcome.DENY, reason="role")
        raise NotFound("You have no plan linked to your account.")
    return _access_log(g.user.person_id)
