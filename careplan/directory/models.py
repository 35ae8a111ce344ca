"""The directory's tables, after HSDS 3.0: organization, service, location,
service_at_location, taxonomy_term, attribute (a service's category) and service_area.

Imported rows keep their source's id (`source`, `source_ref`), so a second import of the
same file updates them in place; the local fields (eligibility to accessibility, and the
linked agency) are written only here, never by an import.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careplan.agencies.models import Agency
from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db

LOCAL = "local"  # `source` of a service added here, not imported


class ServiceStatus(enum.StrEnum):
    """HSDS 3.0 `service.status`."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"


class Organization(db.Model):
    __tablename__ = "directory_organization"
    __table_args__ = (UniqueConstraint("source", "source_ref"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(200))


class Service(db.Model):
    __tablename__ = "directory_service"
    __table_args__ = (
        UniqueConstraint("source", "source_ref"),
        # Searches list services by name a page at a time: read in order, not sorted.
        Index("ix_directory_service_name_id", "name", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("directory_organization.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    # Lower-cased name, description and organisation name: what a word search reads.
    search_text: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ServiceStatus] = mapped_column(
        enum_column(ServiceStatus, "service_status"), default=ServiceStatus.ACTIVE
    )
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Where the record came from, for the attribution its licence asks for.
    source: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(500))
    licence: Mapped[str | None] = mapped_column(String(300))
    attribution: Mapped[str | None] = mapped_column(Text)
    source_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    imported_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Local fields: held here because the sources have none; an import never writes them.
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    thresholds: Mapped[str | None] = mapped_column(Text)
    referral_method: Mapped[str | None] = mapped_column(Text)
    accepts_referrals: Mapped[bool] = mapped_column(Boolean, default=False)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"), index=True)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    agency: Mapped[Agency | None] = relationship()


class Location(db.Model):
    __tablename__ = "directory_location"
    __table_args__ = (UniqueConstraint("source", "source_ref"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("directory_organization.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    postal_code: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(200))


class ServiceAtLocation(db.Model):
    __tablename__ = "directory_service_at_location"

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("directory_service.id"), primary_key=True
    )
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("directory_location.id"), primary_key=True, index=True
    )


class TaxonomyTerm(db.Model):
    __tablename__ = "directory_taxonomy_term"
    __table_args__ = (UniqueConstraint("taxonomy", "code"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    taxonomy: Mapped[str] = mapped_column(String(40))  # "aliss", or the HSDS source's
    code: Mapped[str] = mapped_column(String(100))  # ALISS's slug, HSDS's code
    name: Mapped[str] = mapped_column(String(200))


class ServiceAttribute(db.Model):
    """HSDS `attribute`: a service filed under a taxonomy term (its category)."""

    __tablename__ = "directory_attribute"

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("directory_service.id"), primary_key=True
    )
    taxonomy_term_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("directory_taxonomy_term.id"), primary_key=True, index=True
    )


class ServiceArea(db.Model):
    """Where a service is offered: a council (GSS S12 code) or all of Scotland."""

    __tablename__ = "directory_service_area"

    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("directory_service.id"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
