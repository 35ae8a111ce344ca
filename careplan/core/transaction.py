"""A request is one unit of work (careplan.core.unit_of_work): it begins before the
handler, and ends after it in one commit, or one rollback when it answered an error.

A successful request commits its changes and its audit records together. A request that
ends in an error rolls its changes back, then commits only its audit records (denials are
access too). If the audit records cannot be written the request fails: nothing is
returned and nothing is changed (fail closed).

No handler commits. A handler whose answer is costly to make from what it read (the plan
view opens and presents its sections) may leave that step until after the commit
(`respond_after_commit`), so SQLite's write lock, held from the transaction's start, is
not held meanwhile; the access is on record before the body is made. A page whose only
work is reading is made this way (careplan.web.pages.render), its commit leaving the
session's objects loaded (`keep_loaded`: the layout reads the signed-in account), so
making it reads nothing again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g, jsonify

from careplan.core import unit_of_work, unproxied
from careplan.core.errors import NotRecorded

_AFTER_COMMIT = "careplan_respond_after_commit"
_LAYOUT_IN_TRANSACTION = "careplan_layout_in_transaction"


def respond_after_commit(make: Callable[[], Response], *, keep_loaded: bool = False) -> Response:
    """Answer with what `make()` returns, made once the request has committed. Returns the
    response the handler returns (status and body filled in after the commit; headers
    set meanwhile, such as cookies, are kept). If `make` raises, the error's own answer
    is sent and whatever it recorded (a refusal) is committed in a second transaction.
    `keep_loaded`: `make` reads ORM objects the request loaded (a page's layout reads the
    signed-in account), so the commit leaves them loaded (`unit_of_work.finish`)."""
    setattr(unproxied.namespace(), _AFTER_COMMIT, (make, keep_loaded))
    return Response(status=200)


def layout_in_transaction() -> bool:
    """The page's layout (its context processors) is being made in the request's own
    transaction, which is sound (a page that only shows, before the commit it is made
    after: `careplan.web.pages.render`), so they may read through `db.session`."""
    return bool(g.get(_LAYOUT_IN_TRANSACTION))


@contextmanager
def layout_reads_in_transaction() -> Iterator[None]:
    """Within: `layout_in_transaction()` is true."""
    setattr(g, _LAYOUT_IN_TRANSACTION, True)
    try:
        yield
    finally:
        g.pop(_LAYOUT_IN_TRANSACTION, None)


def commit_request(response: Response) -> Response:
    state = unproxied.namespace()
    after = state.pop(_AFTER_COMMIT, None) if response.status_code < 400 else None
    try:
        failed = response.status_code >= 400
        if after is None:
            commit_now(_error_code(response) if failed else None, response.status_code)
        else:
            make, keep_loaded = after
            commit_now(keep_loaded=keep_loaded)
            unit_of_work.reading_after_commit()
            _fill(response, make)
    except NotRecorded:
        failed = jsonify({"error": NotRecorded.code, "message": NotRecorded.message, "fields": {}})
        failed.status_code = 503
        failed.headers["X-Request-Id"] = state.get("request_id", "")
        return failed
    return response


def _fill(response: Response, make: Callable[[], Response]) -> None:
    try:
        made = make()
    except Exception as exc:  # answered by the app's own error handlers
        unit_of_work.reading_done()
        made = current_app.make_response(current_app.handle_user_exception(exc))
        commit_now(_error_code(made), made.status_code)
    finally:
        unit_of_work.reading_done()
    response.status_code = made.status_code
    response.set_data(made.get_data())
    for name in dict(made.headers):
        if name.lower() != "content-length":
            response.headers.setlist(name, made.headers.getlist(name))


def _error_code(response: Response) -> str:
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"][:100]
    return f"http_{response.status_code}"


def init_app(app: Flask) -> None:
    app.before_request(unit_of_work.begin)
    app.after_request(commit_request)


def commit_now(
    error_code: str | None = None, status: int | None = None, *, keep_loaded: bool = False
) -> None:
    """Commit the request's changes and audit records (careplan.core.unit_of_work);
    `error_code`: the request failed (answered `status`), so its changes are rolled back
    and only its audit records (the failed attempt among them) are committed;
    `keep_loaded`: the response is made after the commit from what was read
    (`unit_of_work.finish`). Called by the unit of work's end of request only; raises
    NotRecorded (answered 503) if that cannot be done."""
    unit_of_work.finish(
        error_code, status if error_code is not None else None, keep_loaded=keep_loaded
    )
