"""Consent with the person ("Who can see what"), finding someone by exact details,
claiming a relationship and emergency (break-glass) access."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, g, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import person_by_exact_id, requires
from careplan.access.policy import decide_on
from careplan.agencies.models import Agency, Sector
from careplan.core.errors import ApiError
from careplan.extensions import db
from careplan.identity.web import recent_auth_required, signed_in_required
from careplan.people import services as people
from careplan.people.schemas import lookup_schema
from careplan.plans.access import catalogue, plan_access
from careplan.web.pages import form_values, load, loader, refused, render
from careplan.web.schemas import step_only
from consent import operations, services
from consent.models import BreakGlassReason
from consent.schemas import break_glass_schema, claim_schema, consent_create
from consent.sharing_summary import visible_to_agencies

bp = Blueprint("sharing", __name__)

CONSENT_FIELDS = ("grantee", "effect", "expires_on", "method", "evidence_note")


# --- who can see what ------------------------------------------------------------------


def consent_page(person_id: uuid.UUID, mine: bool, form: dict, errors: dict, status: int) -> Any:
    """The person's consents and what each agency can see; shared with the individual's page."""
    access = plan_access(person_id, Permission.PERSON_CONSENTS_VIEW, AuditAction.CONSENT_VIEW)
    records = services.list_consents(person_id)
    agencies = list(db.session.scalars(select(Agency).order_by(Agency.name)))
    titles = {k.key: k.title for k in catalogue()}
    return render(
        "sharing/consents.html",
        status,
        page_title="Who can see my plan" if mine else "Who can see what",
        page_label=None if mine else access.facts.person.display_name,
        person=access.facts.person,
        mine=mine,
        can_record=_can_record(access),
        visible=visible_to_agencies(db.session, access.facts, agencies),
        records=records,
        titles=titles,
        grantees=_grantees(agencies),
        form=form,
        errors=errors,
    )


def _can_record(access: Any) -> bool:
    return decide_on(access.facts, Permission.PERSON_CONSENT_RECORD).permit


def _grantees(agencies: list[Agency]) -> list[tuple[str, str]]:
    return [
        (f"sector:{Sector.THIRD_SECTOR.value}", "Every charity (third sector) in my care team"),
        (f"sector:{Sector.STATUTORY.value}", "Every NHS and council service in my care team"),
    ] + [(f"agency:{a.id}", a.name) for a in agencies]


def consent_payload(mine: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's consent body from the form; and the form as typed, to show again."""
    form = form_values(CONSENT_FIELDS)
    sections = request.form.getlist("sections")
    data: dict[str, Any] = {k: v for k, v in form.items() if k in ("effect", "expires_on")}
    kind, _, value = form.get("grantee", "").partition(":")
    data["grantee"] = {"agency_id": value} if kind == "agency" else {"sector": value}
    data["sections"] = "all" if "all" in sections else sections
    data["method"] = "self_service" if mine else form.get("method", "")
    if form.get("evidence_note") and not mine:
        data["evidence_note"] = form["evidence_note"]
    if not form.get("grantee"):
        data["grantee"] = {}
    return data, {**form, "sections": sections}


def record_consent(person_id: uuid.UUID, mine: bool, back: str) -> Any:
    data, form = consent_payload(mine)
    try:
        services.record_consent(person_id, loader(consent_create, data))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        errors = {_field(k): v for k, v in errors.items()}
        return consent_page(person_id, mine, form, errors, status)
    return redirect(back)


def _field(name: str) -> str:
    return "grantee" if name.startswith("grantee") else name


def withdraw(person_id: uuid.UUID, consent_id: uuid.UUID, back: str) -> Any:
    access = services.withdrawal_access(person_id)
    row = operations.get_consent(db.session, person_id, consent_id)
    services.withdraw(access, row, None)
    return redirect(back)


@bp.get("/people/<uuid:person_id>/sharing")
@signed_in_required
@requires(Permission.PERSON_CONSENTS_VIEW, AuditAction.CONSENT_VIEW)
def consents(person_id: uuid.UUID) -> Any:
    return consent_page(person_id, False, {}, {}, 200)


@bp.post("/people/<uuid:person_id>/sharing")
@signed_in_required
@requires(Permission.PERSON_CONSENT_RECORD, AuditAction.CONSENT_CREATE)
def new_consent(person_id: uuid.UUID) -> Any:
    back = url_for("sharing.consents", person_id=person_id, done="consent_recorded")
    return record_consent(person_id, False, back)


