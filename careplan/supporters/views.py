"""Supporter pages: "People supporting you" for the person, the same list for their key
worker, stopping sharing (a confirmation page), and a supporter's own list of people."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, person_context, requires
from careplan.access.policy import decide_on
from careplan.core import clock
from careplan.core.errors import ApiError, NotFound
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.plans import operations as plan_operations
from careplan.plans.access import catalogue
from careplan.plans.models import Plan
from careplan.supporters import services
from careplan.supporters.models import Supporter, SupporterRelationship
from careplan.supporters.schemas import supporter_create
from careplan.web.pages import form_values, loader, refused, render

bp = Blueprint("supporters", __name__)

FIELDS = ("name", "relationship", "described_as", "email", "phone", "expires_on")
RELATIONSHIPS = [
    (SupporterRelationship.FAMILY.value, "Family"),
    (SupporterRelationship.CARER.value, "A carer"),
    (SupporterRelationship.ADVOCATE.value, "An independent advocate"),
    (SupporterRelationship.OTHER.value, "Someone else"),
]


def _payload() -> tuple[dict[str, Any], dict[str, Any]]:
    """The API's body from the form; and the form as typed, to show again."""
    form = form_values(FIELDS)
    sections = request.form.getlist("sections")
    return {**form, "sections": sections}, {**form, "sections": sections}


def _page(
    person_id: uuid.UUID, mine: bool, form: dict, errors: dict, status: int, code: Any = None
) -> Any:
    """The list of supporters (and, for the person, their care team), the invitation form
    for whoever may invite, and the code just made, once."""
    facts = person_context(person_id, AuditAction.SUPPORTER_LIST)
    rows = services.listed(person_id)
    today = clock.today()
    titles = {k.key: k.title for k in catalogue()}
    team: list[Any] = []
    plan = facts.plan
    if mine and plan is not None:
        # "People supporting you" names the care team and how to reach them; the page's one
        # record (supporter.list) covers it, for the person's own plan.
        plan_row = db.session.get(Plan, plan.id)
        team = [
            m
            for m in plan_operations.care_team(db.session, plan_row)
            if m.in_period(today, clock.now()) and m.staff.active
        ]
        key_worker = plan_row.key_worker
    else:
        key_worker = None
    return render(
        "supporters/list.html",
        status,
        page_title="People supporting you" if mine else "People supporting them",
        page_label=None if mine else facts.person.display_name,
        person=facts.person,
        mine=mine,
        plan=plan,
        key_worker=key_worker,
        team=team,
        current=[r for r in rows if r.status(today) == "active"],
        past=[r for r in rows if r.status(today) != "active"],
        who=services.who,
        titles=titles,
        can_invite=decide_on(facts, Permission.SUPPORTER_INVITE).permit,
        can_end=decide_on(facts, Permission.SUPPORTER_END).permit,
        relationships=RELATIONSHIPS,
        invited=code,
        form=form,
        errors=errors,
    )


def _invite(person_id: uuid.UUID, mine: bool) -> Any:
    data, form = _payload()
    try:
        invited = services.invite(person_id, loader(supporter_create, data))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        return _page(person_id, mine, form, errors, status)
    shown = {"name": invited.supporter.account.name, "code": invited.code}
    if invited.code is not None:
        shown["until"] = invited.supporter.account.invite_expires_at
    return _page(person_id, mine, {}, {}, 201, shown)


def _confirm(person_id: uuid.UUID, supporter_id: uuid.UUID, mine: bool) -> Any:
    """The confirmation page (GET), or the place ended (POST)."""
    facts = person_context(person_id, AuditAction.SUPPORTER_END)
    row = db.session.get(Supporter, supporter_id)
    if row is None or row.person_id != person_id:
        raise NotFound(services.NOT_FOUND)
    back = url_for("supporters.mine") if mine else url_for("supporters.person", person_id=person_id)
    if request.method == "POST":
        services.end(person_id, supporter_id)
        return redirect(f"{back}?done=sharing_stopped")
    record(
        AuditAction.SUPPORTER_LIST,
        person_id=person_id,
        details={"supporter_id": row.id, "confirming_end": True},
    )
    return render(
        "supporters/end.html",
        page_title=f"Stop sharing with {row.account.name}?",
        person=facts.person,
        mine=mine,
        supporter=row,
        who=services.who(row),
        action=request.path,
        back=back,
    )


@bp.route("/my-plan/supporters", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.SUPPORTER_VIEW,
    AuditAction.SUPPORTER_LIST,
    person=OWN_PERSON,
    methods={"POST": (Permission.SUPPORTER_INVITE, AuditAction.SUPPORTER_INVITE)},
)
def mine() -> Any:
    """People supporting you: your care team, and who else sees what until when."""
    if request.method == "POST":
        return _invite(g.user.person_id, True)
    return _page(g.user.person_id, True, {}, {}, 200)


@bp.route("/my-plan/supporters/<uuid:supporter_id>/end", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.SUPPORTER_END, AuditAction.SUPPORTER_END, person=OWN_PERSON)
def end_mine(supporter_id: uuid.UUID) -> Any:
    return _confirm(g.user.person_id, supporter_id, True)


@bp.route("/people/<uuid:person_id>/supporters", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.SUPPORTER_VIEW,
    AuditAction.SUPPORTER_LIST,
    methods={"POST": (Permission.SUPPORTER_INVITE, AuditAction.SUPPORTER_INVITE)},
)
def person(person_id: uuid.UUID) -> Any:
    """The person's supporters, for their key worker (who may invite one with them)."""
    if request.method == "POST":
        return _invite(person_id, False)
    return _page(person_id, False, {}, {}, 200)


@bp.route("/people/<uuid:person_id>/supporters/<uuid:supporter_id>/end", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.SUPPORTER_END, AuditAction.SUPPORTER_END)
def end(person_id: uuid.UUID, supporter_id: uuid.UUID) -> Any:
    return _confirm(person_id, supporter_id, False)


def supporting_page() -> Any:
    """A supporter's home: the people who share parts of their plan with them."""
    shown = services.supporting()
    titles = {k.key: k.title for k in catalogue()}
    return render(
        "supporters/supporting.html",
        page_title="People who share their plan with you",
        shown=shown,
        titles=titles,
    )
