"""The service directory's pages: search (the design system's search results pattern),
one service (summary list), and the GeoJSON download for an area's systems map. Read by
staff and by the person; every page names each service's source and licence."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, request

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.http import respond
from careplan.directory import councils, queries, services
from careplan.directory.queries import GEOJSON, MAP_LIMIT
from careplan.directory.schemas import geojson_out, service_query
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.web.pages import load, render

bp = Blueprint("directory", __name__, url_prefix="/directory")
PAGE_SIZE = 20
FILTERS = ("q", "category", "area", "accepts_referrals")


def _query_args() -> dict[str, str]:
    """The search form's filled-in filters (an unticked box or empty choice is absent)."""
    args = {k: request.args[k].strip() for k in FILTERS if request.args.get(k, "").strip()}
    if "page" in request.args:
        args["page"] = request.args["page"]
    return args


@bp.get("")
@signed_in_required
@requires(Permission.DIRECTORY_VIEW, AuditAction.SERVICE_SEARCH)
def search() -> Any:
    args = _query_args()
    page_number = args.pop("page", "1")
    filters = {k: v for k, v in args.items()}
    if filters.get("accepts_referrals") == "yes":
        filters["accepts_referrals"] = "true"
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
    )


@bp.get("/services.geojson")
@signed_in_required
@requires(Permission.DIRECTORY_VIEW, AuditAction.SERVICE_SEARCH)
def map_download() -> Any:
    args = _query_args()
    args.pop("page", None)
    if args.get("accepts_referrals") == "yes":
        args["accepts_referrals"] = "true"
    query = service_query.load(args)
    body = queries.geojson(db.session, services.filters_of(query), limit=MAP_LIMIT)
    services.record_search(query, len(body["features"]))
    response = respond(geojson_out.dump(body))
    response.mimetype = GEOJSON
    response.headers["Content-Disposition"] = 'attachment; filename="services.geojson"'
    return response
