"""The service directory over the API (API.md, "Service directory")."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_REQUIRED, documented, json_body, paged, query_args, respond
from careplan.directory import queries, services
from careplan.directory.queries import GEOJSON, MAP_LIMIT
from careplan.directory.schemas import (
    geojson_out,
    service_create,
    service_out,
    service_query,
    service_update,
    services_out,
)
from careplan.extensions import db


@bp.get("/services")
@documented(
    "Services in the directory matching the filters, by name, a page at a time "
    "(X-Total-Count: how many in all; Link rel=next: the next page). Each names its "
    "source, licence and attribution, to be shown with it",
    query=service_query,
    response=services_out,
)
@requires(Permission.DIRECTORY_VIEW, AuditAction.SERVICE_SEARCH)
def search_services() -> Response:
    page = services.search(lambda: service_query.load(query_args()))
    response = respond(services_out.dump(page.services))
    return paged(
        response, "api.search_services", page.total, page.query["offset"], page.query["limit"]
    )


@bp.get("/services.geojson")
@documented(
    "Located services matching the filters as GeoJSON (RFC 7946), for an area's "
    "systems map; each feature carries its source's licence and attribution",
    query=service_query,
    response=geojson_out,
    media_type=GEOJSON,
)
@requires(Permission.DIRECTORY_VIEW, AuditAction.SERVICE_SEARCH)
def services_geojson() -> Response:
    query = service_query.load(query_args())
    body = queries.geojson(db.session, services.filters_of(query), limit=MAP_LIMIT)
    services.record_search(query, len(body["features"]))
    response = respond(geojson_out.dump(body))
    response.mimetype = GEOJSON
    return response


@bp.get("/services/<uuid:service_id>")
@documented("One service in the directory", response=service_out, errors=(404,))
@requires(Permission.DIRECTORY_VIEW, AuditAction.SERVICE_VIEW)
def get_service(service_id: uuid.UUID) -> Response:
    service = services.get(service_id)
    return respond(service_out.dump(service), version=service["version"])


@bp.post("/services")
@documented(
    "Add a local service (administrators and directory managers)",
    body=service_create,
    response=service_out,
    status=201,
    errors=(422,),
    versioned=True,
)
@requires(Permission.DIRECTORY_MANAGE, AuditAction.SERVICE_CREATE)
def create_service() -> Response:
    service = services.create(lambda: json_body(service_create))
    return respond(service_out.dump(service), 201, version=service["version"])


@bp.put("/services/<uuid:service_id>")
@documented(
    "Change a service: any field of a local one; only the local fields (eligibility, "
    "ages, thresholds, how to refer, referrals, agency, opening hours, accessibility) of "
    "an imported one (If-Match: its version)",
    body=service_update,
    response=service_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(404, 422),
    versioned=True,
)
@requires(Permission.DIRECTORY_MANAGE, AuditAction.SERVICE_UPDATE)
def update_service(service_id: uuid.UUID) -> Response:
    service, _ = services.update(service_id, lambda: json_body(service_update))
    return respond(service_out.dump(service), version=service["version"])
