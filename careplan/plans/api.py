"""The plan as a whole: view (filtered by the decision), create, hand over the key worker."""

from __future__ import annotations

import uuid

from flask import Response, g

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.api.blueprint import bp
from careplan.api.http import documented, json_body, require_version, respond
from careplan.core.errors import NotFound
from careplan.extensions import db
from careplan.plans import operations, presenters
from careplan.plans.access import catalogue, plan_access
from careplan.plans.models import Plan
from careplan.plans.schemas import close_plan, hand_over, key_workers_out, plan_create, plan_out
from consent.decision import Action
from consent.facts import AccessFacts, PlanRow
from consent.guard import person_facts, require, section_decisions


def _filtered_plan(facts: AccessFacts, plan: Plan | PlanRow, audit_action: AuditAction) -> Response:
    decisions = section_decisions(facts, Action.VIEW)
    permitted = {key: d for key, d in decisions.items() if d.permit}
    # Only the permitted sections are read and opened.
    rows = operations.section_views(db.session, plan.id, list(permitted)) if permitted else {}
    shown = {}
    for key in permitted:
        row = rows.get(key) or operations.get_section(db.session, plan, key)
        shown[key] = presenters.section(catalogue().get(key), row)
    withheld = [key for key in decisions if key not in permitted]
    basis = {key: d.basis for key, d in permitted.items()}
    record(
        audit_action,
        person_id=plan.person_id,
        sections=list(permitted),
        withheld=withheld,
        basis=basis,
    )
    return respond(
        plan_out.dump(presenters.plan(plan, shown, withheld, basis)), version=plan.version
    )


@bp.get("/people/<uuid:person_id>/plan")
@documented("The plan, with only the sections you may see", response=plan_out)
def get_plan(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, None, AuditAction.PLAN_VIEW, view=True)
    return _filtered_plan(access.facts, access.plan, AuditAction.PLAN_VIEW)


@bp.get("/me/plan")
@documented("Your own plan, in full (individuals)", response=plan_out)
def get_my_plan() -> Response:
    person_id = g.user.person_id if g.user.is_individual else None
    if person_id is None:
        record(AuditAction.PLAN_VIEW, Outcome.DENY, reason="role")
        raise NotFound("You have no plan linked to your account.")
    return get_plan(person_id)


@bp.post("/people/<uuid:person_id>/plan")
@documented(
    "Create the plan and record the person's agreement",
    body=plan_create,
    response=plan_out,
    status=201,
)
def create_plan(person_id: uuid.UUID) -> Response:
    facts = person_facts(person_id, AuditAction.PLAN_CREATE)
    require(facts, None, Action.CREATE_PLAN, AuditAction.PLAN_CREATE)
    data = json_body(plan_create)
    plan = operations.create_plan(db.session, facts.person, data, g.user, catalogue().keys())
    record(
        AuditAction.PLAN_CREATE,
        person_id=person_id,
        details={"lead_agency_id": plan.lead_agency_id, "key_worker_id": plan.key_worker_id},
    )
    response = _filtered_plan(
        person_facts(person_id, AuditAction.PLAN_VIEW), plan, AuditAction.PLAN_VIEW
    )
    response.status_code = 201
    return response


@bp.put("/people/<uuid:person_id>/plan/key-worker")
@documented(
    "Hand over to a new key worker (If-Match: the plan's version)",
    body=hand_over,
    response=plan_out,
)
def change_key_worker(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Action.HAND_OVER, AuditAction.KEYWORKER_CHANGE)
    data = json_body(hand_over)
    require_version(access.plan.version)
    previous = access.plan.key_worker_id
    plan = operations.hand_over(db.session, access.plan, data, g.user)
    record(
        AuditAction.KEYWORKER_CHANGE,
        person_id=person_id,
        basis={"plan": access.decision.basis},
        details={"from": previous, "to": plan.key_worker_id, "agency": plan.lead_agency_id},
    )
    return respond(
        {
            "version": plan.version,
            "lead_agency": presenters.ref(plan.lead_agency),
            "key_worker": presenters.ref(plan.key_worker),
            "key_worker_agreed": {"on": plan.agreed_on.isoformat(), "how": plan.agreed_how.value},
        },
        version=plan.version,
    )


@bp.get("/people/<uuid:person_id>/plan/key-workers")
@documented("Key worker history, newest first", response=key_workers_out)
def key_worker_history(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Action.VIEW_CARE_TEAM, AuditAction.CARETEAM_VIEW)
    rows = operations.key_worker_history(db.session, access.plan)
    record(
        AuditAction.CARETEAM_VIEW,
        person_id=person_id,
        basis={"plan": access.decision.basis},
        details={"view": "key_worker_history"},
    )
    return respond(key_workers_out.dump([presenters.key_worker(r) for r in rows]))


@bp.post("/people/<uuid:person_id>/plan/close")
@documented(
    "Close the plan (If-Match: the plan's version): read-only from now, erased "
    "after the retention period",
    body=close_plan,
)
def close_plan_route(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Action.CLOSE_PLAN, AuditAction.PLAN_CLOSE)
    data = json_body(close_plan)
    require_version(access.plan.version)
    plan = operations.close(db.session, access.plan, data, g.user)
    record(
        AuditAction.PLAN_CLOSE,
        person_id=person_id,
        basis={"plan": access.decision.basis},
        details={"reason": plan.closed_reason, "closed_on": plan.closed_on},
    )
    return respond(
        {
            "closed_on": plan.closed_on.isoformat(),
            "reason": plan.closed_reason,
            "version": plan.version,
        },
        version=plan.version,
    )
