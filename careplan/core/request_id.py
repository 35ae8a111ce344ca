"""Every response carries X-Request-Id (the same id is in its audit records) and is
never cached."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response

from careplan.core import unproxied

_SAFE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _assign() -> None:
    incoming = unproxied.request().headers.get("X-Request-Id", "")
    # Accept a caller's id (load balancers set one) only if it is safe to echo and store.
    unproxied.namespace().request_id = incoming if _SAFE.match(incoming) else uuid.uuid4().hex


def _echo(response: Response) -> Response:
    response.headers["X-Request-Id"] = unproxied.namespace().get("request_id") or uuid.uuid4().hex
    # Personal data must not linger in shared or browser caches, nor be sniffed as HTML.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_assign)
    app.after_request(_echo)
