"""Application logs: JSON lines on stderr in production, each with its request id.

What goes in a log is for operators: what failed, where, which request. Never personal
data (names, CHI numbers, plan content, search words): messages name types, route
templates and counts, and the audit log is the record of who accessed whose record. The
test suite collects every log line of a whole run and fails if a name or CHI number of its
worlds appears in one (tests/conftest.py).
"""

from __future__ import annotations

import logging

from flask import Flask, g, has_app_context
from pythonjsonlogger.json import JsonFormatter

FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestId(logging.Filter):
    """Adds `request_id` (the X-Request-Id also in the audit record; "-" outside a request
    or job) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_app_context() else "-"
        return True


def json_handler() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(FIELDS, rename_fields={"asctime": "time", "levelname": "level"})
    )
    handler.addFilter(RequestId())
    return handler


def init_app(app: Flask) -> None:
    """`CAREPLAN_LOG_FORMAT`: "json" (the default in production) or "text" (the default
    elsewhere: a developer's terminal); `CAREPLAN_LOG_LEVEL` (INFO)."""
    fmt = app.config["LOG_FORMAT"] or (
        "json" if app.config["CAREPLAN_ENV"] == "production" else "text"
    )
    if fmt != "json":
        return
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if getattr(h, "careplan", False) is False]
    handler = json_handler()
    handler.careplan = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
