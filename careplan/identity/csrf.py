"""CSRF protection for every form: Flask-WTF's CSRFProtect, on our server-side sessions.

Flask-WTF makes and checks the tokens: a random secret kept for this browser, signed
under SECRET_KEY into the hidden `csrf_token` field, compared in constant time on every
unsafe request. It keeps that secret in Flask's `session`, which is switched off here
(browser sessions are server-side rows: careplan.identity.sessions). So Flask's `session`
is `CsrfSecretOnly` below: it holds Flask-WTF's one key, read from the browser's session
row (`web_session.csrf_secret`: new at every sign-in step, dead when the session ends, so
a token stops working with its session), or before sign-in from a cookie of its own.
Any other key is refused: nothing else may hide in a session Flask would not keep.

What stays ours, and why:
- that session interface (Flask-WTF has no hook for where its secret lives but `session`);
- the Origin check. Flask-WTF's own check reads the Referer, on https only, and our
  Referrer-Policy is no-referrer: browsers send no Referer, so that check (its "SSL
  strict" mode, off here) would refuse every form. Browsers send Origin on every POST.
- when the check runs: after the browser's session is loaded, on pages only (the JSON API
  takes bearer tokens and no cookies), from careplan.identity.web.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from flask import Flask, Request, Response, g, request
from flask.sessions import SessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from careplan.core import unproxied
from careplan.identity.sessions import relaxed_cookies

FIELD = "csrf_token"  # the form field, and Flask-WTF's key in `session`
SECURE_COOKIE = "__Host-careplan-csrf"
LOOPBACK_COOKIE = "careplan-csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

protect = CSRFProtect()
token = generate_csrf  # what a page puts in the form's hidden field


def _cookie_name() -> str:
    return LOOPBACK_COOKIE if relaxed_cookies() else SECURE_COOKIE


def _secret() -> str | None:
    """This browser's CSRF secret: its session row's, or before sign-in its cookie's."""
    state = unproxied.namespace()
    session = state.get("web_session")
    if session is not None:
        return session.csrf_secret
    value = state.get("csrf_cookie") or unproxied.request().cookies.get(_cookie_name(), "")
    return value if 0 < len(value) <= 100 else None


class CsrfSecretOnly(SessionMixin):
    """Flask's `session`: only Flask-WTF's secret, kept where our sessions keep it."""

    def __getitem__(self, key: str) -> str:
        value = _secret() if key == FIELD else None
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: str) -> None:
        # Flask-WTF sets its key only when there is none: a browser not signed in yet.
        if key != FIELD or g.get("web_session") is not None:
            raise RuntimeError(
                "Flask's cookie session is off: keep state in the server-side session "
                "(careplan.identity.sessions)"
            )
        g.csrf_cookie, g.csrf_cookie_new = value, True

    def __delitem__(self, key: str) -> None:
        raise RuntimeError("Flask's cookie session is off")

    def __iter__(self) -> Iterator[str]:
        return iter([FIELD] if _secret() is not None else [])

    def __len__(self) -> int:
        return int(_secret() is not None)


class CsrfSessionInterface(SessionInterface):
    """Flask's own signed-cookie session, switched off: `session` is `CsrfSecretOnly`, and
    the only cookie written is the pre-sign-in CSRF cookie, when Flask-WTF made one."""

    def open_session(self, app: Flask, request: Request) -> CsrfSecretOnly:
        return CsrfSecretOnly()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def check() -> None:
    """Raise CSRFError unless an unsafe request comes from one of our pages in this
    browser: its Origin, where the browser sends one, and its token."""
    if request.method not in UNSAFE:
        return
    if request.routing_exception is not None:
        # No page answers this URL and method (404, 405): no handler runs, so there is
        # nothing to protect, and the router's answer (a 405 with its Allow) stands.
        return
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        parts = urlsplit(origin)
        if f"{parts.scheme}://{parts.netloc}" != request.host_url.rstrip("/"):
            raise CSRFError("The origin does not match the host.")
    protect.protect()


def write_cookie(response: Response) -> Response:
    if g.pop("csrf_cookie_new", False):
        response.set_cookie(
            _cookie_name(),
            g.csrf_cookie,
            path="/",
            secure=not relaxed_cookies(),
            httponly=True,
            samesite="Lax",
        )
    return response


def init_app(app: Flask) -> None:
    app.session_interface = CsrfSessionInterface()
    app.config.update(
        # Checked by check() above, after the session is loaded, on pages only.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_FIELD_NAME=FIELD,
        # A token lives as long as its session: the session's idle and absolute limits
        # bound it, and a long form is not refused for the time it took to write.
        WTF_CSRF_TIME_LIMIT=None,
        # Its Referer check would refuse every form: we send Referrer-Policy: no-referrer.
        WTF_CSRF_SSL_STRICT=False,
    )
    protect.init_app(app)
