"""Signing in through a real OpenID provider (npm oidc-provider on loopback): the whole
browser-style flow, both client authentication methods, account matching, key rotation,
and every way a flow or a token can be tampered with."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from audit.models import AuditEvent
from careplan.accounts import invitations
from careplan.accounts.models import AccountKind, User
from careplan.extensions import db
from careplan.identity import providers
from careplan.identity.models import IdentityLink, WebSession
from tests.identity.harness import Browser, csrf_from, free_port, oidc_provider, serve, signing_key

SECRET_ENV = "CAREPLAN_TEST_OIDC_SECRET"
SECRET = "a-client-secret-only-for-these-tests"
APP_PORT = free_port()
PROVIDER_PORT = free_port()
PROVIDER_KEY = signing_key("provider-key-1")
CLIENT_KEY = signing_key("client-key-1")
ACCOUNTS = {
    "staff-morag": {"email": "Morag.Campbell@nhs.test", "email_verified": True, "name": "Morag"},
    "stranger": {"email": "stranger@nowhere.test", "email_verified": True, "name": "Stranger"},
    "unverified": {"email": "ali.hassan@nhs.test", "email_verified": False, "name": "Ali"},
    "citizen-sarah": {"email": "sarah@example.test", "email_verified": True, "name": "Sarah"},
}


def _redirect(name: str) -> list[str]:
    return [f"http://127.0.0.1:{APP_PORT}/sign-in/with/{name}/callback"]


CLIENTS = [
    {
        "client_id": "careplan-staff",
        "client_secret": SECRET,
        "token_endpoint_auth_method": "client_secret_basic",
        "redirect_uris": _redirect("test-staff"),
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    },
    {
        "client_id": "careplan-citizen",
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "RS256",
        "jwks": {"keys": [CLIENT_KEY.as_dict(private=False)]},
        "redirect_uris": _redirect("test-citizen"),
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    },
]


def providers_file(folder: Path, issuer: str) -> Path:
    key_file = folder / "client-key.pem"
    key_file.write_bytes(
        CLIENT_KEY.private_key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path = folder / "providers.toml"
    path.write_text(
        f"""
[providers.test-staff]
label = "Sign in with your organisation"
issuer = "{issuer}"
client_id = "careplan-staff"
client_auth = "client_secret_basic"
client_secret_env = "{SECRET_ENV}"
accounts = "staff"
match = "email"
api_audience = "careplan-api"

[providers.test-citizen]
label = "Sign in with your own account"
issuer = "{issuer}"
client_id = "careplan-citizen"
client_auth = "private_key_jwt"
private_key_file = "{key_file}"
private_key_id = "client-key-1"
accounts = "individuals"
"""
    )
    return path


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider(PROVIDER_PORT, CLIENTS, [PROVIDER_KEY], ACCOUNTS) as found:
        yield found


@pytest.fixture
def app_config(issuer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    folder = tmp_path / "idp"
    folder.mkdir()
    return {"IDENTITY_PROVIDERS_FILE": str(providers_file(folder, issuer))}


@pytest.fixture
def site(app: Any) -> Iterator[str]:
    with serve(app, APP_PORT) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Browser]:
    found = Browser()
    yield found
    found.close()


def settled(statement: Any) -> list[Any]:
    """Rows read, then the transaction ended: SQLite takes its write lock at BEGIN here, and
    the app under test is serving in another thread."""
    db.session.expire_all()
    rows = [
        {c.key: getattr(row, c.key) for c in row.__table__.columns}
        if hasattr(row, "__table__")
        else row
        for row in db.session.scalars(statement)
    ]
    db.session.commit()
    return rows


def events(action: str) -> list[dict[str, Any]]:
    return settled(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))


def count(model: Any) -> int:
    return settled(select(func.count()).select_from(model))[0]


def staff_morag(world: Any) -> Any:
    """The account's id (reading the object later would open a transaction)."""
    user = world.staff(world.agency(), name="Morag Campbell")
    user.email = "morag.campbell@nhs.test"
    user_id = user.id
    db.session.commit()
    return user_id


