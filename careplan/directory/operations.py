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
from careplan.directory.sources import SourceLocation, SourceOrganization, SourceService

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
    """Add or update every service of a file (see the module's rules). What is already
    held for the file's sources is read once, up front (a national file holds 10,000
    services or more), and links are rewritten only for services whose links changed.
    Raises ValueError if the file names one service twice."""
    refs = [(s.source, s.ref) for s in services]
    if len(set(refs)) != len(refs):
        twice = next(r for r in refs if refs.count(r) > 1)
        raise ValueError(f'The file lists service "{twice[1]}" more than once.')
    held = _Held.read(session, {s.source for s in services})
    counts = ImportCounts()
    now = clock.now()
    # Rows other rows point at are written first (the tables have no ORM relationships
    # to order them by): organisations and categories, then locations, then services.
    for source in services:
        held.organization(session, source.source, source.organization)
        for taxonomy, code, name in source.categories:
            held.term(session, taxonomy, code, name)
    session.flush()
    for source in services:
        org = held.organizations[(source.source, source.organization.ref)]
        for loc in source.locations:
            held.location(session, source.source, org, loc)
    session.flush()
    rewrites: list[tuple[uuid.UUID, Links, dict[str, str], bool]] = []
    for source in services:
        org = held.organizations[(source.source, source.organization.ref)]
        service = held.services.get((source.source, source.ref))
        links = (
            frozenset(held.terms[(t, c)].id for t, c, _ in source.categories),
            frozenset(code for code, _ in source.areas),
            frozenset(held.locations[(source.source, loc.ref)].id for loc in source.locations),
        )
        before = None
        if service is None:
            service = Service(
                id=uuid.uuid4(), source=source.source, source_ref=source.ref, version=1
            )
            session.add(service)
            counts.services_added += 1
        else:
            before = (_own(service), held.links.get(service.id))
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
        service.search_text = search_text(service, org.name, [t[2] for t in source.categories])
        counts.locations += len(source.locations)
        if before is not None and before == (_own(service), links):
            counts.services_unchanged += 1
            continue
        if before is not None:
            counts.services_updated += 1
            service.version += 1
            service.updated_at = now
        if before is None or before[1] != links:
            rewrites.append((service.id, links, dict(source.areas), before is None))
    session.flush()
    for service_id, links, area_names, fresh in rewrites:
        _write_links(session, service_id, links, area_names, fresh=fresh)
    counts.organizations = len({(s.source, s.organization.ref) for s in services})
    session.flush()
    return counts


def _own(service: Service) -> tuple[Any, ...]:
    """What an import can change in a service's own row, to tell "updated" from
    "unchanged"."""
    fields = (*DESCRIPTIVE_FIELDS, "organization_id", "source_url", "licence", "attribution")
    return tuple(getattr(service, f) for f in fields)


Links = tuple[frozenset[uuid.UUID], frozenset[str], frozenset[uuid.UUID]]


def _write_links(
    session: Session,
    service_id: uuid.UUID,
    links: Links,
    area_names: dict[str, str],
    *,
    fresh: bool,
) -> None:
    if not fresh:
        for table in (ServiceAttribute, ServiceArea, ServiceAtLocation):
            session.execute(delete(table).where(table.service_id == service_id))
    terms, areas, locations = links
    session.add_all(ServiceAttribute(service_id=service_id, taxonomy_term_id=t) for t in terms)
    session.add_all(ServiceArea(service_id=service_id, code=c, name=area_names[c]) for c in areas)
    session.add_all(ServiceAtLocation(service_id=service_id, location_id=i) for i in locations)


@dataclass
class _Held:
    """What the directory already holds for the sources of one file, read in a fixed
    number of statements; new rows are added to it as the import makes them."""

    services: dict[tuple[str, str], Service]
    organizations: dict[tuple[str, str], Organization]
    locations: dict[tuple[str, str], Location]
    terms: dict[tuple[str, str], TaxonomyTerm]
    links: dict[uuid.UUID, Links]

    @classmethod
    def read(cls, session: Session, sources: set[str]) -> _Held:
        services = {
            (s.source, s.source_ref): s
            for s in session.scalars(select(Service).where(Service.source.in_(sources))).unique()
        }
        orgs = {
            (o.source, o.source_ref): o
            for o in session.scalars(select(Organization).where(Organization.source.in_(sources)))
        }
        locations = {
            (loc.source, loc.source_ref): loc
            for loc in session.scalars(select(Location).where(Location.source.in_(sources)))
        }
        terms = {(t.taxonomy, t.code): t for t in session.scalars(select(TaxonomyTerm))}
        ids = [s.id for s in services.values()]
        found: dict[uuid.UUID, tuple[set[Any], set[Any], set[Any]]] = {
            i: (set(), set(), set()) for i in ids
        }
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for sid, term in session.execute(
                select(ServiceAttribute.service_id, ServiceAttribute.taxonomy_term_id).where(
                    ServiceAttribute.service_id.in_(chunk)
                )
            ):
                found[sid][0].add(term)
            for sid, code in session.execute(
                select(ServiceArea.service_id, ServiceArea.code).where(
                    ServiceArea.service_id.in_(chunk)
                )
            ):
                found[sid][1].add(code)
            for sid, loc in session.execute(
                select(ServiceAtLocation.service_id, ServiceAtLocation.location_id).where(
                    ServiceAtLocation.service_id.in_(chunk)
                )
            ):
                found[sid][2].add(loc)
        links = {i: (frozenset(a), frozenset(b), frozenset(c)) for i, (a, b, c) in found.items()}
        return cls(services, orgs, locations, terms, links)

    def organization(
        self, session: Session, source: str, given: SourceOrganization
    ) -> Organization:
        org = self.organizations.get((source, given.ref))
        if org is None:
            org = Organization(id=uuid.uuid4(), source=source, source_ref=given.ref)
            session.add(org)
            self.organizations[(source, given.ref)] = org
        org.name, org.description = given.name, given.description
        org.url, org.email = given.url, given.email
        return org

    def term(self, session: Session, taxonomy: str, code: str, name: str) -> TaxonomyTerm:
        term = self.terms.get((taxonomy, code))
        if term is None:
            term = TaxonomyTerm(id=uuid.uuid4(), taxonomy=taxonomy, code=code, name=name)
            session.add(term)
            self.terms[(taxonomy, code)] = term
        term.name = name
        return term

    def location(
        self, session: Session, source: str, org: Organization, given: SourceLocation
    ) -> Location:
        location = self.locations.get((source, given.ref))
        if location is None:
            location = Location(id=uuid.uuid4(), source=source, source_ref=given.ref)
            session.add(location)
            self.locations[(source, given.ref)] = location
        location.organization_id = org.id
        location.name, location.address = given.name, given.address
        location.postal_code = given.postal_code
        location.latitude, location.longitude = given.latitude, given.longitude
        return location


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
