"""The objects behind Flask's context proxies, for code that runs on every request.

`flask.g`, `flask.request` and `flask.current_app` are werkzeug `LocalProxy` objects. An
attribute read through one costs about twenty times a read of the object itself (1.6 µs
against 0.08 µs on the benchmark machine, CPython 3.11): the proxy's class lacks the
attribute, so CPython builds and formats an AttributeError before the proxy's
`__getattr__` finds the object. The API plan view read through them about ninety times a
request (3 to 4 % of its CPU). Code on the request path takes the object once, by
werkzeug's documented `_get_current_object`, and reads it directly.

Each function raises RuntimeError outside the context its proxy needs, as the proxy does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import flask

if TYPE_CHECKING:
    from flask import Flask, Request
    from flask.ctx import _AppCtxGlobals


def namespace() -> _AppCtxGlobals:
    """The app context's `g` itself (one per request or job)."""
    return cast("_AppCtxGlobals", flask.g._get_current_object())  # type: ignore[attr-defined]


def request() -> Request:
    """The request being handled itself."""
    return cast("Request", flask.request._get_current_object())  # type: ignore[attr-defined]


def app() -> Flask:
    """The app handling the request or job itself."""
    return cast("Flask", flask.current_app._get_current_object())  # type: ignore[attr-defined]
