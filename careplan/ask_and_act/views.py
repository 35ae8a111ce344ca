"""Ask and act pages: a person's record of being asked about their housing, recording a
new ask, what came of it, and the duty's counts for IG officers and administrators."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import DateTime, Uuid, column, select, table

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import person_context, requires
from careplan.access.policy import decide_on
from careplan.ask_and_act import reports, services
from careplan.ask_and_act.models import HousingAsk
from careplan.ask_and_act.rules import current
from careplan.ask_and_act.schemas import housing_ask_create, housing_ask_update, report_query
from careplan.core import clock, days
from careplan.core.errors import ApiError, NotFound, PreconditionFailed
from careplan.directory.councils import councils
from careplan.directory.models import Service
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.web.pages import form_values, load, loader, refused, render, version_check

bp = Blueprint("ask_and_act", __name__)

_referral = table(
    "referral",
    column("id", Uuid),
    column("person_id", Uuid),
    column("service_id", Uuid),
    column("created_at", DateTime),
)


@bp.get("/people/<uuid:person_id>/housing-asks")
@signed_in_required
@requires(Permission.HOUSING_ASK_VIEW, AuditAction.HOUSING_ASK_LIST)
def person_asks(person_id: uuid.UUID) -> Any:
    context = person_context(person_id, AuditAction.HOUSING_ASK_LIST)
    shown = [services.present(row) for row in services.asks(person_id)]
    return render(
        "ask_and_act/list.html",
        page_title="Asked about their housing",
        person=context.person,
        asks=shown,
        rules=current(),
        done=request.args.get("done"),
        can_record=decide_on(context, Permission.HOUSING_ASK_RECORD).permit,
        can_update=decide_on(context, Permission.HOUSING_ASK_UPDATE).permit,
    )


def _choices(kind: str) -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in getattr(current(), kind)]


def _council_choices() -> list[tuple[str, str]]:
    return [("", "Choose a council area")] + [(c.code, c.name) for c in councils()]


def _referral_choices(person_id: uuid.UUID) -> list[tuple[str, str]]:
    found = db.session.execute(
        select(_referral.c.id, _referral.c.created_at, Service.name)
        .join(Service, Service.id == _referral.c.service_id)
        .where(_referral.c.person_id == person_id)
        .order_by(_referral.c.created_at.desc())
    )
    return [("", "No referral")] + [
        (str(r.id), f"{r.name}, made {clock.day_of(r.created_at):%-d %B %Y}") for r in found
    ]


@bp.route("/people/<uuid:person_id>/housing-asks/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.HOUSING_ASK_RECORD, AuditAction.HOUSING_ASK_CREATE)
def record(person_id: uuid.UUID) -> Any:
    context = person_context(person_id, AuditAction.HOUSING_ASK_CREATE)
    form: dict[str, Any] = {"asked_on": clock.today().isoformat()}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = form_values(("asked_on", "council_code", "answer", "referral_id", "note"))
        form["actions_offered"] = [v for v in request.form.getlist("actions_offered") if v]
        form["actions_accepted"] = [v for v in request.form.getlist("actions_accepted") if v]
        body = {k: v for k, v in form.items() if v not in ("", None)}
        try:
            row = services.record_ask(person_id, loader(housing_ask_create, body))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
        else:
            url = url_for("ask_and_act.person_asks", person_id=person_id, done=str(row.id))
            return redirect(url)
    return render(
        "ask_and_act/record.html",
        status,
        page_title="Ask about their housing",
        person=context.person,
        form=form,
        errors=errors,
        rules=current(),
        answers=_choices("answers"),
        actions=_choices("actions"),
        council_choices=_council_choices(),
        referrals=_referral_choices(person_id),
    )


@bp.route("/housing-asks/<uuid:ask_id>/outcome", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.HOUSING_ASK_UPDATE, AuditAction.HOUSING_ASK_UPDATE, locate=services.locate)
def outcome(ask_id: uuid.UUID) -> Any:
    row = db.session.get(HousingAsk, ask_id)
    if row is None:  # `locate` has refused it already; a guard for the type checker
        raise NotFound(services.NO_ASK)
    context = person_context(row.person_id, AuditAction.HOUSING_ASK_UPDATE)
    form: dict[str, Any] = {
        "outcome": row.outcome or "",
        "outcome_on": (row.outcome_on or clock.today()).isoformat(),
        "referral_id": str(row.referral_id or ""),
        "version": row.version,
    }
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = {**form_values(("outcome", "outcome_on", "referral_id")), "version": row.version}
        body = {k: v for k, v in form.items() if k != "version" and v}
        same_version = version_check(
            "Someone else recorded what came of this while you were answering. Check it "
            "below, then record yours again."
        )
        try:
            services.update(ask_id, loader(housing_ask_update, body), same_version)
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
            if isinstance(exc, PreconditionFailed):
                errors = {"outcome": [exc.message]}
            db.session.rollback()
            row = db.session.get(HousingAsk, ask_id)
            form["version"] = row.version if row is not None else form["version"]
        else:
            url = url_for("ask_and_act.person_asks", person_id=context.person.id, done="outcome")
            return redirect(url)
    return render(
        "ask_and_act/outcome.html",
        status,
        page_title="What came of asking about their housing",
        person=context.person,
        ask=services.present(row) if row is not None else None,
        form=form,
        errors=errors,
        outcomes=_choices("outcomes"),
        referrals=_referral_choices(context.person.id),
    )


@bp.get("/reports/housing-duty")
@signed_in_required
@requires(Permission.JOB_HOUSING_DUTY_REPORT, AuditAction.HOUSING_DUTY_REPORT)
def report() -> Any:
    today = clock.today()
    start = date(today.year, 1, 1) if today.month > 3 else date(today.year - 1, 4, 1)
    form: dict[str, Any] = {"from": start.isoformat(), "to": today.isoformat(), "by": "agency"}
    errors: dict[str, list[str]] = {}
    found = None
    status = 200
    if request.args:
        typed = {name: request.args.get(name, "").strip() for name in ("from", "to", "by")}
        for name in ("from", "to"):
            parts = [request.args.get(f"{name}-{p}", "") for p in days.PARTS]
            if any(parts):
                typed[name] = days.from_parts(*parts)
        form = {**form, **{k: v for k, v in typed.items() if v}}
        query, errors = load(report_query, form)
        if errors:
            status = 400
        else:
            found = reports.report(query["start"], query["end"], query["by"])
    return render(
        "ask_and_act/report.html",
        status,
        page_title="Ask and act: the duty's counts",
        form=form,
        errors=errors,
        report=found,
        rules=current(),
    )


COLUMN_WORDS = {
    "asked": "Asked",
    "under_duty": "Asked under the duty",
    "offered_action": "Offered an action",
    "took_up_action": "Wanted an action",
    "referred": "Referred",
    "outcome:not_recorded": "Outcome not recorded yet",
}


@bp.app_template_filter("duty_column")
def duty_column(name: str, rules: Any) -> str:
    """A report column's heading in words (reports.columns gives the codes)."""
    if name in COLUMN_WORDS:
        return COLUMN_WORDS[name]
    kind, _, code = name.partition(":")
    label = rules.label("answers" if kind == "answer" else "outcomes", code) or code
    return f"Said: {label}" if kind == "answer" else f"Outcome: {label}"
