"""One unit of work: one commit or rollback per request or per job, with commit hooks.

A request (careplan.core.transaction) or a job (`job`: a CLI command, a scheduled
reminder, the notification sender) ends in `finish`: on success its changes commit; on
failure they roll back. Either way the commit hooks run first, inside the same
transaction: the audit log's hook (installed by `careplan.create_app`) appends the
records the work queued, so an action and its record commit together or not at all. If a
hook or the commit fails, nothing is committed and `NotRecorded` is raised (fail closed).
After a successful commit the after-commit hooks run (the audit witnesses are told the
new head); they cannot undo or fail the work.
The platform knows nothing of what the hooks do: it imports no package above it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, g
from sqlalchemy.orm import Session

from careplan.core import database, unproxied
from careplan.core.errors import NotRecorded
from careplan.extensions import READ_AFTER_COMMIT, db

log = logging.getLogger(__name__)

# (session, error code or None) -> None; run before the commit, in its transaction.
CommitHook = Callable[[Session, str | None], None]
# () -> None; run as a unit of work begins (requests: before_request; jobs: `job`).
BeginHook = Callable[[], None]
# () -> None; run once the commit has succeeded (outside the transaction); must not raise.
AfterCommitHook = Callable[[], None]
COMMIT_HOOKS = "careplan.commit_hooks"
BEGIN_HOOKS = "careplan.begin_hooks"
AFTER_COMMIT_HOOKS = "careplan.after_commit_hooks"


def add_commit_hook(app: Flask, hook: CommitHook) -> None:
    app.extensions.setdefault(COMMIT_HOOKS, []).append(hook)


def add_begin_hook(app: Flask, hook: BeginHook) -> None:
    app.extensions.setdefault(BEGIN_HOOKS, []).append(hook)


def add_after_commit_hook(app: Flask, hook: AfterCommitHook) -> None:
    """`hook` runs after each successful commit (the audit witnesses: what is committed
    is told outside the database). A failing hook is logged, never undoes the work."""
    app.extensions.setdefault(AFTER_COMMIT_HOOKS, []).append(hook)


def begin() -> None:
    reading_done()  # a job after a page made in the same app context (tests)
    for hook in unproxied.app().extensions.get(BEGIN_HOOKS, ()):
        hook()


def finish(
    error_code: str | None = None, status: int | None = None, *, keep_loaded: bool = False
) -> None:
    """Commit the work and what its hooks add; `error_code`: the work failed, so its
    changes are rolled back and only what the hooks add (the failed attempt's audit
    record among it) is committed; `status`: the HTTP status it was answered with (None
    for a job; the hooks read it as `g.failed_status`). Raises NotRecorded if that cannot
    be done.

    `keep_loaded`: the response is made after this commit from what the work read (a
    page's signed-in account and its agency, the plan read model): the commit leaves
    the session's objects loaded instead of expiring them, so reading them reads no
    row again (see `reading_after_commit` for any read it still makes: on SQLite a new
    transaction of the request's own would take the write lock again and hold it,
    uncommitted, until the request ends)."""
    unproxied.namespace().failed_status = status
    extensions = unproxied.app().extensions
    session = db.session()
    expire = session.expire_on_commit
    try:
        if error_code is not None:
            session.rollback()
        # The work's own changes first, so the hooks' statements are the transaction's
        # last (the audit append goes with the COMMIT: Prepared.execute_with_commit).
        session.flush()
        for hook in extensions.get(COMMIT_HOOKS, ()):
            hook(session, error_code)
        if session.in_transaction():
            session.expire_on_commit = expire and not keep_loaded
            session.commit()
    except Exception as exc:
        _discard(session)
        log.error("unit of work not committed: %s", type(exc).__name__)
        raise NotRecorded() from None
    finally:
        session.expire_on_commit = expire
    for after in extensions.get(AFTER_COMMIT_HOOKS, ()):
        try:
            after()
        except Exception as exc:  # committed already: the work stands whatever this does
            log.error("after-commit hook failed: %s", type(exc).__name__)


def reading_after_commit() -> None:
    """A response is being made after the commit: until `reading_done`, whatever the
    session still reads goes through the read-only engine
    (careplan.extensions.UnitOfWorkSession), never a new transaction of its own."""
    db.session().info[READ_AFTER_COMMIT] = database.read_only_engine()


def reading_done() -> None:
    """The response made after the commit (`finish(keep_loaded=True)`) is made: the
    session reads and writes through the request's engine again (a second unit of work,
    recording a failure to make it, writes)."""
    if db.session.registry.has():  # no session made for nothing (a static file)
        db.session().info.pop(READ_AFTER_COMMIT, None)


def _discard(session: Session) -> None:
    """Roll the unit of work back. If the connection has gone (the database restarted or
    ended it), the server has rolled the transaction back already and the rollback
    itself fails: then the session's connections are invalidated (dropped from the pool,
    never reused) so the next unit of work starts on a new one."""
    try:
        session.rollback()
    except Exception as exc:
        log.warning("rollback failed (%s): connection discarded", type(exc).__name__)
        session.invalidate()


@contextmanager
def job(name: str, actor: Any = None) -> Iterator[str]:
    """A unit of work outside a request, in the current app context. `name` names the
    job in its records' request id (`<name>:<12 hex>`); `actor`: the account it acts
    for, if any. Yields the request id. An exception rolls the job's changes back, keeps
    its audit records (recorded as failed with `job_failed:<ExceptionType>`) and is
    raised again."""
    g.user = actor
    g.request_id = f"{name}:{uuid.uuid4().hex[:12]}"
    begin()
    try:
        yield g.request_id
    except Exception as exc:
        finish(f"job_failed:{type(exc).__name__}", None)
        raise
    finish()
