"""The individual's own pages: my plan, who can see it, who has looked at it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, url_for
from sqlalchemy import select

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.accounts.models import User
from careplan.core import transaction
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.ig import services as ig_services
from careplan.ig.access_log_views import access_log_page
from careplan.me import safety
from careplan.plans import printing
from careplan.plans import services as plans
from careplan.plans.access import catalogue
from careplan.plans.models import Plan
from careplan.web.display import lines
from careplan.web.pages import render
from consent import views as sharing_views

bp = Blueprint("me", __name__)


@bp.get("/my-plan")
@signed_in_required
@requires(Permission.PERSON_VIEW, AuditAction.PLAN_VIEW, person=OWN_PERSON, rows=True)
def plan() -> Any:
    """My plan, or a page saying there is none yet (so the person, not the plan)."""
    person_id = plans.my_person_id()
    if db.session.scalar(select(Plan.id).where(Plan.person_id == person_id)) is None:
        return render("me/no_plan.html", page_title="My plan")
    access, body, updates, abouts = plans.view_my_plan(person_id)
    # The sections the person writes themselves, while the plan is open (a closed plan is
    # read only, for them as for staff).
    yours = catalogue().person_writes() if body["closed"] is None else frozenset()
    sections = [
        {
            **section,
            "description": catalogue().get(key).description,
            "lines": lines(catalogue().get(key).schema, section["content"]),
            "yours": key in yours,
            "updates": updates.get(key, []),
        }
        for key, section in body["sections"].items()
    ]
    return render(
        "me/plan.html",
        page_title="My plan",
        person=access.facts.person,
        plan=body,
        sections=sections,
        key_worker=db.session.get(User, body["key_worker"]["id"]),
        crisis_line=safety.crisis_line(),
        national_lines=safety.NATIONAL,
        abouts=abouts,
        last_changed=max(
            (s["updated_at"] for s in body["sections"].values() if s["updated_at"]), default=None
        ),
    )


@bp.get("/my-plan/plan.pdf")
@signed_in_required
@requires(Permission.PLAN_VIEW, AuditAction.EXPORT, person=OWN_PERSON, rows=True)
def plan_pdf() -> Any:
    """My plan on paper, to print or keep (recorded as an export, like any copy)."""
    person, view = printing.read_for_print(plans.my_person_id())
    return transaction.respond_after_commit(lambda: printing.response(person, view, own=True))


@bp.get("/my-plan/sharing")
@signed_in_required
@requires(Permission.PERSON_CONSENTS_VIEW, AuditAction.CONSENT_VIEW, person=OWN_PERSON)
def sharing() -> Any:
    return sharing_views.consent_page(plans.my_person_id(), True, {}, {}, 200)


@bp.post("/my-plan/sharing")
@signed_in_required
@requires(Permission.PERSON_CONSENT_RECORD, AuditAction.CONSENT_CREATE, person=OWN_PERSON)
def new_consent() -> Any:
    back = url_for("me.sharing", done="consent_recorded")
    return sharing_views.record_consent(plans.my_person_id(), True, back)


@bp.post("/my-plan/sharing/<uuid:consent_id>/withdraw")
@signed_in_required
@requires(Permission.PERSON_CONSENT_RECORD, AuditAction.CONSENT_WITHDRAW, person=OWN_PERSON)
def withdraw_consent(consent_id: uuid.UUID) -> Any:
    back = url_for("me.sharing", done="withdrawn")
    return sharing_views.withdraw(plans.my_person_id(), consent_id, back)


@bp.get("/my-plan/access-log")
@signed_in_required
@requires(Permission.PERSON_ACCESS_LOG_VIEW, AuditAction.ACCESSLOG_VIEW, person=OWN_PERSON)
def access_log() -> Any:
    return access_log_page(ig_services.my_person_for_log(), True)
