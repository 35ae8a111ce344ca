"""Referral pages: the inbox and outbox (the design system's tabs), one referral (summary
list, its history, what was sent, and the answer form), making a referral with the
person's agreement (a question page), passing one on, and the person's own list."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.decision import BasisKind
from careplan.access.permissions import PERSON, Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.access.policy import decide
from careplan.access.subject import Role
from careplan.core.errors import ApiError, PreconditionFailed
from careplan.directory import queries as directory_queries
from careplan.directory import services as directory
from careplan.directory.models import ServiceStatus
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.plans.access import catalogue, plan_access
from careplan.referrals import letters, lifecycle, operations, services
from careplan.referrals.models import ReferralStatus, Urgency
from careplan.referrals.schemas import forward, referral_create, referral_query, status_change
from careplan.web.display import lines
from careplan.web.pages import form_values, load, loader, refused, render, version_check

bp = Blueprint("referrals", __name__)
PAGE_SIZE = 25

URGENCY = [
    (Urgency.ROUTINE.value, "Routine"),
    (Urgency.SOON.value, "Soon: within a week"),
    (Urgency.URGENT.value, "Urgent: within two days"),
]
AGREED_HOW = [("verbal", "They told me (verbal)"), ("written", "They signed or wrote it (written)")]
DECLINED_BY = [("provider", "Our service"), ("person", "The person themselves")]


# --- the inbox and outbox ---------------------------------------------------------------


@bp.get("/referrals")
@signed_in_required
@requires(Permission.JOB_REFERRAL_LIST, AuditAction.REFERRAL_LIST)
def inbox() -> Any:
    direction = "outgoing" if request.args.get("direction") == "outgoing" else "incoming"
    status = request.args.get("status", "").strip()
    page_number = request.args.get("page", "1")
    page_number = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 10_000 else 1
    query, errors = load(
        referral_query,
        {
            "direction": direction,
            "limit": str(PAGE_SIZE),
            "offset": str((page_number - 1) * PAGE_SIZE),
            **({"status": status} if status else {}),
        },
    )
    page = services.inbox(lambda: query) if not errors else None
    return render(
        "referrals/inbox.html",
        400 if errors else 200,
        page_title="Referrals",
        direction=direction,
        status_filter=status,
        statuses=[(s.value, lifecycle.STATUS_WORDS[s]) for s in ReferralStatus],
        page=page,
        page_number=page_number,
        page_size=PAGE_SIZE,
        errors=errors,
        coordinator=g.user.has_role(Role.REFERRAL_COORDINATOR),
    )


# --- one referral -------------------------------------------------------------------------


def _referral_page(
    referral_id: uuid.UUID, form: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> Any:
    body, context, decision = services.view(referral_id)
    row = operations.get(db.session, referral_id)
    resource = services.resource(row)
    on_platform = row.receiving_agency_id is not None
    current = ReferralStatus(body["status"])
    allowed = []
    for following in sorted(lifecycle.NEXT[current], key=list(ReferralStatus).index):
        permission = lifecycle.permission_to_set(following, on_platform=on_platform)
        if decide(context, resource, permission).permit:
            allowed.append((following.value, lifecycle.STATUS_WORDS[following]))
    receiving = decision.basis is not None and decision.basis.kind is BasisKind.REFERRAL
    can_forward = (
        current not in lifecycle.CLOSED
        and decide(context, resource, Permission.REFERRAL_FORWARD).permit
    )
    kinds = catalogue()
    for shared in body.get("shared_sections") or []:
        kind = kinds.get(shared["key"])
        content = shared["content"]
        shared["lines"] = lines(kind.schema, content) if kind and content else []
    return render(
        "referrals/referral.html",
        status,
        page_title=f"Referral to {body['service']['name']}",
        page_label=(body["person"] or {}).get("name"),
        referral=body,
        receiving=receiving,
        mine=context.subject.is_individual,
        allowed=allowed,
        reasons={s.value: list(codes.items()) for s, codes in lifecycle.REASONS.items()},
        needs_reason=[s.value for s in lifecycle.NEEDS_REASON],
        declined_by=DECLINED_BY,
        can_forward=can_forward,
        can_print=not on_platform and decide(context, resource, Permission.REFERRAL_LETTER).permit,
        sent_titles=[kinds.get(k).title if kinds.get(k) else k for k in body["sections"]],
        suggestions=_service_choices("", exclude=row.service_id) if receiving and allowed else [],
        form=form,
        errors=errors,
    )


@bp.get("/referrals/<uuid:referral_id>")
@signed_in_required
@requires(Permission.REFERRAL_VIEW, AuditAction.REFERRAL_VIEW, locate=services.locate)
def referral(referral_id: uuid.UUID) -> Any:
    return _referral_page(referral_id, {}, {})


@bp.get("/referrals/<uuid:referral_id>/letter.pdf")
@signed_in_required
@requires(Permission.REFERRAL_LETTER, AuditAction.REFERRAL_LETTER, locate=services.locate)
def letter(referral_id: uuid.UUID) -> Any:
    return letters.response(letters.read_for_letter(referral_id))


@bp.post("/referrals/<uuid:referral_id>/status")
@signed_in_required
@requires(Permission.REFERRAL_VIEW, AuditAction.REFERRAL_STATUS, locate=services.locate)
def set_status(referral_id: uuid.UUID) -> Any:
    form = form_values(
        ("status", "reason_code", "reason_text", "declined_by", "suggested_service_id")
    )
    status = form.get("status")
    reasons = lifecycle.REASONS.get(ReferralStatus(status), {}) if _known(status) else {}
    data = {
        "status": status or "",
        "reason_code": form.get("reason_code") if form.get("reason_code") in reasons else None,
        "reason_text": form.get("reason_text"),
        "declined_by": form.get("declined_by") if status == "rejected" else None,
        "suggested_service_id": form.get("suggested_service_id") if status == "rejected" else None,
    }
    if reasons and form.get("reason_code") and data["reason_code"] is None:
        data["reason_code"] = form["reason_code"]  # not one of the list: said so by the schema
    same_version = version_check(
        "Someone else updated this referral while you were answering. Check its "
        "status below, then answer again."
    )
    try:
        services.change_status(referral_id, loader(status_change, data), same_version)
    except (ApiError, ValidationError) as exc:
        errors, code = refused(exc)
        if isinstance(exc, PreconditionFailed):
            errors = {"status": [exc.message]}
        db.session.rollback()
        return _referral_page(referral_id, form, errors, code)
    return redirect(url_for("referrals.referral", referral_id=referral_id, done="status"))


def _known(status: str | None) -> bool:
    return status in {s.value for s in ReferralStatus}


@bp.route("/referrals/<uuid:referral_id>/forward", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.REFERRAL_FORWARD, AuditAction.REFERRAL_FORWARD, locate=services.locate)
def pass_on(referral_id: uuid.UUID) -> Any:
    form = form_values(("service_id", "reason", "consent_method", "agreed_on", "q"))
    if request.method == "GET":
        return _forward_page(referral_id, form, {})
    data: dict[str, Any] = {
        "service_id": form.get("service_id", ""),
        "reason": form.get("reason", ""),
    }
    if form.get("consent_method") or form.get("agreed_on"):
        data["consent"] = {
            "method": form.get("consent_method", ""),
            "agreed_on": form.get("agreed_on", ""),
        }
    try:
        made = services.forward(referral_id, loader(forward, data))
    except (ApiError, ValidationError) as exc:
        errors, code = refused(exc)
        db.session.rollback()
        return _forward_page(referral_id, form, _flat(errors), code)
    return redirect(url_for("referrals.referral", referral_id=made["id"], done="forwarded"))


def _forward_page(
    referral_id: uuid.UUID, form: dict[str, Any], errors: dict, status: int = 200
) -> Any:
    row = operations.get(db.session, referral_id)
    return render(
        "referrals/forward.html",
        status,
        page_title="Pass this referral on",
        referral_id=referral_id,
        choices=_service_choices(form.get("q", ""), exclude=row.service_id),
        form=form,
        errors=errors,
        agreed_how=AGREED_HOW,
    )


def _flat(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Nested field names as the form names them (`consent.method` -> `consent_method`)."""
    return {
        k.replace("consent.method", "consent_method").replace("consent.agreed_on", "agreed_on"): v
        for k, v in errors.items()
    }


