"""Reading directory files: ALISS API v4 service pages and HSDS 3.0 JSON, into one shape.

ALISS v4 (`/api/v4/services/`, the same shape as its search): a page
`{"meta": {"licence", "attribution": [{"text", "url"}]}, "count", "next", "data": [service]}`
where a service is `{id, name, description, url, phone, email, organisation: {id, name},
categories: [{name, slug}], service_areas: [{code, name, type}], locations: [{id, name,
formatted_address, postal_code, latitude, longitude}], aliss_url, last_updated}`. A file
may hold one page or a list of pages.

HSDS 3.0 (Open Referral's "full service" shape): `{id, name, description, url, email,
status, organization: {id, name, ...}, phones: [{number}], service_areas: [{name,
extent}], service_at_locations: [{location: {id, name, latitude, longitude, addresses:
[...]}}], attributes: [{taxonomy_term: {code, name, taxonomy}}], eligibility_description,
minimum_age, maximum_age}`. A file may hold one service, a list, or an API page
`{"contents": [...]}`.

Nothing here touches the database; `SourceError` names the record and field at fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from careplan.directory import councils
from careplan.directory.models import ServiceStatus

ALISS = "aliss"
ALISS_LICENCE = "https://creativecommons.org/licenses/by/4.0/"


class SourceError(ValueError):
    """The file is not a directory file this service reads, or a record in it is unusable;
    the message says which record (by position) and what is wrong."""


@dataclass(frozen=True)
class SourceOrganization:
    ref: str
    name: str
    description: str = ""
    url: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class SourceLocation:
    ref: str
    name: str
    address: str
    postal_code: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class SourceService:
    """One service as a source describes it; `source`: "aliss", or the HSDS publisher's
    short name; `local`: HSDS's own eligibility and ages, used only where the local
    field here is empty."""

    source: str
    ref: str
    name: str
    description: str
    status: ServiceStatus
    organization: SourceOrganization
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    categories: tuple[tuple[str, str, str], ...] = ()  # (taxonomy, code, name)
    areas: tuple[tuple[str, str], ...] = ()  # (GSS code, name)
    locations: tuple[SourceLocation, ...] = ()
    source_url: str | None = None
    licence: str | None = None
    attribution: str | None = None
    updated_at: datetime | None = None
    local: dict[str, Any] = field(default_factory=dict)


def read(
    document: Any,
    *,
    hsds_source: str = "hsds",
    licence: str | None = None,
    attribution: str | None = None,
) -> list[SourceService]:
    """Every service in a parsed JSON document, whichever of the two shapes it has.

    `hsds_source`, `licence`, `attribution`: what an HSDS file does not say about itself
    (ALISS pages carry their own). Raises SourceError for anything else, or for a record
    without an id or a name."""
    if _is_aliss_page(document):
        return list(_aliss([document]))
    if isinstance(document, list) and document and all(_is_aliss_page(p) for p in document):
        return list(_aliss(document))
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        records = document["contents"]
    elif isinstance(document, list):
        records = document
    elif isinstance(document, dict) and "name" in document and "id" in document:
        records = [document]
    else:
        raise SourceError(
            "This is neither an ALISS v4 service page nor HSDS 3.0 services "
            '(one service, a list of them, or a page with "contents").'
        )
    source = hsds_source.strip().lower()[:40] or "hsds"
    if source in (ALISS, "local"):
        raise SourceError(f'"{source}" names another source: give the HSDS file its own name.')
    return [_hsds(i, r, source, licence, attribution) for i, r in enumerate(records, 1)]


def _is_aliss_page(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("data"), list)
        and ("meta" in document)
    )


def _aliss(pages: list[dict[str, Any]]) -> Iterator[SourceService]:
    position = 0
    for page in pages:
        meta = page.get("meta") or {}
        licence = _text(meta.get("licence"), 300) or ALISS_LICENCE
        credits = [a.get("text", "") for a in meta.get("attribution") or [] if isinstance(a, dict)]
        attribution = "; ".join(["Data from ALISS (www.aliss.org)", *filter(None, credits)])
        for record in page["data"]:
            position += 1
            yield _aliss_service(position, record, licence, attribution)


def _aliss_service(position: int, r: Any, licence: str, attribution: str) -> SourceService:
    r = _record(position, r)
    org = _record(position, r.get("organisation") or r.get("organization"), "organisation")
    return SourceService(
        source=ALISS,
        ref=_ref(position, r.get("id")),
        name=_name(position, r.get("name")),
        description=_text(r.get("description"), 10_000) or "",
        status=ServiceStatus.ACTIVE,
        organization=SourceOrganization(
            ref=_ref(position, org.get("id"), "organisation id"),
            name=_name(position, org.get("name"), "organisation name"),
        ),
        url=_text(r.get("url"), 500),
        email=_text(r.get("email"), 254),
        phone=_text(r.get("phone"), 40),
        categories=tuple(
            (ALISS, _text(c.get("slug"), 100) or "", _text(c.get("name"), 200) or "")
            for c in _dicts(r.get("categories"))
            if c.get("slug") and c.get("name")
        ),
        areas=_areas(_dicts(r.get("service_areas"))),
        locations=tuple(
            SourceLocation(
                ref=_ref(position, loc.get("id"), "location id"),
                name=_text(loc.get("name"), 300) or "",
                address=_text(loc.get("formatted_address") or loc.get("street_address"), 500) or "",
                postal_code=_text(loc.get("postal_code"), 10),
                latitude=_coordinate(position, loc.get("latitude"), 90),
                longitude=_coordinate(position, loc.get("longitude"), 180),
            )
            for loc in _dicts(r.get("locations"))
        ),
        source_url=_text(r.get("aliss_url") or r.get("permalink"), 500),
        licence=licence,
        attribution=attribution,
        updated_at=_when(r.get("last_updated")),
    )


def _hsds(
    position: int, r: Any, source: str, licence: str | None, attribution: str | None
) -> SourceService:
    r = _record(position, r)
    org = _record(position, r.get("organization"), "organization")
    status_text = (_text(r.get("status"), 40) or "active").lower()
    try:
        status = ServiceStatus(status_text)
    except ValueError:
        raise SourceError(
            f"Service {position}: status must be one of "
            f"{', '.join(s.value for s in ServiceStatus)}."
        ) from None
    phones = [p.get("number") for p in _dicts(r.get("phones")) if p.get("number")]
    locations = []
    for link in _dicts(r.get("service_at_locations")):
        loc = link.get("location")
        if not isinstance(loc, dict):
            continue
        address = next(iter(_dicts(loc.get("addresses"))), {})
        lines = [address.get(k) for k in ("address_1", "address_2", "city", "postal_code")]
        locations.append(
            SourceLocation(
                ref=_ref(position, loc.get("id"), "location id"),
                name=_text(loc.get("name"), 300) or "",
                address=", ".join(str(x) for x in lines if x)[:500],
                postal_code=_text(address.get("postal_code"), 10),
                latitude=_coordinate(position, loc.get("latitude"), 90),
                longitude=_coordinate(position, loc.get("longitude"), 180),
            )
        )
    categories = []
    for attribute in _dicts(r.get("attributes")):
        term = attribute.get("taxonomy_term")
        if isinstance(term, dict) and term.get("code") and term.get("name"):
            taxonomy = term.get("taxonomy")
            taxonomy = taxonomy.get("name") if isinstance(taxonomy, dict) else taxonomy
            categories.append(
                (
                    _text(taxonomy, 40) or source,
                    _text(term["code"], 100) or "",
                    _text(term["name"], 200) or "",
                )
            )
    hsds_areas = []
    for area in _dicts(r.get("service_areas")):
        for candidate in (area.get("extent"), area.get("name")):
            if not isinstance(candidate, str):
                continue
            code = _council_code(candidate)
            if code is not None:
                hsds_areas.append({"code": code, "name": councils.name_of(code)})
                break
    local = {
        key: r[key]
        for key in ("eligibility_description", "minimum_age", "maximum_age")
        if r.get(key) not in (None, "")
    }
    return SourceService(
        source=source,
        ref=_ref(position, r.get("id")),
        name=_name(position, r.get("name")),
        description=_text(r.get("description"), 10_000) or "",
        status=status,
        organization=SourceOrganization(
            ref=_ref(position, org.get("id"), "organization id"),
            name=_name(position, org.get("name"), "organization name"),
            description=_text(org.get("description"), 10_000) or "",
            url=_text(org.get("website") or org.get("url"), 500),
            email=_text(org.get("email"), 254),
        ),
        url=_text(r.get("url"), 500),
        email=_text(r.get("email"), 254),
        phone=_text(phones[0], 40) if phones else None,
        categories=tuple(categories),
        areas=_areas(hsds_areas),
        locations=tuple(locations),
        source_url=_text(r.get("url"), 500),
        licence=licence,
        attribution=attribution,
        updated_at=_when(r.get("last_modified") or r.get("assured_date")),
        local=local,
    )


def _council_code(text: str) -> str | None:
    text = text.strip()
    if councils.name_of(text) is not None:
        return text
    lowered = text.lower()
    if lowered == "scotland":
        return councils.SCOTLAND
    for council in councils.councils():
        if council.name.lower() == lowered:
            return council.code
    return None


def _areas(areas: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    """Council areas (S12) and the country (S92000003) a source names; others left out."""
    found: dict[str, str] = {}
    for area in areas:
        code = _text(area.get("code"), 20)
        if code is None:
            continue
        name = councils.name_of(code)
        if name is not None:
            found[code] = name
    return tuple(sorted(found.items()))


def _record(position: int, value: Any, what: str = "service") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourceError(f"Service {position}: its {what} is missing or not an object.")
    return value


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _ref(position: int, value: Any, what: str = "id") -> str:
    text = _text(value, 200)
    if not text:
        raise SourceError(f"Service {position}: it has no {what}.")
    return text


def _name(position: int, value: Any, what: str = "name") -> str:
    text = _text(value, 300)
    if not text:
        raise SourceError(f"Service {position}: it has no {what}.")
    return text


def _text(value: Any, limit: int) -> str | None:
    """A source's text, stripped, with control characters removed, cut to `limit`."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = "".join(ch for ch in str(value) if ch in "\n\t" or ch.isprintable()).strip()
    return text[:limit] or None


def _coordinate(position: int, value: Any, bound: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SourceError(
            f"Service {position}: a location's coordinates are not numbers."
        ) from None
    if not -bound <= number <= bound:
        raise SourceError(f"Service {position}: a location's coordinates are out of range.")
    return number


def _when(value: Any) -> datetime | None:
    """An ISO 8601 time as naive UTC (how the service stores times), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
