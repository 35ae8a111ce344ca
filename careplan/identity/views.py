"""Signing in and out with a local account: password, then the second factor (or its
set-up), invitations, confirming who you are again, and signing out (here or everywhere).

Every outcome that concerns an identity is audited: auth.login, auth.logout, auth.failed.
Failure answers are the same whether or not an account exists.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import public, requires
from careplan.accounts import invitations, passwords, tokens
from careplan.accounts.models import User
from careplan.core import clock
from careplan.core.errors import flatten_messages
from careplan.extensions import db
from careplan.identity import reauth, schemas, second_factor, sessions, throttle
from careplan.identity.models import Stage, WebSession
from careplan.identity.providers import configured
from careplan.identity.web import safe_next, signed_in_required

bp = Blueprint("identity", __name__)

BAD_CREDENTIALS = "The email address or password is not right."
BAD_CODE = "The code is not right, or it has been used already. Try the newest code."


def parse(schema: Schema) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(data, {}) or ({}, errors): forms re-show what was typed with the errors."""
    try:
        return schema.load(request.form.to_dict()), {}
    except ValidationError as exc:
        return {}, flatten_messages(exc.messages)


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def hold_message(hold: throttle.Hold) -> str:
    """What the person is told about a lock or slow-down (careplan.identity.throttle)."""
    return throttle.message(hold)


def held(identifier: str, user: User | None, details: dict[str, Any]) -> throttle.Hold | None:
    """A lock or slow-down in force for this identifier or address, recorded if there is one."""
    hold = throttle.hold_on(identifier)
    if hold is not None:
        record(
            AuditAction.AUTH_FAILED, Outcome.DENY, user=user, reason=hold.reason, details=details
        )
    return hold


def _account(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).one_or_none()


def _failed(identifier: str, user: User | None, reason: str) -> throttle.Hold | None:
    hold = throttle.failed(identifier)
    details: dict[str, Any] = {
        "method": "password",
        "locked": bool(hold and hold.reason == "locked"),
    }
    if user is None:
        details["identifier"] = throttle.identifier_key(identifier)
    record(AuditAction.AUTH_FAILED, Outcome.DENY, user=user, reason=reason, details=details)
    return hold


def _code_failed(user: User, method: str) -> throttle.Hold | None:
    """Count a wrong second-factor code against the account and record it."""
    hold = throttle.failed_second_factor(user.id)
    details: dict[str, Any] = {
        "method": method,
        "locked": bool(hold and hold.reason in ("locked", "blocked")),
    }
    record(AuditAction.AUTH_FAILED, Outcome.DENY, user=user, reason="bad_code", details=details)
    return hold


def _signed_in(user: User, method: str, next_path: str) -> Response:
    sessions.start(user, Stage.SIGNED_IN, method).reauth_at = clock.now()
    record(AuditAction.AUTH_LOGIN, user=user, details={"method": method})
    return redirect(safe_next(next_path))


def after_first_factor(user: User, method: str, next_path: str) -> Response:
    """Password (or invitation) accepted: ask for the second factor, or its set-up."""
    if user.has_second_factor:
        sessions.start(user, Stage.SECOND_FACTOR, method)
        return redirect(url_for("identity.second_factor_code", next=next_path))
    if second_factor.required_for(user):
        sessions.start(user, Stage.ENROL, method)
        return redirect(url_for("identity.enrol", next=next_path))
    return _signed_in(user, method, next_path)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Any:
    next_path = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.get("user") is not None:
            return redirect(next_path)
        ended = g.get("session_ended") or request.args.get("ended")
        return page(
            "identity/sign_in.html",
            next=next_path,
            ended=ended,
            unsaved=request.args.get("unsaved") == "1",
            idle_minutes=current_app.config["SESSION_IDLE_MINUTES"],
            errors={},
            form={},
            providers=_providers(),
        )
    data, errors = parse(schemas.SignInForm())
    form = {"email": request.form.get("email", "")[:254]}
    if errors:
        return page(
            "identity/sign_in.html",
            400,
            next=next_path,
            errors=errors,
            form=form,
            providers=_providers(),
        )
    email = data["email"]
    hold = held(email, None, {"method": "password", "identifier": throttle.identifier_key(email)})
    if hold is not None:
        errors = {"email": [hold_message(hold)]}
        return page(
            "identity/sign_in.html",
            429,
            next=next_path,
            errors=errors,
            form=form,
            providers=_providers(),
        )
    user = _account(email)
    usable = user is not None and user.active and user.password_hash
    if not passwords.check_password(user.password_hash if usable else None, data["password"]):
        hold = _failed(email, user, "bad_credentials")
        message = hold_message(hold) if hold and hold.reason == "locked" else BAD_CREDENTIALS
        # 200, not 4xx: the failure count and its audit record must be kept.
        return page(
            "identity/sign_in.html",
            next=next_path,
            errors={"email": [message]},
            form=form,
            providers=_providers(),
        )
    throttle.succeeded(email)
    return after_first_factor(user, "password", next_path)


