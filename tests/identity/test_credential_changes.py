"""Credentials (issue 16, faults 5 and 15): wrong second-factor codes are counted per
account across sign-ins, however they are sent; every change to a credential needs the
current password and code in the same form, and those forms are throttled like signing
in; signing out everywhere revokes every API token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from careplan.accounts.models import AccessToken, User
from careplan.accounts.passwords import check_password
from careplan.extensions import db
from careplan.identity import throttle
from careplan.identity.models import RecoveryCode, SignInThrottle, WebSession
from tests.identity.pages import (
    PASSWORD,
    Clock,
    code_for,
    csrf,
    post_form,
    sign_in,
    signed_in_browser,
    with_password,
    with_second_factor,
)

NEW_PASSWORD = "lighthouse pebble orange"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def events(action: str) -> list[AuditEvent]:
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


def _wrong_code_at_sign_in(app: Any, user: User) -> Any:
    """A fresh browser, the right password, then a wrong code: what an attacker holding
    the password would do to get a fresh run of guesses."""
    browser = app.test_client()
    step = sign_in(browser, user.email)
    assert step.status_code == 302, "the right password is still accepted"
    assert step.location.startswith("/sign-in/code")
    return post_form(browser, step.location, {"code": "000000"})


# --- wrong codes, per account, across sign-ins ---------------------------------------


@pytest.mark.parametrize("wrong", [4, 12, 24])
def test_a_right_password_does_not_clear_the_count_of_wrong_codes(
    app, key_worker, monkeypatch, wrong
):
    """The reported fault: 12 and 24 wrong codes, each after a right password, with no
    slow-down. Now the fourth in a row waits, and every tenth locks the account's codes,
    the right code included, whoever signs in and however often."""
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    for n in range(1, wrong + 1):
        answer = _wrong_code_at_sign_in(app, key_worker)
        assert answer.status_code == 200, n  # the code was checked (not refused unseen)
        if n == 3:
            slowed = _wrong_code_at_sign_in(app, key_worker)
            assert slowed.status_code == 429
            assert "Wait until" in slowed.get_data(as_text=True)
        if n % 10 == 0:
            assert "locked" in answer.get_data(as_text=True)
            browser = app.test_client()
            step = sign_in(browser, key_worker.email)
            right = post_form(browser, step.location, {"code": code_for(secret)})
            assert right.status_code == 429  # even the right code waits for the lock
            clock.advance(minutes=31)
        clock.advance(seconds=61)
    row = db.session.get(SignInThrottle, throttle.second_factor_key(key_worker.id))
    assert row.failures == wrong  # never reset by a password, a lock ending, or time
    failures = [e for e in events("auth.failed") if e.reason == "bad_code"]
    assert len(failures) == wrong
    assert all(e.actor_id == key_worker.id for e in failures)


def test_after_a_lock_ends_the_next_wrong_code_is_slowed_at_once(app, key_worker, monkeypatch):
    clock = Clock(monkeypatch)
    with_second_factor(key_worker)
    for _ in range(10):
        _wrong_code_at_sign_in(app, key_worker)
        clock.advance(seconds=61)
    clock.advance(minutes=31)
    assert _wrong_code_at_sign_in(app, key_worker).status_code == 200
    assert _wrong_code_at_sign_in(app, key_worker).status_code == 429


def test_a_right_code_clears_the_count(app, key_worker, monkeypatch):
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    for _ in range(2):
        _wrong_code_at_sign_in(app, key_worker)
    clock.advance(seconds=61)
    assert sign_in(app.test_client(), key_worker.email, secret=secret).location == "/"
    assert db.session.get(SignInThrottle, throttle.second_factor_key(key_worker.id)) is None


@pytest.mark.parametrize("app_config", [{"SECOND_FACTOR_MAX_FAILURES": 12}])
def test_too_many_wrong_codes_in_a_row_lock_until_an_administrator_unlocks(
    app, key_worker, monkeypatch
):
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    for _ in range(12):
        clock.advance(minutes=31)
        last = _wrong_code_at_sign_in(app, key_worker)
    assert "administrator" in last.get_data(as_text=True)
    clock.advance(days=3)
    # Housekeeping keeps the count: it is not a stale counter.
    app.test_cli_runner().invoke(args=["retention", "run"])
    browser = app.test_client()
    step = sign_in(browser, key_worker.email)
    blocked = post_form(browser, step.location, {"code": code_for(secret)})
    assert blocked.status_code == 429
    assert "administrator" in blocked.get_data(as_text=True)
    assert events("auth.failed")[-1].reason == "blocked"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["account", "unlock", "--email", key_worker.email]).exit_code == 0
    clock.advance(seconds=31)
    assert sign_in(app.test_client(), key_worker.email, secret=secret).location == "/"


def test_resetting_the_second_factor_clears_the_count(app, key_worker, monkeypatch):
    Clock(monkeypatch)
    with_second_factor(key_worker)
    for _ in range(3):
        _wrong_code_at_sign_in(app, key_worker)
    out = app.test_cli_runner().invoke(
        args=["account", "reset-second-factor", "--email", key_worker.email]
    )
    assert out.exit_code == 0
    assert db.session.get(SignInThrottle, throttle.second_factor_key(key_worker.id)) is None


@pytest.mark.parametrize("where", ["recovery_code", "confirm"])
def test_codes_sent_anywhere_count_against_the_same_account(app, key_worker, monkeypatch, where):
    """Recovery codes at sign-in and codes on the confirm page add to the same count."""
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    browser = app.test_client()
    sign_in(browser, key_worker.email, secret=secret)
    clock.advance(minutes=6)
    for _ in range(3):
        if where == "confirm":
            post_form(browser, "/confirm?next=/account", {"code": "000000"})
        else:
            other = app.test_client()
            step = sign_in(other, key_worker.email)
            post_form(other, step.location, {"code": "aaaaa-bbbbb"})
    slowed = _wrong_code_at_sign_in(app, key_worker)
    assert slowed.status_code == 429


# --- every change to a credential confirms who it is -----------------------------------


def _token_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AccessToken).where(AccessToken.user_id == user.id)
    )


def _live_recovery_codes(user: User) -> set[str]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            select(RecoveryCode.code_hash).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
    )


def _change(browser: Any, user: User, change: str, proof: dict[str, str]) -> tuple[Any, Any]:
    """Make `change` with `proof` (current password and code, as named in that form);
    returns the answer and a function telling whether the change happened."""
    if change == "password":
        before = user.password_hash
        answer = post_form(
            browser,
            "/account/password",
            {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **proof},
        )
        db.session.expire_all()
        return answer, lambda: db.session.get(User, user.id).password_hash != before
    if change == "token":
        before = _token_count(user)
        answer = post_form(
            browser,
            "/account/tokens",
            {"label": "robot", "scope": "write", "expires": "90d", **proof},
            page="/account",
        )
        return answer, lambda: _token_count(user) > before
    if change == "recovery_codes":
        before = _live_recovery_codes(user)
        answer = post_form(browser, "/account/recovery-codes", proof)
        return answer, lambda: _live_recovery_codes(user) != before
    assert change == "authenticator"
    page = browser.get("/sign-in/set-up-code?next=/account")
    secret = re.search(r'name="secret" value="([A-Z2-7]{32})"', page.get_data(as_text=True))
    new_secret = secret.group(1)
    fields = {"secret": new_secret, "code": code_for(new_secret)}
    if "code" in proof:
        fields["current_code"] = proof["code"]
    if "current" in proof:
        fields["current"] = proof["current"]
    answer = browser.post(
        "/sign-in/set-up-code?next=/account", data={"csrf_token": csrf(page), **fields}
    )
    db.session.expire_all()
    return answer, lambda: db.session.get(User, user.id).totp_secret == new_secret


WITH_CODE = ["password", "token", "recovery_codes", "authenticator"]


@pytest.mark.parametrize("change", WITH_CODE)
@pytest.mark.parametrize(
    "proof",
    [
        "nothing",
        "password only",
        "code only",
        "wrong password",
        "wrong code",
        "recovery code used twice",
    ],
)
def test_a_signed_in_session_alone_cannot_change_a_credential(
    app, key_worker, monkeypatch, change, proof
):
    """The reported fault: a signed-in session replaced the authenticator and made
    recovery codes without the current code or password. Every change needs both."""
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    browser = app.test_client()
    sign_in(browser, key_worker.email, secret=secret)
    clock.advance(seconds=31)
    given = {
        "nothing": {},
        "password only": {"current": PASSWORD},
        "code only": {"code": code_for(secret)},
        "wrong password": {"current": "not my password", "code": code_for(secret)},
        "wrong code": {"current": PASSWORD, "code": "000000"},
        "recovery code used twice": {"current": PASSWORD, "code": "used1-code1"},
    }[proof]
    if proof == "recovery code used twice":
        from careplan.identity import second_factor

        with app.test_request_context():
            [code, *_] = second_factor.issue_recovery_codes(key_worker)
            second_factor.use_recovery_code(key_worker, code)
            db.session.commit()
        given["code"] = code
    answer, changed = _change(browser, key_worker, change, given)
    assert answer.status_code in (200, 400, 429), (change, proof, answer.status_code)
    assert "There is a problem" in answer.get_data(as_text=True)
    assert not changed(), (change, proof)


@pytest.mark.parametrize("change", WITH_CODE)
@pytest.mark.parametrize("code_kind", ["app", "recovery code"])
def test_with_the_current_password_and_code_the_change_is_made_and_recorded(
    app, key_worker, monkeypatch, change, code_kind
):
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    browser = app.test_client()
    sign_in(browser, key_worker.email, secret=secret)
    clock.advance(seconds=31)
    code = code_for(secret)
    if code_kind == "recovery code":
        from careplan.identity import second_factor

        with app.test_request_context():
            code = second_factor.issue_recovery_codes(key_worker)[3].upper()
            db.session.commit()
    answer, changed = _change(browser, key_worker, change, {"current": PASSWORD, "code": code})
    assert answer.status_code == 200, (change, answer.get_data(as_text=True)[:2000])
    assert changed()
    confirmed = [
        e.details["confirmed_with"]
        for e in events("auth.login") + events("auth.token")
        if "confirmed_with" in (e.details or {})
    ]
    used = "totp" if code_kind == "app" else "recovery_code"
    assert confirmed == [["password", used]]


@pytest.mark.parametrize("change", ["password", "token", "authenticator"])
def test_without_a_second_factor_the_current_password_is_asked(
    app, practitioner, monkeypatch, change
):
    Clock(monkeypatch)
    browser = app.test_client()
    sign_in(browser, practitioner.email)
    for proof in ({}, {"current": "wrong password"}, {"current": PASSWORD.upper()}):
        answer, changed = _change(browser, practitioner, change, proof)
        # 400 when nothing was given; 200 when a wrong password was counted (kept).
        assert answer.status_code == (400 if not proof else 200), (change, proof)
        assert "There is a problem" in answer.get_data(as_text=True)
        assert not changed()
    answer, changed = _change(browser, practitioner, change, {"current": PASSWORD})
    assert answer.status_code == 200
    assert changed()


@pytest.mark.parametrize(
    "form", ["/account/password", "/account/tokens", "/account/recovery-codes"]
)
def test_the_credential_forms_are_throttled_with_signing_in(app, key_worker, monkeypatch, form):
    """Wrong passwords on these forms count with the sign-in's: slowed after three,
    locked after ten, and then even the right one (and signing in) waits."""
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    browser = app.test_client()
    sign_in(browser, key_worker.email, secret=secret)

    def attempt(password: str) -> Any:
        fields = {
            "current": password,
            "code": "123456",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "label": "x",
            "scope": "read",
            "expires": "1h",
        }
        return post_form(browser, form, fields, page="/account")

    for _ in range(3):
        attempt("wrong")
    slowed = attempt("wrong")
    assert "Wait until" in slowed.get_data(as_text=True)
    for _ in range(7):
        clock.advance(seconds=61)
        last = attempt("wrong")
    assert "locked" in last.get_data(as_text=True)
    clock.advance(seconds=61)
    assert "locked" in attempt(PASSWORD).get_data(as_text=True)
    assert sign_in(app.test_client(), key_worker.email).status_code == 429
    methods = {e.details.get("method") for e in events("auth.failed")}
    assert methods & {"password_change", "token_create", "recovery_codes_replaced"}


def test_wrong_codes_on_the_credential_forms_count_against_the_account(
    app, key_worker, monkeypatch
):
    clock = Clock(monkeypatch)
    secret = with_second_factor(key_worker)
    browser = app.test_client()
    sign_in(browser, key_worker.email, secret=secret)
    for _ in range(3):
        clock.advance(seconds=61)
        _change(browser, key_worker, "recovery_codes", {"current": PASSWORD, "code": "000000"})
    assert _wrong_code_at_sign_in(app, key_worker).status_code == 429


def test_an_account_with_only_single_sign_on_signs_in_again_first(app, world, monkeypatch):
    clock = Clock(monkeypatch)
    user = world.staff(world.agency())  # no password, no second factor
    browser = signed_in_browser(app, user, method="oidc:test")
    fields = {"label": "x", "scope": "read", "expires": "1h"}
    clock.advance(minutes=6)
    before = _token_count(user)
    sent = post_form(browser, "/account/tokens", fields, page="/account")
    assert sent.status_code == 302
    assert sent.location.startswith("/confirm")
    assert _token_count(user) == before
    assert browser.get("/sign-in/set-up-code").location.startswith("/confirm")
    # Just signed in again at the provider (prompt=login): the change is made.
    db.session.execute(
        WebSession.__table__.update().values(reauth_at=clock.at)  # type: ignore[attr-defined]
    )
    db.session.commit()
    made = post_form(browser, "/account/tokens", fields, page="/account")
    assert made.status_code == 200
    assert _token_count(user) == before + 1


def test_the_account_page_says_what_is_asked_and_links_each_change(app, key_worker):
    secret = with_second_factor(key_worker)
    browser = app.test_client()
    sign_in(browser, key_worker.email, secret=secret)
    text = browser.get("/account").get_data(as_text=True)
    for link in ("/account/password", "/account/recovery-codes", "/sign-in/set-up-code"):
        assert link in text
    assert "current password and a code from your authenticator app" in text
    for path in ("/account/password", "/account/recovery-codes"):
        page = browser.get(path).get_data(as_text=True)
        assert 'name="current"' in page
        assert 'name="code"' in page


# --- signing out everywhere -------------------------------------------------------------


def test_signing_out_everywhere_revokes_every_token(app, world, practitioner):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, practitioner.email)
    sign_in(phone, practitioner.email)
    made = post_form(
        phone,
        "/account/tokens",
        {"label": "from the phone", "scope": "write", "expires": "90d", "current": PASSWORD},
        page="/account",
    )
    web_token = re.search(r"(cpat_[A-Za-z0-9_-]+)", made.get_data(as_text=True)).group(1)
    cli = app.test_cli_runner().invoke(args=["token", "create", "--user", practitioner.email])
    cli_token = cli.output.strip()
    api = app.test_client()
    for token in (web_token, cli_token):
        assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200
    page = laptop.get("/account")
    assert "revokes every API token" in page.get_data(as_text=True)
    done = laptop.post("/sign-out/everywhere", data={"csrf_token": csrf(page)})
    assert "every API token you had has been revoked" in laptop.get(done.location).get_data(
        as_text=True
    )
    for token in (web_token, cli_token):
        assert api.get("/api/v1/me", headers=bearer(token)).status_code == 401
    [logout] = events("auth.logout")
    assert logout.details == {"everywhere": True, "sessions": 2, "tokens_revoked": 2}
    assert phone.get("/account").status_code == 302
    # Another account's tokens are untouched.
    other = world.staff(world.agency())
    theirs = world.token(other)
    assert api.get("/api/v1/me", headers=bearer(theirs)).status_code == 200


def test_check_password_is_used_for_the_new_password(app, practitioner):
    """(The new password is really the one kept.)"""
    browser = app.test_client()
    sign_in(browser, practitioner.email)
    _change(browser, practitioner, "password", {"current": PASSWORD})
    db.session.expire_all()
    assert check_password(db.session.get(User, practitioner.id).password_hash, NEW_PASSWORD)


# --- another person's credential ------------------------------------------------------


def test_an_administrator_confirms_before_resetting_a_second_factor(app, world, monkeypatch):
    clock = Clock(monkeypatch)
    admin = with_password(world.staff(None, roles=("admin",)))
    worker = with_password(world.staff(world.agency()))
    with_second_factor(worker)
    browser = signed_in_browser(app, admin)
    clock.advance(minutes=6)
    url = f"/admin/staff/{worker.id}/reset-second-factor"
    asked = post_form(browser, url, {}, page="/admin/staff")
    assert asked.status_code == 302
    assert asked.location.startswith("/confirm")
    assert "next=/admin/staff" in asked.location
    db.session.expire_all()
    assert db.session.get(User, worker.id).has_second_factor
    confirmed = post_form(browser, asked.location, {"password": PASSWORD})
    assert confirmed.location == "/admin/staff"
    done = post_form(browser, url, {}, page="/admin/staff")
    assert done.status_code == 302
    assert "second_factor_reset" in done.location
    db.session.expire_all()
    assert not db.session.get(User, worker.id).has_second_factor
