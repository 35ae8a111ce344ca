"""The service directory's pages: search (the design system's search results pattern),
one service (summary list), and the GeoJSON download for an area's systems map. Read by
staff and by the person; every page names each service's source and licence."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import job_allowed, requires
from careplan.core.errors import ApiError, PreconditionFailed
from careplan.core.http import respond
from careplan.directory import councils, queries, services
from careplan.directory.models import LOCAL, ServiceStatus
from careplan.directory.queries import GEOJSON, MAP_LIMIT
from careplan.directory.schemas import geojson_out, service_create, service_query, service_update
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.web.pages import load, loader, refused, render, version_check

bp = Blueprint("directory", __name__, url_prefix="/directory")
PAGE_SIZE = 20
FILTERS = ("q", "category", "area", "accepts_referrals")


def _query_args() -> dict[str, str]:
    """The search form's filled-in filters (an unticked box or empty choice is absent)."""
    args = {k: request.args[k].strip() for k in FILTERS if request.args.get(k, "").strip()}
    if "page" in request.args:
        args["page"] = request.args["page"]
    return args


def can_manage() -> bool:
    """Whether to offer the add and change links: the policy's answer, not the role's name."""
    return job_allowed(Permission.DIRECTORY_MANAGE)


def _as_query(form: dict[str, str]) -> dict[str, str]:
    """The search form's filters as the API's query takes them (the box sends "yes")."""
    query = dict(form)
    if query.get("accepts_referrals") == "yes":
        query["accepts_referrals"] = "true"
    return query


@bp.get("")
@signed_in_required
@requires(Permission.DIRECTORY_VIEW, AuditAction.SERVICE_SEARCH)
def search() -> Any:
    args = _query_args()
    page_number = args.pop("page", "1")
    filters = _as_query(args)
    errors: dict[str, list[str]] = {}
    if not page_number.isdigit() or not 1 <= int(page_number) <= 50_000:
        errors["page"] = ["Choose a page of the results from the links."]
        page_number = "1"
    offset = (int(page_number) - 1) * PAGE_SIZE
    data, field_errors = load(
        service_query, {**filters, "limit": str(PAGE_SIZE), "offset": str(offset)}
    )
    errors.update(field_errors)
    found = None
    if not errors:
        found = services.search(lambda: data)
    return render(
        "directory/search.html",
        400 if errors else 200,
        page_title="Find support" if g.user.is_individual else "Service directory",
        for_person=g.user.is_individual,
        can_manage=can_manage(),
        form=args,
        errors=errors,
        found=found,
        page=int(page_number),
        page_size=PAGE_SIZE,
        categories=[(t.code, t.name) for t in queries.categories(db.session)],
        areas=[(c.code, c.name) for c in councils.councils()],
    )


@bp.get("/<uuid:service_id>")
@signed_in_required
@requires(Permission.DIRECTORY_VIEW, AuditAction.SERVICE_VIEW)
def service(service_id: uuid.UUID) -> Any:
    shown = services.get(service_id)
    return render(
        "directory/service.html",
        page_title=shown["name"],
        service=shown,
        for_person=g.user.is_individual,
        can_manage=can_manage(),
    )


@bp.get("/services.geojson")
@signed_in_required
@requires(Permission.DIRECTORY_VIEW, AuditAction.SERVICE_SEARCH)
def map_download() -> Any:
    args = _query_args()
    args.pop("page", None)
    query = service_query.load(_as_query(args))
    body = queries.geojson(db.session, services.filters_of(query), limit=MAP_LIMIT)
    services.record_search(query, len(body["features"]))
    response = respond(geojson_out.dump(body))
    response.mimetype = GEOJSON
    response.headers["Content-Disposition"] = 'attachment; filename="services.geojson"'
    return response


LOCAL_TEXT = (
    "eligibility_description",
    "thresholds",
    "referral_method",
    "opening_hours",
    "accessibility",
)
OWN_TEXT = ("name", "organization_name", "description", "url", "email", "phone")


def _form_data(local_service: bool) -> dict[str, Any]:
    """The edit form as the API's schema takes it: a blank box clears its field."""
    form = request.form
    names = LOCAL_TEXT + (OWN_TEXT if local_service else ())
    data: dict[str, Any] = {n: (form.get(n, "").strip() or None) for n in names}
    for age in ("minimum_age", "maximum_age"):
        data[age] = form.get(age, "").strip() or None
    data["accepts_referrals"] = form.get("accepts_referrals", "no")
    data["agency_id"] = form.get("agency_id", "").strip() or None
    if local_service:
        data["status"] = form.get("status", "active")
        data["service_areas"] = form.getlist("service_areas")
        for required in ("name", "organization_name"):
            if data[required] is None:
                data.pop(required)
    return data


def _edit_page(
    service: Any, form: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> Any:
    return render(
        "directory/edit.html",
        status,
        page_title=f"Change {service.name}" if service is not None else "Add a service",
        service=service,
        local_service=service is None or service.source == LOCAL,
        form=form,
        errors=errors,
        agencies=[(str(a.id), a.name) for a in services.agencies()],
        areas=[(councils.SCOTLAND, "All of Scotland")]
        + [(c.code, c.name) for c in councils.councils()],
        statuses=[(s.value, s.value.capitalize()) for s in ServiceStatus],
    )


def _values(service: Any) -> dict[str, Any]:
    shown = {k: getattr(service, k) for k in (*LOCAL_TEXT, "minimum_age", "maximum_age")}
    shown.update(
        name=service.name,
        organization_name=service.organization.name,
        description=service.description,
        url=service.url,
        email=service.email,
        phone=service.phone,
        status=service.status.value,
        accepts_referrals="yes" if service.accepts_referrals else "no",
        agency_id=str(service.agency_id) if service.agency_id else "",
        service_areas=services.area_codes(service.id),
        version=service.version,
    )
    return {k: ("" if v is None else v) for k, v in shown.items()}


@bp.route("/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.DIRECTORY_MANAGE, AuditAction.SERVICE_CREATE)
def new() -> Any:
    if request.method == "GET":
        return _edit_page(None, {"accepts_referrals": "no", "status": "active"}, {})
    data = _form_data(local_service=True)
    try:
        made = services.create(loader(service_create, data))
    except (ApiError, ValidationError) as exc:
        return _edit_page(None, _shown_again(data), *refused(exc))
    return redirect(url_for("directory.service", service_id=made["id"], done="service_added"))


@bp.route("/<uuid:service_id>/edit", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.DIRECTORY_MANAGE, AuditAction.SERVICE_UPDATE)
def edit(service_id: uuid.UUID) -> Any:
    service = services.editable(service_id)
    if request.method == "GET":
        return _edit_page(service, _values(service), {})
    local_service = service.source == LOCAL
    data = _form_data(local_service)
    same_version = version_check(
        "Someone else changed this service while you were editing it. Check their "
        "changes below, then save yours again."
    )
    try:
        services.update(service_id, loader(service_update, data), same_version)
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        if isinstance(exc, PreconditionFailed):
            errors = {"version": [exc.message]}
        shown = {**_shown_again(data), "version": service.version}
        return _edit_page(service, shown, errors, status)
    return redirect(url_for("directory.service", service_id=service_id, done="service_changed"))


def _shown_again(data: dict[str, Any]) -> dict[str, Any]:
    shown = {k: ("" if v is None else v) for k, v in data.items()}
    shown["accepts_referrals"] = "yes" if data.get("accepts_referrals") in ("yes", True) else "no"
    shown.setdefault("service_areas", [])
    return shown