def _providers() -> list[Any]:

    return list(configured().values())


def _pending(stage: Stage) -> WebSession | None:
    session = g.get("web_session")
    return session if session is not None and session.stage is stage else None


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def second_factor_code() -> Any:
    next_path = safe_next(request.values.get("next"))
    session = _pending(Stage.SECOND_FACTOR)
    if session is None:
        return redirect(url_for("identity.sign_in", next=next_path))
    user = session.user
    if request.method == "GET":
        return page("identity/code.html", next=next_path, errors={})
    data, errors = parse(schemas.CodeForm())
    if errors:
        return page("identity/code.html", 400, next=next_path, errors=errors)
    # Codes are counted per account, and a right password does not clear that count
    # (careplan.identity.throttle): signing in again gives no fresh run of guesses.
    hold = throttle.hold_on_second_factor(user.id)
    if hold is not None:
        record(
            AuditAction.AUTH_FAILED,
            Outcome.DENY,
            user=user,
            reason=hold.reason,
            details={"method": "totp"},
        )
        if hold.reason == "blocked":
            sessions.end(session, "locked")
        return page(
            "identity/code.html",
            429,
            next=next_path,
            locked=hold.reason == "blocked",
            errors={"code": [hold_message(hold)]},
        )
    used = second_factor.check_code(user, data["code"])
    if used is None:
        hold = _code_failed(user, "totp")
        if hold is not None and hold.reason in ("locked", "blocked"):
            sessions.end(session, "locked")
            return page(
                "identity/code.html",
                200,
                next=next_path,
                locked=True,
                errors={"code": [hold_message(hold)]},
            )
        return page("identity/code.html", next=next_path, errors={"code": [BAD_CODE]})
    throttle.succeeded_second_factor(user.id)
    used_recovery = used == "recovery_code"
    method = session.method + ("+recovery_code" if used_recovery else "+totp")
    sessions.promote(session, user)
    record(AuditAction.AUTH_LOGIN, user=user, details={"method": method})
    if used_recovery:
        left = second_factor.recovery_codes_left(user)
        return redirect(url_for("account.account", recovery_left=left))
    return redirect(next_path)


