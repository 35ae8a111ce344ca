"""Finding a person among those you work with, and registering someone new."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import authorise, requires
from careplan.accounts.schemas import account_link
from careplan.core import clock
from careplan.core.errors import ApiError
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.people import operations
from careplan.people import services as people
from careplan.people.schemas import person_create, search_query
from careplan.web.pages import form_values, load, refused, render

bp = Blueprint("people", __name__)

PERSON_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "chi",
    "duplicate_reason",
)


@bp.get("/people")
@signed_in_required
@requires(Permission.JOB_PERSON_SEARCH, AuditAction.PERSON_SEARCH)
def find() -> Any:
    query = request.args.get("q")
    if query is None:
        return render("people/find.html", page_title="Find a person", found=None, errors={}, q="")
    cursor = request.args.get("cursor")
    data, errors = load(search_query, {"q": query, **({"cursor": cursor} if cursor else {})})
    if errors:
        return render(
            "people/find.html", 400, page_title="Find a person", found=None, errors=errors, q=query
        )
    found = people.search(lambda: data)
    return render("people/find.html", page_title="Find a person", found=found, errors={}, q=query)


@bp.route("/people/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.JOB_PERSON_REGISTER, AuditAction.PERSON_CREATE)
def register() -> Any:
    form = form_values(PERSON_FIELDS)
    if request.method == "GET":
        return _register_page({}, {})
    if not form.get("duplicate_reason"):
        form.pop("duplicate_reason", None)
    data, errors = load(person_create, form)
    if errors:
        return _register_page(form, errors, 400)
    try:
        person = people.register(lambda: data)
    except ApiError as exc:
        duplicate = exc.code == "possible_duplicate"
        return _register_page(form, *refused(exc), duplicate=duplicate)
    return redirect(url_for("plans.start_plan", person_id=person.id, done="registered"))


def _register_page(form: dict, errors: dict, status: int = 200, *, duplicate: bool = False) -> Any:
    """The form; `duplicate`: the details may be someone already registered, so the page
    offers the exact lookup and asks why this is someone else (the "Check your answers"
    step of a question page, GOV.UK's pattern for a warning before going on)."""
    return render(
        "people/register.html",
        status,
        page_title="Register a person",
        form=form,
        errors=errors,
        duplicate=duplicate or bool(form.get("duplicate_reason")),
    )


@bp.route("/people/<uuid:person_id>/account", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.PERSON_ACCOUNT_LINK,
    AuditAction.PERSON_VIEW,
    methods={"POST": (Permission.PERSON_ACCOUNT_LINK, AuditAction.ACCOUNT_LINK)},
)
def account(person_id: uuid.UUID) -> Any:
    """The key worker gives the person access to their own plan (issue 17; the API's
    `POST /people/{id}/account`), and sees whether they have signed in: not invited, invited
    (with the code's expiry, and a new code if it is lost or expired), or signed in."""
    facts, _ = authorise(person_id, Permission.PERSON_ACCOUNT_LINK, AuditAction.PERSON_VIEW)
    person = facts.person
    user = operations.individual_account(db.session, person)
    form: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    code, status = None, 200
    if request.method == "POST":
        try:
            if user is None:
                form = form_values(("email",))
                email = account_link.load(form)["email"].strip().lower()
                user, code = operations.invite_individual(db.session, person, email)
            else:
                user, code = operations.reissue_invitation(db.session, person)
            record(
                AuditAction.ACCOUNT_LINK,
                person_id=person_id,
                details={"account_id": user.id, "reissued": not form},
            )
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
    else:
        record(AuditAction.PERSON_VIEW, person_id=person_id, details={"view": "account"})
    return render(
        "people/account.html",
        status,
        page_title=f"{person.display_name}'s access to their plan",
        person=person,
        account=user,
        signed_in=user is not None and operations.has_signed_in(user),
        expired=user is not None
        and user.invite_expires_at is not None
        and user.invite_expires_at <= clock.now(),
        code=code,
        form=form,
        errors=errors,
    )
