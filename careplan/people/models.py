"""People supported by the services. Identity only: everything else is in the plan."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from careplan.core.model_types import now_column, uuid_pk
from careplan.extensions import db


class Person(db.Model):
    __tablename__ = "person"

    id: Mapped[uuid.UUID] = uuid_pk()
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100), index=True)
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date, index=True)
    chi: Mapped[str | None] = mapped_column(String(10), unique=True)
    created_at: Mapped[datetime] = now_column()
    # use_alter: people and accounts refer to each other (an individual links to a person).
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", use_alter=True)
    )
    # Set when this record was found to be a second record of someone and joined into
    # theirs (careplan.records.merge): kept, with whatever stayed with it, never listed.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    merged_at: Mapped[datetime | None] = mapped_column(DateTime)
    merged_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", use_alter=True)
    )

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"


class DuplicateCandidate(db.Model):
    """A registration that went ahead although its details were close to an existing
    record's (the practitioner said why: the reason is in the audit record). Work for an
    IG officer or administrator: merge the two, or mark them as different people."""

    __tablename__ = "duplicate_candidate"

    id: Mapped[uuid.UUID] = uuid_pk()
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    noted_at: Mapped[datetime] = now_column()
    noted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", use_alter=True)
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", use_alter=True)
    )
    resolution: Mapped[str | None] = mapped_column(String(20))  # "merged" or "distinct"
