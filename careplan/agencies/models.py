"""Agencies: the NHS teams, council services and charities that support people."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from careplan.core.model_types import enum_column, now_column, uuid_pk
from careplan.extensions import db


class Sector(enum.StrEnum):
    STATUTORY = "statutory"
    THIRD_SECTOR = "third_sector"


class AgencyKind(enum.StrEnum):
    NHS = "nhs"
    HOUSING = "housing"
    SOCIAL_WORK = "social_work"
    JUSTICE_SOCIAL_WORK = "justice_social_work"
    POLICE = "police"
    CHARITY = "charity"
    OTHER = "other"


class Agency(db.Model):
    __tablename__ = "agency"

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[Sector] = mapped_column(enum_column(Sector, "sector"))
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind, "agency_kind"))
    created_at: Mapped[datetime] = now_column()
