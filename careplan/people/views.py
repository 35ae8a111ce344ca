"""Finding a person among those you work with, and registering someone new."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.errors import ApiError
from careplan.identity.web import signed_in_required
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