@bp.route("/sign-in/set-up-code", methods=["GET", "POST"])
@public
def enrol() -> Any:
    """Set up an authenticator app: required at sign-in for some roles, optional for others.

    Part way through signing in (the password just given), the app's first code is enough.
    A signed-in account adding or replacing its app is changing a credential: it also
    gives its current password and a code from the app it has now (careplan.identity.reauth),
    or, with neither, has just signed in again at its identity provider."""
    next_path = safe_next(request.values.get("next"))
    pending = _pending(Stage.ENROL)
    user = pending.user if pending is not None else g.get("user")
    if user is None:
        return redirect(url_for("identity.sign_in", next=next_path))
    confirming = pending is None
    if confirming and reauth.provider_confirmation_missing(user):
        return redirect(url_for("identity.confirm", next=url_for("identity.enrol", next=next_path)))
    if request.method == "GET":
        return _enrol_page(user, second_factor.new_secret(), next_path, {}, confirming=confirming)
    data, errors = parse(schemas.EnrolForm())
    secret = request.form.get("secret", "")
    if "secret" in errors:
        return redirect(url_for("identity.enrol", next=next_path))
    if errors:
        return _enrol_page(user, secret, next_path, errors, 400, confirming=confirming)
    if not second_factor.matches(data["secret"], data["code"]):
        record(
            AuditAction.AUTH_FAILED,
            Outcome.DENY,
            user=user,
            reason="bad_code",
            details={"method": "totp_enrolment"},
        )
        return _enrol_page(user, secret, next_path, {"code": [BAD_CODE]}, confirming=confirming)
    details: dict[str, Any] = {"method": "totp_enrolled"}
    if confirming:
        replacing = user.has_second_factor
        checked = reauth.check(
            user,
            data,
            method="totp_replaced" if replacing else "totp_enrolment",
            code_field="current_code",
        )
        if not checked.ok:
            return _enrol_page(
                user, secret, next_path, checked.errors, checked.status, confirming=confirming
            )
        details = {
            "method": "totp_replaced" if replacing else "totp_enrolled",
            "confirmed_with": checked.used,
        }
    if not second_factor.confirm_enrolment(user, data["secret"], data["code"]):
        return _enrol_page(user, secret, next_path, {"code": [BAD_CODE]}, confirming=confirming)
    codes = second_factor.issue_recovery_codes(user)
    throttle.clear_second_factor(user.id)  # a new app starts with no wrong codes
    record(AuditAction.AUTH_LOGIN, user=user, details=details)
    if pending is not None:
        sessions.promote(pending, user)
    return page("identity/recovery_codes.html", codes=codes, next=next_path)


def _enrol_page(
    user: User,
    secret: str,
    next_path: str,
    errors: dict,
    status: int = 200,
    *,
    confirming: bool = False,
) -> Any:
    """The set-up page; `confirming`: a signed-in account, which confirms who it is too."""
    import segno

    uri = second_factor.provisioning_uri(user, secret)
    # A whole SVG document (with its xmlns): as an <img> a fragment shows nothing.
    qr = segno.make(uri, error="m").svg_data_uri(scale=4, omitsize=True)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return page(
        "identity/enrol.html",
        status,
        secret=secret,
        grouped=grouped,
        qr=qr,
        next=next_path,
        errors=errors,
        reauth=reauth.needs(user) if confirming else None,
        replacing=confirming and user.has_second_factor,
    )


@bp.route("/sign-in/invitation", methods=["GET", "POST"])
@public
def invitation() -> Any:
    """First sign-in with the code a key worker or administrator gave: choose a password."""
    if request.method == "GET":
        return page("identity/invitation.html", errors={}, form={})
    data, errors = parse(schemas.InvitationForm())
    form = {"code": request.form.get("code", "")[:100]}
    if errors:
        return page("identity/invitation.html", 400, errors=errors, form=form)
    hold = held(throttle.invitation_key(), None, {"method": "invitation"})
    if hold is not None:
        return page(
            "identity/invitation.html", 429, errors={"code": [hold_message(hold)]}, form=form
        )

    user = invitations.find(db.session, data["code"])
    if user is None:
        _failed(throttle.invitation_key(), None, "bad_invitation")
        message = "This invitation code is not right or has expired. Ask for a new one."
        return page("identity/invitation.html", errors={"code": [message]}, form=form)
    problems = new_password_problems(user, data)
    if problems:
        return page("identity/invitation.html", 400, errors=problems, form=form)
    invitations.accept(user, data["password"])
    return after_first_factor(user, "invitation", "/")


def new_password_problems(user: User, data: dict[str, Any]) -> dict[str, list[str]]:
    if data["password"] != data["confirm"]:
        return {"confirm": ["The two passwords are not the same."]}
    about = (user.email, user.email.split("@")[0], *user.name.split())
    found = passwords.problems(
        data["password"], min_length=current_app.config["PASSWORD_MIN_LENGTH"], about=about
    )
    return {"password": found} if found else {}


