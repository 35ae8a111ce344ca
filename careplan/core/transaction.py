"""One commit or rollback per request, in one place, with the audit events in it.

A successful request commits its changes and its audit events together. A request that
ends in an error rolls its changes back, then commits only its audit events (denials are
access too). If the audit events cannot be written the request fails: nothing is returned
and nothing is changed (fail closed).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify

from audit import log as audit_log
from audit import writer
from careplan.core.errors import NotRecorded
from careplan.extensions import db

log = logging.getLogger(__name__)


def commit_request(response: Response) -> Response:
    try:
        commit_now(_error_code(response) if response.status_code >= 400 else None)
    except NotRecorded:
        failed = jsonify({"error": NotRecorded.code, "message": NotRecorded.message, "fields": {}})
        failed.status_code = 503
        failed.headers["X-Request-Id"] = g.get("request_id", "")
        return failed
    return response


def _error_code(response: Response) -> str:
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"][:100]
    return f"http_{response.status_code}"


def init_app(app: Flask) -> None:
    app.after_request(commit_request)


def commit_now(error_code: str | None = None) -> None:
    """Commit the request's changes and audit events; `error_code`: the request failed,
    so its changes are rolled back and only its audit events (the failed attempt among
    them) are committed. Called after every request, and by handlers before the response
    body is made: a streamed body is produced after the handler returns, and a read's
    body is best serialised after its transaction ends (on SQLite the request holds the
    write lock until then). Either way the access is on record before the first byte
    leaves, and a failure to record stops the response (503, nothing returned or changed).
    """
    session = db.session
    events = audit_log.pending(g)
    try:
        if error_code is not None:
            session.rollback()
            audit_log.record_failed_attempt(error_code)
        # Nothing pending and no transaction: committed already, or nothing was read.
        if events or session().in_transaction():
            writer.append(session, events, current_app.extensions["careplan.checkpoints"])
            session.commit()
    except Exception as exc:
        session.rollback()
        log.error("request not committed: %s", type(exc).__name__)
        raise NotRecorded() from None
    finally:
        events.clear()
