"""Consent and refusal, claimed relationships and break-glass, through the decision."""

from __future__ import annotations

import uuid

from flask import Response, current_app, g
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.api.blueprint import bp
from careplan.api.http import documented, json_body, respond
from careplan.core.clock import iso
from careplan.core.errors import NotFound, PreconditionFailed
from careplan.extensions import db
from careplan.plans import presenters as plan_presenters
from careplan.plans.access import plan_access
from careplan.plans.models import Plan
from careplan.plans.schemas import care_team_member_out
from consent import operations, presenters
from consent.decision import Action, decide
from consent.guard import catalogue_keys, facts_for, person_by_exact_id
from consent.models import Consent
from consent.schemas import (
    break_glass_out,
    break_glass_schema,
    claim_schema,
    consent_create,
    consent_out,
    consents_out,
    withdraw_schema,
)

CONSENTS = "/people/<uuid:person_id>/consents"


def _names(rows: list[Consent]) -> dict:
    user_ids = {r.recorded_by_id for r in rows} | {r.withdrawn_by_id for r in rows}
    agency_ids = {r.grantee_agency_id for r in rows}
    user_ids.discard(None)
    agency_ids.discard(None)
    names: dict = {}
    if user_ids:
        names.update(
            {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        )
    if agency_ids:
        names.update(
            {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(agency_ids)))}
        )
    return names


@bp.get(CONSENTS)
@documented("Every consent and refusal, active and past", response=consents_out)
def list_consents(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Action.VIEW_CONSENTS, AuditAction.CONSENT_VIEW)
    rows = operations.consents(db.session, person_id)
    record(AuditAction.CONSENT_VIEW, person_id=person_id, basis={"plan": access.decision.basis})
    names = _names(rows)
    return respond(consents_out.dump([presenters.consent(r, names) for r in rows]))


@bp.post(CONSENTS)
@documented(
    "Record a consent (permit) or a refusal (deny)",
    body=consent_create,
    response=consent_out,
    status=201,
)
def create_consent(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Action.RECORD_CONSENT, AuditAction.CONSENT_CREATE)
    data = json_body(consent_create)
    row = operations.record_consent(db.session, person_id, data, g.user, catalogue_keys())
    record(
        AuditAction.CONSENT_CREATE,
        person_id=person_id,
        sections=row.sections or ["all"],
        basis={"plan": access.decision.basis},
        details={"consent_id": row.id, "effect": row.effect.value},
    )
    return respond(consent_out.dump(presenters.consent(row, _names([row]))), 201, version=1)


@bp.post(f"{CONSENTS}/<uuid:consent_id>/withdraw")
@documented(
    "Withdraw a consent or refusal now (If-Match optional)",
    body=withdraw_schema,
    response=consent_out,
)
def withdraw_consent(person_id: uuid.UUID, consent_id: uuid.UUID) -> Response:
    from flask import request

    access = plan_access(person_id, Action.RECORD_CONSENT, AuditAction.CONSENT_WITHDRAW)
    data = json_body(withdraw_schema) if request.get_data() else {"reason": None}
    row = operations.get_consent(db.session, person_id, consent_id)
    # Withdrawal must never be blocked: If-Match is checked when sent, not required.
    sent = request.headers.get("If-Match")
    if sent and sent.strip('W/"') not in ("*", str(2 if row.withdrawn_at else 1)):
        raise PreconditionFailed()
    row = operations.withdraw(db.session, row, g.user, data["reason"])
    record(
        AuditAction.CONSENT_WITHDRAW,
        person_id=person_id,
        basis={"plan": access.decision.basis},
        details={"consent_id": row.id},
    )
    return respond(consent_out.dump(presenters.consent(row, _names([row]))), version=2)


@bp.post("/people/<uuid:person_id>/care-team/claim")
@documented(
    "Claim a legitimate relationship (found by exact identifier; alerts IG)",
    body=claim_schema,
    response=care_team_member_out,
    status=201,
)
def claim_relationship(person_id: uuid.UUID) -> Response:
    person = person_by_exact_id(person_id, AuditAction.CARETEAM_CLAIM)
    plan = db.session.scalars(select(Plan).where(Plan.person_id == person.id)).one_or_none()
    if plan is None:
        raise NotFound("This person has no care plan yet.")
    data = json_body(claim_schema)
    cfg = current_app.config
    member = operations.claim(
        db.session, plan, g.user, data["reason"], cfg["CLAIM_DAYS"], cfg["JUSTIFICATION_MIN_CHARS"]
    )
    record(
        AuditAction.CARETEAM_CLAIM,
        person_id=person_id,
        justification=member.reason,
        details={"member_id": member.id, "review": "pending", "until": member.valid_to},
    )
    return respond(care_team_member_out.dump(plan_presenters.member(member, True)), 201)


@bp.post("/people/<uuid:person_id>/break-glass")
@documented(
    "Emergency access: time-limited, reviewed by IG, shown to the person",
    body=break_glass_schema,
    response=break_glass_out,
    status=201,
)
def invoke_break_glass(person_id: uuid.UUID) -> Response:
    person = person_by_exact_id(person_id, AuditAction.BREAKGLASS_INVOKE)
    data = json_body(break_glass_schema)
    cfg = current_app.config
    row = operations.break_glass(
        db.session,
        person.id,
        g.user,
        data,
        cfg["BREAK_GLASS_HOURS"],
        cfg["JUSTIFICATION_MIN_CHARS"],
    )
    facts = facts_for(person)
    opened = [k for k in catalogue_keys() if decide(facts, k, Action.VIEW).permit]
    record(
        AuditAction.BREAKGLASS_INVOKE,
        person_id=person_id,
        sections=opened,
        reason=row.reason.value,
        justification=row.justification,
        details={"break_glass_id": row.id, "expires_at": iso(row.expires_at)},
    )
    return respond(
        break_glass_out.dump(
            {
                "id": row.id,
                "reason": row.reason.value,
                "expires_at": iso(row.expires_at),
                "sections": opened,
            }
        ),
        201,
    )
