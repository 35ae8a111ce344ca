"""API tokens made and revoked from the web and the command line; invitations and the
rules for new passwords; administrators lifting a lock or resetting a second factor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from careplan.accounts import invitations
from careplan.accounts.models import AccountKind, User
from careplan.extensions import db
from careplan.identity.models import WebSession
from tests.identity.pages import (
    PASSWORD,
    Clock,
    code_for,
    post_form,
    sign_in,
    with_password,
    with_second_factor,
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def practitioner(world: Any) -> User:
    return with_password(world.staff(world.agency()))


def test_tokens_made_on_the_web_are_scoped_and_revocable(client, practitioner):
    sign_in(client, practitioner.email)
    made = post_form(
        client,
        "/account/tokens",
        {"label": "reporting", "scope": "read", "expires": "7d", "current": PASSWORD},
        page="/account",
    )
    raw = re.search(r"(cpat_[A-Za-z0-9_-]+)", made.get_data(as_text=True)).group(1)
    api = client.application.test_client()
    assert api.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    write = api.post("/api/v1/people", json={}, headers=bearer(raw))
    assert write.status_code == 403
    assert write.json["reason"] == "insufficient_scope"
    # The token is listed (by label, never its value again) and revoked from the page.
    page = client.get("/account").get_data(as_text=True)
    assert "reporting" in page
    assert raw not in page
    token_id = re.search(r"/account/tokens/([0-9a-f-]{36})/revoke", page).group(1)
    done = post_form(client, f"/account/tokens/{token_id}/revoke", {}, page="/account")
    assert "was revoked" in done.get_data(as_text=True)
    assert api.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    details = [
        e.details
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.token").order_by(AuditEvent.seq)
        )
    ]
    assert details[0]["scopes"] == ["read"]
    assert details[1]["revoked"] == token_id


def test_someone_elses_token_cannot_be_revoked(app, world, client, practitioner):
    other = world.staff(world.agency())
    their_token = world.token(other)
    from careplan.accounts.models import AccessToken

    token_id = db.session.scalars(
        select(AccessToken.id).where(AccessToken.user_id == other.id)
    ).one()
    sign_in(client, practitioner.email)
    answer = post_form(client, f"/account/tokens/{token_id}/revoke", {}, page="/account")
    assert answer.status_code == 404
    assert app.test_client().get("/api/v1/me", headers=bearer(their_token)).status_code == 200


def test_token_form_is_validated_and_keeps_what_was_typed(client, practitioner):
    sign_in(client, practitioner.email)
    bad = post_form(
        client,
        "/account/tokens",
        {"label": "my label", "scope": "admin", "expires": "forever"},
        page="/account",
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "There is a problem" in text
    assert 'value="my label"' in text
    assert "Choose what the token may do." in text


def test_tokens_from_the_command_line(app, world, client):
    user = world.staff(world.agency())
    runner = app.test_cli_runner()
    raw = runner.invoke(args=["token", "create", "--user", user.email, "--scope", "read"])
    token = raw.output.strip()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.post("/api/v1/people", json={}, headers=bearer(token)).status_code == 403
    listed = runner.invoke(args=["token", "list", "--user", user.email]).output
    assert "read" in listed
    assert token not in listed
    token_id = listed.split()[0]
    assert runner.invoke(args=["token", "revoke", token_id]).exit_code == 0
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    again = runner.invoke(args=["token", "revoke", token_id])
    assert again.exit_code != 0
    assert "No usable token" in again.output
    assert runner.invoke(args=["token", "revoke", "not-an-id"]).exit_code != 0


def test_an_administrator_lifts_a_lock(app, client, practitioner, monkeypatch):
    clock = Clock(monkeypatch)
    for _ in range(10):
        clock.advance(seconds=61)
        post_form(client, "/sign-in", {"email": practitioner.email, "password": "wrong"})
    assert sign_in(client, practitioner.email).status_code == 429
    runner = app.test_cli_runner()
    assert runner.invoke(args=["account", "unlock", "--email", practitioner.email]).exit_code == 0
    assert sign_in(client, practitioner.email).status_code == 302
    assert runner.invoke(args=["account", "unlock", "--email", practitioner.email]).exit_code != 0


def test_an_administrator_resets_a_lost_second_factor(app, world, client):
    worker = with_password(world.staff(world.agency()))
    world.plan(world.person(), worker)
    secret = with_second_factor(worker)
    sign_in(client, worker.email, secret=secret)
    out = app.test_cli_runner().invoke(
        args=["account", "reset-second-factor", "--email", worker.email]
    )
    assert out.exit_code == 0
    assert client.get("/account").status_code == 302  # the session ended
    fresh = app.test_client()
    assert sign_in(fresh, worker.email).location.startswith("/sign-in/set-up-code")


# --- invitations and new passwords ----------------------------------------------------


@pytest.fixture
def invited(world: Any) -> tuple[User, str]:
    person = world.person()
    user = User(
        kind=AccountKind.INDIVIDUAL,
        email="kerry@example.test",
        name="Kerry Duncan",
        person_id=person.id,
        roles=[],
    )
    db.session.add(user)
    code = invitations.issue(user)
    db.session.commit()
    return user, code


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "at least 12 characters"),
        ("qwertyuiop123", "seen in data breaches"),  # on the shipped list
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("kerry likes the seaside", "your name or email"),
        ("x" * 300, "no more than 256"),
    ],
)
def test_new_passwords_follow_ncsc_rules(client, invited, password, message):
    _, code = invited
    answer = post_form(
        client, "/sign-in/invitation", {"code": code, "password": password, "confirm": password}
    )
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert message in text
    assert f'value="{code}"' in text


def test_no_composition_rules_a_long_plain_passphrase_is_fine(client, invited):
    user, code = invited
    phrase = "purple tractor morning soup"
    answer = post_form(
        client, "/sign-in/invitation", {"code": code, "password": phrase, "confirm": phrase}
    )
    assert answer.status_code == 302
    assert client.get("/account").status_code == 200
    db.session.refresh(user)
    assert user.invite_hash is None
    assert user.password_hash.startswith("$argon2id$")
    # The code is spent: it cannot be used again.
    again = post_form(
        client.application.test_client(),
        "/sign-in/invitation",
        {"code": code, "password": phrase, "confirm": phrase},
    )
    assert "not right or has expired" in again.get_data(as_text=True)


def test_mismatched_and_expired_invitations(client, invited, monkeypatch):
    _, code = invited
    mismatch = post_form(
        client,
        "/sign-in/invitation",
        {"code": code, "password": "purple tractor morning", "confirm": "purple tractor evening"},
    )
    assert "not the same" in mismatch.get_data(as_text=True)
    clock = Clock(monkeypatch)
    clock.advance(days=15)
    expired = post_form(
        client,
        "/sign-in/invitation",
        {"code": code, "password": "purple tractor morning", "confirm": "purple tractor morning"},
    )
    assert "not right or has expired" in expired.get_data(as_text=True)
    assert db.session.scalars(select(WebSession)).all() == []


def test_changing_a_password_needs_the_current_one(client, practitioner):
    sign_in(client, practitioner.email)
    wrong = post_form(
        client,
        "/account/password",
        {"current": "nope", "password": "a b c d e f g h", "confirm": "a b c d e f g h"},
        page="/account",
    )
    assert "current password is not right" in wrong.get_data(as_text=True)
    new = "lighthouse pebble orange"
    done = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "password": new, "confirm": new},
        page="/account",
    )
    assert "was changed" in done.get_data(as_text=True)
    assert sign_in(client.application.test_client(), practitioner.email, new).status_code == 302


def test_demo_accounts_that_need_a_second_factor_have_one(app):
    from careplan.demo import DEMO_TOTP

    app.test_cli_runner().invoke(args=["demo", "load"])
    client = app.test_client()
    step = sign_in(client, "priya.shah@nhs.demo", "demo-ig-officer-2026")
    assert step.location.startswith("/sign-in/code")
    code = code_for(DEMO_TOTP["priya.shah@nhs.demo"])
    assert post_form(client, step.location, {"code": code}).location == "/"


def test_retention_run_removes_spent_sign_in_records(app, client, practitioner, monkeypatch):
    sign_in(client, practitioner.email)
    post_form(app.test_client(), "/sign-in", {"email": "x@example.test", "password": "x"})
    clock = Clock(monkeypatch)
    clock.advance(days=31)
    assert client.get("/account").status_code == 302  # ended by now
    clock.advance(days=31)
    out = app.test_cli_runner().invoke(args=["retention", "run"])
    assert "Removed 1 old sessions" in out.output
    assert "2 old failure counters" in out.output
    assert db.session.scalars(select(WebSession)).all() == []


def test_guessing_invitation_codes_locks_only_the_guesser(app, invited, monkeypatch):
    _user, code = invited
    clock = Clock(monkeypatch)
    guesser = app.test_client()
    for n in range(10):
        clock.advance(seconds=61)
        post_form(
            guesser,
            "/sign-in/invitation",
            {"code": f"guess-{n}", "password": "purple tractor", "confirm": "purple tractor"},
        )
    clock.advance(seconds=61)
    phrase = "purple tractor morning soup"
    locked = post_form(
        guesser, "/sign-in/invitation", {"code": code, "password": phrase, "confirm": phrase}
    )
    assert locked.status_code == 429
    elsewhere = app.test_client()
    answer = elsewhere.post(
        "/sign-in/invitation",
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
        data={
            "csrf_token": _csrf_at(elsewhere, "10.1.2.3"),
            "code": code,
            "password": phrase,
            "confirm": phrase,
        },
    )
    assert answer.status_code == 302


def _csrf_at(client: Any, address: str) -> str:
    from tests.identity.pages import csrf

    return csrf(client.get("/sign-in/invitation", environ_base={"REMOTE_ADDR": address}))
