"""Confirming who you are in the same form as a change to a credential.

Every change to a credential of the signed-in account (its password, its authenticator
app, its recovery codes, an API token made for it) needs the account's current password,
when it has one, and a current code from its authenticator app (or one of its recovery
codes), when it has one, given with the change itself. Being signed in is not enough: a
session left open or taken over must not be able to replace what proves who the person
is (NIST SP 800-63B section 6.1.2: binding an authenticator needs authentication at the
level it is used for; OWASP ASVS V2.5 and V3.7: re-authentication before sensitive account
changes). An account with neither (it signs in only through an identity provider) first
signs in again at its provider (`prompt=login`, careplan.identity.oidc_views), within
`CAREPLAN_REAUTH_MINUTES`.

Each check goes through the same failure counts as signing in (careplan.identity.throttle:
the password's per email address, the codes' per account), so these forms are no way round
them, and each failure is audited as `auth.failed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.accounts import passwords
from careplan.accounts.models import User
from careplan.identity import second_factor, throttle
from careplan.identity.web import recently_confirmed

PASSWORD_FIELD = "current"  # noqa: S105 - a form field's name, not a password
CODE_FIELD = "code"

ENTER_PASSWORD = "Enter your current password."  # noqa: S105 - a message
ENTER_CODE = "Enter the code from your authenticator app, or one of your recovery codes."
WRONG_PASSWORD = "Your current password is not right."  # noqa: S105 - a message
WRONG_CODE = "The code is not right, or it has been used already. Try the newest code."


@dataclass(frozen=True)
class Needs:
    """What this account must give to change a credential."""

    password: bool  # its current password (a local password is set)
    code: bool  # a current code (a second factor is set up)

    @property
    def provider(self) -> bool:
        """Neither: a fresh sign-in at the identity provider instead."""
        return not (self.password or self.code)


@dataclass
class Checked:
    """The check's result: field errors to show (empty when confirmed), how the person
    confirmed (for the change's own audit record), and the status to answer a refusal
    with: 400 for something missing, 429 while a lock or slow-down is in force, and 200
    for a wrong password or code, so that the request commits its count (a 4xx answer
    rolls the request's changes back: careplan.core.transaction)."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    used: list[str] = field(default_factory=list)
    status: int = 200

    @property
    def ok(self) -> bool:
        return not self.errors


def needs(user: User) -> Needs:
    """What `user` must give with a change to a credential."""
    return Needs(password=user.password_hash is not None, code=user.has_second_factor)


def provider_confirmation_missing(user: User) -> bool:
    """True when the account has no password or code to give here and has not signed in
    again at its provider within CAREPLAN_REAUTH_MINUTES: send it to /confirm first."""
    return needs(user).provider and not recently_confirmed()


def check(
    user: User,
    form: Mapping[str, Any],
    *,
    method: str,
    password_field: str = PASSWORD_FIELD,
    code_field: str = CODE_FIELD,
) -> Checked:
    """Check the current password and code sent in `form` (field names as given) for a
    change named `method` (written into the audit record of a failure).

    Nothing is checked while a lock or slow-down is in force on either (the refusal is
    audited); a wrong password is counted against the email address and a wrong code
    against the account, exactly as at sign-in; a right one clears its count. A code is
    used up when accepted. Returns the errors to show, or how the person confirmed.
    An account that must confirm at its provider instead passes only if it has recently
    (`provider_confirmation_missing` says whether to send it there)."""
    want = needs(user)
    result = Checked()
    if want.provider:
        if recently_confirmed():
            result.used.append("provider")
        else:
            result.errors["_schema"] = ["Sign in again to confirm it is you, then try again."]
            result.status = 400
        return result
    password = str(form.get(password_field) or "")
    code = str(form.get(code_field) or "").strip()
    if want.password and not password:
        result.errors[password_field] = [ENTER_PASSWORD]
    if want.code and not code:
        result.errors[code_field] = [ENTER_CODE]
    if result.errors:
        result.status = 400
        return result
    hold = _hold(user, want)
    if hold is not None:
        record(
            AuditAction.AUTH_FAILED,
            Outcome.DENY,
            user=user,
            reason=hold.reason,
            details={"method": method},
        )
        result.errors[code_field if want.code else password_field] = [throttle.message(hold)]
        result.status = 429
        return result
    if want.password:
        if not passwords.check_password(user.password_hash, password):
            hold = throttle.failed(user.email)
            _failed(user, "bad_credentials", method, hold)
            result.errors[password_field] = [_say(hold, WRONG_PASSWORD)]
            return result
        throttle.succeeded(user.email)
        result.used.append("password")
    if want.code:
        used = second_factor.check_code(user, code)
        if used is None:
            hold = throttle.failed_second_factor(user.id)
            _failed(user, "bad_code", method, hold)
            result.errors[code_field] = [_say(hold, WRONG_CODE)]
            return result
        throttle.succeeded_second_factor(user.id)
        result.used.append(used)
    return result


def _hold(user: User, want: Needs) -> throttle.Hold | None:
    holds = []
    if want.password:
        holds.append(throttle.hold_on(user.email))
    if want.code:
        holds.append(throttle.hold_on_second_factor(user.id))
    return next((h for h in holds if h is not None), None)


def _failed(user: User, reason: str, method: str, hold: throttle.Hold | None) -> None:
    details = {"method": method, "locked": bool(hold and hold.reason in ("locked", "blocked"))}
    record(AuditAction.AUTH_FAILED, Outcome.DENY, user=user, reason=reason, details=details)


def _say(hold: throttle.Hold | None, wrong: str) -> str:
    if hold is not None and hold.reason in ("locked", "blocked"):
        return throttle.message(hold)
    return wrong
