"""Administration: agencies, their information-sharing agreements, staff accounts.

Administrators never see plan content: nothing here reads a plan or a person.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.access.subject import Role
from careplan.accounts import invitations
from careplan.accounts.contact import contact_of
from careplan.accounts.schemas import CONTACT_FIELDS, contact_details, staff_schema
from careplan.admin import services
from careplan.admin.schemas import (
    SENSITIVITIES,
    agency_schema,
    agreement_schema,
    deactivate_schema,
    staff_change_schema,
    staff_filter_schema,
)
from careplan.agencies.models import AgencyKind, Sector
from careplan.core import clock
from careplan.core.errors import ApiError, NotFound
from careplan.identity.web import recent_auth_required_then, signed_in_required
from careplan.plans.access import catalogue
from careplan.web import staff_picker
from careplan.web.pages import form_values, load, loader, refused, render
from consent.models import LawfulBasis

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/agencies", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_AGENCY_MANAGE,
    AuditAction.AGENCY_LIST,
    methods={"POST": (Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_CREATE)},
)
def agencies() -> Any:
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        form = form_values(("name", "sector", "kind"))
        try:
            services.create_agency(loader(agency_schema, form))
            return redirect(url_for("admin.agencies", done="agency_added"))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
    rows = services.list_agencies()
    return render(
        "admin/agencies.html",
        status,
        page_title="Agencies",
        agencies=rows,
        agreements=services.agreements_in_force(),
        sectors=list(Sector),
        kinds=list(AgencyKind),
        form=form,
        errors=errors,
    )


@bp.route("/agencies/<uuid:agency_id>", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_AGENCY_MANAGE,
    AuditAction.AGENCY_LIST,
    methods={"POST": (Permission.JOB_AGENCY_MANAGE, AuditAction.AGENCY_UPDATE)},
)
def agency(agency_id: uuid.UUID) -> Any:
    """Change an agency's name, sector or kind of service."""
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = form_values(("name", "sector", "kind"))
        try:
            services.update_agency(agency_id, loader(agency_schema, form))
            return redirect(url_for("admin.agencies", done="agency_changed"))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
        row = services.get_agency(agency_id)
    else:
        row = services.get_agency(agency_id)
        form = {"name": row.name, "sector": row.sector.value, "kind": row.kind.value}
    return render(
        "admin/agency.html",
        status,
        page_title=f"Change {row.name}",
        agency=row,
        sectors=list(Sector),
        kinds=list(AgencyKind),
        form=form,
        errors=errors,
    )


@bp.route("/agencies/<uuid:agency_id>/agreement", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_AGENCY_MANAGE,
    AuditAction.AGENCY_LIST,
    methods={"POST": (Permission.JOB_AGENCY_MANAGE, AuditAction.AGREEMENT_SET)},
)
def agreement(agency_id: uuid.UUID) -> Any:
    rows = {a.id: a for a in services.list_agencies()}
    agency = rows.get(agency_id)
    current = services.agreements_in_force().get(agency_id)
    form: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    status = 200
    if agency is None:
        raise NotFound("No such agency.")
    if request.method == "POST":
        form = form_values(("max_sensitivity", "valid_until", "lawful_basis"))
        sections = request.form.getlist("sections")
        data = {**form, "sections": None if "all" in sections or not sections else sections}
        try:
            services.set_agreement(agency_id, loader(agreement_schema, data))
            return redirect(url_for("admin.agencies", done="agreement_set"))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
        form["sections"] = sections
    elif current is not None:
        form = {
            "max_sensitivity": current.max_sensitivity,
            "valid_until": current.valid_until.isoformat(),
            "lawful_basis": current.lawful_basis.value,
            "sections": current.sections or ["all"],
        }
    return render(
        "admin/agreement.html",
        status,
        page_title=f"Information-sharing agreement: {agency.name}",
        agency=agency,
        sensitivities=SENSITIVITIES,
        bases=list(LawfulBasis),
        sections=[(k.key, f"{k.title} ({k.sensitivity.label})") for k in catalogue()],
        form=form,
        errors=errors,
    )


FILTER_KEYS = ("q", "agency", "role", "status")


@bp.route("/staff", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_STAFF_MANAGE,
    AuditAction.STAFF_LIST,
    methods={"POST": (Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_CREATE)},
)
def staff() -> Any:
    """The staff list, searched and filtered (GET `q`, `agency`, `role`, `status`), and the
    form to invite someone."""
    form: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    status, invited = 200, None
    if request.method == "POST":
        form = form_values(("email", "name", "agency_id"))
        roles = request.form.getlist("roles")
        data = {**form, "agency_id": form.get("agency_id") or None, "roles": roles}
        try:
            invited = services.invite_staff(loader(staff_schema, data))
            form = {}
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
            form["roles"] = roles
    return _staff_page(status, form=form, errors=errors, invited=invited)


def _staff_page(status: int = 200, **context: Any) -> Any:
    typed = {
        k: request.args.get(k, "").strip() for k in FILTER_KEYS if request.args.get(k, "").strip()
    }
    filters, problems = load(staff_filter_schema, typed)
    if problems:
        filters, status = {}, 400
    found = services.find_staff(filters)
    errors = {**problems, **context.pop("errors", {})}
    return render(
        "admin/staff.html",
        status,
        page_title="Staff accounts",
        staff=found.rows,
        total=found.total,
        typed=typed,
        agencies=services.list_agencies(),
        roles=[r.value for r in Role],
        statuses=[
            ("active", "Active"),
            ("invited", "Invited, not yet signed in"),
            ("deactivated", "Deactivated"),
        ],
        waiting=invitations.waiting,
        now=clock.now(),
        errors=errors,
        **{"form": {}, "invited": None, **context},
    )


