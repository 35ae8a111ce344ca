"""API errors in the contract's shape: {"error", "message", "fields"} (403 adds "reason")."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields or {}
        self.reason = reason

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message, "fields": self.fields}
        if self.reason is not None:
            body["reason"] = self.reason
        return body


class BadRequest(ApiError):
    status, code, message = 400, "invalid", "Some of the information is not valid."


class Unauthorised(ApiError):
    status, code, message = 401, "unauthorised", "Sign in, or send a valid bearer token."


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "You do not have permission to do this."


class NotFound(ApiError):
    status, code, message = 404, "not_found", "Not found."


class Conflict(ApiError):
    status, code, message = 409, "conflict", "This conflicts with the current state."


class PreconditionFailed(ApiError):
    status, code = 412, "precondition_failed"
    message = "Someone else changed this since you loaded it. Reload and try again."


class PreconditionRequired(ApiError):
    """428 (RFC 6585 section 3): a versioned write must name the version it read."""

    status, code = 428, "precondition_required"
    message = "Send If-Match with the version you are changing (the ETag you last read)."


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", "Send JSON (application/json)."


class NotRecorded(ApiError):
    status, code = 503, "not_recorded"
    message = "The request could not be recorded, so nothing was done."


class Unavailable(ApiError):
    """The database could not be reached or did not answer in time (restarting, failing
    over, a lock held too long): nothing was done, and trying again shortly is right."""

    status, code = 503, "unavailable"
    message = (
        "The service cannot reach its database just now, so nothing was done. "
        "Try again in a minute."
    )
    retry_after_seconds = 5


class Unprocessable(ApiError):
    status, code, message = 422, "unprocessable", "The request makes no sense in this state."


_PAGE_MESSAGES = {
    404: "We could not find that page.",
    405: "We could not find that page.",
    413: "What you sent was too large. Make it shorter and try again.",
    429: "There have been too many attempts.",
}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


PAGE_TITLES = {
    400: "There is a problem with the form",
    401: "Sign in to continue",
    403: "You cannot see this",
    404: "Page not found",
    405: "Page not found",
    409: "This has changed",
    412: "Someone else saved first",
    428: "Someone else may have saved first",
    413: "That was too large",
    415: "There is a problem with the form",
    422: "This cannot be done now",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def error_page(status: int, message: str) -> Response:
    """A designed error page: no stack trace, no personal data, the request's reference."""
    from flask import render_template

    title = PAGE_TITLES.get(status, PAGE_TITLES[500 if status >= 500 else 400])
    html = render_template("errors/error.html", page_title=title, message=message, status=status)
    return Response(html, status=status, mimetype="text/html")


def answer(status: int, body: dict[str, Any]) -> Response:
    """JSON for the API, a page for a browser."""
    if is_api_request():
        return _json(status, body)
    return error_page(status, body.get("message") or PAGE_TITLES.get(status, ""))


def _json(status: int, body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _http_body(exc: HTTPException) -> dict[str, Any]:
    code = (exc.name or "error").lower().replace(" ", "_")
    return {"error": code, "message": exc.description or exc.name, "fields": {}}


def allowed_methods(exc: HTTPException) -> list[str]:
    """The methods the requested URL does take, for a 405's `Allow` header (RFC 9110
    section 15.5.6: a 405 MUST carry one). The router's own list when it has one, else
    the URL map's answer for this URL (a 405 raised by hand)."""
    methods = list(getattr(exc, "valid_methods", None) or [])
    if not methods:
        adapter = current_app.url_map.bind_to_environ(request.environ)
        methods = sorted(adapter.allowed_methods(request.path))
    return methods


def _with_http_headers(response: Response, exc: HTTPException) -> Response:
    """Keep the headers an HTTP error carries (a 405's `Allow`) on our own answer."""
    if isinstance(exc, MethodNotAllowed) or exc.code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(exc))
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return answer(exc.status, exc.body())

    @app.errorhandler(ValidationError)
    def validation_error(exc: ValidationError) -> Response:
        return answer(400, BadRequest(fields=flatten_messages(exc.messages)).body())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | HTTPException:
        if not is_api_request():
            if (exc.code or 500) < 400:
                return exc  # redirects
            page = error_page(
                exc.code or 500, _PAGE_MESSAGES.get(exc.code or 500, exc.description or "")
            )
            return _with_http_headers(page, exc)
        if exc.code == 413:
            body = {"error": "too_large", "message": "The request body is too large.", "fields": {}}
            return _json(413, body)
        return _with_http_headers(_json(exc.code or 500, _http_body(exc)), exc)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> Response:
        if not database_unavailable(exc):
            return unexpected(exc)
        # The driver's type only: its message may quote a statement's parameters.
        log.error(
            "database unavailable (%s) on %s %s",
            type(exc.orig).__name__,
            request.method,
            request.url_rule.rule if request.url_rule else "?",
        )
        response = answer(Unavailable.status, Unavailable().body())
        response.headers["Retry-After"] = str(Unavailable.retry_after_seconds)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        # Type only: messages may carry personal data, and the audit log is the record.
        log.error(
            "unhandled %s on %s %s",
            type(exc).__name__,
            request.method,
            request.url_rule.rule if request.url_rule else "?",
        )
        log.debug("traceback", exc_info=exc)
        body = {
            "error": "internal",
            "message": "Something went wrong. Nothing was changed.",
            "fields": {},
        }
        return answer(500, body)


def database_unavailable(exc: DBAPIError) -> bool:
    """The database could not do the work now, through no fault of the request: a lost or
    refused connection (SQLAlchemy marks it invalidated, and the pool replaces it), a
    server shutting down or starting up, or SQLite's "database is locked" after the busy
    timeout (PEP 249 OperationalError and InterfaceError). Constraint violations and
    programming errors are not (they answer 500)."""
    return exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError))


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"a.b.0.c": [..]} so clients can show them per field."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": list(messages)}
        out: dict[str, list[str]] = {}
        for item in messages:
            out.update(flatten_messages(item, prefix))
        return out
    if isinstance(messages, dict):
        out = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, name))
        return out
    return {prefix or "_schema": [str(messages)]}
