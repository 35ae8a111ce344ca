"""Correction pages: the person asks and reads answers; the key worker answers."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, person_context, requires
from careplan.access.policy import decide_on
from careplan.core.errors import ApiError
from careplan.corrections import services
from careplan.corrections.schemas import correction_answer, correction_create
from careplan.identity.web import signed_in_required
from careplan.plans.access import catalogue, catalogue_keys
from careplan.web.pages import form_values, loader, refused, render
from careplan.web.schemas import version_only

bp = Blueprint("corrections", __name__)


def _sections() -> list[tuple[str, str]]:
    return [("", "Choose a part of your plan")] + [
        (key, catalogue().get(key).title) for key in catalogue_keys()
    ]


@bp.route("/my-plan/corrections", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.CORRECTION_VIEW,
    AuditAction.CORRECTION_LIST,
    person=OWN_PERSON,
    methods={"POST": (Permission.CORRECTION_REQUEST, AuditAction.CORRECTION_CREATE)},
)
def mine() -> Any:
    person_id = g.user.person_id
    form: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = form_values(("section", "text"))
        try:
            services.ask(person_id, loader(correction_create, form))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
        else:
            return redirect(url_for("corrections.mine", done="asked"))
    rows = [services.present(r) for r in services.listed(person_id)]
    return render(
        "corrections/mine.html",
        status,
        page_title="Ask for something in your plan to be corrected",
        corrections=rows,
        sections=_sections(),
        form=form,
        errors=errors,
        done=request.args.get("done") == "asked",
    )


@bp.get("/people/<uuid:person_id>/corrections")
@signed_in_required
@requires(Permission.CORRECTION_VIEW, AuditAction.CORRECTION_LIST)
def person(person_id: uuid.UUID) -> Any:
    return _person_page(person_id, {}, {}, None)


def _person_page(
    person_id: uuid.UUID, form: dict, errors: dict, failed: str | None, status: int = 200
) -> Any:
    context = person_context(person_id, AuditAction.CORRECTION_LIST)
    rows = [services.present(r) for r in services.listed(person_id)]
    return render(
        "corrections/person.html",
        status,
        page_title="Requests for corrections",
        person=context.person,
        corrections=rows,
        can_answer=decide_on(context, Permission.CORRECTION_ANSWER).permit,
        form=form,
        errors=errors,
        failed=failed,
        done=request.args.get("done") == "answered",
    )


@bp.post("/people/<uuid:person_id>/corrections/<uuid:correction_id>/answer")
@signed_in_required
@requires(Permission.CORRECTION_ANSWER, AuditAction.CORRECTION_ANSWER)
def answer(person_id: uuid.UUID, correction_id: uuid.UUID) -> Any:
    form = form_values(("answer", "version"))
    try:
        expected = version_only.load({"version": form.get("version", "")})["version"]
        body = {"answer": form["answer"]} if "answer" in form else {}
        services.answer(person_id, correction_id, loader(correction_answer, body), expected)
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        return _person_page(person_id, form, errors, str(correction_id), status)
    return redirect(url_for("corrections.person", person_id=person_id, done="answered"))
