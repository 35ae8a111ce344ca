"""Bearer authentication for every API request (the OpenAPI document excepted)."""

from __future__ import annotations

from flask import g, request

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.accounts import tokens
from careplan.api.blueprint import bp
from careplan.core.errors import Unauthorised
from careplan.extensions import db

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


@bp.before_request
def authenticate() -> None:
    g.user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorised()
    user = tokens.resolve(db.session, raw.strip())
    if user is None:
        # A presented but unusable credential concerns an identity: record it.
        record(AuditAction.AUTH_FAILED, Outcome.DENY, user=None, reason="bad_token")
        raise Unauthorised("The token is not valid, has expired or has been revoked.")
    g.user = user