@bp.route("/staff/<uuid:staff_id>", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_STAFF_MANAGE,
    AuditAction.STAFF_LIST,
    methods={"POST": (Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_UPDATE)},
)
def staff_member(staff_id: uuid.UUID) -> Any:
    """Change a staff account's roles or organisation."""
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        roles = request.form.getlist("roles")
        agency = request.form.get("agency_id", "").strip()
        data = {"agency_id": agency or None, "roles": roles}
        try:
            services.change_staff(staff_id, loader(staff_change_schema, data))
            return redirect(url_for("admin.staff", done="staff_changed"))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
        form = {"agency_id": agency, "roles": roles}
        user = services.get_staff(staff_id)
    else:
        user = services.get_staff(staff_id)
        form = {"agency_id": str(user.agency_id or ""), "roles": list(user.roles)}
    return render(
        "admin/staff_member.html",
        status,
        page_title=f"Change {user.name}'s roles or organisation",
        user=user,
        own=user.id == g.user.id,
        agencies=services.list_agencies(),
        roles=[r.value for r in Role],
        form=form,
        errors=errors,
    )


@bp.post("/staff/<uuid:staff_id>/invitation")
@signed_in_required
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_INVITE)
def new_invitation(staff_id: uuid.UUID) -> Any:
    """A new invitation code for someone invited who has not signed in yet, shown once."""
    try:
        invited = services.new_invitation(staff_id)
    except ApiError as exc:
        errors, status = refused(exc)
        return _staff_page(status, errors=errors)
    return _staff_page(invited=invited, again=True)


@bp.post("/staff/<uuid:staff_id>/reactivate")
@signed_in_required
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_REACTIVATE)
def reactivate(staff_id: uuid.UUID) -> Any:
    try:
        services.reactivate_staff(staff_id)
    except ApiError as exc:
        errors, status = refused(exc)
        return _staff_page(status, errors=errors)
    return redirect(url_for("admin.staff", done="reactivated"))


@bp.route("/staff/<uuid:staff_id>/deactivate", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_STAFF_MANAGE,
    AuditAction.STAFF_LIST,
    methods={"POST": (Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_DEACTIVATE)},
)
def deactivate(staff_id: uuid.UUID) -> Any:
    """Confirm, saying how many people the account is key worker for, and choose: hand
    them to a colleague now, or leave them on the "needs a new key worker" list (issue 22).
    The number is all an administrator sees: no one's name."""
    form = form_values(("hand_over_to",))
    errors: dict[str, list[str]] = {}
    status = 200
    if staff_id == g.user.id:
        # Never one's own: the page says so instead of offering the button (issue 17).
        if request.method == "POST":
            return _staff_page(409, errors={"staff": [services.OWN_ACCOUNT]})
        return render("admin/deactivate.html", page_title="Deactivate your own account", own=True)
    if request.method == "POST":
        try:
            services.deactivate_staff(staff_id, loader(deactivate_schema, form))
            return redirect(url_for("admin.staff", done="deactivated"))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
    user, plans, colleagues = services.deactivation_choices(staff_id)
    return render(
        "admin/deactivate.html",
        status,
        page_title=f"Deactivate {user.name}",
        user=user,
        plans=plans,
        picker=staff_picker.pick(colleagues, form.get("hand_over_to")),
        form=form,
        errors=errors,
    )


@bp.route("/staff/<uuid:staff_id>/contact", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_STAFF_MANAGE,
    AuditAction.STAFF_LIST,
    methods={"POST": (Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_CONTACT)},
)
def staff_contact(staff_id: uuid.UUID) -> Any:
    """How colleagues reach this member of staff: work phone, work email, working pattern
    (issue 17). Shown on the plan and care-team pages of the people they support."""
    if request.method == "POST":
        form = form_values(CONTACT_FIELDS)
        try:
            services.set_staff_contact(staff_id, loader(contact_details, form))
            return redirect(url_for("admin.staff", done="contact_saved"))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
            user = services.staff_member(staff_id)
            return _contact_page(user, form, errors, status)
    user = services.staff_member(staff_id)
    record(AuditAction.STAFF_LIST, details={"staff_id": user.id, "view": "contact"})
    return _contact_page(user, contact_of(user), {})


def _contact_page(user: Any, form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "identity/contact.html",
        status,
        page_title=f"How colleagues reach {user.name}",
        user=user,
        own=False,
        action=url_for("admin.staff_contact", staff_id=user.id),
        back=url_for("admin.staff"),
        form=form,
        errors=errors,
    )


@bp.post("/staff/<uuid:staff_id>/reset-second-factor")
@signed_in_required
# Another person's credential changes: the administrator confirms who they are first.
@recent_auth_required_then("admin.staff")
@requires(Permission.JOB_STAFF_MANAGE, AuditAction.STAFF_RESET_SECOND_FACTOR)
def reset_second_factor(staff_id: uuid.UUID) -> Any:
    services.reset_second_factor(staff_id)
    return redirect(url_for("admin.staff", done="second_factor_reset"))
