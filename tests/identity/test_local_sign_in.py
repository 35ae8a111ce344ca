"""Local accounts: password sign-in, the second factor, throttling and lockout, sessions
and their limits, CSRF, security headers, confirming again, signing out."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from audit.actions import AuditAction
from audit.models import AuditEvent
from careplan.access.permissions import Permission
from careplan.access.pipeline import public, requires
from careplan.accounts.models import User
from careplan.extensions import db
from careplan.identity.models import RecoveryCode, WebSession
from tests.identity.pages import (
    PASSWORD,
    Clock,
    code_for,
    csrf,
    post_form,
    sign_in,
    with_password,
    with_second_factor,
)


def audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


@pytest.fixture
def practitioner(world: Any) -> User:
    return with_password(world.staff(world.agency()))


@pytest.fixture
def key_worker(world: Any) -> User:
    worker = with_password(world.staff(world.agency()))
    world.plan(world.person(), worker)
    return worker


def test_a_practitioner_signs_in_with_a_password(client, practitioner):
    answer = sign_in(client, practitioner.email)
    assert answer.status_code == 302
    assert answer.location == "/"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    page = client.get("/account")
    assert page.status_code == 200
    assert practitioner.name in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    [login] = audit("auth.login")
    assert login.actor_id == practitioner.id
    assert login.details["method"] == "password"


def test_over_https_the_cookie_is_host_prefixed_and_secure(client, practitioner):
    # Also the https form post with no Referer (Referrer-Policy: no-referrer) that
    # Flask-WTF's "SSL strict" Referer check would refuse: it must stay off.
    page = client.get("/sign-in", base_url="https://careplan.example")
    answer = client.post(
        "/sign-in",
        base_url="https://careplan.example",
        data={"csrf_token": csrf(page), "email": practitioner.email, "password": PASSWORD},
    )
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-careplan-session=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "Domain" not in cookie


def _session_cookie(answer: Any) -> str:
    return answer.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]


def test_each_step_of_signing_in_gets_a_new_session_key(app, client, key_worker):
    """A key planted before sign-in, or learnt half-way, never becomes a signed-in one."""
    secret = with_second_factor(key_worker)
    step = sign_in(client, key_worker.email)
    half_way = _session_cookie(step)
    done = post_form(client, step.location, {"code": code_for(secret)})
    signed_in = _session_cookie(done)
    assert signed_in != half_way
    planted = app.test_client()
    planted.set_cookie("careplan-session", half_way)
    assert planted.get("/account").status_code == 302
    reasons = db.session.scalars(select(WebSession.ended_reason)).all()
    assert sorted(reasons, key=str) == [None, "replaced"]  # the second step's session lives


def test_wrong_password_and_unknown_account_get_the_same_answer(client, practitioner):
    wrong = post_form(client, "/sign-in", {"email": practitioner.email, "password": "nope"})
    unknown = post_form(client, "/sign-in", {"email": "nobody@example.test", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 200

    def message(answer: Any) -> str:
        text = answer.get_data(as_text=True)
        return text[text.index('class="ds_error-summary"') :][:400]

    assert message(wrong) == message(unknown).replace("nobody@example.test", practitioner.email)
    assert "not right" in message(wrong)
    failures = audit("auth.failed")
    assert [f.reason for f in failures] == ["bad_credentials", "bad_credentials"]
    assert failures[0].actor_id == practitioner.id  # the account concerned
    assert failures[1].actor_id is None
    assert "nobody" not in str(failures[1].details)


def test_over_long_and_empty_passwords_are_refused_cleanly(client, practitioner):
    long = post_form(client, "/sign-in", {"email": practitioner.email, "password": "x" * 300})
    assert long.status_code == 200
    assert "not right" in long.get_data(as_text=True)
    huge = post_form(client, "/sign-in", {"email": practitioner.email, "password": "x" * 5000})
    assert huge.status_code == 400
    assert "Enter your password" in huge.get_data(as_text=True)
    empty = post_form(client, "/sign-in", {"email": practitioner.email, "password": ""})
    assert empty.status_code == 400
    assert db.session.scalars(select(WebSession)).all() == []


def test_repeated_failures_slow_down_then_lock_and_the_lock_expires(
    client, practitioner, monkeypatch
):
    clock = Clock(monkeypatch)
    for _ in range(3):
        post_form(client, "/sign-in", {"email": practitioner.email, "password": "wrong"})
    slowed = post_form(client, "/sign-in", {"email": practitioner.email, "password": PASSWORD})
    assert slowed.status_code == 429
    assert "Wait until" in slowed.get_data(as_text=True)
    for _ in range(7):
        clock.advance(seconds=61)
        post_form(client, "/sign-in", {"email": practitioner.email, "password": "wrong"})
    clock.advance(seconds=61)
    locked = post_form(client, "/sign-in", {"email": practitioner.email, "password": PASSWORD})
    text = locked.get_data(as_text=True)
    assert locked.status_code == 429
    assert "locked" in text
    assert "administrator" in text
    assert db.session.scalars(select(WebSession)).all() == []  # the right password did not help
    assert any(e.details.get("locked") for e in audit("auth.failed"))
    assert audit("auth.failed")[-1].reason == "locked"

    clock.advance(minutes=31)
    assert sign_in(client, practitioner.email).status_code == 302


def test_a_missing_account_locks_exactly_like_a_real_one(client, monkeypatch):
    clock = Clock(monkeypatch)
    for _ in range(10):
        clock.advance(seconds=61)
        post_form(client, "/sign-in", {"email": "ghost@example.test", "password": "wrong"})
    clock.advance(seconds=61)
    answer = post_form(client, "/sign-in", {"email": "ghost@example.test", "password": "x"})
    assert answer.status_code == 429
    assert "locked" in answer.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"SIGNIN_ADDRESS_LOCK_AFTER": 5}])
def test_one_address_trying_many_accounts_is_locked(client, practitioner, monkeypatch):
    clock = Clock(monkeypatch)
    for n in range(5):
        clock.advance(seconds=61)
        post_form(client, "/sign-in", {"email": f"guess{n}@example.test", "password": "x"})
    clock.advance(seconds=61)
    answer = sign_in(client, practitioner.email)
    assert answer.status_code == 429


def test_next_only_ever_leads_to_this_site(client, practitioner):
    for target, landing in (
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ):
        client = client.application.test_client()
        page = client.get("/sign-in", query_string={"next": target})
        answer = client.post(
            "/sign-in",
            query_string={"next": target},
            data={"csrf_token": csrf(page), "email": practitioner.email, "password": PASSWORD},
        )
        assert answer.location == landing, target


# --- the second factor ---------------------------------------------------------------


def test_a_key_worker_must_set_up_a_second_factor_first(client, key_worker):
    answer = sign_in(client, key_worker.email)
    assert answer.location.startswith("/sign-in/set-up-code")
    # Half signed in reaches nothing.
    assert client.get("/account").status_code == 302
    page = client.get(answer.location)
    text = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in text
    import re

    secret = re.search(r'name="secret" value="([A-Z2-7]{32})"', text).group(1)
    wrong = client.post(
        answer.location, data={"csrf_token": csrf(page), "secret": secret, "code": "000000"}
    )
    assert "not right" in wrong.get_data(as_text=True)
    done = client.post(
        answer.location, data={"csrf_token": csrf(page), "secret": secret, "code": code_for(secret)}
    )
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/account").status_code == 200
    db.session.refresh(key_worker)
    assert key_worker.has_second_factor
    assert key_worker._totp_secret.startswith("v1:")  # sealed at rest, never in clear


@pytest.mark.parametrize("roles", [("ig_officer",), ("admin",)])
def test_ig_officers_and_administrators_need_a_second_factor(client, world, roles):
    user = with_password(world.staff(world.agency(), roles=roles))
    assert sign_in(client, user.email).location.startswith("/sign-in/set-up-code")


def test_the_code_is_asked_for_and_never_accepted_twice(client, key_worker, monkeypatch):
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    answer = sign_in(client, key_worker.email)
    assert answer.location.startswith("/sign-in/code")
    assert client.get("/account").status_code == 302
    wrong = post_form(client, answer.location, {"code": "123456"})
    assert "not right" in wrong.get_data(as_text=True)
    code = code_for(secret)
    assert post_form(client, answer.location, {"code": code}).location == "/"
    [login] = [e for e in audit("auth.login") if e.details["method"] == "password+totp"]
    assert login.actor_id == key_worker.id

    # Signed out and in again within the same 30 seconds: the same code is refused.
    other = client.application.test_client()
    step = sign_in(other, key_worker.email)
    replay = post_form(other, step.location, {"code": code})
    assert "not right" in replay.get_data(as_text=True)
    clock.advance(seconds=30)
    assert post_form(other, step.location, {"code": code_for(secret)}).location == "/"


def test_a_recovery_code_works_once(client, key_worker):
    from careplan.identity import second_factor

    with_second_factor(key_worker)
    with client.application.test_request_context():
        codes = second_factor.issue_recovery_codes(key_worker)
        db.session.commit()
    step = sign_in(client, key_worker.email)
    used = post_form(client, step.location, {"code": codes[0].upper()})
    assert used.location.startswith("/account")
    assert "9 left" in client.get(used.location).get_data(as_text=True)
    other = client.application.test_client()
    step = sign_in(other, key_worker.email)
    again = post_form(other, step.location, {"code": codes[0]})
    assert "not right" in again.get_data(as_text=True)
    assert db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_(None))).all()


def test_wrong_codes_lock_the_account_too(client, key_worker, monkeypatch):
    clock = Clock(monkeypatch)
    with_second_factor(key_worker)
    step = sign_in(client, key_worker.email)
    for _ in range(10):
        clock.advance(seconds=61)
        last = post_form(client, step.location, {"code": "000000"})
    assert "locked" in last.get_data(as_text=True)
    # The half-made session is over: the browser starts again from the password.
    assert client.get(step.location).status_code == 302


# --- sessions ------------------------------------------------------------------------


def test_idle_sessions_end_after_fifteen_minutes(client, practitioner, monkeypatch):
    clock = Clock(monkeypatch)
    sign_in(client, practitioner.email)
    for _ in range(3):
        clock.advance(minutes=14)
        assert client.get("/account").status_code == 200
    clock.advance(minutes=15, seconds=1)
    answer = client.get("/account")
    assert answer.status_code == 302
    assert answer.location.startswith("/sign-in")
    assert "no activity" in client.get(answer.location).get_data(as_text=True)
    session = db.session.scalars(select(WebSession)).one()
    assert session.ended_reason == "idle"


def test_sessions_end_ten_hours_after_sign_in_however_busy(client, practitioner, monkeypatch):
    clock = Clock(monkeypatch)
    sign_in(client, practitioner.email)
    for _ in range(59):
        clock.advance(minutes=10)
        assert client.get("/account").status_code == 200
    clock.advance(minutes=10)
    assert client.get("/account").status_code == 302
    assert db.session.scalars(select(WebSession)).one().ended_reason == "expired"


def test_sign_out_ends_the_session_and_the_cookie(client, practitioner):
    sign_in(client, practitioner.email)
    page = client.get("/account")
    answer = client.post("/sign-out", data={"csrf_token": csrf(page)})
    assert answer.location == "/signed-out"
    assert "careplan-session=;" in answer.headers["Set-Cookie"]
    assert client.get("/account").status_code == 302
    assert audit("auth.logout")[0].actor_id == practitioner.id


def test_sign_out_everywhere(app, practitioner):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, practitioner.email)
    sign_in(phone, practitioner.email)
    page = laptop.get("/account")
    laptop.post("/sign-out/everywhere", data={"csrf_token": csrf(page)})
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 302
    assert audit("auth.logout")[0].details == {
        "everywhere": True,
        "sessions": 2,
        "tokens_revoked": 0,
    }


def test_a_deactivated_account_stops_on_its_next_request(client, app, world, api, practitioner):
    from careplan.accounts import tokens as token_store

    sign_in(client, practitioner.email)
    token = world.token(practitioner)
    assert client.get("/account").status_code == 200
    admin = world.staff(None, roles=("admin",))
    assert api.post(admin, f"/staff/{practitioner.id}/deactivate").status_code == 200
    assert client.get("/account").status_code == 302
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 401
    )
    assert token_store.resolve(db.session, token) is None
    assert sign_in(app.test_client(), practitioner.email).status_code == 200  # refused


# --- forms, headers ------------------------------------------------------------------


def test_forms_without_this_browsers_csrf_token_are_refused(app, practitioner):
    browser, attacker = app.test_client(), app.test_client()
    sign_in(browser, practitioner.email)
    no_token = browser.post("/sign-out/everywhere")
    assert no_token.status_code == 400
    assert "did not come from this service" in no_token.get_data(as_text=True)
    foreign = browser.post(
        "/sign-out/everywhere", data={"csrf_token": csrf(attacker.get("/sign-in"))}
    )
    assert foreign.status_code == 400
    cross_site = browser.post(
        "/sign-out/everywhere",
        data={"csrf_token": csrf(browser.get("/account"))},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 400
    assert browser.get("/account").status_code == 200  # still signed in: nothing happened


def test_a_session_started_mid_request_gets_its_own_token(app, practitioner):
    # Flask-WTF makes one token per request and keeps it in g; a page rendered after a
    # sign-in step in the same request must carry the new session's token, not the old.
    from flask_wtf.csrf import validate_csrf
    from wtforms import ValidationError

    from careplan.identity import csrf, sessions
    from careplan.identity.models import Stage
    from careplan.identity.web import load_browser

    with app.test_request_context("/sign-in"):
        load_browser()
        before = csrf.token()
        sessions.start(practitioner, Stage.SIGNED_IN, "password")
        after = csrf.token()
        validate_csrf(after)
        with pytest.raises(ValidationError):
            validate_csrf(before)
        db.session.rollback()


@pytest.mark.parametrize("path", ["/sign-in", "/api/v1/openapi.json", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]


def test_a_handlers_own_header_is_kept(client, app):
    @app.get("/framed")
    @public
    def framed() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN"}

    headers = client.get("/framed").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers["Referrer-Policy"] == "no-referrer"


def test_flasks_cookie_session_is_off(client, app):
    # Browser sessions are server-side (careplan.identity.sessions); Flask's signed
    # cookie session is neither read nor written, and refuses to be written.
    @app.get("/write-flask-session")
    @public
    def write() -> str:
        from flask import session

        session["x"] = 1
        return "written"

    assert client.get("/write-flask-session").status_code == 500
    signed_in = client.get("/sign-in")
    assert all(not c.startswith("session=") for c in signed_in.headers.getlist("Set-Cookie"))


def test_error_pages_are_designed_and_show_no_trace(client, app):
    @app.get("/boom")
    @public
    def boom() -> str:
        raise RuntimeError("secret detail")

    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Page not found" in missing.get_data(as_text=True)

    broken = client.get("/boom")
    text = broken.get_data(as_text=True)
    assert broken.status_code == 500
    assert "secret detail" not in text
    assert "Traceback" not in text
    assert "Sorry, there is a problem" in text


# --- confirming who you are again ------------------------------------------------------


@pytest.fixture
def guarded(app: Any) -> str:
    from careplan.identity.web import recent_auth_required

    @app.get("/test-guarded")
    @recent_auth_required
    @requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
    def guarded_view() -> str:
        return "sensitive action page"

    return "/test-guarded"


def test_sensitive_actions_need_a_recent_confirmation(client, practitioner, guarded, monkeypatch):
    clock = Clock(monkeypatch)
    sign_in(client, practitioner.email)
    assert client.get(guarded).status_code == 200  # just signed in: confirmed
    clock.advance(minutes=6)
    ask = client.get(guarded)
    assert ask.status_code == 302
    assert ask.location.startswith("/confirm")
    wrong = post_form(client, ask.location, {"password": "wrong"})
    assert "not right" in wrong.get_data(as_text=True)
    done = post_form(client, ask.location, {"password": PASSWORD})
    assert done.location == guarded
    assert client.get(guarded).get_data(as_text=True) == "sensitive action page"


def test_with_a_second_factor_the_confirmation_is_a_code(client, key_worker, guarded, monkeypatch):
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    sign_in(client, key_worker.email, secret=secret)
    clock.advance(minutes=6)
    ask = client.get(guarded)
    page = client.get(ask.location)
    assert 'name="code"' in page.get_data(as_text=True)
    done = post_form(client, ask.location, {"code": code_for(secret)})
    assert done.location == guarded


def test_a_form_sent_after_the_confirmation_window_comes_back_to_its_page(
    app, client, practitioner, monkeypatch
):
    from careplan.identity.web import recent_auth_required

    @app.route("/test-guarded-form", methods=["GET", "POST"])
    @recent_auth_required
    @requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
    def guarded_form() -> str:
        return "the form page"

    clock = Clock(monkeypatch)
    sign_in(client, practitioner.email)
    clock.advance(minutes=6)
    token = csrf(client.get("/account"))
    sent = client.post("/test-guarded-form", data={"csrf_token": token})
    assert sent.location.startswith("/confirm")
    done = post_form(client, sent.location, {"password": PASSWORD})
    assert done.location == "/test-guarded-form"
