"""Bearer JWTs from a configured provider, for other systems calling the API.

The issuer named in the token chooses the provider (only providers with an
`api_audience` take part); the token is then checked like an ID token (signature against
the provider's keys, iss, aud = api_audience, exp) and its subject must already belong to
an account, exactly as for signing in. Refusals are audited.
"""

from __future__ import annotations

import base64
import json

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.accounts.models import User
from careplan.identity import accounts_match, providers


def _issuer(raw: str) -> str | None:
    """Read, not trust, the issuer: it only chooses whose keys to check against."""
    try:
        payload = raw.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def authenticate(raw: str) -> User | None:
    if len(raw) > 16_384 or raw.count(".") != 2:
        record(AuditAction.AUTH_FAILED, Outcome.DENY, user=None, reason="bad_token")
        return None
    issuer = _issuer(raw)
    chosen = next(
        (p for p in providers.configured().values() if p.api_audience and p.issuer == issuer),
        None,
    )
    if chosen is None:
        record(AuditAction.AUTH_FAILED, Outcome.DENY, user=None, reason="bad_token")
        return None
    try:
        claims = chosen.decode(raw, audience=chosen.api_audience or "")
    except providers.TokenRejected as rejected:
        record(
            AuditAction.AUTH_FAILED,
            Outcome.DENY,
            user=None,
            reason="jwt_" + rejected.reason,
            details={"method": "jwt:" + chosen.name},
        )
        return None
    user = accounts_match.match(chosen, claims)
    if user is None:
        record(
            AuditAction.AUTH_FAILED,
            Outcome.DENY,
            user=None,
            reason="unknown_identity",
            details={
                "method": "jwt:" + chosen.name,
                "identity": accounts_match.subject_tag(chosen, str(claims["sub"])),
            },
        )
    return user