def test_staff_sign_in_with_client_secret_matches_the_provisioned_account(world, site, browser):
    morag = staff_morag(world)
    start = browser.get(f"{site}/sign-in/with/test-staff?next=/account")
    assert start.url.startswith(f"http://localhost:{PROVIDER_PORT}/interaction/")
    # PKCE and a nonce were asked for on the way out.
    first_hop = start.history[1].url if len(start.history) > 1 else start.history[0].url
    assert "code_challenge_method=S256" in first_hop
    assert "nonce=" in first_hop
    done = browser.sign_in_at_provider(start, "staff-morag")
    assert done.status_code == 200
    assert done.url == f"{site}/account"
    assert "Morag Campbell" in done.text
    [link] = settled(select(IdentityLink))
    assert (link["provider"], link["subject"], link["user_id"]) == (
        "test-staff",
        "staff-morag",
        morag,
    )
    login = events("auth.login")[-1]
    assert login["actor_id"] == morag
    assert login["details"]["method"] == "oidc:test-staff"

    # The next time the linked subject is what matches, and the flow is a fresh one.
    browser.http.post(f"{site}/sign-out", data={"csrf_token": csrf_from(done.text)})
    again = browser.sign_in_at_provider(
        browser.get(f"{site}/sign-in/with/test-staff"), "staff-morag"
    )
    assert again.url == f"{site}/"
    assert again.status_code == 200
    assert count(IdentityLink) == 1


def test_individual_signs_in_with_private_key_jwt_and_links_by_invitation(world, site, browser):
    person = world.person()
    sarah = User(
        kind=AccountKind.INDIVIDUAL,
        email="s@example.test",
        name="Sarah",
        person_id=person.id,
        roles=[],
    )
    db.session.add(sarah)
    code = invitations.issue(sarah)
    db.session.commit()
    sarah_id, person_id = sarah.id, person.id
    db.session.commit()

    start = browser.get(f"{site}/sign-in/with/test-citizen")
    linking = browser.sign_in_at_provider(start, "citizen-sarah")
    # Never matched from claims: the invitation code is asked for.
    assert linking.url == f"{site}/sign-in/with/link"
    assert "invitation code" in linking.text
    wrong = browser.submit(linking, code="not-the-code")
    assert "not right or has expired" in wrong.text
    done = browser.submit(wrong, code=code)
    assert done.url == f"{site}/"
    assert done.status_code == 200
    [link] = settled(select(IdentityLink))
    assert (link["provider"], link["subject"], link["user_id"]) == (
        "test-citizen",
        "citizen-sarah",
        sarah_id,
    )
    assert events("account.link")[-1]["person_id"] == person_id
    assert events("auth.failed")[-1]["reason"] == "bad_invitation"
    assert settled(select(User.invite_hash).where(User.id == sarah_id)) == [None]  # spent

    # Next time: straight in, no code.
    browser.http.cookies.clear()
    again = browser.sign_in_at_provider(
        browser.get(f"{site}/sign-in/with/test-citizen"), "citizen-sarah"
    )
    assert again.url == f"{site}/"


def test_unknown_identity_is_refused_and_never_created(world, site, browser):
    staff_morag(world)
    before = count(User)
    done = browser.sign_in_at_provider(browser.get(f"{site}/sign-in/with/test-staff"), "stranger")
    assert done.status_code == 403
    assert "not set up in this service" in done.text
    assert count(User) == before
    failed = events("auth.failed")[-1]
    assert failed["reason"] == "unknown_identity"
    assert "stranger" not in str(failed["details"])


def test_unverified_email_does_not_match_a_staff_account(world, site, browser):
    ali = world.staff(world.agency())
    ali.email = "ali.hassan@nhs.test"
    db.session.commit()
    db.session.commit()
    done = browser.sign_in_at_provider(browser.get(f"{site}/sign-in/with/test-staff"), "unverified")
    assert done.status_code == 403
    assert count(IdentityLink) == 0


def _callback_url(response: requests.Response) -> str:
    return next(r.url for r in response.history if "/callback" in r.url)


