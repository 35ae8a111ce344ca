"""Data keys: one per record family at a time, stored only wrapped by a KEK."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from careplan.core.model_types import now_column, uuid_pk
from careplan.extensions import db


class DataKey(db.Model):
    __tablename__ = "data_key"
    __table_args__ = (Index("ix_data_key_family", "family", "active"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    family: Mapped[str] = mapped_column(String(50))
    kek_name: Mapped[str] = mapped_column(String(50))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = now_column()
