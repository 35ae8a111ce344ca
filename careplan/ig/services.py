"""IG tools and the person's access log, shared by the JSON API and the web pages.

Each returns plain data; never plan content (the audit log holds none).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Response, current_app, g, stream_with_context
from sqlalchemy import select

from audit import archive, plain, queries, verified, witnesses
from audit.actions import AuditAction, Outcome
from audit.chain import CHAINED_FIELDS
from audit.log import open_justification, record
from audit.models import AuditHead
from audit.verify import MIN_SEGMENT, VerifyResult, cpu_processes
from careplan.access.permissions import Permission
from careplan.access.pipeline import person_context, require, require_job
from careplan.core import clock, spreadsheet
from careplan.core.clock import iso
from careplan.core.errors import NotFound
from careplan.extensions import db
from careplan.ig import finding, reviews
from careplan.supporters import services as supporters

REVIEW_ACTIONS = {"break-glass": AuditAction.BREAKGLASS_REVIEW, "claims": AuditAction.CLAIM_REVIEW}


def review_action(values: Mapping[str, Any]) -> AuditAction:
    """The audit action of a review route, by the kind in its URL."""
    return REVIEW_ACTIONS[values["kind"]]


# How the person was named stays out of the record's details: the record's person_id
# says who, and a CHI or a name and birth date is personal data the log need not copy.
PERSON_FILTERS = ("person", "person_name", "date_of_birth")


def filters_for_audit(args: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (iso(v) if hasattr(v, "isoformat") and k in ("from_", "to") else v)
        for k, v in args.items()
        if k not in ("cursor", "limit", *PERSON_FILTERS)
    }


def with_person(args: dict[str, Any]) -> tuple[dict[str, Any], finding.Found | None]:
    """The search's filters with the person the IG officer named (a record id, a CHI
    number, or a name and date of birth: careplan.ig.finding) as the record ids the log
    holds them under. Raises NotFound or BadRequest (recorded as an invalid attempt)."""
    found = finding.find(db.session, args)
    filters = {k: v for k, v in args.items() if k not in PERSON_FILTERS}
    if found is not None:
        filters["person"] = list(found.record_ids)
    return filters, found


def _person_details(found: finding.Found | None) -> dict[str, Any]:
    if found is None:
        return {}
    joined = {"joined_records": len(found.record_ids) - 1} if len(found.record_ids) > 1 else {}
    return {"found_by": found.how, **joined}


def event(row: Any) -> dict[str, Any]:
    return {
        **{k: row[k] for k in CHAINED_FIELDS},
        "occurred_at": iso(row["occurred_at"]),
        "justification": open_justification(row),
    }


def search(load: Any, own_searches: bool = True) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the audit log for an IG officer. `own_searches=False` (their page's
    default) leaves out their own searches of the log (queries.SEARCHING), which otherwise
    fill the top of every page they look at."""
    require_job(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
    args = load()
    filters, found = with_person(args)
    if not own_searches:
        filters["not_own"] = (g.user.id, queries.SEARCHING)
    rows, cursor = queries.search(db.session, filters, args["limit"], args.get("cursor"))
    record(
        AuditAction.AUDIT_SEARCH,
        person_id=found.person_id if found else None,
        details={
            "filters": {
                **filters_for_audit(args),
                **({} if own_searches else {"own_searches": "left out"}),
            },
            "returned": len(rows),
            **_person_details(found),
        },
    )
    named = finding.names(db.session, (r["person_id"] for r in rows))
    return [{**event(r), "person_name": named.get(r["person_id"])} for r in rows], cursor


def start_export(load: Any) -> dict[str, Any]:
    """Check and record a CSV export; the caller commits before the first row is sent."""
    require_job(Permission.JOB_AUDIT_EXPORT, AuditAction.EXPORT)
    args = load()
    args.pop("cursor", None)
    filters, found = with_person(args)
    record(
        AuditAction.EXPORT,
        person_id=found.person_id if found else None,
        details={"format": "csv", "filters": filters_for_audit(args), **_person_details(found)},
    )
    return filters


def csv_rows(session: Any, args: dict[str, Any]) -> Iterator[str]:
    """Every matching event as CSV lines, streamed in constant memory; every cell safe to
    open in a spreadsheet (careplan.core.spreadsheet)."""
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer)
    writer.writerow(spreadsheet.row(list(CHAINED_FIELDS)))
    for row in queries.stream(session, args):
        shown = event(row)
        writer.writerow(spreadsheet.row([shown[k] for k in CHAINED_FIELDS]))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def csv_response(args: dict[str, Any]) -> Response:
    """The export's rows streamed as CSV. Its own record is committed by the request's unit
    of work as the handler returns, before the first row is sent; if it cannot be, nothing
    is sent (503)."""
    rows = csv_rows(db.session, args)
    response = Response(stream_with_context(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=audit-events.csv"
    return response


def verify() -> VerifyResult:
    """The incremental check (audit.verified): from the last verified checkpoint to the
    end, with every witness file this host can read (the configured file witnesses);
    a full check when none is on record. Recorded with what it found."""
    require_job(Permission.JOB_AUDIT_VERIFY, AuditAction.AUDIT_VERIFY)
    result = verify_with_configured_witnesses(db.session, incremental=True)
    record(
        AuditAction.AUDIT_VERIFY,
        outcome=Outcome.PERMIT,
        details={
            "ok": result.ok,
            "mode": result.mode,
            "from_seq": result.from_seq,
            "checked": result.checked,
            "first_bad_seq": result.first_bad_seq,
            "witnesses": len(result.witnesses),
        },
    )
    return result


def verification_state() -> dict[str, Any] | None:
    """How far the log is known intact (audit.verified.state), for the IG page: where
    the next check starts and when the whole log was last checked in full."""
    require_job(Permission.JOB_AUDIT_VERIFY, AuditAction.AUDIT_VERIFY)
    public = current_app.extensions["careplan.checkpoints"].signer.public
    return verified.state(db.session, public)


def archived() -> list[dict[str, Any]]:
    """The years taken out of the log into archive files (audit.archive), oldest first:
    year, records, first_seq, last_seq, checkpoint_seq, file (where it was written) and
    archived_at, for the IG page. Only an IG officer who may check the log sees it."""
    require_job(Permission.JOB_AUDIT_VERIFY, AuditAction.AUDIT_VERIFY)
    return [
        {
            "year": row.year,
            "records": row.records,
            "first_seq": row.first_seq,
            "last_seq": row.last_seq,
            "checkpoint_seq": row.checkpoint_seq,
            "file": row.file,
            "archived_at": row.archived_at,
        }
        for row in archive.archives(db.session)
    ]


def verify_with_configured_witnesses(
    session: Any,
    extra: Sequence[Path] = (),
    *,
    incremental: bool = False,
    processes: int | None = None,
    public: Any = None,
) -> VerifyResult:
    """A check (audit.verified.check) over the configured file witnesses and `extra`
    files (a syslog collector's file, a copy kept elsewhere), with what each was given
    (audit_witness). `processes`: None for the setting (CAREPLAN_AUDIT_VERIFY_PROCESSES);
    `public`: another public key to check with (default this installation's)."""
    deliverer = current_app.extensions.get("careplan.witnesses")
    configured = [
        (w.name, w.readable_path())
        for w in (deliverer.witnesses if deliverer is not None else [])
        if w.readable_path() is not None
    ]
    sources = configured + [(str(p), p) for p in extra]
    given = witnesses.given(session.connection(), [name for name, _ in configured])
    signer = current_app.extensions["careplan.checkpoints"].signer
    if processes is None:
        processes = cpu_processes(current_app.config["AUDIT_VERIFY_PROCESSES"])
    return verified.check(
        session,
        public if public is not None else signer.public,
        sources,
        given,
        incremental=incremental,
        processes=processes,
        now=clock.now(),
        signer=signer,
        min_segment=current_app.config.get("AUDIT_VERIFY_MIN_SEGMENT", MIN_SEGMENT),
    )


def witness_lag() -> list[dict[str, Any]]:
    """How far behind each configured witness is, for the IG page (recorded as a look at
    the head)."""
    require_job(Permission.JOB_AUDIT_VERIFY, AuditAction.AUDIT_HEAD_VIEW)
    deliverer = current_app.extensions.get("careplan.witnesses")
    configured = deliverer.witnesses if deliverer is not None else []
    lag = witnesses.lag(db.session.connection(), configured, clock.now())
    record(AuditAction.AUDIT_HEAD_VIEW, details={"witnesses": len(lag)})
    return lag


def head() -> dict[str, Any]:
    """The latest head, signed now, and how far behind each configured witness is
    (audit.witnesses.lag); recorded."""
    require_job(Permission.JOB_AUDIT_VERIFY, AuditAction.AUDIT_HEAD_VIEW)
    row = db.session.execute(select(AuditHead.seq, AuditHead.hash)).one()
    signer = current_app.extensions["careplan.checkpoints"].signer
    signed = witnesses.signed_head(signer, row.seq, row.hash)
    deliverer = current_app.extensions.get("careplan.witnesses")
    configured = deliverer.witnesses if deliverer is not None else []
    lag = witnesses.lag(db.session.connection(), configured, clock.now())
    record(AuditAction.AUDIT_HEAD_VIEW, details={"seq": row.seq, "witnesses": len(lag)})
    return {
        **{k: signed[k] for k in ("seq", "hash", "signed_at", "key_id", "signature")},
        "witnesses": [
            {
                **w,
                **{k: iso(w[k]) if w[k] else None for k in ("delivered_at", "failing_since")},
            }
            for w in lag
        ],
    }


def list_reviews(kind: str, load: Any) -> list[dict[str, Any]]:
    require_job(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
    status = load()["status"]
    items = reviews.pending(db.session, kind, status)
    record(
        AuditAction.AUDIT_SEARCH,
        details={"reviews": kind, "status": status, "returned": len(items)},
    )
    return items


def review(kind: str, item_id: uuid.UUID, load: Any) -> dict[str, Any]:
    """Record a review, or the follow-up a review asked for (careplan.ig.reviews.review),
    audited as the kind's review action with the step, outcome and resulting status."""
    action = REVIEW_ACTIONS[kind]
    require_job(Permission.JOB_AUDIT_REVIEW, action)
    data = load()
    row, step = reviews.review(db.session, kind, item_id, data, g.user)
    item = reviews.present(db.session, kind, row)
    record(
        action,
        person_id=item["person_id"],
        details={
            "kind": item["kind"],
            "id": item_id,
            "step": step,
            "outcome": data["outcome"],
            "status": item["review_status"],
        },
    )
    return item


def report(kind: str, load: Any) -> list[dict[str, Any]]:
    require_job(Permission.JOB_AUDIT_SEARCH, AuditAction.AUDIT_SEARCH)
    if kind not in queries.REPORTS:
        raise NotFound("Reports: " + ", ".join(queries.REPORTS) + ".")
    args = load()
    rows = queries.report(db.session, kind, args, args.get("threshold"))
    record(AuditAction.AUDIT_SEARCH, details={"report": kind, "returned": len(rows)})
    return [{**r, "actor_id": str(r["actor_id"])} for r in rows]


def access_log(
    person_id: uuid.UUID,
    load: Any,
    choose: Callable[[dict[str, Any]], queries.LogFilter | None] | None = None,
    staff_words: bool = False,
) -> tuple[list[dict[str, Any]], int | None]:
    """Who looked at this person's plan, in plain words (the person and their key worker):
    a page of `plain.entry` lines, newest first, and the next page's cursor. `load()`
    validates the query once the caller is allowed (cursor, limit, and a page's `show`);
    `choose(args)`: what the page's filter leaves out (`show` goes in the audit record's
    details); `staff_words`: said to staff about the person ("looked at Sarah's plan")."""
    facts = person_context(person_id, AuditAction.ACCESSLOG_VIEW)
    decision = require(facts, None, Permission.PERSON_ACCESS_LOG_VIEW, AuditAction.ACCESSLOG_VIEW)
    args = load()
    only = choose(args) if choose is not None else None
    show = args.get("show")
    rows, cursor = queries.person_log(
        db.session, person_id, args["limit"], args.get("cursor"), only
    )
    titles = {k.key: k.title for k in current_app.extensions["careplan.catalogue"]}
    record(
        AuditAction.ACCESSLOG_VIEW,
        person_id=person_id,
        basis={"plan": decision.basis_text},
        details={"show": show} if show else None,
    )
    person = facts.person
    name = (person.preferred_name or person.given_name) if staff_words else None
    entries = [plain.entry(r, titles, name) for r in rows]
    # A supporter is named as the person knows them ("Your sister Lorna Mackenzie"): the
    # places named by the page's supporter bases, in one query.
    named = supporters.named_in_log(_supporter_ids(rows))
    for row, entry in zip(rows, entries, strict=True):
        place = next((named[b] for b in (row["basis"] or {}).values() if b in named), None)
        if place is not None and entry["who"]:
            entry["who"] = f"{place} {entry['who']}"
    return entries, cursor


def _supporter_ids(rows: Sequence[Mapping[str, Any]]) -> list[uuid.UUID]:
    found = set()
    for row in rows:
        for basis in (row["basis"] or {}).values():
            kind, _, ref = (basis or "").partition(":")
            if kind == "supporter" and ref:
                try:
                    found.add(uuid.UUID(ref))
                except ValueError:
                    continue
    return sorted(found, key=str)


def emergency_accesses(person_id: uuid.UUID) -> list[dict[str, Any]]:
    """The person's emergency accesses for the summary at the top of their access log
    (`{seq, when, who, agency, justification}`, newest first, at most 20). Called only
    after `access_log` allowed and recorded the view in the same request."""
    return [
        {
            "seq": r["seq"],
            "when": iso(r["occurred_at"]),
            "who": r["actor_name"],
            "agency": r["actor_agency_name"],
            "justification": open_justification(r),
        }
        for r in queries.emergencies(db.session, person_id)
    ]


def my_person_for_log() -> uuid.UUID:
    if not g.user.is_individual or g.user.person_id is None:
        record(AuditAction.ACCESSLOG_VIEW, Outcome.DENY, reason="role")
        raise NotFound("You have no plan linked to your account.")
    return g.user.person_id