def test_a_replayed_state_is_refused(world, site, browser):
    staff_morag(world)
    done = browser.sign_in_at_provider(
        browser.get(f"{site}/sign-in/with/test-staff"), "staff-morag"
    )
    callback = _callback_url(done)
    replay = browser.get(callback)
    assert replay.status_code == 400
    assert "You have not been signed in" in replay.text
    assert events("auth.failed")[-1]["reason"] in ("replayed_state", "state_mismatch")


def test_a_callback_from_another_browser_is_refused(world, site, browser):
    staff_morag(world)
    start = browser.get(f"{site}/sign-in/with/test-staff")
    # The attacker's browser finishes a flow that this browser started.
    other = Browser()
    try:
        other.http.cookies.update(
            {k: v for k, v in browser.http.cookies.items() if k != "careplan-flow"}
        )
        page = other.submit(start, login="staff-morag", password="x")
        for _ in range(3):
            if "/interaction/" not in page.url:
                break
            page = other.submit(page)
        assert page.status_code == 400
        assert events("auth.failed")[-1]["reason"] == "state_mismatch"
        assert count(WebSession) == 0
    finally:
        other.close()


def test_an_error_from_the_provider_is_refused_cleanly(site, browser):
    answer = browser.get(f"{site}/sign-in/with/test-staff/callback?error=access_denied&state=x")
    assert answer.status_code == 400
    assert "Traceback" not in answer.text
    assert events("auth.failed")[-1]["reason"] == "provider_error"


def test_next_cannot_send_the_browser_to_another_site(world, site, browser):
    staff_morag(world)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        browser.http.cookies.clear()
        start = browser.get(f"{site}/sign-in/with/test-staff", params={"next": target})
        done = browser.sign_in_at_provider(start, "staff-morag")
        assert done.url == f"{site}/", target


def test_confirming_again_goes_back_to_the_provider(world, site, browser):
    staff_morag(world)
    done = browser.sign_in_at_provider(
        browser.get(f"{site}/sign-in/with/test-staff?next=/account"), "staff-morag"
    )
    [first] = settled(select(WebSession.reauth_at).where(WebSession.ended_at.is_(None)))
    time.sleep(0.01)
    start = browser.get(f"{site}/confirm?next=/account")
    assert "prompt=login" in next(r.url for r in start.history if "/auth" in r.url)
    again = browser.sign_in_at_provider(start, "staff-morag")
    assert again.url == f"{site}/account"
    assert done.status_code == 200
    [later] = settled(select(WebSession.reauth_at).where(WebSession.ended_at.is_(None)))
    assert later > first


# --- ID tokens and bearer JWTs checked against the real provider's published keys ---------


def _token(key: RSAKey, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": f"http://localhost:{PROVIDER_PORT}",
        "sub": "staff-morag",
        "aud": "careplan-staff",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-123",
        **changes,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


@pytest.fixture
def staff_provider(app: Any) -> providers.Provider:
    return providers.configured()["test-staff"]


def test_a_good_id_token_passes(staff_provider):
    claims = staff_provider.decode(_token(PROVIDER_KEY), "careplan-staff", nonce="n-123")
    assert claims["sub"] == "staff-morag"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        pytest.param(lambda: _token(signing_key("provider-key-1")), "bad_signature", id="forged"),
        pytest.param(lambda: _token(PROVIDER_KEY, aud="someone-else"), "wrong_audience", id="aud"),
        pytest.param(
            lambda: _token(PROVIDER_KEY, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
            "expired",
            id="expired",
        ),
        pytest.param(lambda: _token(PROVIDER_KEY, nonce=None), "missing_nonce", id="no-nonce"),
        pytest.param(lambda: _token(PROVIDER_KEY, nonce="other"), "bad_nonce", id="wrong-nonce"),
        pytest.param(lambda: _token(PROVIDER_KEY, iss="https://evil.example"), "bad_iss", id="iss"),
        pytest.param(lambda: _unsigned(), "bad_algorithm", id="alg-none"),
        pytest.param(lambda: "not.a.jwt", "malformed", id="garbage"),
        pytest.param(lambda: "x" * 20_000, "malformed", id="huge"),
    ],
)
def test_tampered_id_tokens_are_refused(staff_provider, token, reason):
    with pytest.raises(providers.TokenRejected) as refused:
        staff_provider.decode(token(), "careplan-staff", nonce="n-123")
    assert refused.value.reason == reason


