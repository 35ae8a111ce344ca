"""Sign-in records that have done their job: ended or expired sessions, spent or stale
sign-in flows, and failure counters with nothing in force (an account's count of wrong
second-factor codes is kept until a right code, whatever its age). The audit log keeps the record
of every sign-in and sign-out; these rows only make the next request work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from careplan.core import clock
from careplan.identity.models import SignInFlow, SignInThrottle, WebSession
from careplan.identity.throttle import SECOND_FACTOR_PREFIX

KEEP_SESSIONS = timedelta(days=30)  # long enough to answer "was this session still open?"
KEEP_FLOWS = timedelta(days=1)
KEEP_COUNTERS = timedelta(days=1)


def prune(session: Session) -> dict[str, int]:
    now = clock.now()
    sessions = session.execute(
        delete(WebSession).where(
            or_(
                WebSession.ended_at < now - KEEP_SESSIONS,
                WebSession.expires_at < now - KEEP_SESSIONS,
            )
        )
    ).rowcount
    flows = session.execute(
        delete(SignInFlow).where(SignInFlow.created_at < now - KEEP_FLOWS)
    ).rowcount
    counters = session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.window_started_at < now - KEEP_COUNTERS,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until < now),
            # An account's wrong codes count until a right one, however long ago they
            # were (careplan.identity.throttle): never pruned.
            ~SignInThrottle.key.startswith(SECOND_FACTOR_PREFIX, autoescape=True),
        )
    ).rowcount
    return {"sessions": sessions or 0, "flows": flows or 0, "counters": counters or 0}
