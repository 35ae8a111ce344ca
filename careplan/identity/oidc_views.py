"""Signing in through an OpenID Connect provider: authorisation code flow with PKCE.

The browser is sent to the provider with a random `state` (also in a short-lived cookie,
so only the browser that started can finish), a `nonce` (bound into the ID token) and a
PKCE challenge. The callback spends the flow once, exchanges the code (client secret or
a signed client assertion, private_key_jwt), and believes the ID token only after its
signature, issuer, audience, expiry and nonce are checked.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from flask import Blueprint, Response, abort, g, redirect, request, url_for
from sqlalchemy import select

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.pipeline import public
from careplan.accounts import invitations
from careplan.accounts.models import AccountKind
from careplan.core import clock
from careplan.extensions import db
from careplan.identity import accounts_match, providers, schemas, sessions, throttle
from careplan.identity.models import SignInFlow, Stage
from careplan.identity.views import held, hold_message, page, parse
from careplan.identity.web import safe_next

bp = Blueprint("oidc", __name__, url_prefix="/sign-in/with")

SECURE_COOKIE = "__Host-careplan-flow"
LOOPBACK_COOKIE = "careplan-flow"
FLOW_LIFETIME = timedelta(minutes=10)


def _cookie() -> str:
    return LOOPBACK_COOKIE if sessions.relaxed_cookies() else SECURE_COOKIE


def _provider(name: str) -> providers.Provider:
    found = providers.configured().get(name)
    if found is None:
        abort(404)
    return found


def _client(provider: providers.Provider) -> OAuth2Session:
    redirect_uri = url_for("oidc.callback", provider=provider.name, _external=True)
    common: dict[str, Any] = {
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(provider.scopes),
        "code_challenge_method": "S256",
    }
    if provider.client_auth == "private_key_jwt":
        client = OAuth2Session(
            client_secret=provider.private_key,
            token_endpoint_auth_method="private_key_jwt",  # noqa: S106 - a method name
            **common,
        )
        headers = {"kid": provider.private_key_id} if provider.private_key_id else None
        client.register_client_auth_method(
            PrivateKeyJWT(provider.metadata()["token_endpoint"], headers=headers)
        )
        return client
    return OAuth2Session(
        client_secret=provider.client_secret,
        token_endpoint_auth_method=provider.client_auth,
        **common,
    )


@bp.get("/<provider>")
@public
def start(provider: str) -> Response:
    chosen = _provider(provider)
    confirming = request.args.get("confirm") == "1" and g.get("user") is not None
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    db.session.add(
        SignInFlow(
            state_hash=sessions.digest(state),
            provider=chosen.name,
            nonce=nonce,
            code_verifier=verifier,
            next_path=safe_next(request.args.get("next")),
            purpose="confirm" if confirming else "sign_in",
        )
    )
    extra = {"prompt": "login", "max_age": 0} if confirming else {}
    url, _ = _client(chosen).create_authorization_url(
        chosen.metadata()["authorization_endpoint"],
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        **extra,
    )
    response = redirect(url)
    response.set_cookie(
        _cookie(),
        state,
        max_age=int(FLOW_LIFETIME.total_seconds()),
        path="/",
        secure=not sessions.relaxed_cookies(),
        httponly=True,
        samesite="Lax",
    )
    return response


def reauthenticate(provider: str, next_path: str) -> Response:
    """Confirming who you are is a fresh sign-in at the provider (prompt=login)."""
    return redirect(url_for("oidc.start", provider=provider, next=next_path, confirm=1))


def _refuse(provider: providers.Provider, reason: str, status: int, **details: Any) -> Any:
    record(
        AuditAction.AUTH_FAILED,
        Outcome.DENY,
        user=details.pop("user", None),
        reason=reason,
        details={"method": "oidc:" + provider.name, **details},
    )
    messages = {
        "unknown_identity": "Your account is not set up in this service. Ask your service's "
        "administrator to add you, using the email address your organisation knows you by.",
    }
    message = messages.get(
        reason, "Signing in did not work, so you have not been signed in. Start again."
    )
    response = page(
        "identity/oidc_refused.html",
        status,
        page_title="You have not been signed in",
        message=message,
    )
    return response


@bp.get("/<provider>/callback")
@public
def callback(provider: str) -> Any:
    chosen = _provider(provider)
    state = request.args.get("state", "")
    cookie = request.cookies.get(_cookie(), "")
    if request.args.get("error"):
        return _refuse(chosen, "provider_error", 400, error=request.args["error"][:60])
    if not state or len(state) > 200 or not hmac.compare_digest(state, cookie):
        return _refuse(chosen, "state_mismatch", 400)
    flow = db.session.scalars(
        select(SignInFlow).where(SignInFlow.state_hash == sessions.digest(state))
    ).one_or_none()
    if flow is None or flow.provider != chosen.name:
        return _refuse(chosen, "unknown_state", 400)
    if flow.used_at is not None:
        return _refuse(chosen, "replayed_state", 400)
    if clock.now() - flow.created_at > FLOW_LIFETIME:
        return _refuse(chosen, "expired_flow", 400)
    flow.used_at = clock.now()
    # Spent for good before the slow call to the provider: a replay finds it used, and no
    # database lock is held while we wait on the network.
    db.session.commit()
    code = request.args.get("code", "")
    if not code or len(code) > 2000:
        return _refuse(chosen, "no_code", 400)
    try:
        token = _client(chosen).fetch_token(
            chosen.metadata()["token_endpoint"],
            code=code,
            code_verifier=flow.code_verifier,
            grant_type="authorization_code",
        )
    except providers.ProviderError:
        raise
    except Exception as exc:  # the provider refused the code: say so, keep no details
        return _refuse(chosen, "code_exchange_failed", 400, error=type(exc).__name__)
    raw = token.get("id_token")
    if not isinstance(raw, str):
        return _refuse(chosen, "no_id_token", 400)
    try:
        claims = chosen.decode(raw, audience=chosen.client_id, nonce=flow.nonce)
    except providers.TokenRejected as rejected:
        return _refuse(chosen, "id_token_" + rejected.reason, 400)
    return _signed_in(chosen, flow, claims)


def _signed_in(chosen: providers.Provider, flow: SignInFlow, claims: dict[str, Any]) -> Any:
    subject = str(claims["sub"])
    user = accounts_match.match(chosen, claims)
    method = "oidc:" + chosen.name
    if flow.purpose == "confirm":
        session = g.get("web_session")
        if session is None or user is None or session.user_id != user.id:
            return _refuse(chosen, "confirm_other_identity", 403)
        session.reauth_at = clock.now()
        record(AuditAction.AUTH_LOGIN, user=user, details={"method": "confirm_" + method})
        return redirect(safe_next(flow.next_path))
    if user is None and chosen.accounts == "individuals":
        session = sessions.start(None, Stage.LINK, method)
        session.pending_provider, session.pending_subject = chosen.name, subject
        return redirect(url_for("oidc.link"))
    if user is None:
        return _refuse(
            chosen, "unknown_identity", 403, identity=accounts_match.subject_tag(chosen, subject)
        )
    sessions.start(user, Stage.SIGNED_IN, method).reauth_at = clock.now()
    record(AuditAction.AUTH_LOGIN, user=user, details={"method": method})
    return redirect(safe_next(flow.next_path))


@bp.route("/link", methods=["GET", "POST"])
@public
def link() -> Any:
    """A citizen identity's first visit: the key worker's invitation code links it."""
    session = g.get("web_session")
    if session is None or session.stage is not Stage.LINK:
        return redirect(url_for("identity.sign_in"))
    if request.method == "GET":
        return page("identity/link.html", errors={})
    data, errors = parse(schemas.CodeForm())
    if errors:
        return page("identity/link.html", 400, errors=errors)
    chosen = _provider(session.pending_provider or "")
    hold = held(throttle.invitation_key(), None, {"method": "oidc:" + chosen.name})
    if hold is not None:
        return page("identity/link.html", 429, errors={"code": [hold_message(hold)]})
    user = invitations.find(db.session, data["code"])
    if user is None or user.kind is not AccountKind.INDIVIDUAL:
        throttle.failed(throttle.invitation_key())
        record(
            AuditAction.AUTH_FAILED,
            Outcome.DENY,
            user=None,
            reason="bad_invitation",
            details={"method": "oidc:" + chosen.name},
        )
        message = (
            "This invitation code is not right or has expired. Ask your key worker for a new one."
        )
        return page("identity/link.html", errors={"code": [message]})
    accounts_match.link_individual(chosen, session.pending_subject or "", user)
    invitations.spend(user)
    sessions.promote(session, user)
    record(
        AuditAction.ACCOUNT_LINK,
        user=user,
        person_id=user.person_id,
        details={"provider": chosen.name},
    )
    record(AuditAction.AUTH_LOGIN, user=user, details={"method": "oidc:" + chosen.name})
    return redirect("/")
