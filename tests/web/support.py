"""Test-client helpers for the web pages: a signed-in browser per user, with its CSRF token.

A session row is made directly (signing in itself is tested with the sign-in pages), and
the CSRF token comes from the lead's `csrf.token` for that session, as a page would show it.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import timedelta
from typing import Any

from flask import Flask, g
from sqlalchemy import select

from careplan.accounts.models import User
from careplan.core import clock
from careplan.extensions import db
from careplan.identity import csrf, sessions
from careplan.identity.models import Stage, WebSession
from careplan.people.models import Person


class Browser:
    """A test client holding one user's signed-in session."""

    def __init__(self, app: Flask, user: User | None) -> None:
        self.app = app
        self.client = app.test_client()
        self.user = user
        self.token = ""
        if user is not None:
            self._sign_in(user)

    def _sign_in(self, user: User) -> None:
        raw = secrets.token_urlsafe(32)
        now = clock.now()
        with self.app.app_context():
            row = WebSession(
                key_hash=sessions.digest(raw),
                user_id=user.id,
                stage=Stage.SIGNED_IN,
                method="password",
                csrf_secret=secrets.token_hex(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=8),
                reauth_at=now,
            )
            db.session.add(row)
            db.session.commit()
            with self.app.test_request_context("/"):
                g.web_session = row
                self.token = csrf.token()
        self.client.set_cookie(sessions.LOOPBACK_COOKIE, raw, domain="localhost")

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, csrf_token: bool = True, **kw: Any) -> Any:
        form = dict(data or {})
        if csrf_token:
            form.setdefault("csrf_token", self.token)
        return self.client.post(path, data=form, **kw)

    def look_up(self, person_id: Any) -> Any:
        """Find the person by their CHI on the exact-details page, as a practitioner who
        does not work with them yet would; the answer redirects to the "found" page."""
        with self.app.app_context():
            chi = db.session.get(Person, uuid.UUID(str(person_id))).chi
        found = self.post("/people/lookup", {"chi": chi})
        assert found.status_code == 302, text(found)[:300]
        return found


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def staff(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        return user


def hidden(response: Any, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', text(response))
    assert found, name
    return found.group(1)
