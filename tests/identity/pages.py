"""Driving the sign-in pages with Flask's test client, as a browser would."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pyotp

from careplan.accounts.passwords import hash_password
from careplan.core import clock
from careplan.extensions import db

PASSWORD = "correct horse battery staple"


def csrf(page: Any) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def with_password(user: Any, password: str = PASSWORD) -> Any:
    user.password_hash = hash_password(password)
    db.session.commit()
    return user


def with_second_factor(user: Any) -> str:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_confirmed_at = clock.now()
    db.session.commit()
    return secret


def code_for(secret: str, at: datetime | None = None, steps: int = 0) -> str:
    moment = (at or clock.now()) + timedelta(seconds=30 * steps)
    from datetime import UTC

    return pyotp.TOTP(secret).at(moment.replace(tzinfo=UTC))


def post_form(client: Any, path: str, data: dict[str, str], page: str | None = None) -> Any:
    """GET the page for its CSRF token, then POST the form."""
    token = csrf(client.get(page or path))
    return client.post(path, data={"csrf_token": token, **data})


def sign_in(client: Any, email: str, password: str = PASSWORD, secret: str | None = None) -> Any:
    answer = post_form(client, "/sign-in", {"email": email, "password": password})
    if secret is not None and answer.status_code == 302 and "/sign-in/code" in answer.location:
        answer = post_form(client, answer.location, {"code": code_for(secret)})
    return answer


class Clock:
    """Moves the service's clock (careplan.core.clock.now) forward."""

    def __init__(self, monkeypatch: Any) -> None:
        self.at = clock.now()
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


def signed_in_browser(app: Any, user: Any, method: str = "password") -> Any:
    """A test client signed in as `user` (a session row made directly in the test's own
    database session, as the sign-in or a provider's callback makes it)."""
    import secrets

    from careplan.identity import sessions
    from careplan.identity.models import Stage, WebSession

    raw, now = secrets.token_urlsafe(32), clock.now()
    db.session.add(
        WebSession(
            key_hash=sessions.digest(raw),
            user_id=user.id,
            stage=Stage.SIGNED_IN,
            method=method,
            csrf_secret=secrets.token_hex(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=8),
            reauth_at=now,
        )
    )
    db.session.commit()
    browser = app.test_client()
    browser.set_cookie(sessions.LOOPBACK_COOKIE, raw, domain="localhost")
    return browser
