"""Column helpers shared by every domain's models."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, Enum, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from careplan.core import clock


def uuid_pk() -> Mapped[uuid.UUID]:
    # Opaque ids: nobody can count people or guess the next record.
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def now_column() -> Mapped[datetime]:
    return mapped_column(DateTime, nullable=False, default=clock.now)


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store the enum's value (not its name) with a check constraint on both databases."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )
