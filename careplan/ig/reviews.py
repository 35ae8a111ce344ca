"""IG review of break-glass and claimed relationships: pending, then reviewed once."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.core import clock
from careplan.core.clock import iso
from careplan.core.errors import Conflict, NotFound
from careplan.plans.models import CareTeamMember, MembershipHow, Plan
from consent.models import BreakGlass

KINDS = {"break-glass": BreakGlass, "claims": CareTeamMember}


def pending(session: Session, kind: str, status: str) -> list[dict[str, Any]]:
    model = KINDS[kind]
    query = select(model)
    if model is CareTeamMember:
        query = query.where(CareTeamMember.how == MembershipHow.CLAIMED)
    if status == "pending":
        query = query.where(model.review_status == "pending")
    elif status == "reviewed":
        query = query.where(model.review_status == "reviewed")
    rows = list(session.scalars(query.limit(500)))
    return [present(session, kind, row) for row in rows]


def present(session: Session, kind: str, row: Any) -> dict[str, Any]:
    if kind == "break-glass":
        actor = session.get(User, row.user_id)
        return {
            "id": row.id,
            "kind": "break_glass",
            "person_id": row.person_id,
            "actor": actor.name,
            "agency": actor.agency.name if actor.agency else None,
            "reason": row.reason.value,
            "justification": row.justification,
            "at": iso(row.invoked_at),
            "expires_at": iso(row.expires_at),
            **_review(row),
        }
    plan = session.get(Plan, row.plan_id)
    staff = row.staff
    return {
        "id": row.id,
        "kind": "claim",
        "person_id": plan.person_id,
        "actor": staff.name,
        "agency": staff.agency.name if staff.agency else None,
        "reason": None,
        "justification": row.reason,
        "at": iso(row.added_at),
        "expires_at": None,
        **_review(row),
    }


def _review(row: Any) -> dict[str, Any]:
    return {
        "review_status": row.review_status,
        "review_outcome": row.review_outcome,
        "review_note": row.review_note,
        "reviewed_at": iso(row.reviewed_at),
    }


def review(session: Session, kind: str, item_id: uuid.UUID, data: dict[str, Any], by: User) -> Any:
    row = session.get(KINDS[kind], item_id)
    if row is None or (kind == "claims" and row.how is not MembershipHow.CLAIMED):
        raise NotFound("Nothing to review with that id.")
    if row.review_status != "pending":
        raise Conflict("This has already been reviewed.")
    row.review_status = "reviewed"
    row.review_outcome = data["outcome"]
    row.review_note = data["note"].strip()
    row.reviewed_by_id = by.id
    row.reviewed_at = clock.now()
    session.flush()
    return row
