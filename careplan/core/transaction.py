"""A request is one unit of work (careplan.core.unit_of_work): it begins before the
handler, and ends after it in one commit, or one rollback when it answered an error.

A successful request commits its changes and its audit records together. A request that
ends in an error rolls its changes back, then commits only its audit records (denials are
access too). If the audit records cannot be written the request fails: nothing is
returned and nothing is changed (fail closed).
"""

from __future__ import annotations

from flask import Flask, Response, g, jsonify

from careplan.core import unit_of_work
from careplan.core.errors import NotRecorded


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
    app.before_request(unit_of_work.begin)
    app.after_request(commit_request)


def commit_now(error_code: str | None = None) -> None:
    """Commit the request's changes and audit records now (careplan.core.unit_of_work);
    `error_code`: the request failed, so its changes are rolled back and only its audit
    records (the failed attempt among them) are committed. Called after every request,
    and by a handler whose body is produced after the response starts (a stream): the
    access is on record before the first byte leaves, and a failure to record stops the
    response (503, nothing returned or changed)."""
    unit_of_work.finish(error_code)
