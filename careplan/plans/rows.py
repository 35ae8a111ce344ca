"""A person and their plan as plain values: what read-only views read, with no ORM
objects behind them (the plan view is the busiest request). `consent.facts` loads them
with the access context in one query; presenters take them as they take ORM rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Ref:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class Reach:
    """How colleagues reach a member of staff (issue 17): each may be None but `email`,
    which falls back to their sign-in address."""

    phone: str | None
    email: str
    pattern: str | None


@dataclass(frozen=True)
class PersonRow:
    """A person as a read-only view reads them: who they are, as plain values."""

    id: uuid.UUID
    created_by_id: uuid.UUID | None
    given_name: str
    family_name: str
    preferred_name: str | None
    date_of_birth: date
    chi: str | None

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"


@dataclass(frozen=True)
class PlanRow:
    """A plan as the plan view reads it: plain values with its lead agency and key worker."""

    id: uuid.UUID
    person_id: uuid.UUID
    lead_agency_id: uuid.UUID
    key_worker_id: uuid.UUID
    version: int
    agreed_on: date
    agreed_how: Any
    closed_on: date | None
    closed_reason: str | None
    lead_agency: Ref
    key_worker: Ref
    # Read with the plan in the same statement, for the plan page's summary (issue 17).
    key_worker_reach: Reach | None = None
    next_review_on: date | None = None
