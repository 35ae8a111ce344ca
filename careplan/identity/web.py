"""Who the browser is, on every page request; the decorators pages use to require it.

The JSON API never looks at cookies (it takes bearer tokens), so none of this applies
under /api/.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, redirect, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from careplan.core import clock, unproxied
from careplan.core.errors import error_page
from careplan.identity import csrf, sessions
from careplan.identity.models import Stage


def _is_page_request() -> bool:
    return not unproxied.request().path.startswith(("/api/", "/static/"))


def load_browser() -> None:
    # Set every value this request reads, never inherit one: `g` lives as long as the app
    # context, which outside a server (tests, tools) can span several requests.
    state = unproxied.namespace()
    state.web_session = None
    state.session_ended = None
    state.csrf_cookie = None
    state.csrf_cookie_new = False
    state.pop(csrf.FIELD, None)  # Flask-WTF's token for this request, made on first use
    state.pop("csrf_valid", None)
    if not _is_page_request():
        return
    session = sessions.load()
    state.web_session = session
    state.user = session.user if session is not None and session.stage is Stage.SIGNED_IN else None
    csrf.check()


def finish_browser(response: Response) -> Response:
    if _is_page_request():
        sessions.write_cookie(response)
        csrf.write_cookie(response)
        if g.get("user") is not None:
            response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (open redirect) or a scheme."""
    if not target or len(target) > 500:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    return target


def _sign_in_redirect() -> Response:
    ended = g.get("session_ended")
    reason = {"ended": ended} if ended in ("idle", "expired") else {}
    return redirect(url_for("identity.sign_in", next=request.full_path.rstrip("?"), **reason))


def signed_in_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return _sign_in_redirect()
        return view(*args, **kwargs)

    return wrapper


def recently_confirmed() -> bool:
    session = g.get("web_session")
    if session is None or session.reauth_at is None:
        return False
    window = timedelta(minutes=current_app.config["REAUTH_MINUTES"])
    return clock.now() - session.reauth_at < window


def recent_auth_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """For break-glass and IG exports: the person confirms who they are again first."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return _sign_in_redirect()
        if not recently_confirmed():
            # Back to the same page afterwards; a form that was being sent is shown again
            # (as a GET) rather than sent without the person seeing it once more.
            back = request.full_path.rstrip("?") if request.method == "GET" else request.path
            return redirect(url_for("identity.confirm", next=safe_next(back)))
        return view(*args, **kwargs)

    return wrapper


def recent_auth_required_then(back: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`recent_auth_required` for a form that has no page of its own (a POST-only route):
    after confirming, the person comes back to the page of endpoint `back`, where they
    send the form again, seeing it once more."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                return _sign_in_redirect()
            if not recently_confirmed():
                return redirect(url_for("identity.confirm", next=safe_next(url_for(back))))
            return view(*args, **kwargs)

        return wrapper

    return wrap


def _page_of_form() -> str:
    """Where the form that was sent lives: its own address when that is a page (a GET
    answers it), else the home page."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(request.path, method="GET")
    except HTTPException:
        return "/"
    return safe_next(request.path)


def csrf_failed(exc: CSRFError) -> Response:
    """A form refused by the CSRF check. When the browser's session had just ended (no
    activity for SESSION_IDLE_MINUTES, or the absolute limit), that is why: the person is
    told so plainly on the sign-in page and brought back to the form's page after signing
    in (issue 17: it used to say the form "did not come from this service")."""
    ended = g.get("session_ended")
    if ended in ("idle", "expired"):
        return redirect(url_for("identity.sign_in", next=_page_of_form(), ended=ended, unsaved="1"))
    message = (
        "This form had expired or did not come from this service, so nothing was done. "
        "Go back, reload the page and try again."
    )
    return error_page(400, message)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.register_error_handler(CSRFError, csrf_failed)
    app.before_request(load_browser)
    app.after_request(finish_browser)
