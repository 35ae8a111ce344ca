"""Reading the directory: search by words, category, council area and whether a service
takes referrals through this platform; one service; the located services as GeoJSON."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careplan.directory import councils
from careplan.directory.models import (
    Location,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    ServiceStatus,
    TaxonomyTerm,
)

GEOJSON = "application/geo+json"  # RFC 7946's media type
MAP_LIMIT = 10_000  # features in one GeoJSON download

# Shown in searches: a defunct service is kept (a referral may name it) but not offered.
LISTED = (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED, ServiceStatus.INACTIVE)


@dataclass(frozen=True)
class Filters:
    """A search: `words` all found in a service's name, organisation, categories or
    description (any case); `category`: a taxonomy term's code; `area`: a council's GSS
    code (services for that council or for all of Scotland); `accepts_referrals`."""

    words: tuple[str, ...] = ()
    category: str | None = None
    area: str | None = None
    accepts_referrals: bool | None = None


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _where(filters: Filters) -> list[Any]:
    clauses: list[Any] = [Service.status.in_(LISTED)]
    for word in filters.words:
        clauses.append(Service.search_text.like(_like(word), escape="\\"))
    # Uncorrelated IN subqueries: each is answered once from its index, not per service.
    if filters.category:
        clauses.append(
            Service.id.in_(
                select(ServiceAttribute.service_id)
                .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
                .where(TaxonomyTerm.code == filters.category)
            )
        )
    if filters.area:
        clauses.append(
            Service.id.in_(
                select(ServiceArea.service_id).where(
                    ServiceArea.code.in_([filters.area, councils.SCOTLAND])
                )
            )
        )
    if filters.accepts_referrals is not None:
        clauses.append(Service.accepts_referrals.is_(filters.accepts_referrals))
    return clauses


def search(
    session: Session, filters: Filters, *, limit: int, offset: int
) -> tuple[list[Service], int]:
    """One page of services by name, and how many match in all."""
    where = _where(filters)
    total = session.scalar(select(func.count()).select_from(Service).where(*where)) or 0
    rows = session.scalars(
        select(Service).where(*where).order_by(Service.name, Service.id).limit(limit).offset(offset)
    )
    return list(rows.unique()), total


def one(session: Session, service_id: uuid.UUID) -> Service | None:
    return session.get(Service, service_id)


@dataclass(frozen=True)
class Links:
    """A page of services' categories, areas and locations, by service id, as plain rows
    (attribute access like the models': `code`, `name`, `taxonomy`; `code`, `name`; `id`,
    `name`, `address`, `postal_code`, `latitude`, `longitude`)."""

    categories: dict[uuid.UUID, list[Any]]
    areas: dict[uuid.UUID, list[Any]]
    locations: dict[uuid.UUID, list[Any]]


def links(session: Session, services: Sequence[Service]) -> Links:
    """Three statements for any number of services (no query per service)."""
    ids = [s.id for s in services]
    categories: dict[uuid.UUID, list[Any]] = defaultdict(list)
    areas: dict[uuid.UUID, list[Any]] = defaultdict(list)
    locations: dict[uuid.UUID, list[Any]] = defaultdict(list)
    if ids:
        term, area, loc = TaxonomyTerm, ServiceArea, Location
        for row in session.execute(
            select(ServiceAttribute.service_id, term.code, term.name, term.taxonomy)
            .join(term, term.id == ServiceAttribute.taxonomy_term_id)
            .where(ServiceAttribute.service_id.in_(ids))
            .order_by(term.name)
        ):
            categories[row.service_id].append(row)
        for row in session.execute(
            select(area.service_id, area.code, area.name)
            .where(area.service_id.in_(ids))
            .order_by(area.name)
        ):
            areas[row.service_id].append(row)
        for row in session.execute(
            select(
                ServiceAtLocation.service_id,
                loc.id,
                loc.name,
                loc.address,
                loc.postal_code,
                loc.latitude,
                loc.longitude,
            )
            .join(loc, loc.id == ServiceAtLocation.location_id)
            .where(ServiceAtLocation.service_id.in_(ids))
            .order_by(loc.name)
        ):
            locations[row.service_id].append(row)
    return Links(categories, areas, locations)


def categories(session: Session) -> list[TaxonomyTerm]:
    """Every category some listed service is filed under, by name (for the search form)."""
    used = (
        select(ServiceAttribute.taxonomy_term_id)
        .join(Service, Service.id == ServiceAttribute.service_id)
        .where(Service.status.in_(LISTED))
    )
    return list(
        session.scalars(
            select(TaxonomyTerm).where(TaxonomyTerm.id.in_(used)).order_by(TaxonomyTerm.name)
        )
    )


def terms_by_id(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaxonomyTerm]:
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.id.in_(ids)))}


def geojson(session: Session, filters: Filters, *, limit: int) -> dict[str, Any]:
    """The located services matching `filters` as a GeoJSON FeatureCollection (RFC 7946:
    coordinates are [longitude, latitude], WGS 84), one Feature per service and location,
    at most `limit` features."""
    where = _where(filters)
    rows = session.execute(
        select(Service, Location)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(*where, Location.latitude.is_not(None), Location.longitude.is_not(None))
        .order_by(Service.name, Service.id, Location.name)
        .limit(limit)
    ).unique()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [loc.longitude, loc.latitude]},
            "properties": {
                "service_id": str(service.id),
                "name": service.name,
                "organization": service.organization.name,
                "location": loc.name,
                "address": loc.address,
                "accepts_referrals": service.accepts_referrals,
                "source": service.source,
                "licence": service.licence,
                "attribution": service.attribution,
            },
        }
        for service, loc in rows
    ]
    return {"type": "FeatureCollection", "features": features}