def _unsigned() -> str:
    import base64
    import json

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    now = int(time.time())
    body = {
        "iss": f"http://localhost:{PROVIDER_PORT}",
        "sub": "staff-morag",
        "aud": "careplan-staff",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-123",
    }
    return f"{part({'alg': 'none', 'kid': PROVIDER_KEY.kid})}.{part(body)}."


def test_bearer_jwts_from_the_provider_reach_the_api(world, client):
    morag = staff_morag(world)
    db.session.add(IdentityLink(provider="test-staff", subject="staff-morag", user_id=morag))
    db.session.commit()
    good = _token(PROVIDER_KEY, aud="careplan-api", nonce=None)
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {good}"})
    assert answer.status_code == 200
    assert answer.json["id"] == str(morag)

    for bad, reason in (
        (_token(PROVIDER_KEY, aud="careplan-staff", nonce=None), "jwt_wrong_audience"),
        (
            _token(
                PROVIDER_KEY,
                aud="careplan-api",
                nonce=None,
                exp=int(time.time()) - 600,
                iat=int(time.time()) - 900,
            ),
            "jwt_expired",
        ),
        (
            _token(signing_key("provider-key-1"), aud="careplan-api", nonce=None),
            "jwt_bad_signature",
        ),
        (_token(PROVIDER_KEY, aud="careplan-api", nonce=None, sub="stranger"), "unknown_identity"),
    ):
        refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert refused.status_code == 401, reason
        assert events("auth.failed")[-1]["reason"] == reason


def test_the_provider_rotating_its_keys_is_followed(world, tmp_path, schema_source, monkeypatch):
    """A new signing key at the provider: the app fetches the key set again, once."""
    from tests.conftest import fresh_app

    monkeypatch.setattr(providers, "JWKS_REFRESH_MIN", 0)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    port = free_port()
    first, second = signing_key("rotating-1"), signing_key("rotating-2")
    folder = tmp_path / "rotation"
    folder.mkdir()
    with oidc_provider(port, CLIENTS, [first], ACCOUNTS) as rotating_issuer:
        other = fresh_app(
            schema_source,
            folder,
            IDENTITY_PROVIDERS_FILE=str(providers_file(folder, rotating_issuer)),
        )
        provider = other.extensions["careplan.providers"]["test-staff"]
        old = _token(first, iss=rotating_issuer)
        assert provider.decode(old, "careplan-staff", nonce="n-123")["sub"] == "staff-morag"
    with oidc_provider(port, CLIENTS, [second], ACCOUNTS):
        new = _token(second, iss=rotating_issuer)
        assert provider.decode(new, "careplan-staff", nonce="n-123")["sub"] == "staff-morag"
        # The retired key is no longer believed once the new set is loaded.
        with pytest.raises(providers.TokenRejected):
            provider.decode(old, "careplan-staff", nonce="n-123")
    with other.app_context():
        db.engine.dispose()
    assert os.environ.get(SECRET_ENV) == SECRET


def test_a_subject_matched_provider_needs_a_prelinked_account(app, world, tmp_path):
    """match = "subject": email claims are ignored; the administrator links the subject."""
    path = Path(app.config["IDENTITY_PROVIDERS_FILE"])
    provider = providers.configured()["test-staff"]
    provider.match = "subject"
    staff_morag(world)
    claims = {"sub": "staff-morag", "email": "morag.campbell@nhs.test", "email_verified": True}
    from careplan.identity import accounts_match

    assert accounts_match.match(provider, claims) is None
    runner = app.test_cli_runner()
    args = [
        "account",
        "link-identity",
        "--email",
        "morag.campbell@nhs.test",
        "--provider",
        "test-staff",
        "--subject",
        "staff-morag",
    ]
    assert runner.invoke(args=args).exit_code == 0
    assert runner.invoke(args=args).exit_code != 0  # already linked
    assert accounts_match.match(provider, claims).email == "morag.campbell@nhs.test"
    assert path.exists()
