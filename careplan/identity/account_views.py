"""Your account: second factor and recovery codes, password, API tokens (create, revoke),
and signing out everywhere. Nothing here shows anyone's plan.

Every change to a credential (password, authenticator app, recovery codes, a new API
token) asks for the current password and code in the same form (careplan.identity.reauth);
revoking a token or signing out everywhere takes power away, so it needs no more.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, g, redirect, request, url_for
from marshmallow import ValidationError

from audit import log as audit_log
from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.accounts import contact, passwords, tokens
from careplan.accounts.contact import contact_of
from careplan.accounts.schemas import CONTACT_FIELDS
from careplan.accounts.schemas import contact_details as contact_schema
from careplan.core import clock
from careplan.core.errors import NotFound, flatten_messages
from careplan.extensions import db
from careplan.identity import reauth, schemas, second_factor
from careplan.identity.views import new_password_problems, page, parse
from careplan.identity.web import signed_in_required

bp = Blueprint("account", __name__, url_prefix="/account")

TOKENS_ARE_FOR_STAFF = "API tokens are for staff's systems. Your account does not need one."


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
        "reauth": reauth.needs(user),
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


@bp.route("/contact", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.ACCOUNT_OWN,
    AuditAction.ME_VIEW,
    methods={"POST": (Permission.ACCOUNT_OWN, AuditAction.ME_CONTACT)},
)
def contact_details() -> Any:
    """A member of staff says how colleagues reach them: work phone, work email, working
    pattern (issue 17). Individuals have no such details: not found."""
    if not g.user.is_staff:
        raise NotFound("Only staff have work contact details.")
    if request.method == "GET":
        record(AuditAction.ME_VIEW, details={"view": "contact"})
        return _contact_page(contact_of(g.user), {})
    form = {name: request.form.get(name, "") for name in CONTACT_FIELDS}
    try:
        data, errors = contact_schema.load(form), {}
    except ValidationError as exc:
        data, errors = {}, flatten_messages(exc.messages)
    if errors:
        audit_log.record_failed_attempt("invalid", 400)
        return _contact_page(form, errors, 400)
    changed = contact.set_contact(db.session, g.user, data)
    record(AuditAction.ME_CONTACT, details={"changed": changed})
    return redirect(url_for("account.account", done="contact_saved"))


def _contact_page(form: dict, errors: dict, status: int = 200) -> tuple[str, int]:
    return page(
        "identity/contact.html",
        status,
        page_title="How colleagues reach you",
        user=g.user,
        own=True,
        action=url_for("account.contact_details"),
        back=url_for("account.account"),
        form=form,
        errors=errors,
    )


@bp.post("/tokens")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def create_token() -> Any:
    """A token can act as the account: making one is a change to its credentials, so the
    person confirms who they are in the same form (careplan.identity.reauth). Staff only:
    a token lets another system act as the account, and nothing a person using the
    service does needs one (issue 17), so theirs is refused (403, recorded)."""
    if g.user.is_individual:
        record(AuditAction.AUTH_TOKEN, Outcome.DENY, reason="role")
        return _account_page(403, notices=[("information", TOKENS_ARE_FOR_STAFF)])
    if reauth.provider_confirmation_missing(g.user):
        return redirect(url_for("identity.confirm", next=url_for("account.account")))
    data, errors = parse(schemas.TokenForm())
    if errors:
        return _account_page(400, errors=errors, token_form=_typed())
    checked = reauth.check(g.user, data, method="token_create")
    if not checked.ok:
        return _account_page(checked.status, errors=checked.errors, token_form=_typed())
    scopes = ["read"] if data["scope"] == "read" else ["read", "write"]
    raw = tokens.issue(
        db.session, g.user, tokens.parse_lifetime(data["expires"]), data["label"], scopes
    )
    record(
        AuditAction.AUTH_TOKEN,
        details={
            "label": data["label"],
            "scopes": scopes,
            "expires": data["expires"],
            "confirmed_with": checked.used,
        },
    )
    return _account_page(new_token=raw)


def _typed() -> dict[str, str]:
    """What was typed into the token form, to show again (never a password or code)."""
    return {k: request.form.get(k, "")[:100] for k in ("label", "scope", "expires")}


@bp.post("/tokens/<uuid:token_id>/revoke")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def revoke_token(token_id: uuid.UUID) -> Any:
    token = tokens.revoke(db.session, g.user, token_id)
    if token is None:
        return _account_page(404, notices=[("information", "That token was not found.")])
    record(AuditAction.AUTH_TOKEN, details={"revoked": token.id, "label": token.label})
    return _account_page(notices=[("success", f"The token '{token.label}' was revoked.")])


@bp.route("/password", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def change_password() -> Any:
    """Change the password: the current one, and a current code when the account has a
    second factor (careplan.identity.reauth), checked and counted as at sign-in."""
    user = g.user
    if user.password_hash is None:
        return redirect(url_for("account.account"))
    if request.method == "GET":
        return _password_page()
    data, errors = parse(schemas.ChangePasswordForm())
    if errors:
        return _password_page(400, errors)
    problems = new_password_problems(user, data)
    if problems:
        return _password_page(400, problems)
    checked = reauth.check(user, data, method="password_change")
    if not checked.ok:
        return _password_page(checked.status, checked.errors)
    user.password_hash = passwords.hash_password(data["password"])
    user.password_changed_at = clock.now()
    record(
        AuditAction.AUTH_LOGIN,
        details={"method": "password_changed", "confirmed_with": checked.used},
    )
    return _account_page(notices=[("success", "Your password was changed.")])


def _password_page(status: int = 200, errors: dict | None = None) -> tuple[str, int]:
    return page(
        "identity/password.html",
        status,
        page_title="Change your password",
        errors=errors or {},
        reauth=reauth.needs(g.user),
    )


@bp.route("/recovery-codes", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def new_recovery_codes() -> Any:
    """New recovery codes (the old ones stop working): they sign in in place of the app,
    so the person confirms who they are first (careplan.identity.reauth)."""
    user = g.user
    if not user.has_second_factor:
        return redirect(url_for("identity.enrol", next=url_for("account.account")))
    if request.method == "GET":
        return _recovery_page()
    data, errors = parse(schemas.ReauthForm())
    if errors:
        return _recovery_page(400, errors)
    checked = reauth.check(user, data, method="recovery_codes_replaced")
    if not checked.ok:
        return _recovery_page(checked.status, checked.errors)
    codes = second_factor.issue_recovery_codes(user)
    record(
        AuditAction.AUTH_LOGIN,
        details={"method": "recovery_codes_replaced", "confirmed_with": checked.used},
    )
    return page("identity/recovery_codes.html", codes=codes, next=url_for("account.account"))


def _recovery_page(status: int = 200, errors: dict | None = None) -> tuple[str, int]:
    return page(
        "identity/new_recovery_codes.html",
        status,
        page_title="Get new recovery codes",
        errors=errors or {},
        reauth=reauth.needs(g.user),
    )


def minimum_length() -> int:
    return int(current_app.config["PASSWORD_MIN_LENGTH"])
