"""Possible duplicate records as IG and administrator work: list, merge, or mark as two
people; each step checked by the policy (JOB_PERSON_MERGE) and recorded. IG officers and
administrators see the two records' identities, never plan content (BRIEF.md)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import forget, require_job
from careplan.access.subject import Role
from careplan.core.clock import iso
from careplan.core.errors import NotFound
from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Plan
from careplan.records import merge


def _record_of(person: Person, plans: dict[uuid.UUID, Plan]) -> dict[str, Any]:
    plan = plans.get(person.id)
    return {
        "id": person.id,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "preferred_name": person.preferred_name,
        "date_of_birth": person.date_of_birth,
        "chi": person.chi,
        "has_plan": plan is not None,
        "plan_closed": plan is not None and plan.closed_on is not None,
    }


def waiting(candidate_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """The possible duplicates waiting for a decision (or only `candidate_id`), each
    pair's identities; every person shown is recorded as viewed (their access log shows
    it). NotFound if `candidate_id` names no pair waiting."""
    require_job(Permission.JOB_PERSON_MERGE, AuditAction.PERSON_VIEW)
    pairs = merge.waiting(db.session, candidate_id)
    if candidate_id is not None and not pairs:
        raise NotFound("No such possible duplicate waiting for a decision.")
    ids = {p.id for _, a, b in pairs for p in (a, b)}
    plans = (
        {p.person_id: p for p in db.session.scalars(select(Plan).where(Plan.person_id.in_(ids)))}
        if ids
        else {}
    )
    role = Role.ADMIN if g.user.has_role(Role.ADMIN) else Role.IG_OFFICER
    if not ids:  # an empty list is still a look, on record
        record(AuditAction.PERSON_VIEW, details={"view": "possible_duplicates", "shown": 0})
    for person_id in sorted(ids, key=str):
        record(
            AuditAction.PERSON_VIEW,
            person_id=person_id,
            basis={"identity": f"role:{role.value}"},
            details={"view": "possible_duplicates"},
        )
    return [
        {
            "id": row.id,
            "noted_at": iso(row.noted_at),
            "registered": _record_of(registered, plans),
            "existing": _record_of(existing, plans),
        }
        for row, registered, existing in pairs
    ]


def merge_records(load: Any) -> dict[str, Any]:
    """Merge `duplicate_id` into `survivor_id` (`load()` -> merge_schema's fields), with
    the reason sealed in both records' audit entries. Errors: careplan.records.merge."""
    require_job(Permission.JOB_PERSON_MERGE, AuditAction.PERSON_MERGE)
    data = load()
    survivor, duplicate, done = merge.merge(
        db.session, data["survivor_id"], data["duplicate_id"], g.user
    )
    details = {"survivor_id": survivor.id, "duplicate_id": duplicate.id, **done.details()}
    for person_id in (survivor.id, duplicate.id):
        record(
            AuditAction.PERSON_MERGE,
            person_id=person_id,
            justification=data["reason"],
            details=details,
        )
        forget(person_id)
    return {"survivor_id": survivor.id, "duplicate_id": duplicate.id, **done.details()}


def mark_distinct(candidate_id: uuid.UUID, load: Any) -> None:
    """Record that a noted pair are two people (`load()` -> {"reason"})."""
    require_job(Permission.JOB_PERSON_MERGE, AuditAction.PERSON_DISTINCT)
    reason = load()["reason"]
    row = merge.mark_distinct(db.session, candidate_id, g.user)
    for person_id in (row.person_id, row.candidate_id):
        record(
            AuditAction.PERSON_DISTINCT,
            person_id=person_id,
            justification=reason,
            details={"candidate": row.id},
        )