def _service_choices(q: str, exclude: uuid.UUID | None = None) -> list[tuple[str, str]]:
    """Services to choose among (the first page of a directory search, or of all)."""
    query: dict[str, Any] = {
        "q": q[:200].lower(),
        "category": None,
        "area": None,
        "accepts_referrals": None,
    }
    rows, _ = directory_queries.search(db.session, directory.filters_of(query), limit=50, offset=0)
    return [
        (str(s.id), f"{s.name} ({s.organization.name})")
        for s in rows
        if s.id != exclude and s.status is ServiceStatus.ACTIVE
    ]


# --- making a referral --------------------------------------------------------------------

REFER_FIELDS = (
    "service_id",
    "reason",
    "urgency",
    "do_not_contact",
    "contact_note",
    "consent_method",
    "agreed_on",
    "q",
)


@bp.route("/people/<uuid:person_id>/referrals/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.PERSON_REFERRAL_CREATE, AuditAction.REFERRAL_CREATE)
def new(person_id: uuid.UUID) -> Any:
    form = form_values(REFER_FIELDS)
    form["sections"] = request.form.getlist("sections")
    if request.method == "GET":
        form["service_id"] = request.args.get("service", "")
        form["q"] = request.args.get("q", "").strip()
        form["urgency"] = Urgency.ROUTINE.value
        return _new_page(person_id, form, {})
    data: dict[str, Any] = {
        "service_id": form.get("service_id", ""),
        "reason": form.get("reason", ""),
        "urgency": form.get("urgency", ""),
        "sections": form["sections"],
        "do_not_contact": form.get("do_not_contact") == "yes",
        "contact_note": form.get("contact_note"),
    }
    if form.get("consent_method") or form.get("agreed_on"):
        data["consent"] = {
            "method": form.get("consent_method", ""),
            "agreed_on": form.get("agreed_on", ""),
        }
    try:
        made = services.refer(person_id, loader(referral_create, data))
    except (ApiError, ValidationError) as exc:
        errors, code = refused(exc)
        db.session.rollback()
        if "link" in getattr(exc, "body", lambda: {})():
            errors = {"service_id": ["They already have an open referral to this service."]}
        return _new_page(person_id, form, _flat(errors), code)
    return redirect(url_for("referrals.referral", referral_id=made["id"], done="referred"))


def _new_page(person_id: uuid.UUID, form: dict[str, Any], errors: dict, status: int = 200) -> Any:
    access = plan_access(person_id, Permission.PERSON_REFERRAL_CREATE, AuditAction.REFERRAL_CREATE)
    chosen = None
    if form.get("service_id"):
        try:
            found = directory_queries.one(db.session, uuid.UUID(form["service_id"]))
        except ValueError:
            found = None
        chosen = directory.present_all([found])[0] if found is not None else None
    return render(
        "referrals/new.html",
        status,
        page_title="Refer to a service",
        page_label=access.facts.person.display_name,
        person=access.facts.person,
        chosen=chosen,
        choices=_service_choices(form.get("q", "")),
        sections=[(k.key, k.title) for k in catalogue()],
        urgency=URGENCY,
        agreed_how=AGREED_HOW,
        form=form,
        errors=errors,
    )


# --- a person's referrals -------------------------------------------------------------


@bp.get("/people/<uuid:person_id>/referrals")
@signed_in_required
@requires(Permission.PERSON_REFERRALS_VIEW, AuditAction.REFERRAL_LIST, rows=True)
def person_referrals(person_id: uuid.UUID) -> Any:
    rows = services.for_person(person_id)
    access = plan_access(
        person_id, Permission.PERSON_REFERRALS_VIEW, AuditAction.REFERRAL_LIST, view=True
    )
    can_refer = decide(access.facts, PERSON, Permission.PERSON_REFERRAL_CREATE).permit
    return render(
        "referrals/person.html",
        page_title="Referrals",
        page_label=access.facts.person.display_name,
        person_id=person_id,
        referrals=rows,
        can_refer=can_refer,
        mine=False,
        titles={k.key: k.title for k in catalogue()},
    )


@bp.get("/me/referrals")
@signed_in_required
@requires(Permission.PERSON_REFERRALS_VIEW, AuditAction.REFERRAL_LIST, person=OWN_PERSON, rows=True)
def my_referrals() -> Any:
    rows = services.for_person(g.user.person_id, own=True)
    return render(
        "referrals/person.html",
        page_title="Your referrals",
        referrals=rows,
        can_refer=False,
        mine=True,
        titles={k.key: k.title for k in catalogue()},
    )
