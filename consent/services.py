"""Consent, refusal, withdrawal, claims and break-glass, shared by the API and the pages."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from flask import current_app, g
from sqlalchemy import select

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.decision import DENIAL_MESSAGES, DenialKind
from careplan.access.permissions import Permission
from careplan.access.pipeline import context_for, person_by_exact_id, section_views
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core.clock import iso
from careplan.core.errors import Forbidden, NotFound
from careplan.extensions import db
from careplan.plans.access import PlanAccess, catalogue_keys, plan_access
from careplan.plans.models import CareTeamMember, Plan
from consent import notices, operations, presenters
from consent.models import Consent, ConsentEffect


def names(rows: list[Consent]) -> dict[Any, Any]:
    """The people and agencies the consent records name, by id."""
    user_ids = {r.recorded_by_id for r in rows} | {r.withdrawn_by_id for r in rows}
    agency_ids = {r.grantee_agency_id for r in rows}
    user_ids.discard(None)
    agency_ids.discard(None)
    found: dict[Any, Any] = {}
    if user_ids:
        found.update(
            {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        )
    if agency_ids:
        found.update(
            {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(agency_ids)))}
        )
    return found


def list_consents(person_id: uuid.UUID) -> list[dict[str, Any]]:
    access = plan_access(person_id, Permission.PERSON_CONSENTS_VIEW, AuditAction.CONSENT_VIEW)
    rows = operations.consents(db.session, person_id)
    record(
        AuditAction.CONSENT_VIEW, person_id=person_id, basis={"plan": access.decision.basis_text}
    )
    found = names(rows)
    return [presenters.consent(r, found) for r in rows]


def record_consent(person_id: uuid.UUID, load: Any) -> Consent:
    """A consent or refusal recorded with the person. On a closed plan only a refusal may
    be recorded (it narrows access; a new permission would open a plan that is closed):
    Forbidden `closed` (recorded) otherwise."""
    access = plan_access(person_id, Permission.PERSON_CONSENT_RECORD, AuditAction.CONSENT_CREATE)
    data = load()
    if access.plan.closed_on is not None and data["effect"] == ConsentEffect.PERMIT:
        _refuse_closed(AuditAction.CONSENT_CREATE, person_id)
    row = operations.record_consent(db.session, person_id, data, g.user, catalogue_keys())
    record(
        AuditAction.CONSENT_CREATE,
        person_id=person_id,
        sections=row.sections or ["all"],
        basis={"plan": access.decision.basis_text},
        details={"consent_id": row.id, "effect": row.effect.value},
    )
    return row


def withdrawal_access(person_id: uuid.UUID) -> PlanAccess:
    return plan_access(person_id, Permission.PERSON_CONSENT_RECORD, AuditAction.CONSENT_WITHDRAW)


def withdraw(access: PlanAccess, row: Consent, reason: str | None) -> Consent:
    row = operations.withdraw(db.session, row, g.user, reason)
    notices.consent_withdrawn(db.session, row, g.user)
    record(
        AuditAction.CONSENT_WITHDRAW,
        person_id=access.plan.person_id,
        basis={"plan": access.decision.basis_text},
        details={"consent_id": row.id},
    )
    return row


def _refuse_closed(audit_action: AuditAction, person_id: uuid.UUID) -> NoReturn:
    record(audit_action, Outcome.DENY, person_id=person_id, reason=DenialKind.CLOSED.value)
    raise Forbidden(DENIAL_MESSAGES[DenialKind.CLOSED], reason=DenialKind.CLOSED.value)


def claim(person_id: uuid.UUID, load: Any) -> CareTeamMember:
    """Join the care team on the practitioner's own word (IG reviews every claim), by the
    id of their own recent exact lookup. Forbidden `closed` on a closed plan: joining
    would add to a plan that is read only."""
    person = person_by_exact_id(person_id, Permission.JOB_PERSON_CLAIM, AuditAction.CARETEAM_CLAIM)
    plan = db.session.scalars(select(Plan).where(Plan.person_id == person.id)).one_or_none()
    if plan is None:
        raise NotFound("This person has no care plan yet.")
    if plan.closed_on is not None:
        _refuse_closed(AuditAction.CARETEAM_CLAIM, person_id)
    data = load()
    cfg = current_app.config
    member = operations.claim(
        db.session, plan, g.user, data["reason"], cfg["CLAIM_DAYS"], cfg["JUSTIFICATION_MIN_CHARS"]
    )
    notices.relationship_claimed(db.session, plan, g.user)
    record(
        AuditAction.CARETEAM_CLAIM,
        person_id=person_id,
        justification=member.reason,
        details={"member_id": member.id, "review": "pending", "until": member.valid_to},
    )
    return member


def break_glass(person_id: uuid.UUID, load: Any) -> dict[str, Any]:
    """Emergency access: recorded with its justification, for IG review and the person."""
    person = person_by_exact_id(
        person_id, Permission.JOB_BREAK_GLASS, AuditAction.BREAKGLASS_INVOKE
    )
    data = load()
    cfg = current_app.config
    row = operations.break_glass(
        db.session,
        person.id,
        g.user,
        data,
        cfg["BREAK_GLASS_HOURS"],
        cfg["JUSTIFICATION_MIN_CHARS"],
    )
    notices.break_glass_used(db.session, person.id, g.user)
    facts = context_for(person)
    opened = [k for k, d in section_views(facts).items() if d.permit]
    record(
        AuditAction.BREAKGLASS_INVOKE,
        person_id=person_id,
        sections=opened,
        reason=row.reason.value,
        justification=row.justification,
        details={"break_glass_id": row.id, "expires_at": iso(row.expires_at)},
    )
    return {
        "id": row.id,
        "reason": row.reason.value,
        "expires_at": iso(row.expires_at),
        "sections": opened,
    }
