"""Browser sessions: a random key in a cookie, its SHA-256 in `web_session`.

A new key at every sign-in (no fixation), an idle limit and an absolute limit checked on
every request, sign-out here or everywhere, and an account that is deactivated loses its
sessions on its next request. The cookie is `__Host-` prefixed, Secure, HttpOnly and
SameSite=Lax; only plain http on loopback in development drops the prefix and Secure.
Flask's own signed-cookie session is off (careplan.identity.csrf: it holds only the CSRF
secret, kept on the session row here).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from flask import Response, current_app, g, request
from sqlalchemy import bindparam, select, update

from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import attached, clock, unproxied
from careplan.core.prepared import Prepared
from careplan.extensions import db
from careplan.identity.models import Stage, WebSession

SECURE_COOKIE = "__Host-careplan-session"
LOOPBACK_COOKIE = "careplan-session"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
TOUCH_EVERY = timedelta(seconds=30)  # write last_seen at most this often


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def relaxed_cookies() -> bool:
    """Plain http on loopback in development: browsers drop Secure cookies there."""
    asked = unproxied.request()
    host = asked.host.rsplit(":", 1)[0] if not asked.host.endswith("]") else asked.host
    return (
        unproxied.app().config["CAREPLAN_ENV"] == "development"
        and not asked.is_secure
        and host in LOOPBACK_HOSTS
    )


def cookie_name() -> str:
    return LOOPBACK_COOKIE if relaxed_cookies() else SECURE_COOKIE


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def absolute_limit() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])


def start(user: User | None, stage: Stage, method: str) -> WebSession:
    """A fresh session (ending the browser's current one); the cookie is set on the way out."""
    current = g.get("web_session")
    if current is not None:
        end(current, "replaced")
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    session = WebSession(
        key_hash=digest(raw),
        user_id=user.id if user else None,
        user=user,
        stage=stage,
        method=method,
        csrf_secret=secrets.token_hex(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + absolute_limit(),
    )
    db.session.add(session)
    db.session.flush()
    _switch(session)
    g.session_cookie = raw
    return session


def promote(session: WebSession, user: User) -> WebSession:
    """A further step of sign-in passed: a new key again, so no earlier key reaches data."""
    fresh = start(user, Stage.SIGNED_IN, session.method)
    fresh.created_at = session.created_at  # the absolute limit runs from the first step
    fresh.expires_at = session.expires_at
    fresh.reauth_at = clock.now()
    return fresh


def _switch(session: WebSession | None) -> None:
    """This request's browser session changes: so does its CSRF secret, and the token
    Flask-WTF made from the old one for this request (g.csrf_token) is dropped."""
    g.web_session = session
    g.pop("csrf_token", None)


def load() -> WebSession | None:
    """The browser's session if it is still usable; ends it when a limit has passed."""
    raw = request.cookies.get(cookie_name())
    if not raw or len(raw) > 100:
        return None
    session = _found(digest(raw))
    if session is None or session.ended_at is not None:
        return None
    now = clock.now()
    reason = None
    if now >= session.expires_at:
        reason = "expired"
    elif now - session.last_seen_at >= idle_limit():
        reason = "idle"
    elif session.user is not None and not session.user.active:
        reason = "deactivated"
    if reason is not None:
        end(session, reason)
        g.session_ended = reason
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
    return session


def _found(key_hash: str) -> WebSession | None:
    """The session row with this key's hash, its account and the account's agency, in
    one prepared statement (every page runs it), put in the request's session as if the
    session had loaded them (careplan.core.attached); inside the request's transaction,
    as the ORM query it replaces was."""
    row = _by_key().first(db.session, {"key_hash": key_hash})
    if row is None:
        return None
    user = None
    if row.session_user_id is not None:
        agency = None
        if row.user_agency_id is not None:
            agency = attached.attach(
                db.session, Agency, attached.columns_of(row, Agency, "agency_")
            )
        user = attached.attach(
            db.session, User, attached.columns_of(row, User, "user_"), {"agency": agency}
        )
    columns = attached.columns_of(row, WebSession, "session_")
    return attached.attach(db.session, WebSession, columns, {"user": user})


@functools.cache
def _by_key() -> Prepared:
    session, user, agency = WebSession.__table__, User.__table__, Agency.__table__
    return Prepared(
        select(
            *(column.label(f"session_{column.name}") for column in session.c),
            *(column.label(f"user_{column.name}") for column in user.c),
            *(column.label(f"agency_{column.name}") for column in agency.c),
        )
        .select_from(session.outerjoin(user, user.c.id == session.c.user_id))
        .outerjoin(agency, agency.c.id == user.c.agency_id)
        .where(session.c.key_hash == bindparam("key_hash"))
    )


def end(session: WebSession, reason: str) -> None:
    if session.ended_at is None:
        session.ended_at = clock.now()
        session.ended_reason = reason
    if g.get("web_session") is session:
        _switch(None)
        g.session_cookie = ""  # clear the cookie on the way out


def end_all(user_id: object, reason: str) -> int:
    """Every open session of the account (sign-out everywhere, deactivation)."""
    result = db.session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=clock.now(), ended_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    current = g.get("web_session")
    if current is not None and current.user_id == user_id:
        _switch(None)
        g.session_cookie = ""
    return result.rowcount or 0


def write_cookie(response: Response) -> Response:
    """Set or clear the session cookie when this request started or ended a session."""
    raw = g.pop("session_cookie", None)
    if raw is None:
        return response
    name = cookie_name()
    if raw == "":
        response.delete_cookie(name, path="/", secure=not relaxed_cookies(), httponly=True)
        return response
    response.set_cookie(
        name,
        raw,
        max_age=int(absolute_limit().total_seconds()),
        path="/",
        secure=not relaxed_cookies(),
        httponly=True,
        samesite="Lax",  # Lax, not Strict: the provider's redirect back must carry it
    )
    return response