@bp.route("/confirm", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def confirm() -> Any:
    """Confirm who you are again before break-glass or an IG export."""
    next_path = safe_next(request.values.get("next"))
    user: User = g.user
    session: WebSession = g.web_session
    if session.method.startswith("oidc:"):
        from careplan.identity import oidc_views

        return oidc_views.reauthenticate(session.method.removeprefix("oidc:"), next_path)
    use_code = user.has_second_factor
    if request.method == "GET":
        return page("identity/confirm.html", next=next_path, use_code=use_code, errors={})
    data, errors = parse(schemas.ConfirmForm())
    field = "code" if use_code else "password"
    if errors or not data.get(field):
        errors = errors or {field: ["Enter the code." if use_code else "Enter your password."]}
        return page("identity/confirm.html", 400, next=next_path, use_code=use_code, errors=errors)
    # A code is counted against the account, a password against its email address: the
    # same counts as signing in (careplan.identity.throttle).
    hold = throttle.hold_on_second_factor(user.id) if use_code else throttle.hold_on(user.email)
    if hold is None:
        ok = (
            second_factor.check_code(user, data["code"]) is not None
            if use_code
            else passwords.check_password(user.password_hash, data["password"])
        )
        if ok:
            if use_code:
                throttle.succeeded_second_factor(user.id)
            else:
                throttle.succeeded(user.email)
            session.reauth_at = clock.now()
            record(AuditAction.AUTH_LOGIN, user=user, details={"method": "confirm_" + field})
            return redirect(next_path)
        hold = (
            _code_failed(user, "confirm")
            if use_code
            else _failed(user.email, user, "bad_credentials")
        )
    else:
        record(
            AuditAction.AUTH_FAILED,
            Outcome.DENY,
            user=user,
            reason=hold.reason,
            details={"method": "confirm"},
        )
    message = (
        hold_message(hold) if hold else (BAD_CODE if use_code else "The password is not right.")
    )
    return page(
        "identity/confirm.html", next=next_path, use_code=use_code, errors={field: [message]}
    )


@bp.post("/sign-out")
@public
def sign_out() -> Response:
    session = g.get("web_session")
    if session is not None:
        user = session.user
        sessions.end(session, "signed_out")
        if user is not None:
            record(AuditAction.AUTH_LOGOUT, user=user, details={"everywhere": False})
    g.user = None
    return redirect(url_for("identity.signed_out"))


@bp.post("/sign-out/everywhere")
@signed_in_required
@requires(Permission.ACCOUNT_OWN, AuditAction.ME_VIEW)
def sign_out_everywhere() -> Response:
    """End every session of the account and revoke every API token it holds, however it
    was made (the account page, or `token create`): a token made from a stolen session
    must not outlive the sign-out meant to shut that person out."""
    user = g.user
    count = sessions.end_all(user.id, "signed_out_everywhere")
    revoked = tokens.revoke_all(db.session, user)
    record(
        AuditAction.AUTH_LOGOUT,
        user=user,
        details={"everywhere": True, "sessions": count, "tokens_revoked": revoked},
    )
    g.user = None
    return redirect(url_for("identity.signed_out", everywhere=1))


@bp.post("/session/still-here")
@public
def still_here() -> Response:
    """The timeout warning's "Stay signed in" (careplan/static/careplan.js): loading the
    browser's session (careplan.identity.sessions.load) has already counted this as
    activity, so the idle limit starts again. 204 when signed in; 401 when the session has
    already ended, so the page can say so. A POST with the page's CSRF token, so another
    site cannot keep a session open. Records nothing: it shows and changes no record."""
    if g.get("user") is None:
        return Response(status=401)
    session = g.web_session
    session.last_seen_at = clock.now()
    return Response(status=204)


@bp.get("/signed-out")
@public
def signed_out() -> str:
    return render_template(
        "identity/signed_out.html", everywhere=request.args.get("everywhere") == "1"
    )