@bp.post("/people/<uuid:person_id>/sharing/<uuid:consent_id>/withdraw")
@signed_in_required
@requires(Permission.PERSON_CONSENT_RECORD, AuditAction.CONSENT_WITHDRAW)
def withdraw_consent(person_id: uuid.UUID, consent_id: uuid.UUID) -> Any:
    back = url_for("sharing.consents", person_id=person_id, done="withdrawn")
    return withdraw(person_id, consent_id, back)


# --- someone you do not work with yet ------------------------------------------------


@bp.route("/people/lookup", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.JOB_PERSON_LOOKUP, AuditAction.PERSON_LOOKUP)
def lookup() -> Any:
    if request.method == "GET":
        return _lookup_page({}, {})
    form = form_values(("chi", "given_name", "family_name", "date_of_birth"))
    criteria = {"chi": form["chi"]} if form.get("chi") else form
    data, errors = load(lookup_schema, criteria)
    if errors:
        errors = {("chi" if k == "_schema" else k): v for k, v in errors.items()}
        return _lookup_page(form, errors, 400)
    person = people.lookup(lambda: data)
    if person is None:
        message = "No single person matches exactly. Check the details, or use the CHI number."
        return _lookup_page(form, {"chi": [message]}, 404)
    return redirect(url_for("sharing.found", person_id=person.id))


def _lookup_page(form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "sharing/lookup.html",
        status,
        page_title="Find someone you do not work with yet",
        form=form,
        errors=errors,
    )


@bp.get("/people/<uuid:person_id>/found")
@signed_in_required
@requires(Permission.JOB_PERSON_LOOKUP, AuditAction.PERSON_LOOKUP)
def found(person_id: uuid.UUID) -> Any:
    person_by_exact_id(person_id, Permission.JOB_PERSON_LOOKUP, AuditAction.PERSON_LOOKUP)
    # The page confirms the person exists: a permitted lookup, on record like a refused one.
    record(AuditAction.PERSON_LOOKUP, person_id=person_id, details={"view": "found"})
    return _found_page(person_id, {}, {})


def _found_page(person_id: uuid.UUID, form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "sharing/found.html",
        status,
        page_title="We found one person with those details",
        person_id=person_id,
        form=form,
        errors=errors,
        min_chars=current_app.config["JUSTIFICATION_MIN_CHARS"],
        claim_days=current_app.config["CLAIM_DAYS"],
    )


@bp.post("/people/<uuid:person_id>/claim")
@signed_in_required
@requires(Permission.JOB_PERSON_CLAIM, AuditAction.CARETEAM_CLAIM)
def claim(person_id: uuid.UUID) -> Any:
    form = form_values(("reason",))
    try:
        services.claim(person_id, loader(claim_schema, {"reason": form.get("reason", "")}))
    except (ApiError, ValidationError) as exc:
        return _found_page(person_id, form, *refused(exc))
    return redirect(url_for("plans.plan", person_id=person_id, done="claimed"))


@bp.route("/people/<uuid:person_id>/emergency", methods=["GET", "POST"])
@recent_auth_required
@requires(Permission.JOB_BREAK_GLASS, AuditAction.BREAKGLASS_INVOKE)
def emergency(person_id: uuid.UUID) -> Any:
    """Break-glass in two deliberate steps: say why, then confirm on a page of its own."""
    person_by_exact_id(person_id, Permission.JOB_BREAK_GLASS, AuditAction.BREAKGLASS_INVOKE)
    form = form_values(("reason", "justification"))
    if request.method == "GET":
        return _emergency_page(person_id, "emergency/reason", {}, {})
    data, errors = load(break_glass_schema, form)
    if not errors:
        try:
            operations.justified(
                data["justification"],
                current_app.config["JUSTIFICATION_MIN_CHARS"],
                "justification",
            )
        except ApiError as exc:
            errors = exc.fields
    if errors:
        return _emergency_page(person_id, "emergency/reason", form, errors, 400)
    if step_only.load(form_values(("step",)))["step"] != "confirm":
        return _emergency_page(person_id, "emergency/confirm", form, {})
    try:
        services.break_glass(person_id, lambda: data)
    except ApiError as exc:
        return _emergency_page(person_id, "emergency/reason", form, *refused(exc))
    return redirect(url_for("plans.plan", person_id=person_id, done="emergency"))


def _emergency_page(
    person_id: uuid.UUID, template: str, form: dict, errors: dict, status: int = 200
) -> Any:
    return render(
        f"sharing/{template.replace('/', '_')}.html",
        status,
        page_title="Emergency access to a care plan"
        if template.endswith("reason")
        else "Check before you open the plan",
        person_id=person_id,
        form=form,
        errors=errors,
        reasons=list(BreakGlassReason),
        hours=current_app.config["BREAK_GLASS_HOURS"],
        min_chars=current_app.config["JUSTIFICATION_MIN_CHARS"],
        user=g.user,
    )
