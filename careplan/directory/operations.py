"""Writing the directory (flush only; the unit of work commits): imports, and local edits.

An import is idempotent: a service, organisation or location is matched by its source and
the source's id, updated in place, and its categories, areas and locations become the
file's. The local fields (`LOCAL_FIELDS`) are never written by an import, except that
an HSDS file's own eligibility and ages fill a local field that is still empty here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from careplan.core import clock
from careplan.directory.councils import name_of
from careplan.directory.models import (
    LOCAL,
    Location,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    ServiceStatus,
    TaxonomyTerm,
)
from careplan.directory.sources import SourceOrganization, SourceService

# What the sources do not hold, kept here (issue 19): an import leaves them alone.
LOCAL_FIELDS = (
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "thresholds",
    "referral_method",
    "accepts_referrals",
    "agency_id",
    "opening_hours",
    "accessibility",
)
# What a local service (added here) also has, and an imported one takes from its source.
DESCRIPTIVE_FIELDS = ("name", "description", "status", "url", "email", "phone")


@dataclass
class ImportCounts:
    """What one import did: services added, changed and already as the file says."""

    services_added: int = 0
    services_updated: int = 0
    services_unchanged: int = 0
    organizations: int = 0
    locations: int = 0


def import_services(session: Session, services: list[SourceService]) -> ImportCounts:
    """Add or update every service of a file (see the module's rules). Raises ValueError
    if the file names one service twice."""
    refs = [(s.source, s.ref) for s in services]
    if len(set(refs)) != len(refs):
        twice = next(r for r in refs if refs.count(r) > 1)
        raise ValueError(f'The file lists service "{twice[1]}" more than once.')
    counts = ImportCounts()
    organizations: dict[tuple[str, str], Organization] = {}
    terms: dict[tuple[str, str], TaxonomyTerm] = {}
    now = clock.now()
    for source in services:
        org = _organization(session, source.source, source.organization, organizations)
        service = session.scalars(
            select(Service).where(Service.source == source.source, Service.source_ref == source.ref)
        ).one_or_none()
        before = _snapshot(session, service) if service is not None else None
        if service is None:
            service = Service(source=source.source, source_ref=source.ref, version=1)
            session.add(service)
            counts.services_added += 1
        service.organization = org
        service.name = source.name
        service.description = source.description
        service.status = source.status
        service.url, service.email, service.phone = source.url, source.email, source.phone
        service.source_url, service.licence = source.source_url, source.licence
        service.attribution, service.source_updated_at = source.attribution, source.updated_at
        service.imported_at = now
        for key, value in source.local.items():
            if getattr(service, key) is None:
                setattr(service, key, value)
        session.flush()
        _replace_links(session, service, source, org, terms)
        counts.locations += len(source.locations)
        service.search_text = search_text(service, org.name, [t[2] for t in source.categories])
        session.flush()
        if before is not None:
            if _snapshot(session, service) == before:
                counts.services_unchanged += 1
            else:
                counts.services_updated += 1
                service.version += 1
                service.updated_at = now
    counts.organizations = len(organizations)
    session.flush()
    return counts


def _organization(
    session: Session,
    source: str,
    given: SourceOrganization,
    seen: dict[tuple[str, str], Organization],
) -> Organization:
    key = (source, given.ref)
    if key in seen:
        return seen[key]
    org = session.scalars(
        select(Organization).where(
            Organization.source == source, Organization.source_ref == given.ref
        )
    ).one_or_none()
    if org is None:
        org = Organization(source=source, source_ref=given.ref)
        session.add(org)
    org.name, org.description = given.name, given.description
    org.url, org.email = given.url, given.email
    seen[key] = org
    session.flush()
    return org


def _replace_links(
    session: Session,
    service: Service,
    source: SourceService,
    org: Organization,
    terms: dict[tuple[str, str], TaxonomyTerm],
) -> None:
    session.execute(delete(ServiceAttribute).where(ServiceAttribute.service_id == service.id))
    session.execute(delete(ServiceArea).where(ServiceArea.service_id == service.id))
    session.execute(delete(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id))
    term_ids = set()
    for taxonomy, code, name in source.categories:
        term = _term(session, taxonomy, code, name, terms)
        term_ids.add(term.id)
    session.add_all(ServiceAttribute(service_id=service.id, taxonomy_term_id=t) for t in term_ids)
    session.add_all(ServiceArea(service_id=service.id, code=c, name=n) for c, n in source.areas)
    location_ids = set()
    for given in source.locations:
        location = session.scalars(
            select(Location).where(
                Location.source == source.source, Location.source_ref == given.ref
            )
        ).one_or_none()
        if location is None:
            location = Location(source=source.source, source_ref=given.ref)
            session.add(location)
        location.organization_id = org.id
        location.name, location.address = given.name, given.address
        location.postal_code = given.postal_code
        location.latitude, location.longitude = given.latitude, given.longitude
        session.flush()
        location_ids.add(location.id)
    session.add_all(ServiceAtLocation(service_id=service.id, location_id=i) for i in location_ids)


def _term(
    session: Session,
    taxonomy: str,
    code: str,
    name: str,
    seen: dict[tuple[str, str], TaxonomyTerm],
) -> TaxonomyTerm:
    key = (taxonomy, code)
    term = (
        seen.get(key)
        or session.scalars(
            select(TaxonomyTerm).where(TaxonomyTerm.taxonomy == taxonomy, TaxonomyTerm.code == code)
        ).one_or_none()
    )
    if term is None:
        term = TaxonomyTerm(taxonomy=taxonomy, code=code, name=name)
        session.add(term)
        session.flush()
    term.name = name
    seen[key] = term
    return term


def _snapshot(session: Session, service: Service) -> tuple[Any, ...]:
    """What an import can change about a service, to tell "updated" from "unchanged"."""
    links = (
        sorted(
            str(t)
            for t in session.scalars(
                select(ServiceAttribute.taxonomy_term_id).where(
                    ServiceAttribute.service_id == service.id
                )
            )
        ),
        sorted(
            session.scalars(select(ServiceArea.code).where(ServiceArea.service_id == service.id))
        ),
        sorted(
            str(i)
            for i in session.scalars(
                select(ServiceAtLocation.location_id).where(
                    ServiceAtLocation.service_id == service.id
                )
            )
        ),
    )
    own = tuple(
        getattr(service, f)
        for f in (*DESCRIPTIVE_FIELDS, "organization_id", "source_url", "licence", "attribution")
    )
    return own + tuple(tuple(x) for x in links)


def search_text(service: Service, organization_name: str, category_names: list[str]) -> str:
    """What a word search reads: name, organisation, categories and description, lower."""
    parts = [service.name, organization_name, *category_names, service.description or ""]
    return " ".join(parts).lower()


def create_local(session: Session, data: dict[str, Any]) -> Service:
    """A service added here (`source` "local"): `data` from `ServiceWriteSchema`."""
    org = _local_organization(session, data.pop("organization_name"))
    service = Service(
        source=LOCAL,
        source_ref=str(uuid.uuid4()),
        organization=org,
        version=1,
        status=ServiceStatus.ACTIVE,
    )
    session.add(service)
    _apply(session, service, data, descriptive=True)
    return service


def update(session: Session, service: Service, data: dict[str, Any]) -> list[str]:
    """Change a service: any field of a local one, only the local fields of an imported
    one (its source keeps the rest). Returns the names of the fields changed (empty:
    nothing changed, and the version stays). Raises ValueError naming a field that is the
    source's to change."""
    descriptive = service.source == LOCAL
    if not descriptive:
        theirs = sorted(
            k
            for k in data
            if k in (*DESCRIPTIVE_FIELDS, "organization_name", "categories", "service_areas")
        )
        if theirs:
            raise ValueError(theirs[0])
    org_name = data.pop("organization_name", None)
    if org_name is not None and org_name != service.organization.name:
        service.organization = _local_organization(session, org_name)
    changed = _apply(session, service, data, descriptive=descriptive)
    if org_name is not None and org_name != service.organization.name:
        changed.append("organization_name")
    if changed:
        service.version += 1
        service.updated_at = clock.now()
    return changed


def _apply(
    session: Session, service: Service, data: dict[str, Any], *, descriptive: bool
) -> list[str]:
    changed = []
    allowed = LOCAL_FIELDS + (DESCRIPTIVE_FIELDS if descriptive else ())
    for key in allowed:
        if key in data and getattr(service, key) != data[key]:
            setattr(service, key, data[key])
            changed.append(key)
    session.flush()
    if descriptive and "categories" in data:
        changed += _local_categories(session, service, data["categories"])
    if descriptive and "service_areas" in data:
        changed += _local_areas(session, service, data["service_areas"])
    names = [
        t.name
        for t in session.scalars(
            select(TaxonomyTerm)
            .join(ServiceAttribute, ServiceAttribute.taxonomy_term_id == TaxonomyTerm.id)
            .where(ServiceAttribute.service_id == service.id)
        )
    ]
    service.search_text = search_text(service, service.organization.name, names)
    session.flush()
    return changed


def _local_organization(session: Session, name: str) -> Organization:
    org = session.scalars(
        select(Organization).where(Organization.source == LOCAL, Organization.name == name)
    ).first()
    if org is None:
        org = Organization(source=LOCAL, source_ref=str(uuid.uuid4()), name=name)
        session.add(org)
        session.flush()
    return org


def _local_categories(session: Session, service: Service, term_ids: list[uuid.UUID]) -> list[str]:
    held = set(
        session.scalars(
            select(ServiceAttribute.taxonomy_term_id).where(
                ServiceAttribute.service_id == service.id
            )
        )
    )
    if held == set(term_ids):
        return []
    session.execute(delete(ServiceAttribute).where(ServiceAttribute.service_id == service.id))
    session.add_all(
        ServiceAttribute(service_id=service.id, taxonomy_term_id=t) for t in set(term_ids)
    )
    session.flush()
    return ["categories"]


def _local_areas(session: Session, service: Service, codes: list[str]) -> list[str]:
    held = set(
        session.scalars(select(ServiceArea.code).where(ServiceArea.service_id == service.id))
    )
    if held == set(codes):
        return []
    session.execute(delete(ServiceArea).where(ServiceArea.service_id == service.id))
    session.add_all(
        ServiceArea(service_id=service.id, code=c, name=name_of(c) or c) for c in set(codes)
    )
    session.flush()
    return ["service_areas"]
