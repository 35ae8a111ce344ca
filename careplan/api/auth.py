"""Bearer authentication for every API request (the OpenAPI document excepted): a
personal access token, or a JWT from a configured identity provider."""

from __future__ import annotations

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.pipeline import PUBLIC, declared
from careplan.accounts import tokens
from careplan.core import unproxied
from careplan.core.api_blueprint import bp
from careplan.core.errors import Forbidden, Unauthorised
from careplan.extensions import db
from careplan.identity import bearer_jwt


@bp.before_request
def authenticate() -> None:
    state, asked = unproxied.namespace(), unproxied.request()
    state.user = None
    if declared(unproxied.app().view_functions.get(asked.endpoint or "")) is PUBLIC:
        return
    header = asked.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise Unauthorised()
    if raw.startswith(tokens.PREFIX):
        token = tokens.authenticate(db.session(), raw)
        if token is None:
            # A presented but unusable credential concerns an identity: record it.
            record(AuditAction.AUTH_FAILED, Outcome.DENY, user=None, reason="bad_token")
            raise Unauthorised("The token is not valid, has expired or has been revoked.")
        state.user = token.user
        if not tokens.allows(token, asked.method):
            record(
                AuditAction.AUTH_FAILED,
                Outcome.DENY,
                reason="insufficient_scope",
                details={"token_id": token.id},
            )
            raise Forbidden(
                "This token may only read. Create one that may also change things.",
                reason="insufficient_scope",
            )
        return

    user = bearer_jwt.authenticate(raw)
    if user is None:
        raise Unauthorised("The token is not valid, has expired or has been revoked.")
    state.user = user
