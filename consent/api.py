"""Consent and refusal, claimed relationships and break-glass, through the decision."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_OPTIONAL, check_version, documented, json_body, respond
from careplan.extensions import db
from careplan.plans import presenters as plan_presenters
from careplan.plans.schemas import care_team_member_out
from consent import operations, presenters, services
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


@bp.get(CONSENTS)
@documented("Every consent and refusal, active and past", response=consents_out)
@requires(Permission.PERSON_CONSENTS_VIEW, AuditAction.CONSENT_VIEW)
def list_consents(person_id: uuid.UUID) -> Response:
    return respond(consents_out.dump(services.list_consents(person_id)))


@bp.post(CONSENTS)
@documented(
    "Record a consent (permit) or a refusal (deny)",
    body=consent_create,
    response=consent_out,
    status=201,
    versioned=True,
)
@requires(Permission.PERSON_CONSENT_RECORD, AuditAction.CONSENT_CREATE)
def create_consent(person_id: uuid.UUID) -> Response:
    row = services.record_consent(person_id, lambda: json_body(consent_create))
    body = presenters.consent(row, services.names([row]))
    return respond(consent_out.dump(body), 201, version=1)


@bp.post(f"{CONSENTS}/<uuid:consent_id>/withdraw")
@documented(
    "Withdraw a consent or refusal now (If-Match optional; when sent, checked)",
    body=withdraw_schema,
    response=consent_out,
    if_match=IF_MATCH_OPTIONAL,
    body_required=False,
    errors=(409,),
)
@requires(Permission.PERSON_CONSENT_RECORD, AuditAction.CONSENT_WITHDRAW)
def withdraw_consent(person_id: uuid.UUID, consent_id: uuid.UUID) -> Response:
    from flask import request

    access = services.withdrawal_access(person_id)
    data = json_body(withdraw_schema) if request.get_data() else {"reason": None}
    row = operations.get_consent(db.session, person_id, consent_id)
    # Withdrawal must never be blocked: If-Match is checked when sent, not required.
    check_version(2 if row.withdrawn_at else 1, required=False)
    row = services.withdraw(access, row, data["reason"])
    body = presenters.consent(row, services.names([row]))
    return respond(consent_out.dump(body), version=2)


@bp.post("/people/<uuid:person_id>/care-team/claim")
@documented(
    "Claim a legitimate relationship (found by exact identifier; alerts IG)",
    body=claim_schema,
    response=care_team_member_out,
    status=201,
    errors=(409,),
)
@requires(Permission.JOB_PERSON_CLAIM, AuditAction.CARETEAM_CLAIM)
def claim_relationship(person_id: uuid.UUID) -> Response:
    member = services.claim(person_id, lambda: json_body(claim_schema))
    return respond(care_team_member_out.dump(plan_presenters.member(member, True)), 201)


@bp.post("/people/<uuid:person_id>/break-glass")
@documented(
    "Emergency access: time-limited, reviewed by IG, shown to the person",
    body=break_glass_schema,
    response=break_glass_out,
    status=201,
)
@requires(Permission.JOB_BREAK_GLASS, AuditAction.BREAKGLASS_INVOKE)
def invoke_break_glass(person_id: uuid.UUID) -> Response:
    opened = services.break_glass(person_id, lambda: json_body(break_glass_schema))
    return respond(break_glass_out.dump(opened), 201)
