"""CSRF protection for every form: a token bound to the session (or, before sign-in, to
a random cookie), sent back in a hidden field, plus an Origin check where browsers send it.

The token is an HMAC of the binding under SECRET_KEY, so it cannot be made without the
server's key and stops working when the session it belongs to ends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from flask import Response, current_app, g, request

from careplan.identity.sessions import relaxed_cookies

FIELD = "csrf_token"
SECURE_COOKIE = "__Host-careplan-csrf"
LOOPBACK_COOKIE = "careplan-csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(Exception):
    """The form did not come from one of our pages in this browser."""


def _cookie_name() -> str:
    return LOOPBACK_COOKIE if relaxed_cookies() else SECURE_COOKIE


def _binding() -> str:
    session = g.get("web_session")
    if session is not None:
        return "s:" + session.csrf_secret
    value = g.get("csrf_cookie") or request.cookies.get(_cookie_name(), "")
    if not value or len(value) > 100:
        value = secrets.token_hex(32)
        g.csrf_cookie_new = True
    g.csrf_cookie = value
    return "a:" + value


def token() -> str:
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, ("csrf:" + _binding()).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def check() -> None:
    """Raise CsrfFailed unless an unsafe request carries this browser's token."""
    if request.method not in UNSAFE:
        return
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        parts = urlsplit(origin)
        if f"{parts.scheme}://{parts.netloc}" != request.host_url.rstrip("/"):
            raise CsrfFailed("origin")
    sent = request.form.get(FIELD, "")
    if len(sent) > 100 or not hmac.compare_digest(sent.encode(), token().encode()):
        raise CsrfFailed("token")


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
