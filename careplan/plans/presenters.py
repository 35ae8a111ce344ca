"""Plain dicts for the output schemas: what a response shows, built from the models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from careplan.core.clock import iso
from careplan.plans.catalogue import SectionType
from careplan.plans.models import (
    CareTeamMember,
    Entry,
    KeyWorkerAssignment,
    SectionVersion,
)
from careplan.plans.rows import PlanRow


class ShownSection(Protocol):
    """What a section shows: a Section row, or the read model's (careplan.plans.queries)."""

    @property
    def content(self) -> dict[str, Any] | None: ...
    @property
    def version(self) -> int: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def updated_by(self) -> Any: ...
    @property
    def by_person(self) -> bool: ...


def ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.id, "name": obj.name}


def section(kind: SectionType, row: ShownSection) -> dict[str, Any]:
    return {
        "key": kind.key,
        "title": kind.title,
        "sensitivity": kind.sensitivity.label,
        "content": row.content or {},
        "version": row.version,
        "updated_at": iso(row.updated_at),
        "updated_by": ref(row.updated_by),
        # The person wrote it themselves: staff see it as theirs, in their words.
        "by_person": row.by_person,
    }


def plan(
    plan: PlanRow, sections: dict[str, dict[str, Any]], withheld: list[str], basis: dict[str, str]
) -> dict[str, Any]:
    return {
        "id": plan.id,
        "person_id": plan.person_id,
        "lead_agency": ref(plan.lead_agency),
        "key_worker": ref(plan.key_worker),
        "key_worker_agreed": agreed(plan),
        "version": plan.version,
        "closed": {"on": plan.closed_on, "reason": plan.closed_reason} if plan.closed_on else None,
        "sections": sections,
        "withheld": withheld,
        "basis": basis,
    }


def agreed(plan: Any) -> dict[str, Any] | None:
    """The person's agreement to their key worker: {on, how}, or None while a change made
    without them waits for it (careplan.plans.continuity)."""
    if plan.agreed_on is None or plan.agreed_how is None:
        return None
    return {"on": plan.agreed_on, "how": plan.agreed_how.value}


def version(row: SectionVersion, names: dict[Any, Any]) -> dict[str, Any]:
    return {
        "version": row.version,
        "content": row.content,
        "changed_fields": row.changed_fields,
        "changed_at": iso(row.changed_at),
        "changed_by": ref(names.get(row.changed_by_id)),
    }


def entry(row: Entry, about: dict[str, Any] | None = None) -> dict[str, Any]:
    """An update; `about`: what it is about as the reader may see it
    (careplan.plans.services.linked), None for nothing in particular."""
    author = row.author
    return {
        "id": row.id,
        "section": row.section_key,
        "occurred_on": row.occurred_on,
        "text": row.text,
        "author": ref(author),
        "agency": ref(author.agency),  # None for the person themselves
        "by_person": author.is_individual,
        "created_at": iso(row.created_at),
        "entered_in_error": (
            None
            if row.error_at is None
            else {"at": iso(row.error_at), "by": ref(row.error_by), "reason": row.error_reason}
        ),
        "about": about,
    }


def key_worker(row: KeyWorkerAssignment) -> dict[str, Any]:
    return {
        "staff": ref(row.staff),
        "staff_active": row.staff.active,
        "agency": ref(row.agency),
        "agreed_on": row.agreed_on,
        "agreed_how": row.agreed_how.value if row.agreed_how is not None else None,
        "from_": iso(row.started_at),
        "to": iso(row.ended_at),
    }


def member(row: CareTeamMember, in_period: bool) -> dict[str, Any]:
    """A care team place. `in_period`: within its dates and not ended early. It is
    `current` only if its holder's account is active too; `status` says which:
    "current", "account_closed" (in period, but the account is deactivated) or "ended"."""
    staff = row.staff
    current = in_period and staff.active
    status = "current" if current else ("account_closed" if in_period else "ended")
    return {
        "id": row.id,
        "staff_id": staff.id,
        "name": staff.name,
        "agency": ref(staff.agency),
        "role": row.role,
        "from_": row.valid_from,
        "to": row.valid_to,
        "ended_at": iso(row.ended_at),
        "how": row.how.value,
        "current": current,
        "staff_active": staff.active,
        "status": status,
    }
