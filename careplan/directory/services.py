"""The directory's requests: search, read, add and change a service, each recorded in the
audit log like every other request (`service.search`, `service.view`, `service.create`,
`service.update`), though the directory holds no one's personal data: the words searched
are not kept, only which filters were used."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.agencies.models import Agency
from careplan.core.clock import iso
from careplan.core.errors import NotFound, Unprocessable
from careplan.core.http import require_version
from careplan.directory import operations, queries
from careplan.directory.models import LOCAL, Service, ServiceArea
from careplan.extensions import db

NO_SERVICE = "There is no service with that id in the directory."
Loader = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Page:
    services: list[dict[str, Any]]  # in `ServiceSchema`'s shape
    total: int
    query: dict[str, Any]  # the loaded query, for the next page's link


def search(load_query: Loader) -> Page:
    """A page of services matching the query (`ServiceQuerySchema`), by name."""
    query = load_query()
    rows, total = queries.search(
        db.session, filters_of(query), limit=query["limit"], offset=query["offset"]
    )
    record_search(query, total)
    return Page(present_all(rows), total, query)


def record_search(query: dict[str, Any], total: int) -> None:
    """`service.search` with the filters used (words counted, never kept: they may say
    what a person needs) and how many services matched."""
    record(
        AuditAction.SERVICE_SEARCH,
        details={
            "words": len(query["q"].split()),
            "category": query["category"],
            "area": query["area"],
            "accepts_referrals": query["accepts_referrals"],
            "matched": total,
        },
    )


def filters_of(query: dict[str, Any]) -> queries.Filters:
    return queries.Filters(
        words=tuple(query["q"].split()),
        category=query["category"],
        area=query["area"],
        accepts_referrals=query["accepts_referrals"],
    )


def editable(service_id: uuid.UUID) -> Service:
    """The service to show in its edit form (no record: the form's page records)."""
    service = queries.one(db.session, service_id)
    if service is None:
        raise NotFound(NO_SERVICE)
    return service


def get(service_id: uuid.UUID) -> dict[str, Any]:
    """One service in `ServiceSchema`'s shape; NotFound (404) if there is none."""
    service = queries.one(db.session, service_id)
    if service is None:
        raise NotFound(NO_SERVICE)
    record(AuditAction.SERVICE_VIEW, details={"service_id": service.id})
    return present_all([service])[0]


def create(load_body: Loader) -> dict[str, Any]:
    """Add a local service (`ServiceCreateSchema`); recorded as `service.create`.
    Raises Unprocessable (422) for a linked agency or category that does not exist, or
    for taking referrals with no agency to receive them."""
    data = load_body()
    _check_links(data, None)
    service = operations.create_local(db.session, data)
    record(AuditAction.SERVICE_CREATE, details={"service_id": service.id})
    return present_all([service])[0]


def update(
    service_id: uuid.UUID,
    load_body: Loader,
    check_version: Callable[[int], None] = require_version,
) -> tuple[dict[str, Any], list[str]]:
    """Change a service (`ServiceWriteSchema`); `check_version(current)` raises unless the
    caller read the current version (default: If-Match, 412/428). An imported service
    takes only the local fields: any other is 422, as its source keeps it. Recorded as
    `service.update` with the fields changed."""
    service = db.session.scalars(
        select(Service).where(Service.id == service_id).with_for_update()
    ).one_or_none()
    if service is None:
        raise NotFound(NO_SERVICE)
    check_version(service.version)
    data = load_body()
    _check_links(data, service)
    try:
        changed = operations.update(db.session, service, data)
    except ValueError as exc:
        field = str(exc)
        raise Unprocessable(
            f"{service.source.upper()} keeps this service's {field.replace('_', ' ')}: "
            "change it there, and the next import brings it here.",
            fields={field: ["This comes from the directory's source and cannot be changed here."]},
        ) from None
    record(AuditAction.SERVICE_UPDATE, details={"service_id": service.id, "changed": changed})
    return present_all([service])[0], changed


def agencies() -> list[Agency]:
    """Agencies that can receive referrals, by name (for the edit form)."""
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


def area_codes(service_id: uuid.UUID) -> list[str]:
    return list(
        db.session.scalars(select(ServiceArea.code).where(ServiceArea.service_id == service_id))
    )


def _check_links(data: dict[str, Any], service: Service | None) -> None:
    agency_id = data.get("agency_id", service.agency_id if service is not None else None)
    accepts = data.get("accepts_referrals", service.accepts_referrals if service else False)
    if agency_id is not None and db.session.get(Agency, agency_id) is None:
        raise Unprocessable(
            "There is no agency with that id.",
            fields={"agency_id": ["Choose an agency from the list."]},
        )
    if accepts and agency_id is None:
        raise Unprocessable(
            "A service takes referrals here only through an agency on this service.",
            fields={"agency_id": ["Choose the agency that receives its referrals."]},
        )
    terms = data.get("categories")
    if terms:
        found = queries.terms_by_id(db.session, terms)
        if len(found) != len(set(terms)):
            raise Unprocessable(
                "A category given does not exist.",
                fields={"categories": ["Choose categories from the list."]},
            )


def present_all(services: list[Service]) -> list[dict[str, Any]]:
    """Services in `ServiceSchema`'s shape, their links read in three statements."""
    links = queries.links(db.session, services)
    return [_present(s, links) for s in services]


def _present(service: Service, links: queries.Links) -> dict[str, Any]:
    return {
        "id": service.id,
        "name": service.name,
        "description": service.description,
        "organization": {"id": service.organization.id, "name": service.organization.name},
        "status": service.status.value,
        "categories": [
            {"code": t.code, "name": t.name, "taxonomy": t.taxonomy}
            for t in links.categories.get(service.id, [])
        ],
        "eligibility_description": service.eligibility_description,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "thresholds": service.thresholds,
        "accepts_referrals": service.accepts_referrals,
        "referral_method": service.referral_method,
        "agency_id": service.agency_id,
        "opening_hours": service.opening_hours,
        "accessibility": service.accessibility,
        "contact": {"phone": service.phone, "email": service.email, "url": service.url},
        "locations": [
            {
                "id": loc.id,
                "name": loc.name,
                "address": loc.address,
                "postal_code": loc.postal_code,
                "latitude": loc.latitude,
                "longitude": loc.longitude,
            }
            for loc in links.locations.get(service.id, [])
        ],
        "service_areas": [
            {"code": a.code, "name": a.name} for a in links.areas.get(service.id, [])
        ],
        "source": {
            "name": service.source,
            "url": service.source_url,
            "licence": service.licence,
            "attribution": service.attribution if service.source != LOCAL else None,
            "last_updated": iso(service.source_updated_at or service.updated_at),
        },
        "version": service.version,
    }
