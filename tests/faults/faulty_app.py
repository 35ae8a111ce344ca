"""The service with faults that a test can ask for: a test-only app factory.

    gunicorn -c config/gunicorn.conf.py 'tests.faults.faulty_app:create_app()'

The production factory (`careplan:create_app`) has no such switch and the Containerfile
copies no tests/ folder, so these faults cannot be turned on in production by accident.
A request asks for its fault with the header `X-Test-Fault` (read only here):

- `before-audit`: the work is done and flushed, then its unit of work fails before the
  audit log's commit hook writes its records (the action must not be kept);
- `after-audit`: fails after the audit records are written, before the commit;
- `drop-connection`: after the audit records are written, the transaction's own database
  connection is ended by the server (pg_terminate_backend): the transaction dies there;
- `slow:SECONDS`: before the audit hook, the worker writes its pid to
  `$CAREPLAN_TEST_FAULT_DIR/<request id>.pid` and sleeps (0.1 to 20 s), so a test can
  signal the process that holds the request mid-flight.

Each fault acts on a request that succeeded so far; a failed request is left alone.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import text

import careplan
from audit import log as audit_log
from careplan.core import unit_of_work

HEADER = "X-Test-Fault"


class InjectedFault(RuntimeError):
    """The fault a test asked for."""


def _asked() -> str:
    return request.headers.get(HEADER, "") if has_request_context() else ""


def _before_audit(session: Any, error_code: str | None) -> None:
    fault = _asked()
    if error_code is not None or not fault:
        return
    if fault == "before-audit":
        raise InjectedFault(fault)
    if fault.startswith("slow:"):
        seconds = min(max(float(fault.removeprefix("slow:")), 0.1), 20.0)
        folder = Path(os.environ["CAREPLAN_TEST_FAULT_DIR"])
        (folder / f"{g.request_id}.pid").write_text(str(os.getpid()))
        time.sleep(seconds)


def _after_audit(session: Any, error_code: str | None) -> None:
    fault = _asked()
    if error_code is not None:
        return
    if fault == "after-audit":
        raise InjectedFault(fault)
    if fault == "drop-connection":
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The production app, with the two fault hooks around the audit log's commit hook."""
    app = careplan.create_app(config)
    hooks = app.extensions[unit_of_work.COMMIT_HOOKS]
    place = hooks.index(audit_log.append_pending)
    hooks.insert(place + 1, _after_audit)
    hooks.insert(place, _before_audit)
    return app
