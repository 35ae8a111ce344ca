"""Your account: second factor and recovery codes, password, API tokens (create, revoke),
and signing out everywhere. Nothing here shows anyone's plan."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, g, redirect, request, url_for

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.accounts import passwords, tokens
from careplan.core import clock
from careplan.extensions import db
from careplan.identity import schemas, second_factor
from careplan.identity.views import new_password_problems, page, parse
from careplan.identity.web import signed_in_required

bp = Blueprint("account", __name__, url_prefix="/account")


def _account_page(status: int = 200, **extra: Any) -> tuple[str, int]:
    user = g.user
    context = {
        "page_title": "Your account",
        "tokens": tokens.active_for(db.session, user),
        "recovery_left": second_factor.recovery_codes_left(user),
        "second_factor_required": second_factor.required_for(user),
        "local_password": user.password_hash is not None,
        "errors": {},
        "token_form": {},
        "new_token": None,
        **extra,
    }
    return page("identity/account.html", status, **context)


@bp.get("")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def account() -> Any:
    notices = []
    left = request.args.get("recovery_left", type=int)
    if left is not None:
        notices.append(("information", f"You used a recovery code. You have {left} left."))
    return _account_page(notices=notices)


@bp.post("/tokens")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def create_token() -> Any:
    data, errors = parse(schemas.TokenForm())
    if errors:
        return _account_page(400, errors=errors, token_form=request.form)
    scopes = ["read"] if data["scope"] == "read" else ["read", "write"]
    raw = tokens.issue(
        db.session, g.user, tokens.parse_lifetime(data["expires"]), data["label"], scopes
    )
    record(
        AuditAction.AUTH_TOKEN,
        details={"label": data["label"], "scopes": scopes, "expires": data["expires"]},
    )
    return _account_page(new_token=raw)


@bp.post("/tokens/<uuid:token_id>/revoke")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def revoke_token(token_id: uuid.UUID) -> Any:
    token = tokens.revoke(db.session, g.user, token_id)
    if token is None:
        return _account_page(404, notices=[("information", "That token was not found.")])
    record(AuditAction.AUTH_TOKEN, details={"revoked": token.id, "label": token.label})
    return _account_page(notices=[("success", f"The token '{token.label}' was revoked.")])


@bp.post("/password")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def change_password() -> Any:
    user = g.user
    data, errors = parse(schemas.ChangePasswordForm())
    if errors:
        return _account_page(400, errors=errors)
    if not passwords.check_password(user.password_hash, data["current"]):
        record(
            AuditAction.AUTH_FAILED,
            Outcome.DENY,
            reason="bad_credentials",
            details={"method": "password_change"},
        )
        return _account_page(errors={"current": ["Your current password is not right."]})
    problems = new_password_problems(user, data)
    if problems:
        return _account_page(400, errors=problems)
    user.password_hash = passwords.hash_password(data["password"])
    user.password_changed_at = clock.now()
    record(AuditAction.AUTH_LOGIN, details={"method": "password_changed"})
    return _account_page(notices=[("success", "Your password was changed.")])


@bp.post("/recovery-codes")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def new_recovery_codes() -> Any:
    user = g.user
    if not user.has_second_factor:
        return redirect(url_for("identity.enrol"))
    codes = second_factor.issue_recovery_codes(user)
    record(AuditAction.AUTH_LOGIN, details={"method": "recovery_codes_replaced"})
    return page("identity/recovery_codes.html", codes=codes, next=url_for("account.account"))


def minimum_length() -> int:
    return int(current_app.config["PASSWORD_MIN_LENGTH"])
